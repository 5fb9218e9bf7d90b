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
///
/// Errors are sticky: the first one is kept (with its offset) and from then on every read
/// consumes nothing and returns a cheap default (0, `""`, an empty list), so a value is
/// always built in straight-line code and the error is looked at once, by
/// [`Reader::finish`]. Propagating a `Result` from every field instead gave each field an
/// error branch and drop glue for the half-built value: some 25 KB of the agent's wasm.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: u8,
    /// The first damage met, if any.
    err: Option<WireError>,
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
        Self { bytes, pos: 0, depth: 0, err: None, patterns, refused: None }
    }

    /// A whole `T` from `bytes` (which hold no patterns).
    pub(crate) fn read<T: Wire>(bytes: &'a [u8]) -> Result<T, WireError> {
        let mut r = Self::new(bytes);
        let value = r.get();
        r.finish(value)
    }

    /// Records damage at the current position, unless damage was met before.
    pub(crate) fn fail(&mut self, what: &'static str) {
        self.fail_at(self.pos, what);
    }

    // Out of line: damage is rare, and every field type has a place that can fail.
    #[cold]
    #[inline(never)]
    fn fail_at(&mut self, at: usize, what: &'static str) {
        self.err.get_or_insert(WireError { at, what });
    }

    /// Whether damage was met: what was read since is defaults.
    pub(crate) fn failed(&self) -> bool {
        self.err.is_some()
    }

    /// `value`, unless damage was met or bytes follow it (what follows a whole value is
    /// damage too).
    pub(crate) fn finish<T>(mut self, value: T) -> Result<T, WireError> {
        if self.pos < self.bytes.len() {
            self.fail("trailing bytes");
        }
        match self.err {
            None => Ok(value),
            Some(e) => Err(e),
        }
    }

    pub(crate) fn byte(&mut self) -> u8 {
        match self.bytes.get(self.pos) {
            Some(&b) if !self.failed() => {
                self.pos += 1;
                b
            }
            _ => {
                self.fail("unexpected end");
                0
            }
        }
    }

    pub(crate) fn take(&mut self, n: usize) -> &'a [u8] {
        match self.pos.checked_add(n).and_then(|end| self.bytes.get(self.pos..end)) {
            Some(s) if !self.failed() => {
                self.pos += n;
                s
            }
            _ => {
                self.fail("unexpected end");
                &[]
            }
        }
    }

    pub(crate) fn uint(&mut self) -> u64 {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte();
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return if self.failed() { 0 } else { v };
            }
        }
        self.fail("integer too long");
        0
    }

    /// An integer that must not exceed `max`.
    fn uint_upto(&mut self, max: u64) -> u64 {
        let v = self.uint();
        if v > max {
            self.fail("integer out of range");
            return 0;
        }
        v
    }

    /// A byte that must be 0 or 1.
    fn flag(&mut self, what: &'static str) -> bool {
        match self.byte() {
            0 => false,
            1 => true,
            _ => {
                self.fail(what);
                false
            }
        }
    }

    /// A count of items that follow; it cannot exceed the bytes left (each item takes one).
    pub(crate) fn len(&mut self) -> usize {
        let n = self.uint();
        match usize::try_from(n) {
            Ok(n) if n <= self.bytes.len().saturating_sub(self.pos) => n,
            _ => {
                self.fail("length beyond the end");
                0
            }
        }
    }

    /// Whether another of the `left` items of a list is to be read: none is once damage
    /// was met, so a count read before the damage cannot make defaults pile up.
    pub(crate) fn more(&self, left: &mut usize) -> bool {
        if *left == 0 || self.failed() {
            return false;
        }
        *left -= 1;
        true
    }

    fn str(&mut self) -> &'a str {
        let n = self.len();
        let start = self.pos;
        match std::str::from_utf8(self.take(n)) {
            Ok(s) => s,
            Err(_) => {
                self.fail_at(start, "invalid UTF-8");
                ""
            }
        }
    }

    /// An owned string, in one function rather than one per type that holds strings.
    pub(crate) fn string(&mut self) -> String {
        self.str().to_string()
    }

    /// Reads what [`Writer::pairs`] wrote, handing each key and value to `insert` (one by
    /// one: collecting into a map sorts first, and each sort instance weighs kilobytes of
    /// wasm).
    pub(crate) fn pairs<K: Wire, V: Wire>(&mut self, mut insert: impl FnMut(K, V)) {
        let mut left = self.len();
        self.nested(|r| {
            while r.more(&mut left) {
                let k = r.get();
                insert(k, r.get());
            }
        });
    }

    /// Runs `f` one nesting level deeper. Past [`MAX_DEPTH`] it runs on a failed reader,
    /// which reads nothing: lists stop at once and an enum reads its first variant, which
    /// holds no more than a list, so the stack stops growing there.
    pub(crate) fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.enter();
        let v = f(self);
        self.depth -= 1;
        v
    }

    // Out of line: one copy serves every instance of `nested`.
    #[inline(never)]
    fn enter(&mut self) {
        if self.depth >= MAX_DEPTH {
            self.fail("nested too deeply");
        }
        self.depth += 1;
    }

    /// Reads a `T`.
    pub(crate) fn get<T: Wire>(&mut self) -> T {
        T::get(self)
    }
}

/// A value with a byte encoding.
pub(crate) trait Wire: Sized {
    fn put(&self, w: &mut Writer);
    /// Reads a value; on damage, whatever the failed [`Reader`] yields.
    fn get(r: &mut Reader<'_>) -> Self;
}

impl Wire for u64 {
    fn put(&self, w: &mut Writer) {
        w.uint(*self);
    }
    fn get(r: &mut Reader<'_>) -> Self {
        r.uint()
    }
}

macro_rules! narrow_uint {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn put(&self, w: &mut Writer) {
                w.uint(u64::from(*self));
            }
            fn get(r: &mut Reader<'_>) -> Self {
                <$t>::try_from(r.uint_upto(<$t>::MAX.into())).unwrap_or(0)
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
    fn get(r: &mut Reader<'_>) -> Self {
        let v = r.uint();
        (v >> 1) as i64 ^ -((v & 1) as i64)
    }
}

impl Wire for i32 {
    fn put(&self, w: &mut Writer) {
        i64::from(*self).put(w);
    }
    fn get(r: &mut Reader<'_>) -> Self {
        i32::try_from(i64::get(r)).unwrap_or_else(|_| {
            r.fail("integer out of range");
            0
        })
    }
}

impl Wire for f64 {
    fn put(&self, w: &mut Writer) {
        w.0.extend_from_slice(&self.to_le_bytes());
    }
    fn get(r: &mut Reader<'_>) -> Self {
        // A failed read gives no bytes, hence 0.
        r.take(8).try_into().map_or(0.0, f64::from_le_bytes)
    }
}

impl Wire for bool {
    fn put(&self, w: &mut Writer) {
        w.byte(u8::from(*self));
    }
    fn get(r: &mut Reader<'_>) -> Self {
        r.flag("invalid bool")
    }
}

impl Wire for String {
    fn put(&self, w: &mut Writer) {
        w.str(self);
    }
    fn get(r: &mut Reader<'_>) -> Self {
        r.string()
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
    fn get(r: &mut Reader<'_>) -> Self {
        r.flag("invalid option tag").then(|| T::get(r))
    }
}

impl<T: Wire> Wire for Box<T> {
    fn put(&self, w: &mut Writer) {
        (**self).put(w);
    }
    fn get(r: &mut Reader<'_>) -> Self {
        Box::new(r.nested(T::get))
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn put(&self, w: &mut Writer) {
        w.list(self.iter());
    }
    fn get(r: &mut Reader<'_>) -> Self {
        let mut left = r.len();
        r.nested(|r| {
            // No `with_capacity(n)`: a hostile count would reserve n times the item size.
            let mut items = Vec::new();
            while r.more(&mut left) {
                items.push(T::get(r));
            }
            items
        })
    }
}

impl<A: Wire, B: Wire> Wire for (A, B) {
    fn put(&self, w: &mut Writer) {
        w.put(&self.0);
        w.put(&self.1);
    }
    fn get(r: &mut Reader<'_>) -> Self {
        let a = r.get();
        (a, r.get())
    }
}

/// Nothing: so a [`StrSet`](crate::map::StrSet) is written as its list of keys.
impl Wire for () {
    fn put(&self, _: &mut Writer) {}
    fn get(_: &mut Reader<'_>) -> Self {}
}

impl<V: Wire> Wire for StrMap<V> {
    fn put(&self, w: &mut Writer) {
        w.pairs(self.len(), self.iter());
    }
    fn get(r: &mut Reader<'_>) -> Self {
        let mut map = StrMap::new();
        r.pairs(|k, v| {
            map.insert(k, v);
        });
        map
    }
}

/// `Wire` for a struct: its fields in order. Fields listed after `skip` do not travel and
/// are read as their default (an authored form whose compiled form travels instead).
macro_rules! record {
    ($t:ident { $($f:ident),* $(,)? } $(skip { $($s:ident),* $(,)? })?) => {
        impl $crate::wire::codec::Wire for $t {
            fn put(&self, w: &mut $crate::wire::codec::Writer) {
                $( w.put(&self.$f); )*
            }
            fn get(r: &mut $crate::wire::codec::Reader<'_>) -> Self {
                Self { $( $f: r.get(), )* $($( $s: Default::default(), )*)? }
            }
        }
    };
}

/// `Wire` for a fieldless enum: one byte, the variant's position in this list (so the list
/// must only ever grow at its end). An unknown byte reads as the first variant (the
/// reader has failed by then).
macro_rules! unit_enum {
    ($t:ident [ $first:ident $(, $v:ident)* $(,)? ]) => {
        impl $crate::wire::codec::Wire for $t {
            fn put(&self, w: &mut $crate::wire::codec::Writer) {
                const ALL: &[$t] = &[$t::$first $(, $t::$v)*];
                w.byte(ALL.iter().position(|v| v == self).unwrap_or(0) as u8);
            }
            fn get(r: &mut $crate::wire::codec::Reader<'_>) -> Self {
                const ALL: &[$t] = &[$t::$first $(, $t::$v)*];
                let b = r.byte();
                match ALL.get(usize::from(b)) {
                    Some(v) => *v,
                    None => {
                        r.fail(concat!("unknown ", stringify!($t)));
                        $t::$first
                    }
                }
            }
        }
    };
}

/// `Wire` for an enum whose variants carry fields: a tag byte (given per variant, so
/// variants can be reordered in the source without moving their codes), then the
/// variant's fields in order. Variants are written `tag => Unit`, `tag => Tuple(a, b)` or
/// `tag => Struct { a, b }` (every field named). An unknown tag reads as the first
/// variant, its fields read from the failed reader; so that variant must not hold the
/// enum itself other than in a list, or a failed read would recurse without end.
macro_rules! tagged {
    ($t:ident {
        $tag0:literal => $v0:ident $( ( $($p0:ident),* ) )? $( { $($f0:ident),* } )?
        $(, $tag:literal => $v:ident $( ( $($p:ident),* ) )? $( { $($f:ident),* } )?)* $(,)?
    }) => {
        impl $crate::wire::codec::Wire for $t {
            fn put(&self, w: &mut $crate::wire::codec::Writer) {
                match self {
                    $t::$v0 $( ( $($p0),* ) )? $( { $($f0),* } )? => {
                        w.byte($tag0);
                        $( $( w.put($p0); )* )?
                        $( $( w.put($f0); )* )?
                    }
                    $( $t::$v $( ( $($p),* ) )? $( { $($f),* } )? => {
                        w.byte($tag);
                        $( $( w.put($p); )* )?
                        $( $( w.put($f); )* )?
                    } )*
                }
            }
            fn get(r: &mut $crate::wire::codec::Reader<'_>) -> Self {
                match r.byte() {
                    $( $tag => $t::$v $( ( $( { let $p = r.get(); $p } ),* ) )? $( { $($f: r.get()),* } )?, )*
                    tag => {
                        if tag != $tag0 {
                            r.fail(concat!("unknown ", stringify!($t)));
                        }
                        $t::$v0 $( ( $( { let $p0 = r.get(); $p0 } ),* ) )? $( { $($f0: r.get()),* } )?
                    }
                }
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
        assert_eq!(Reader::read::<T>(&w.0).ok(), Some(v));
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
        let err = |bytes: &[u8]| Reader::read::<Vec<String>>(bytes).err();
        assert_eq!(err(&[]), Some(WireError { at: 0, what: "unexpected end" }));
        assert_eq!(err(&[200, 1]), Some(WireError { at: 2, what: "length beyond the end" }));
        assert_eq!(err(&[1, 2, 0xff, 0xfe]), Some(WireError { at: 2, what: "invalid UTF-8" }));
        assert_eq!(Reader::read::<u64>(&[0x80; 11]).err().map(|e| e.what), Some("integer too long"));
        assert_eq!(Reader::read::<u32>(&[0x80, 0x80, 0x80, 0x80, 0x10]).err().map(|e| e.at), Some(5));
    }

    #[test]
    fn the_first_damage_is_the_one_reported() {
        // Three options claimed, the second has tag 2; what follows is never read.
        let err = Reader::read::<Vec<Option<u64>>>(&[3, 1, 5, 2, 9, 9]).err();
        assert_eq!(err, Some(WireError { at: 4, what: "invalid option tag" }));
    }
}
