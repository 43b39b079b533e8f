//! S3 object keys exactly as the AWS services lay them out, and the UTC time
//! formats they use.

use crate::tables::utc_from_ms;

/// Broken-down UTC time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utc {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub milli: u16,
}

impl Utc {
    pub fn from_ms(epoch_ms: i64) -> Self {
        let t = utc_from_ms(epoch_ms);
        Utc {
            year: t.year(),
            month: u8::from(t.month()),
            day: t.day(),
            hour: t.hour(),
            minute: t.minute(),
            second: t.second(),
            milli: t.millisecond(),
        }
    }

    /// `YYYY/MM/DD`
    pub fn date_path(&self) -> String {
        format!("{:04}/{:02}/{:02}", self.year, self.month, self.day)
    }

    /// `YYYYMMDDTHHmmZ`
    pub fn compact_minute(&self) -> String {
        format!(
            "{:04}{:02}{:02}T{:02}{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute
        )
    }

    /// `YYYYMMDDTHHmmssZ`
    pub fn compact_second(&self) -> String {
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (CloudTrail `eventTime`).
    pub fn iso_seconds(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (GuardDuty `createdAt`/`updatedAt`).
    pub fn iso_millis(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.milli
        )
    }
}

/// Start of the 5-minute window holding `epoch_ms`.
pub fn five_minute_floor(epoch_ms: i64) -> i64 {
    epoch_ms.div_euclid(300_000) * 300_000
}

/// `AWSLogs/<acct>/vpcflowlogs/<region>/YYYY/MM/DD/[HH/]<acct>_vpcflowlogs_<region>_<fl-id>_<YYYYMMDDTHHmmZ>_<8hex>.log.gz`;
/// `window_start_ms` is the start of the 5-minute window of the records' `end`.
pub fn vpc_key(
    account: &str,
    region: &str,
    flow_log_id: &str,
    window_start_ms: i64,
    hash8: &str,
    hourly: bool,
) -> String {
    let t = Utc::from_ms(window_start_ms);
    let hour = if hourly {
        format!("{:02}/", t.hour)
    } else {
        String::new()
    };
    format!(
        "AWSLogs/{account}/vpcflowlogs/{region}/{}/{hour}{account}_vpcflowlogs_{region}_{flow_log_id}_{}_{hash8}.log.gz",
        t.date_path(),
        t.compact_minute()
    )
}

/// `AWSLogs/<acct>/GuardDuty/<region>/YYYY/MM/DD/<uuid>.jsonl.gz`
pub fn guardduty_key(account: &str, region: &str, export_ms: i64, uuid: &str) -> String {
    let t = Utc::from_ms(export_ms);
    format!(
        "AWSLogs/{account}/GuardDuty/{region}/{}/{uuid}.jsonl.gz",
        t.date_path()
    )
}

/// `AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 alnum>.json.gz`
pub fn cloudtrail_key(account: &str, region: &str, delivery_ms: i64, unique16: &str) -> String {
    let t = Utc::from_ms(delivery_ms);
    format!(
        "AWSLogs/{account}/CloudTrail/{region}/{}/{account}_CloudTrail_{region}_{}_{unique16}.json.gz",
        t.date_path(),
        t.compact_minute()
    )
}

/// `AWSLogs/<acct>/CloudTrail-Digest/<region>/YYYY/MM/DD/<acct>_CloudTrail-Digest_<region>_<trail>_<home-region>_<YYYYMMDDTHHmmssZ>.json.gz`
pub fn cloudtrail_digest_key(
    account: &str,
    region: &str,
    trail: &str,
    home_region: &str,
    digest_end_ms: i64,
) -> String {
    let t = Utc::from_ms(digest_end_ms);
    format!(
        "AWSLogs/{account}/CloudTrail-Digest/{region}/{}/{account}_CloudTrail-Digest_{region}_{trail}_{home_region}_{}.json.gz",
        t.date_path(),
        t.compact_second()
    )
}

/// Firehose object under our prefix:
/// `AWSLogs/<acct>/CloudWatch/YYYY/MM/DD/HH/<stream>-1-YYYY-MM-DD-HH-mm-ss-<uuid>.gz`
pub fn cloudwatch_key(account: &str, delivery_stream: &str, arrival_ms: i64, uuid: &str) -> String {
    let t = Utc::from_ms(arrival_ms);
    format!(
        "AWSLogs/{account}/CloudWatch/{}/{:02}/{delivery_stream}-1-{:04}-{:02}-{:02}-{:02}-{:02}-{:02}-{uuid}.gz",
        t.date_path(),
        t.hour,
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second
    )
}

/// `AWSLogs/<acct>/vpcdnsquerylogs/<vpc-id>/YYYY/MM/DD/<acct>_vpcdnsquerylogs_<vpc-id>_<YYYYMMDDTHHmmZ>_<8hex>.log.gz`
/// (Route 53 Resolver query logs); `window_start_ms` is the start of the records' 5-minute
/// window.
pub fn route53_key(account: &str, vpc_id: &str, window_start_ms: i64, hash8: &str) -> String {
    let t = Utc::from_ms(window_start_ms);
    format!(
        "AWSLogs/{account}/vpcdnsquerylogs/{vpc_id}/{}/{account}_vpcdnsquerylogs_{vpc_id}_{}_{hash8}.log.gz",
        t.date_path(),
        t.compact_minute()
    )
}

#[cfg(test)]
pub(crate) mod patterns {
    //! Regexes of the key layouts, shared by the generators' tests.
    pub const VPC_DAILY: &str = r"^AWSLogs/(\d{12})/vpcflowlogs/([a-z]{2}(-[a-z]+)+-\d)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_vpcflowlogs_([a-z0-9-]+)_(fl-[0-9a-f]{17})_(\d{8}T\d{4}Z)_([0-9a-f]{8})\.log\.gz$";
    pub const VPC_HOURLY: &str = r"^AWSLogs/(\d{12})/vpcflowlogs/([a-z]{2}(-[a-z]+)+-\d)/(\d{4})/(\d{2})/(\d{2})/(\d{2})/(\d{12})_vpcflowlogs_([a-z0-9-]+)_(fl-[0-9a-f]{17})_(\d{8}T\d{4}Z)_([0-9a-f]{8})\.log\.gz$";
    pub const GUARDDUTY: &str = r"^AWSLogs/\d{12}/GuardDuty/[a-z]{2}(-[a-z]+)+-\d/\d{4}/\d{2}/\d{2}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.jsonl\.gz$";
    pub const CLOUDTRAIL: &str = r"^AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8})T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$";
    pub const CLOUDTRAIL_DIGEST: &str = r"^AWSLogs/(\d{12})/CloudTrail-Digest/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_CloudTrail-Digest_([a-z0-9-]+)_([A-Za-z0-9_.-]+)_([a-z0-9-]+)_(\d{8})T\d{6}Z\.json\.gz$";
    pub const CLOUDWATCH: &str = r"^AWSLogs/\d{12}/CloudWatch/(\d{4})/(\d{2})/(\d{2})/(\d{2})/([A-Za-z0-9_.-]+)-1-(\d{4})-(\d{2})-(\d{2})-(\d{2})-\d{2}-\d{2}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.gz$";
    pub const ROUTE53: &str = r"^AWSLogs/(?P<account>\d{12})/vpcdnsquerylogs/(?P<vpc>vpc-[0-9a-f]{8,17})/(?P<date>\d{4}/\d{2}/\d{2})/(?P<account2>\d{12})_vpcdnsquerylogs_(?P<vpc2>vpc-[0-9a-f]{8,17})_(?P<time>\d{8}T\d{4}Z)_[0-9a-f]{8}\.log\.gz$";
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    const T: i64 = 1_772_325_000_000; // 2026-03-01T00:30:00Z

    #[test]
    fn vpc_keys_with_and_without_hour() {
        let daily = vpc_key(
            "123456789012",
            "us-east-1",
            "fl-0123456789abcdef0",
            T,
            "fe123456",
            false,
        );
        assert_eq!(
            daily,
            "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/01/123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20260301T0030Z_fe123456.log.gz"
        );
        assert!(Regex::new(patterns::VPC_DAILY).unwrap().is_match(&daily));
        let hourly = vpc_key(
            "123456789012",
            "us-east-1",
            "fl-0123456789abcdef0",
            T,
            "fe123456",
            true,
        );
        assert!(hourly.contains("/2026/03/01/00/123456789012_vpcflowlogs_"));
        assert!(Regex::new(patterns::VPC_HOURLY).unwrap().is_match(&hourly));
        assert!(!Regex::new(patterns::VPC_DAILY).unwrap().is_match(&hourly));
    }

    #[test]
    fn other_keys() {
        assert_eq!(
            cloudtrail_key("111122223333", "us-east-2", T, "Mu0KsOhtH1ar15ZZ"),
            "AWSLogs/111122223333/CloudTrail/us-east-2/2026/03/01/111122223333_CloudTrail_us-east-2_20260301T0030Z_Mu0KsOhtH1ar15ZZ.json.gz"
        );
        assert_eq!(
            cloudtrail_digest_key("111122223333", "us-east-2", "main", "us-east-2", T + 5_000),
            "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2026/03/01/111122223333_CloudTrail-Digest_us-east-2_main_us-east-2_20260301T003005Z.json.gz"
        );
        let uuid = "07a3f2ce-1485-4031-b842-e1f324c4a48d";
        assert_eq!(
            guardduty_key("123456789012", "us-east-1", T, uuid),
            format!("AWSLogs/123456789012/GuardDuty/us-east-1/2026/03/01/{uuid}.jsonl.gz")
        );
        let cw = cloudwatch_key("123456789012", "cw-stream", T + 7_000, uuid);
        assert_eq!(
            cw,
            format!("AWSLogs/123456789012/CloudWatch/2026/03/01/00/cw-stream-1-2026-03-01-00-30-07-{uuid}.gz")
        );
        assert!(Regex::new(patterns::CLOUDWATCH).unwrap().is_match(&cw));
    }

    #[test]
    fn time_formats() {
        let t = Utc::from_ms(T + 1_234);
        assert_eq!(t.iso_seconds(), "2026-03-01T00:30:01Z");
        assert_eq!(t.iso_millis(), "2026-03-01T00:30:01.234Z");
        assert_eq!(t.compact_second(), "20260301T003001Z");
        assert_eq!(five_minute_floor(T + 299_999), T);
    }

    #[test]
    fn route53_keys() {
        let key = route53_key("123456789012", "vpc-0123456789abcdef0", T, "71584702");
        assert_eq!(
            key,
            "AWSLogs/123456789012/vpcdnsquerylogs/vpc-0123456789abcdef0/2026/03/01/123456789012_vpcdnsquerylogs_vpc-0123456789abcdef0_20260301T0030Z_71584702.log.gz"
        );
        assert!(Regex::new(patterns::ROUTE53).unwrap().is_match(&key));
    }
}
