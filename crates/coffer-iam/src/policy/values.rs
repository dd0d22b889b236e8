//! Typed condition values: numbers, dates (W3C ISO 8601 profile or epoch seconds) and
//! base64 binaries. The same parsers read the policy side (once, at compile time) and the
//! request side (per request).

use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

/// A `Numeric*` operand: an integer or decimal, as AWS accepts. Rejects `NaN`, `inf` and
/// other spellings Rust's parser would take, so every parsed value compares totally.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'))
        && text.chars().any(|c| c.is_ascii_digit());
    if !plain {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A `Date*` operand as Unix nanoseconds: epoch seconds (`1700000000`, as
/// `aws:EpochTime`; any all-digit text, so `2020` is a second of 1970, not a year) or one
/// of the W3C profiles of ISO 8601 (`2020-01`, `2020-01-01`, `2020-01-01T00:00:01Z`,
/// `2016-12-13T21:20:37.593194+00:00`). No offset means UTC.
pub(crate) fn parse_date(text: &str) -> Option<i128> {
    let text = text.trim();
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.len() <= 19 && digits.chars().all(|c| c.is_ascii_digit()) {
        let seconds: i64 = text.parse().ok()?;
        return Some(i128::from(seconds) * 1_000_000_000);
    }
    parse_iso8601(text)
}

fn parse_iso8601(text: &str) -> Option<i128> {
    let (date_part, time_part) = match text.find(['T', 't']) {
        Some(at) => (text.get(..at)?, Some(text.get(at + 1..)?)),
        None => (text, None),
    };
    let mut fields = date_part.split('-');
    let year = fixed_digits(fields.next()?, 4)?;
    let month = fields.next().map_or(Some(1), |m| fixed_digits(m, 2))?;
    let day = fields.next().map_or(Some(1), |d| fixed_digits(d, 2))?;
    if fields.next().is_some() {
        return None;
    }
    let date = Date::from_calendar_date(
        i32::try_from(year).ok()?,
        Month::try_from(u8::try_from(month).ok()?).ok()?,
        u8::try_from(day).ok()?,
    )
    .ok()?;
    let (clock, offset) = match time_part {
        None => (Time::MIDNIGHT, UtcOffset::UTC),
        Some(rest) => parse_clock(rest)?,
    };
    Some(
        PrimitiveDateTime::new(date, clock)
            .assume_offset(offset)
            .unix_timestamp_nanos(),
    )
}

/// `hh:mm[:ss[.fraction]]` then `Z`, `±hh`, `±hh:mm` or `±hhmm` (or nothing: UTC).
fn parse_clock(text: &str) -> Option<(Time, UtcOffset)> {
    let zone_at = text.find(['Z', 'z', '+', '-']).unwrap_or(text.len());
    let (clock, zone) = (text.get(..zone_at)?, text.get(zone_at..)?);
    let mut fields = clock.split(':');
    let hour = short_digits(fields.next()?)?;
    let minute = fixed_digits(fields.next()?, 2)?;
    let (second, nanos) = match fields.next() {
        None => (0, 0),
        Some(s) => {
            let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
            (fixed_digits(whole, 2)?, fraction_nanos(fraction)?)
        }
    };
    if fields.next().is_some() {
        return None;
    }
    let clock = Time::from_hms_nano(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        nanos,
    )
    .ok()?;
    Some((clock, parse_zone(zone)?))
}

fn parse_zone(zone: &str) -> Option<UtcOffset> {
    if zone.is_empty() || zone.eq_ignore_ascii_case("z") {
        return Some(UtcOffset::UTC);
    }
    let (sign, rest) = match zone.split_at_checked(1)? {
        ("+", rest) => (1i8, rest),
        ("-", rest) => (-1i8, rest),
        _ => return None,
    };
    let (hours, minutes) = match (rest.len(), rest.split_once(':')) {
        (_, Some((h, m))) => (fixed_digits(h, 2)?, fixed_digits(m, 2)?),
        (2, None) => (fixed_digits(rest, 2)?, 0),
        (4, None) => (fixed_digits(rest.get(..2)?, 2)?, fixed_digits(rest.get(2..)?, 2)?),
        _ => return None,
    };
    let hours = i8::try_from(hours).ok()?.checked_mul(sign)?;
    let minutes = i8::try_from(minutes).ok()?.checked_mul(sign)?;
    UtcOffset::from_hms(hours, minutes, 0).ok()
}

/// Exactly `len` ASCII digits.
fn fixed_digits(text: &str, len: usize) -> Option<u32> {
    (text.len() == len && text.chars().all(|c| c.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// One or two ASCII digits (an hour; AWS accepts `t2:00`).
fn short_digits(text: &str) -> Option<u32> {
    (matches!(text.len(), 1 | 2) && text.chars().all(|c| c.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// Up to nine digits of a second, as nanoseconds.
fn fraction_nanos(fraction: &str) -> Option<u32> {
    if fraction.len() > 9 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut nanos = 0u32;
    for c in fraction.chars().chain(std::iter::repeat('0')).take(9) {
        nanos = nanos * 10 + c.to_digit(10)?;
    }
    Some(nanos)
}

/// Standard base64 (RFC 4648, padding optional), for `BinaryEquals`.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
            acc &= (1 << bits) - 1;
        }
    }
    // A lone trailing character carries fewer than 8 bits: not base64.
    (bits < 6).then_some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        assert_eq!(parse_number(" 3 "), Some(3.0));
        for bad in ["", "NaN", "inf", "-infinity", "1e400", "ten", "1.2.3", "."] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates() {
        let base = parse_date("2020-01-01T00:00:01Z").unwrap();
        assert_eq!(base, 1_577_836_801_000_000_000);
        assert_eq!(parse_date("1577836801"), Some(base));
        assert_eq!(parse_date("2020-01-01T01:00:01+01:00"), Some(base));
        assert_eq!(parse_date("2020-01-01T01:00:01+0100"), Some(base));
        assert_eq!(parse_date("2019-12-31T23:00:01-01"), Some(base));
        assert_eq!(parse_date("2020-01-01"), Some(base - 1_000_000_000));
        // All digits is epoch seconds, even when it could be a year.
        assert_eq!(parse_date("2020"), Some(2_020_000_000_000));
        assert_eq!(parse_date("2020-01"), Some(base - 1_000_000_000));
        assert_eq!(parse_date("2020-01-01T00:00:01.5Z"), Some(base + 500_000_000));
        assert_eq!(parse_date("2016-12-13t2:00:00.593194+23").map(|_| ()), Some(()));
        assert_eq!(parse_date("-292275054"), Some(-292_275_054_000_000_000));
        // The extremes of the calendar with the widest offsets stay representable.
        assert!(parse_date("9999-12-31T23:59:59.999999999-23:59").is_some());
        assert!(parse_date("0000-01-01T00:00:00+23:59").is_some());
        assert!(parse_date("-9999999999999999999").is_none());
        for bad in [
            "sdfdsf",
            "234-13",
            "2020-13-01",
            "2020-02-30",
            "9223372036854775808",
            "2016-12-13t2:00:00.1999999999+10:59",
            "01T",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn base64() {
        assert_eq!(
            decode_base64("QmluYXJ5VmFsdWVJbkJhc2U2NA==").unwrap(),
            b"BinaryValueInBase64"
        );
        assert_eq!(decode_base64("YQ").unwrap(), b"a");
        assert_eq!(decode_base64("").unwrap(), b"");
        assert!(decode_base64("Y").is_none());
        assert!(decode_base64("@@@@").is_none());
    }
}
