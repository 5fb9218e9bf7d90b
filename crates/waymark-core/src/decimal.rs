//! Decimal numbers written as text (`42`, `-3.5`, `1e3`), as user and account traits often
//! arrive, so `"3"` compares equal to `3`.
//!
//! Written here instead of using `str::parse::<f64>`: std's exact parser (big tables and
//! big-number arithmetic) weighed 15 KB gzip of the agent's wasm. This one is exact
//! (correctly rounded, the same value std gives) for up to 15 significant digits with a
//! power of ten within ±22 — Clinger's fast path, which covers counts, prices, scores and
//! ids; beyond that (between 1e-300 and 1e300) it is within a few units in the last
//! place. It accepts what std accepts except `inf`, `infinity` and `nan`, which are words,
//! not numbers, in a trait.

/// Significant digits beyond this are dropped (they cannot change an `f64` much).
const MAX_MANTISSA: u64 = 100_000_000_000_000_000;

/// `10^e` for `e` in `0..=22` is exact in an `f64`.
const EXACT_POWERS: i32 = 22;

/// Takes an optional `+` or `-`; whether it was `-`.
fn sign(bytes: &mut std::iter::Peekable<std::str::Bytes<'_>>) -> bool {
    match bytes.next_if(|b| matches!(b, b'+' | b'-')) {
        Some(b) => b == b'-',
        None => false,
    }
}

/// The number `s` writes, or `None` when it is not a plain decimal number.
pub(crate) fn parse(s: &str) -> Option<f64> {
    let mut bytes = s.bytes().peekable();
    let negative = sign(&mut bytes);
    let (mut mantissa, mut exp, mut digits) = (0u64, 0i32, 0u32);
    let mut push = |d: u8, exp: &mut i32, fraction: bool| {
        if mantissa < MAX_MANTISSA {
            mantissa = mantissa * 10 + u64::from(d - b'0');
            if fraction {
                *exp -= 1;
            }
        } else if !fraction {
            *exp += 1;
        }
    };
    while let Some(d) = bytes.next_if(u8::is_ascii_digit) {
        push(d, &mut exp, false);
        digits += 1;
    }
    if bytes.next_if_eq(&b'.').is_some() {
        while let Some(d) = bytes.next_if(u8::is_ascii_digit) {
            push(d, &mut exp, true);
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if bytes.next_if(|b| matches!(b, b'e' | b'E')).is_some() {
        let minus = sign(&mut bytes);
        let (mut e, mut e_digits) = (0i32, 0);
        while let Some(d) = bytes.next_if(u8::is_ascii_digit) {
            // Past ±100000 every f64 is 0 or infinite already.
            e = (e * 10 + i32::from(d - b'0')).min(100_000);
            e_digits += 1;
        }
        if e_digits == 0 {
            return None;
        }
        exp += if minus { -e } else { e };
    }
    if bytes.next().is_some() {
        return None;
    }
    let m = mantissa as f64;
    let value = if mantissa < (1 << 53) && (-EXACT_POWERS..=EXACT_POWERS).contains(&exp) {
        // One rounding of exact operands: correctly rounded.
        if exp >= 0 { m * 10f64.powi(exp) } else { m / 10f64.powi(-exp) }
    } else if exp < 0 {
        m / 10f64.powi(-exp)
    } else {
        m * 10f64.powi(exp)
    };
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::parse;

    #[test]
    fn reads_plain_decimals_and_refuses_the_rest() {
        for (s, v) in [("42", 42.0), ("-3.5", -3.5), ("+2", 2.0), (".5", 0.5), ("5.", 5.0), ("1e3", 1000.0)] {
            assert_eq!(parse(s), Some(v), "{s}");
        }
        assert_eq!(parse("0.3"), Some(0.3));
        assert_eq!(parse("1E-2"), Some(0.01));
        for s in
            ["", "-", ".", "e5", "1e", "1e+", "1.2.3", "3px", " 3", "inf", "NaN", "infinity", "0x10", "1_000"]
        {
            assert_eq!(parse(s), None, "{s:?}");
        }
        assert_eq!(parse("1e400"), Some(f64::INFINITY));
        assert_eq!(parse("1e-400"), Some(0.0));
    }

    proptest! {
        #[test]
        fn matches_std_exactly_on_the_fast_path(
            int in 0u64..1_000_000_000, frac in proptest::option::of(0u32..1_000_000),
            exp in proptest::option::of(-12i32..12), negative in any::<bool>(),
        ) {
            let mut s = format!("{}{int}", if negative { "-" } else { "" });
            if let Some(f) = frac {
                s += &format!(".{f}");
            }
            if let Some(e) = exp {
                s += &format!("e{e}");
            }
            prop_assert_eq!(parse(&s), s.parse::<f64>().ok(), "{}", s);
        }

        #[test]
        fn accepts_what_std_accepts_and_stays_within_ulps(s in "[-+]?[0-9]{0,25}(\\.[0-9]{0,25})?([eE][-+]?[0-9]{0,2})?") {
            match (parse(&s), s.parse::<f64>().ok()) {
                (Some(ours), Some(std)) => {
                    let close = ours == std || ((ours - std) / std).abs() < 1e-14;
                    prop_assert!(close, "{}: {} vs {}", s, ours, std);
                }
                (ours, std) => prop_assert_eq!(ours, std, "{}", s),
            }
        }
    }
}
