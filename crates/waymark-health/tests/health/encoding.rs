//! The binary encoding: round trips, and every kind of bad input is a clear error.

use proptest::prelude::*;
use waymark_core::StallKind;
use waymark_health::{Aggregate, DecodeError, FORMAT_VERSION, HealthConfig, MAGIC, Window, report};

use crate::support::*;

fn sample() -> Aggregate {
    let mut events = smooth("zen", 4, 2);
    for u in 0..3 {
        let e = ev("acme", &format!("u{u}"), &format!("s{u}"), 1, stall(StallKind::RageClick, 9_000 + u));
        events.push(at(e, "setup", "name", "/app"));
    }
    aggregate(&events)
}

#[test]
fn a_state_survives_encoding_with_a_header() {
    let agg = sample();
    let bytes = agg.encode();
    assert_eq!(bytes[..4], MAGIC);
    assert_eq!(bytes[4..6], FORMAT_VERSION.to_le_bytes());
    let back = Aggregate::decode(&bytes).unwrap();
    assert_eq!(back.encode(), bytes);
    let w = Window::days_ending(NOW, 7);
    assert_eq!(report(&back, &w, &HealthConfig::default()), report(&agg, &w, &HealthConfig::default()));
    assert!(Aggregate::decode(&Aggregate::default().encode()).unwrap().is_empty());
}

#[test]
fn bad_headers_say_what_is_wrong() {
    let mut bytes = sample().encode();
    assert_eq!(Aggregate::decode(&bytes[..3]).unwrap_err(), DecodeError::TooShort { len: 3 });
    bytes[4] = 2;
    let err = Aggregate::decode(&bytes).unwrap_err();
    assert_eq!(err, DecodeError::UnsupportedVersion { found: 2 });
    assert_eq!(err.to_string(), "health state format version 2 is not supported; this build reads version 1");
    let err = Aggregate::decode(b"{\"json\": true}").unwrap_err();
    assert_eq!(
        err.to_string(),
        "not a health state: it starts with [7b, 22, 6a, 73], expected the magic `WMHS`"
    );
}

#[test]
fn truncated_or_extended_states_are_errors() {
    let bytes = sample().encode();
    for len in 0..bytes.len() {
        assert!(Aggregate::decode(&bytes[..len]).is_err(), "a state cut to {len} bytes decoded");
    }
    let mut longer = bytes.clone();
    longer.extend([0, 0]);
    assert_eq!(Aggregate::decode(&longer).unwrap_err(), DecodeError::TrailingBytes { count: 2 });
    let err = Aggregate::decode(&bytes[..bytes.len() - 1]).unwrap_err();
    assert!(err.to_string().starts_with("health state payload is malformed: "), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Corrupt bytes never panic the decoder; what it accepts encodes back canonically.
    #[test]
    fn corrupt_states_never_panic(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let mut bytes = sample().encode();
        for (at, value) in flips {
            let i = 6 + at.index(bytes.len() - 6);
            bytes[i] = value;
        }
        if let Ok(agg) = Aggregate::decode(&bytes) {
            let again = Aggregate::decode(&agg.encode());
            prop_assert!(again.is_ok());
        }
    }
}
