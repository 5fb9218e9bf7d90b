//! A map keyed by strings, kept as a sorted list.
//!
//! The maps the agent carries are small (a user's guides, features, milestones; a text's
//! locales), and each `BTreeMap` instance weighs about 5 KB of wasm for its node code,
//! while a sorted list costs a binary search and a `Vec::insert`. Iteration is in key
//! order, as a `BTreeMap`'s, so encodings and JSON do not change.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Values by string key, in key order.
#[derive(Clone, PartialEq, Eq)]
pub struct StrMap<V>(Vec<(String, V)>);

/// String keys, in order: a [`StrMap`] without values.
pub type StrSet = StrMap<()>;

impl<V> Default for StrMap<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V> StrMap<V> {
    /// An empty map.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// Where `key` is, or where it would go.
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// The value for `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        let i = self.find(key).ok()?;
        self.0.get(i).map(|(_, v)| v)
    }

    /// The value for `key`, to change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let i = self.find(key).ok()?;
        self.0.get_mut(i).map(|(_, v)| v)
    }

    /// Whether `key` has a value.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it replaced.
    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => self.0.get_mut(i).map(|(_, v)| std::mem::replace(v, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// The value for `key`, inserting `V::default()` first when there is none.
    // The index was just found or filled, so it is in bounds.
    #[allow(clippy::indexing_slicing)]
    pub fn or_default(&mut self, key: &str) -> &mut V
    where
        V: Default,
    {
        let i = match self.find(key) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (key.to_string(), V::default()));
                i
            }
        };
        &mut self.0[i].1
    }

    /// The pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> + Clone {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> + Clone {
        self.0.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> + Clone {
        self.0.iter().map(|(_, v)| v)
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl StrSet {
    /// Whether `key` is in the set.
    pub fn contains(&self, key: &str) -> bool {
        self.contains_key(key)
    }

    /// Adds `key`; whether it was new.
    pub fn add(&mut self, key: String) -> bool {
        self.insert(key, ()).is_none()
    }
}

impl<V> IntoIterator for StrMap<V> {
    type Item = (String, V);
    type IntoIter = std::vec::IntoIter<(String, V)>;

    /// The pairs in key order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<V: fmt::Debug> fmt::Debug for StrMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V> FromIterator<(String, V)> for StrMap<V> {
    /// Later pairs replace earlier ones with the same key, as in a `BTreeMap`.
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        let mut map = Self::new();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

impl<const N: usize, V> From<[(String, V); N]> for StrMap<V> {
    fn from(pairs: [(String, V); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl<V: Serialize> Serialize for StrMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for StrMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pairs<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Pairs<V> {
            type Value = StrMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<StrMap<V>, A::Error> {
                let mut map = StrMap::new();
                while let Some((k, v)) = access.next_entry::<String, V>()? {
                    map.insert(k, v);
                }
                Ok(map)
            }
        }
        d.deserialize_map(Pairs(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn behaves_as_a_btree_map(ops in prop::collection::vec(("[a-e]{0,2}", 0u32..9, any::<bool>()), 0..40)) {
            let mut ours = StrMap::new();
            let mut std = BTreeMap::new();
            for (k, v, bump) in ops {
                if bump {
                    *ours.or_default(&k) += v;
                    *std.entry(k.clone()).or_default() += v;
                } else {
                    prop_assert_eq!(ours.insert(k.clone(), v), std.insert(k.clone(), v));
                }
                prop_assert_eq!(ours.get(&k), std.get(&k));
            }
            prop_assert!(ours.iter().eq(std.iter()));
            prop_assert_eq!(ours.len(), std.len());
            prop_assert_eq!(serde_json::to_string(&ours).ok(), serde_json::to_string(&std).ok());
        }
    }

    #[test]
    fn reads_and_writes_json_objects_like_a_btree_map() {
        let map: StrMap<u32> = serde_json::from_str(r#"{"b": 2, "a": 1, "b": 3}"#).unwrap_or_default();
        assert_eq!(map, StrMap::from([("a".to_string(), 1), ("b".to_string(), 3)]));
        assert_eq!(serde_json::to_string(&map).ok().as_deref(), Some(r#"{"a":1,"b":3}"#));
        assert!(serde_json::from_str::<StrMap<u32>>("[1]").is_err());
        assert_eq!(format!("{map:?}"), r#"{"a": 1, "b": 3}"#);
    }
}
