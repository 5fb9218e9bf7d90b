//! The state's stable binary encoding: `WMHS`, a little-endian `u16` format version, then the
//! state in postcard 1.x (a specified wire format) with names in one sorted table.
//!
//! The encoding is canonical: the same logical state always gives the same bytes, whatever
//! order events were added or shards merged in. Stall kinds travel as their stable codes
//! ([`StallKind::code`]), never as the enum's declaration order.

use serde::{Deserialize, Serialize};
use waymark_core::StallKind;

use crate::intern::{NONE, Sym};
use crate::sketch::Sketch;
use crate::state::{Aggregate, Day, FeatureDay, GuideDay, Point, PointKey};

/// The first four bytes of an encoded state.
pub const MAGIC: [u8; 4] = *b"WMHS";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
const HEADER: usize = 6;

/// Why bytes could not be decoded into an [`Aggregate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Fewer bytes than the header.
    #[error("health state is {len} bytes, shorter than its {HEADER}-byte header")]
    TooShort {
        /// Bytes given.
        len: usize,
    },
    /// The first four bytes are not [`MAGIC`].
    #[error("not a health state: it starts with {found:02x?}, expected the magic `WMHS`")]
    BadMagic {
        /// The first four bytes.
        found: [u8; 4],
    },
    /// A format version this build cannot read.
    #[error(
        "health state format version {found} is not supported; this build reads version {FORMAT_VERSION}"
    )]
    UnsupportedVersion {
        /// The version in the header.
        found: u16,
    },
    /// The payload is cut short or is not a state.
    #[error("health state payload is malformed: {reason}")]
    Malformed {
        /// What the decoder found.
        reason: String,
    },
    /// Bytes after the end of the state.
    #[error("health state has {count} unexpected bytes after its end")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// Well-formed but inconsistent (a name index out of range, a repeated day, ...).
    #[error("health state is inconsistent: {0}")]
    Invalid(String),
}

#[derive(Serialize, Deserialize)]
struct Wire<S> {
    names: Vec<S>,
    days: Vec<WireDay>,
}

#[derive(Serialize, Deserialize)]
struct WireDay {
    account: u32,
    day: u32,
    events: u64,
    sessions: Vec<(u64, bool)>,
    users: Vec<(u64, bool)>,
    stalls: u64,
    stall_ms: u64,
    points: Vec<WirePoint>,
    guides: Vec<WireGuide>,
    features: Vec<(u32, u64, Vec<u64>)>,
    milestones: Vec<(u32, Vec<u64>)>,
    missing: Vec<(Option<u32>, Option<u32>, u32, u64)>,
}

#[derive(Serialize, Deserialize)]
struct WirePoint {
    guide: Option<u32>,
    step: Option<u32>,
    page: u32,
    kind: u8,
    count: u64,
    ms: u64,
    users: Vec<u64>,
    sessions: Vec<u64>,
    durations: Vec<(u16, u64, u64)>,
}

#[derive(Serialize, Deserialize)]
struct WireGuide {
    guide: u32,
    started: u64,
    completed: u64,
    dismissed: u64,
    abandoned: u64,
    steps: Vec<(u32, Option<u32>, u64, u64)>,
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v
}

fn sorted_set<'a>(set: impl IntoIterator<Item = &'a u64>) -> Vec<u64> {
    sorted(set.into_iter().copied().collect())
}

impl Aggregate {
    /// The state as bytes: header, then a canonical postcard payload.
    pub fn encode(&self) -> Vec<u8> {
        let all = self.names.all();
        let mut order: Vec<usize> = (0..all.len()).collect();
        order.sort_unstable_by(|&a, &b| all.get(a).cmp(&all.get(b)));
        let mut index = vec![0u32; all.len()];
        for (new, &old) in order.iter().enumerate() {
            if let Some(slot) = index.get_mut(old) {
                *slot = new as u32;
            }
        }
        let idx = |s: Sym| index.get(s as usize).copied().unwrap_or(u32::MAX);
        let opt = |s: Sym| (s != NONE).then(|| idx(s));
        let mut days: Vec<WireDay> =
            self.days.iter().map(|&((a, day), ref d)| wire_day(idx(a), day, d, idx, opt)).collect();
        days.sort_unstable_by_key(|d| (d.account, d.day));
        let wire = Wire { names: order.iter().filter_map(|&i| all.get(i).map(|n| &**n)).collect(), days };
        let mut out = Vec::with_capacity(HEADER + 64 * self.days.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        // Serialising plain integers, strings and vectors into a Vec cannot fail.
        postcard::to_extend(&wire, out).unwrap_or_default()
    }

    /// Reads bytes written by [`encode`](Self::encode); every defect is an error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Aggregate, DecodeError> {
        let (header, payload) =
            bytes.split_at_checked(HEADER).ok_or(DecodeError::TooShort { len: bytes.len() })?;
        let (magic, version) = header.split_at(4);
        if magic != MAGIC {
            let mut found = [0u8; 4];
            found.copy_from_slice(magic);
            return Err(DecodeError::BadMagic { found });
        }
        let found =
            u16::from_le_bytes([version.first().copied().unwrap_or(0), version.get(1).copied().unwrap_or(0)]);
        if found != FORMAT_VERSION {
            return Err(DecodeError::UnsupportedVersion { found });
        }
        let (wire, rest): (Wire<String>, _) = postcard::take_from_bytes(payload)
            .map_err(|e| DecodeError::Malformed { reason: e.to_string() })?;
        if !rest.is_empty() {
            return Err(DecodeError::TrailingBytes { count: rest.len() });
        }
        from_wire(wire)
    }
}

fn wire_day(
    account: u32,
    day: u32,
    d: &Day,
    idx: impl Fn(Sym) -> u32,
    opt: impl Fn(Sym) -> Option<u32>,
) -> WireDay {
    let mut points: Vec<WirePoint> = d
        .points
        .iter()
        .map(|(k, p)| WirePoint {
            guide: opt(k.guide),
            step: opt(k.step),
            page: idx(k.page),
            kind: k.kind.code(),
            count: p.count,
            ms: p.ms,
            users: sorted_set(&p.users),
            sessions: sorted_set(&p.sessions),
            durations: p.durations.bins().to_vec(),
        })
        .collect();
    points.sort_unstable_by_key(|p| (p.guide, p.step, p.page, p.kind));
    let mut guides: Vec<WireGuide> = d
        .guides
        .iter()
        .map(|(&g, gd)| WireGuide {
            guide: idx(g),
            started: gd.started,
            completed: gd.completed,
            dismissed: gd.dismissed,
            abandoned: gd.abandoned,
            steps: sorted(gd.steps.iter().map(|(&(i, s), &[sh, co])| (i, opt(s), sh, co)).collect()),
        })
        .collect();
    guides.sort_unstable_by_key(|g| g.guide);
    WireDay {
        account,
        day,
        events: d.events,
        sessions: sorted(d.sessions.iter().map(|(&k, &v)| (k, v)).collect()),
        users: sorted(d.users.iter().map(|(&k, &v)| (k, v)).collect()),
        stalls: d.stalls,
        stall_ms: d.stall_ms,
        points,
        guides,
        features: sorted(
            d.features.iter().map(|(&f, fd)| (idx(f), fd.uses, sorted_set(&fd.users))).collect(),
        ),
        milestones: sorted(d.milestones.iter().map(|(&m, u)| (idx(m), sorted_set(u))).collect()),
        missing: sorted(d.missing.iter().map(|(&(g, s, sel), &n)| (opt(g), opt(s), idx(sel), n)).collect()),
    }
}

fn from_wire(wire: Wire<String>) -> Result<Aggregate, DecodeError> {
    let mut agg = Aggregate::default();
    for (i, pair) in wire.names.windows(2).enumerate() {
        if let [a, b] = pair
            && a >= b
        {
            return Err(DecodeError::Invalid(format!(
                "name table is not sorted and unique at entry {}: {b:?} after {a:?}",
                i + 1
            )));
        }
    }
    for name in &wire.names {
        agg.names.intern(name);
    }
    let count = wire.names.len();
    for (n, wd) in wire.days.into_iter().enumerate() {
        let at = |what: &str| format!("day entry {n} (day {}): {what}", wd.day);
        let sym = |i: u32| -> Result<Sym, DecodeError> {
            if (i as usize) < count {
                Ok(i)
            } else {
                Err(DecodeError::Invalid(at(&format!("name index {i} is past the {count}-name table"))))
            }
        };
        let opt = |i: Option<u32>| i.map_or(Ok(NONE), sym);
        let mut d = Day {
            events: wd.events,
            sessions: wd.sessions.iter().copied().collect(),
            users: wd.users.iter().copied().collect(),
            stalls: wd.stalls,
            stall_ms: wd.stall_ms,
            ..Day::default()
        };
        for p in &wd.points {
            let kind = StallKind::from_code(p.kind)
                .ok_or_else(|| DecodeError::Invalid(at(&format!("unknown stall kind code {}", p.kind))))?;
            let key = PointKey { guide: opt(p.guide)?, step: opt(p.step)?, page: sym(p.page)?, kind };
            let durations = Sketch::from_bins(p.durations.clone()).ok_or_else(|| {
                DecodeError::Invalid(at("duration buckets are not ascending and non-empty"))
            })?;
            let point = Point {
                count: p.count,
                ms: p.ms,
                users: p.users.iter().copied().collect(),
                sessions: p.sessions.iter().copied().collect(),
                durations,
            };
            if d.points.insert(key, point).is_some() {
                return Err(DecodeError::Invalid(at("a stall point is repeated")));
            }
        }
        for g in &wd.guides {
            let mut gd = GuideDay {
                started: g.started,
                completed: g.completed,
                dismissed: g.dismissed,
                abandoned: g.abandoned,
                ..GuideDay::default()
            };
            for &(i, s, shown, completed) in &g.steps {
                gd.steps.insert((i, opt(s)?), [shown, completed]);
            }
            d.guides.insert(sym(g.guide)?, gd);
        }
        for (f, uses, users) in &wd.features {
            d.features.insert(sym(*f)?, FeatureDay { uses: *uses, users: users.iter().copied().collect() });
        }
        for (m, users) in &wd.milestones {
            d.milestones.insert(sym(*m)?, users.iter().copied().collect());
        }
        for &(g, s, sel, count) in &wd.missing {
            d.missing.insert((opt(g)?, opt(s)?, sym(sel)?), count);
        }
        let account = sym(wd.account)?;
        if !agg.insert_day((account, wd.day), d) {
            return Err(DecodeError::Invalid(at("this account and day appear twice")));
        }
    }
    Ok(agg)
}
