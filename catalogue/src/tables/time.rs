//! Table datetimes: the canonical text `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, always three
//! fractional digits), epoch milliseconds ([`DateTimeMs`]), and parsing RFC 3339 text.

use std::fmt;

use serde::{Serialize, Serializer};
use time::OffsetDateTime;

/// Formats epoch milliseconds as the canonical table datetime
/// (`2026-03-01T00:00:05.120Z`).
pub fn format_datetime_ms(epoch_ms: i64) -> String {
    DateTimeMs(epoch_ms).to_string()
}

/// A table datetime held as epoch milliseconds; displays and serialises in
/// the canonical form (`2026-03-01T00:00:05.120Z`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTimeMs(pub i64);

impl DateTimeMs {
    /// The canonical text in a fixed buffer; `None` outside years 0-9999.
    fn ascii(self) -> Option<[u8; 24]> {
        // Calendar date from the day number; the time of day by division
        // (cheaper than a full OffsetDateTime from nanoseconds).
        const DAY_MS: i64 = 86_400_000;
        const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
        let day = i32::try_from(self.0.div_euclid(DAY_MS) + UNIX_EPOCH_JULIAN_DAY).ok()?;
        let date = time::Date::from_julian_day(day).ok()?;
        let ms = u32::try_from(self.0.rem_euclid(DAY_MS)).expect("under a day");
        let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
        let mut b = *b"0000-00-00T00:00:00.000Z";
        let mut put = |at: usize, width: usize, mut v: u32| {
            for i in (at..at + width).rev() {
                b[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, 4, year);
        put(5, 2, u32::from(u8::from(date.month())));
        put(8, 2, u32::from(date.day()));
        put(11, 2, ms / 3_600_000);
        put(14, 2, ms / 60_000 % 60);
        put(17, 2, ms / 1000 % 60);
        put(20, 3, ms % 1000);
        Some(b)
    }
}

impl fmt::Display for DateTimeMs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ascii() {
            Some(b) => f.write_str(std::str::from_utf8(&b).expect("ASCII digits")),
            None => f.write_str(&calendar_text(self.0)),
        }
    }
}

/// The canonical text by `time`'s calendar arithmetic (any year it knows).
fn calendar_text(epoch_ms: i64) -> String {
    let t = utc_from_ms(epoch_ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

impl Serialize for DateTimeMs {
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        match self.ascii() {
            Some(b) => s.serialize_str(std::str::from_utf8(&b).expect("ASCII digits")),
            None => s.collect_str(self),
        }
    }
}

/// The `TimeGenerated` of an expected row whose table sets it when the row
/// arrives (AWSVPCFlow records without `start`): it cannot be known
/// beforehand, so the end-to-end check compares such rows on their other
/// columns. Never a value of an ingested row (it is no datetime).
pub const ARRIVAL_TIME: &str = "arrival time";

/// Parses an RFC 3339 / ISO-8601 UTC timestamp (any fractional precision)
/// into epoch milliseconds; `None` if it is not one.
pub fn parse_datetime_ms(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

pub fn utc_from_ms(epoch_ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_round_trip() {
        let ms = 1_772_323_205_120; // 2026-03-01T00:00:05.120Z
        assert_eq!(format_datetime_ms(ms), "2026-03-01T00:00:05.120Z");
        assert_eq!(parse_datetime_ms("2026-03-01T00:00:05.120Z"), Some(ms));
        assert_eq!(parse_datetime_ms("2026-03-01T00:00:05Z"), Some(ms - 120));
        assert_eq!(parse_datetime_ms("yesterday"), None);
    }

    #[test]
    fn datetimes_display_in_the_canonical_form() {
        assert_eq!(
            DateTimeMs(1_772_323_205_120).to_string(),
            "2026-03-01T00:00:05.120Z"
        );
        assert_eq!(DateTimeMs(0).to_string(), "1970-01-01T00:00:00.000Z");
        assert_eq!(DateTimeMs(-1).to_string(), "1969-12-31T23:59:59.999Z");
        // The fast path agrees with the calendar arithmetic of `time`.
        let mut ms = -86_400_000_i64 * 400;
        while ms < 253_402_300_799_999 {
            assert_eq!(DateTimeMs(ms).to_string(), calendar_text(ms), "{ms}");
            ms += 7_777_777_777;
        }
        assert_eq!(
            serde_json::to_string(&DateTimeMs(253_402_300_799_999)).unwrap(),
            r#""9999-12-31T23:59:59.999Z""#
        );
        // Before year 0 the text takes the slow path; serialising agrees.
        let far = DateTimeMs(-62_167_219_200_001);
        assert_eq!(far.to_string(), "-001-12-31T23:59:59.999Z");
        assert_eq!(serde_json::to_string(&far).unwrap(), format!("\"{far}\""));
    }
}
