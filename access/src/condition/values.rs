//! The values of conditions: read from the policy by the operator's kind, and compared with
//! one value of the request context.
//!
//! - Numbers: integers or decimals (`"10"`, `10`, `2.5`), compared as numbers.
//! - Dates: ISO 8601 (`2020-01-01`, `2020-01-01T12:00:00Z`, `...T12:00:00.5+02:00`; no zone is
//!   UTC) or epoch seconds (`1577836800`), compared as instants.
//! - Bool: `true`/`false` (JSON booleans or strings, any case).
//! - IP addresses: an IPv4 or IPv6 address or CIDR block; a request address matches when it
//!   lies in the block (an address without prefix is a block of one).
//! - Binary: base64 text, compared exactly.
//!
//! A request value that does not parse as the operator's type matches no policy value. Policy
//! variables are read in String and ARN values only (a `${...}` in a Bool value is an error).

use super::operator::Kind;
use crate::arn::arn_matches;
use crate::request::Context;
use crate::variables::Template;
use std::net::IpAddr;

/// One value of a condition, typed by its operator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// String and ARN operators (they take policy variables).
    Text(Template),
    Number(f64),
    /// Nanoseconds since the epoch.
    Date(i128),
    Bool(bool),
    Binary(String),
    Ip(Cidr),
}

/// An IP address block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub(crate) fn parse(text: &str) -> Option<Cidr> {
        let (a, p) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = a.trim().parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.trim().parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Cidr { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let bits = |a: IpAddr| -> u128 {
            match a {
                IpAddr::V4(v) => u32::from(v) as u128,
                IpAddr::V6(v) => u128::from(v),
            }
        };
        let width = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.addr.is_ipv4() != ip.is_ipv4() {
            return false;
        }
        if self.prefix == 0 {
            return true;
        }
        let shift = width - self.prefix as u32;
        (bits(self.addr) >> shift) == (bits(ip) >> shift)
    }
}

/// Reads a policy value for `kind`; the error says what was expected.
pub(crate) fn parse_value(kind: Kind, text: &str, variables: bool) -> Result<Value, String> {
    match kind {
        Kind::StringEquals | Kind::StringEqualsIgnoreCase | Kind::StringLike | Kind::Arn => {
            Template::parse(text, variables).map(Value::Text)
        }
        Kind::Numeric(_) => parse_number(text)
            .map(Value::Number)
            .ok_or_else(|| format!("{text:?} is not a number")),
        Kind::Date(_) => parse_date(text)
            .map(Value::Date)
            .ok_or_else(|| format!("{text:?} is not an ISO 8601 date or epoch seconds")),
        Kind::Bool | Kind::Null => parse_bool(text)
            .map(Value::Bool)
            .ok_or_else(|| format!("{text:?} is not true or false")),
        Kind::BinaryEquals => Ok(Value::Binary(text.to_string())),
        Kind::IpAddress => Cidr::parse(text)
            .map(Value::Ip)
            .ok_or_else(|| format!("{text:?} is not an IP address or CIDR block")),
    }
}

/// Whether one request value matches one policy value, in the operator's positive sense.
pub(crate) fn matches(kind: Kind, policy: &Value, request: &str, context: &Context) -> bool {
    match (kind, policy) {
        // StringEquals compares the text as written (variables substituted): a `*` in it is an
        // ordinary character, and the expanded pattern displays as that text.
        (Kind::StringEquals, Value::Text(t)) => {
            t.expand(context).is_some_and(|p| p.to_string() == request)
        }
        (Kind::StringEqualsIgnoreCase, Value::Text(t)) => t.expand(context).is_some_and(|p| {
            let text = p.to_string();
            text.to_lowercase() == request.to_lowercase()
        }),
        (Kind::StringLike, Value::Text(t)) => {
            t.expand(context).is_some_and(|p| p.matches(request, false))
        }
        (Kind::Arn, Value::Text(t)) => t.expand(context).is_some_and(|p| arn_matches(&p, request)),
        (Kind::Numeric(cmp), Value::Number(n)) => parse_number(request)
            .and_then(|r| r.partial_cmp(n))
            .is_some_and(|o| cmp.holds(o)),
        (Kind::Date(cmp), Value::Date(d)) => {
            parse_date(request).is_some_and(|r| cmp.holds(r.cmp(d)))
        }
        (Kind::Bool, Value::Bool(b)) => parse_bool(request) == Some(*b),
        (Kind::BinaryEquals, Value::Binary(b)) => b == request,
        (Kind::IpAddress, Value::Ip(c)) => request
            .trim()
            .parse::<IpAddr>()
            .is_ok_and(|ip| c.contains(ip)),
        _ => false,
    }
}

fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

const NANOS: i128 = 1_000_000_000;

/// Epoch seconds (possibly with a fraction) or ISO 8601, to nanoseconds since the epoch.
pub(crate) fn parse_date(text: &str) -> Option<i128> {
    let t = text.trim();
    if !t.is_empty()
        && t.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        && !t[1..].contains('-')
    {
        return parse_seconds(t);
    }
    let (date, time) = match t.split_once(['T', 't', ' ']) {
        Some((d, tm)) => (d, Some(tm)),
        None => (t, None),
    };
    let mut d = date.split('-');
    let year: i64 = digits(d.next()?, 4)?;
    let month: i64 = digits(d.next()?, 2)?;
    let day: i64 = digits(d.next()?, 2)?;
    if d.next().is_some()
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
    {
        return None;
    }
    let mut nanos = days_from_civil(year, month, day) as i128 * 86_400 * NANOS;
    if let Some(time) = time {
        let (clock, offset) = split_zone(time)?;
        let mut c = clock.splitn(3, ':');
        let h: i64 = digits(c.next()?, 2)?;
        let m: i64 = digits(c.next()?, 2)?;
        let (s, frac) = match c.next() {
            Some(sec) => match sec.split_once(['.', ',']) {
                Some((s, f)) => (digits(s, 2)?, fraction(f)?),
                None => (digits(sec, 2)?, 0),
            },
            None => (0, 0),
        };
        if h > 23 || m > 59 || s > 60 {
            return None;
        }
        nanos += ((h * 3600 + m * 60 + s - offset) as i128) * NANOS + frac;
    }
    Some(nanos)
}

fn parse_seconds(t: &str) -> Option<i128> {
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, fraction(f)?),
        None => (t, 0),
    };
    let secs: i128 = whole.parse().ok()?;
    let n = secs * NANOS + frac;
    Some(if neg { -n } else { n })
}

/// Splits `12:00:00+02:00` into the clock and the zone offset in seconds (Z or none is UTC).
fn split_zone(time: &str) -> Option<(&str, i64)> {
    if let Some(c) = time.strip_suffix(['Z', 'z']) {
        return Some((c, 0));
    }
    match time.rfind(['+', '-']) {
        Some(i) => {
            let sign = if time.as_bytes()[i] == b'-' { -1 } else { 1 };
            let zone = time[i + 1..].replace(':', "");
            if zone.len() != 4 {
                return None;
            }
            let h: i64 = digits(&zone[..2], 2)?;
            let m: i64 = digits(&zone[2..], 2)?;
            Some((&time[..i], sign * (h * 3600 + m * 60)))
        }
        None => Some((time, 0)),
    }
}

fn digits(s: &str, n: usize) -> Option<i64> {
    if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn fraction(f: &str) -> Option<i128> {
    if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nine: String = f.chars().chain(std::iter::repeat('0')).take(9).collect();
    nine.parse().ok()
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_accepted_form() {
        let day = 1_577_836_800 * NANOS; // 2020-01-01T00:00:00Z
        assert_eq!(parse_date("2020-01-01"), Some(day));
        assert_eq!(parse_date("2020-01-01T00:00:00Z"), Some(day));
        assert_eq!(parse_date("2020-01-01T02:00:00+02:00"), Some(day));
        assert_eq!(parse_date("2019-12-31T19:00-05:00"), Some(day));
        assert_eq!(parse_date("1577836800"), Some(day));
        assert_eq!(parse_date("2020-01-01T00:00:00.5Z"), Some(day + NANOS / 2));
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("2024-02-29"), Some(19_782 * 86_400 * NANOS));
        for bad in [
            "2023-02-29",
            "2020-13-01",
            "2020-1-1",
            "yesterday",
            "2020-01-01T25:00Z",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn cidr_blocks_v4_and_v6() {
        let c = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(c.contains("203.0.113.77".parse().unwrap()));
        assert!(!c.contains("203.0.114.1".parse().unwrap()));
        let one = Cidr::parse("192.0.2.5").unwrap();
        assert!(one.contains("192.0.2.5".parse().unwrap()));
        assert!(!one.contains("192.0.2.6".parse().unwrap()));
        let v6 = Cidr::parse("2001:DB8:1234:5678::/64").unwrap();
        assert!(v6.contains("2001:db8:1234:5678::1".parse().unwrap()));
        assert!(!v6.contains("2001:db8:1234:5679::1".parse().unwrap()));
        assert!(!v6.contains("203.0.113.77".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("not-an-ip").is_none());
    }

    #[test]
    fn numbers_and_bools() {
        let ctx = Context::new();
        let ten = parse_value(Kind::Numeric(super::super::operator::Cmp::Lt), "10", true).unwrap();
        assert!(matches(
            Kind::Numeric(super::super::operator::Cmp::Lt),
            &ten,
            "9.5",
            &ctx
        ));
        assert!(!matches(
            Kind::Numeric(super::super::operator::Cmp::Lt),
            &ten,
            "10",
            &ctx
        ));
        assert!(!matches(
            Kind::Numeric(super::super::operator::Cmp::Lt),
            &ten,
            "ten",
            &ctx
        ));
        assert!(parse_value(Kind::Numeric(super::super::operator::Cmp::Eq), "x", true).is_err());
        let t = parse_value(Kind::Bool, "TRUE", true).unwrap();
        assert!(matches(Kind::Bool, &t, "true", &ctx));
        assert!(!matches(Kind::Bool, &t, "false", &ctx));
        assert!(parse_value(Kind::Bool, "yes", true).is_err());
        assert!(parse_value(Kind::Bool, "${aws:SecureTransport}", true).is_err());
    }

    #[test]
    fn string_equals_takes_no_wildcards_but_string_like_does() {
        let ctx = Context::new();
        let v = parse_value(Kind::StringEquals, "a*", true).unwrap();
        assert!(matches(Kind::StringEquals, &v, "a*", &ctx));
        assert!(!matches(Kind::StringEquals, &v, "abc", &ctx));
        assert!(matches(Kind::StringLike, &v, "abc", &ctx));
        let ic = parse_value(
            Kind::StringEqualsIgnoreCase,
            "Bucket-Owner-Full-Control",
            true,
        )
        .unwrap();
        assert!(matches(
            Kind::StringEqualsIgnoreCase,
            &ic,
            "bucket-owner-full-control",
            &ctx
        ));
        assert!(!matches(
            Kind::StringEquals,
            &ic,
            "bucket-owner-full-control",
            &ctx
        ));
    }
}
