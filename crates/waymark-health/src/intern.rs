//! Names kept once per aggregate (accounts, guides, steps, pages, ...) and ids reduced to hashes.

use rustc_hash::FxHashMap;

/// An interned name: an index into one aggregate's [`Names`]; meaningless in another aggregate.
pub(crate) type Sym = u32;

/// "No name" (an event without a guide or step).
pub(crate) const NONE: Sym = u32::MAX;

/// Session and user ids become 64-bit hashes: distinct counts are unions of these sets.
///
/// XXH3 is a specified hash whose output never changes between releases or platforms, so
/// states encoded by different builds still count the same user once. With 2^64 values a
/// collision among a million ids has a probability of about 3e-8.
pub(crate) fn hash_id(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

/// The names one aggregate has seen, each stored once.
#[derive(Clone, Debug, Default)]
pub(crate) struct Names {
    index: FxHashMap<Box<str>, Sym>,
    names: Vec<Box<str>>,
}

impl Names {
    /// The symbol of `name`, adding it when new. Past four billion names it answers [`NONE`].
    pub(crate) fn intern(&mut self, name: &str) -> Sym {
        if let Some(&sym) = self.index.get(name) {
            return sym;
        }
        let Ok(sym) = Sym::try_from(self.names.len()) else { return NONE };
        if sym == NONE {
            return NONE;
        }
        self.names.push(name.into());
        self.index.insert(name.into(), sym);
        sym
    }

    /// The symbol of an optional name, trying `hint` (the previous answer) first.
    pub(crate) fn intern_hinted(&mut self, name: Option<&str>, hint: &mut Sym) -> Sym {
        let Some(name) = name else { return NONE };
        if self.get(*hint) != Some(name) {
            *hint = self.intern(name);
        }
        *hint
    }

    /// The name of a symbol (`None` for [`NONE`]).
    pub(crate) fn get(&self, sym: Sym) -> Option<&str> {
        self.names.get(sym as usize).map(|n| &**n)
    }

    /// Every name, by symbol.
    pub(crate) fn all(&self) -> &[Box<str>] {
        &self.names
    }

    /// Whether nothing was interned yet.
    pub(crate) fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}
