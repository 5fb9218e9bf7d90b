//! The byte codec under the guide feed and the persisted user state: LEB128 integers,
//! length-prefixed UTF-8, one tag byte per enum, fields in declaration order.
//!
//! It is written by hand rather than derived with serde because the browser agent decodes
//! it: serde's generated visitors and a text parser weighed most of the agent's wasm, while
//! this reader is a few hundred bytes per type and never parses text.

use std::fmt;
use std::rc::Rc;

use crate::map::StrMap;
use crate::pattern::{Matcher, PatternCompiler};

/// Nesting beyond this (conditions, markdown, JSON values) is refused, so a hostile feed
/// cannot overflow the agent's 64 KiB stack.
const MAX_DEPTH: u8 = 48;

/// Why bytes could not be decoded, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    /// Byte offset of the problem.
    pub at: usize,
    /// What was wrong there.
    pub what: &'static str,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "byte {}: {}", self.at, self.what)
    }
}

impl std::error::Error for WireError {}

/// Appends encoded values.
#[derive(Default)]
pub(crate) struct Writer(pub(crate) Vec<u8>);

impl Writer {
    pub(crate) fn byte(&mut self, b: u8) {
        self.0.push(b);
    }

    /// Unsigned LEB128.
    pub(crate) fn uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    pub(crate) fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    /// Writes `v` and everything it holds.
    pub(crate) fn put<T: Wire>(&mut self, v: &T) {
        v.put(self);
    }

    /// Writes a count, then each key and value: the layout of every map.
    pub(crate) fn pairs<'a, K: Wire + 'a, V: Wire + 'a>(
        &mut self,
        len: usize,
        pairs: impl Iterator<Item = (&'a K, &'a V)>,
    ) {
        self.uint(len as u64);
        for (k, v) in pairs {
            k.put(self);
            v.put(self);
        }
    }

    /// Writes a count, then the items.
    fn list<'a, T: Wire + 'a>(&mut self, items: impl ExactSizeIterator<Item = &'a T>) {
        self.uint(items.len() as u64);
        for v in items {
            v.put(self);
        }
    }
}

/// Reads encoded values, remembering where it is for errors.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: u8,
    /// Compiles the patterns met on the way.
    pub(crate) patterns: &'a dyn PatternCompiler,
    /// The first pattern `patterns` refused since this was last cleared: not damage, but
    /// the guide being read cannot run.
    pub(crate) refused: Option<String>,
}

/// For readers of values without patterns.
struct NoPatterns;

impl PatternCompiler for NoPatterns {
    fn compile(&self, _: &str) -> Result<Rc<dyn Matcher>, String> {
        Err("no pattern is expected here".into())
    }
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self::with_patterns(bytes, &NoPatterns)
    }

    pub(crate) fn with_patterns(bytes: &'a [u8], patterns: &'a dyn PatternCompiler) -> Self {
        Self { bytes, pos: 0, depth: 0, patterns, refused: None }
    }

    /// An error at the current position.
    pub(crate) fn fail<T>(&self, what: &'static str) -> Result<T, WireError> {
        Err(WireError { at: self.pos, what })
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// `value`, once every byte has been read: what follows a whole value is damage.
    pub(crate) fn finish<T>(&self, value: T) -> Result<T, WireError> {
        if self.at_end() { Ok(value) } else { self.fail("trailing bytes") }
    }

    pub(crate) fn byte(&mut self) -> Result<u8, WireError> {
        let Some(&b) = self.bytes.get(self.pos) else { return self.fail("unexpected end") };
        self.pos += 1;
        Ok(b)
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let Some(s) = self.pos.checked_add(n).and_then(|end| self.bytes.get(self.pos..end)) else {
            return self.fail("unexpected end");
        };
        self.pos += n;
        Ok(s)
    }

    pub(crate) fn uint(&mut self) -> Result<u64, WireError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        self.fail("integer too long")
    }

    /// A count of items that follow; it cannot exceed the bytes left (each item takes one).
    pub(crate) fn len(&mut self) -> Result<usize, WireError> {
        let n = self.uint()?;
        match usize::try_from(n) {
            Ok(n) if n <= self.bytes.len().saturating_sub(self.pos) => Ok(n),
            _ => self.fail("length beyond the end"),
        }
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, WireError> {
        let n = self.len()?;
        let start = self.pos;
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes).map_err(|_| WireError { at: start, what: "invalid UTF-8" })
    }

    /// Reads what [`Writer::pairs`] wrote, handing each key and value to `insert` (one by
    /// one: collecting into a map sorts first, and each sort instance weighs kilobytes of
    /// wasm).
    pub(crate) fn pairs<K: Wire, V: Wire>(&mut self, mut insert: impl FnMut(K, V)) -> Result<(), WireError> {
        let n = self.len()?;
        self.nested(|r| {
            for _ in 0..n {
                let k = r.get()?;
                insert(k, r.get()?);
            }
            Ok(())
        })
    }

    /// Runs `f` one nesting level deeper.
    pub(crate) fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, WireError>,
    ) -> Result<T, WireError> {
        if self.depth >= MAX_DEPTH {
            return self.fail("nested too deeply");
        }
        self.depth += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }

    /// Reads a `T`.
    pub(crate) fn get<T: Wire>(&mut self) -> Result<T, WireError> {
        T::get(self)
    }
}

/// A value with a byte encoding.
pub(crate) trait Wire: Sized {
    fn put(&self, w: &mut Writer);
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError>;
}

impl Wire for u64 {
    fn put(&self, w: &mut Writer) {
        w.uint(*self);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        r.uint()
    }
}

macro_rules! narrow_uint {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn put(&self, w: &mut Writer) {
                w.uint(u64::from(*self));
            }
            fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
                let v = r.uint()?;
                <$t>::try_from(v).or_else(|_| r.fail("integer out of range"))
            }
        }
    )*};
}
narrow_uint!(u16, u32);

/// Signed integers are zigzag-encoded so small negatives stay small.
impl Wire for i64 {
    fn put(&self, w: &mut Writer) {
        w.uint(((*self << 1) ^ (*self >> 63)) as u64);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let v = r.uint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }
}

impl Wire for i32 {
    fn put(&self, w: &mut Writer) {
        i64::from(*self).put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let v = i64::get(r)?;
        i32::try_from(v).or_else(|_| r.fail("integer out of range"))
    }
}

impl Wire for f64 {
    fn put(&self, w: &mut Writer) {
        w.0.extend_from_slice(&self.to_le_bytes());
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let b = r.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_le_bytes(a))
    }
}

impl Wire for bool {
    fn put(&self, w: &mut Writer) {
        w.byte(u8::from(*self));
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => r.fail("invalid bool"),
        }
    }
}

impl Wire for String {
    fn put(&self, w: &mut Writer) {
        w.str(self);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        r.str().map(str::to_string)
    }
}

impl<T: Wire> Wire for Option<T> {
    fn put(&self, w: &mut Writer) {
        match self {
            None => w.byte(0),
            Some(v) => {
                w.byte(1);
                v.put(w);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.byte()? {
            0 => Ok(None),
            1 => T::get(r).map(Some),
            _ => r.fail("invalid option tag"),
        }
    }
}

impl<T: Wire> Wire for Box<T> {
    fn put(&self, w: &mut Writer) {
        (**self).put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        r.nested(T::get).map(Box::new)
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn put(&self, w: &mut Writer) {
        w.list(self.iter());
    }
    // A plain loop: collecting `Result`s weighs more wasm per item type.
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let n = r.len()?;
        r.nested(|r| {
            // No `with_capacity(n)`: a hostile count would reserve n times the item size.
            let mut items = Vec::new();
            for _ in 0..n {
                items.push(T::get(r)?);
            }
            Ok(items)
        })
    }
}

impl<A: Wire, B: Wire> Wire for (A, B) {
    fn put(&self, w: &mut Writer) {
        w.put(&self.0);
        w.put(&self.1);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok((r.get()?, r.get()?))
    }
}

/// Nothing: so a [`StrSet`](crate::map::StrSet) is written as its list of keys.
impl Wire for () {
    fn put(&self, _: &mut Writer) {}
    fn get(_: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(())
    }
}

impl<V: Wire> Wire for StrMap<V> {
    fn put(&self, w: &mut Writer) {
        w.pairs(self.len(), self.iter());
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let mut map = StrMap::new();
        r.pairs(|k, v| {
            map.insert(k, v);
        })?;
        Ok(map)
    }
}

/// `Wire` for a struct: its fields in order.
macro_rules! record {
    ($t:ident { $($f:ident),* $(,)? }) => {
        impl $crate::wire::codec::Wire for $t {
            fn put(&self, w: &mut $crate::wire::codec::Writer) {
                $( w.put(&self.$f); )*
            }
            fn get(r: &mut $crate::wire::codec::Reader<'_>) -> Result<Self, $crate::wire::codec::WireError> {
                Ok(Self { $( $f: r.get()?, )* })
            }
        }
    };
}

/// `Wire` for a fieldless enum: one byte, the variant's position in this list (so the list
/// must only ever grow at its end).
macro_rules! unit_enum {
    ($t:ident [ $($v:ident),* $(,)? ]) => {
        impl $crate::wire::codec::Wire for $t {
            fn put(&self, w: &mut $crate::wire::codec::Writer) {
                const ALL: &[$t] = &[$($t::$v),*];
                w.byte(ALL.iter().position(|v| v == self).unwrap_or(0) as u8);
            }
            fn get(r: &mut $crate::wire::codec::Reader<'_>) -> Result<Self, $crate::wire::codec::WireError> {
                const ALL: &[$t] = &[$($t::$v),*];
                let b = r.byte()?;
                match ALL.get(usize::from(b)) {
                    Some(v) => Ok(*v),
                    None => r.fail(concat!("unknown ", stringify!($t))),
                }
            }
        }
    };
}

/// `Wire` for an enum whose variants carry fields: a tag byte (given per variant, so
/// variants can be reordered in the source without moving their codes), then the
/// variant's fields in order. Variants are written `tag => Unit`, `tag => Tuple(a, b)` or
/// `tag => Struct { a, b }` (every field named).
macro_rules! tagged {
    ($t:ident { $($tag:literal => $v:ident $( ( $($p:ident),* ) )? $( { $($f:ident),* } )?),* $(,)? }) => {
        impl $crate::wire::codec::Wire for $t {
            fn put(&self, w: &mut $crate::wire::codec::Writer) {
                match self {
                    $( $t::$v $( ( $($p),* ) )? $( { $($f),* } )? => {
                        w.byte($tag);
                        $( $( w.put($p); )* )?
                        $( $( w.put($f); )* )?
                    } )*
                }
            }
            fn get(r: &mut $crate::wire::codec::Reader<'_>) -> Result<Self, $crate::wire::codec::WireError> {
                Ok(match r.byte()? {
                    $( $tag => $t::$v $( ( $( { let $p = r.get()?; $p } ),* ) )? $( { $($f: r.get()?),* } )?, )*
                    _ => return r.fail(concat!("unknown ", stringify!($t))),
                })
            }
        }
    };
}

pub(crate) use {record, tagged, unit_enum};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::StrSet;

    fn round<T: Wire + PartialEq + fmt::Debug>(v: T) {
        let mut w = Writer::default();
        w.put(&v);
        let mut r = Reader::new(&w.0);
        assert_eq!(r.get::<T>().ok(), Some(v));
        assert!(r.at_end());
    }

    #[test]
    fn primitives_round_trip() {
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            round(v);
        }
        for v in [0i64, -1, 1, -64, 64, i64::MIN, i64::MAX] {
            round(v);
        }
        round(i32::MIN);
        round(-0.5f64);
        round("日本語 ✓".to_string());
        round(Some(vec![true, false]));
        round(StrMap::from([("a".to_string(), 1u32)]));
        round(StrSet::from([("x".to_string(), ())]));
    }

    #[test]
    fn bad_bytes_are_located_errors_not_panics() {
        let err = |bytes: &[u8]| Reader::new(bytes).get::<Vec<String>>().err();
        assert_eq!(err(&[]), Some(WireError { at: 0, what: "unexpected end" }));
        assert_eq!(err(&[200, 1]), Some(WireError { at: 2, what: "length beyond the end" }));
        assert_eq!(err(&[1, 2, 0xff, 0xfe]), Some(WireError { at: 2, what: "invalid UTF-8" }));
        assert_eq!(Reader::new(&[0x80; 11]).get::<u64>().err().map(|e| e.what), Some("integer too long"));
        assert_eq!(Reader::new(&[0x80, 0x80, 0x80, 0x80, 0x10]).get::<u32>().err().map(|e| e.at), Some(5));
    }
}
