//! GuardDuty findings exported to S3: JSON Lines, one finding per line.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{canonical_time, line_text};
use crate::connector::rows::{GuardDutyRef, Text};
use crate::tables::AwsGuardDuty;

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct FindingIn<'a> {
    #[serde(borrow)]
    schemaVersion: Text<'a>,
    #[serde(borrow)]
    accountId: Text<'a>,
    #[serde(borrow)]
    region: Text<'a>,
    #[serde(borrow)]
    partition: Text<'a>,
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(borrow)]
    arn: Text<'a>,
    #[serde(borrow, rename = "type")]
    ty: Text<'a>,
    #[serde(borrow)]
    resource: &'a RawValue,
    #[serde(borrow)]
    service: &'a RawValue,
    severity: f64,
    #[serde(borrow)]
    createdAt: Text<'a>,
    #[serde(borrow)]
    updatedAt: Text<'a>,
    #[serde(borrow)]
    title: Text<'a>,
    #[serde(borrow)]
    description: Text<'a>,
}

pub(super) fn guardduty_line(line: &[u8]) -> Result<GuardDutyRef<'_>, String> {
    let f: FindingIn = serde_json::from_str(line_text(line)?).map_err(|e| {
        if line.starts_with(b"{\"findings\":") {
            "a '{\"findings\":[...]}' line, not a finding".to_string()
        } else {
            format!("not a GuardDuty finding: {e}")
        }
    })?;
    let row: GuardDutyRef = AwsGuardDuty {
        TimeGenerated: canonical_time(&f.updatedAt, "updatedAt")?,
        AccountId: f.accountId,
        ActivityType: f.ty,
        Arn: f.arn,
        Description: f.description,
        Id: f.id,
        Partition: f.partition,
        Region: f.region,
        ResourceDetails: f.resource,
        SchemaVersion: f.schemaVersion,
        ServiceDetails: f.service,
        Severity: f.severity.trunc() as i32,
        TimeCreated: canonical_time(&f.createdAt, "createdAt")?,
        Title: f.title,
    };
    Ok(row)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::rows;
    use crate::connector::parse::{parse_bytes, Position};
    use crate::tables::AwsGuardDuty;
    use catalogue::DataType;
    use serde_json::Value;

    pub(crate) const FINDING: &str = r#"{"schemaVersion":"2.0","accountId":"123456789012","region":"us-east-1","partition":"aws","id":"16afba5c5c43e07c9e3e5e2e544e95df","arn":"arn:aws:guardduty:us-east-1:123456789012:detector/123456789012345678901234567890ab/finding/16afba5c5c43e07c9e3e5e2e544e95df","type":"Recon:EC2/PortProbeUnprotectedPort","resource":{"resourceType":"Instance","instanceDetails":{"instanceId":"i-99999999","platform":null}},"service":{"serviceName":"guardduty","count":3,"archived":false,"additionalInfo":{"value":"{\"sample\":true}","type":"default"},"evidence":null},"severity":5.9,"createdAt":"2024-05-30T07:00:00.123Z","updatedAt":"2024-05-30T08:15:30.5Z","title":"Unprotected port on EC2 instance i-99999999 is being probed.","description":"EC2 instance has an unprotected port which is being probed by a known malicious host."}"#;

    #[test]
    fn guardduty_literal_finding_and_findings_line() {
        let text = format!("{FINDING}\n{{\"findings\":[]}}\n\n{FINDING}\n");
        let (r, bad) = rows(DataType::GuardDuty, text.as_bytes());
        assert_eq!(r.len(), 2);
        let Some(f) = r[0].decode::<AwsGuardDuty>() else {
            panic!()
        };
        assert_eq!(f.TimeGenerated, "2024-05-30T08:15:30.500Z");
        assert_eq!(f.TimeCreated, "2024-05-30T07:00:00.123Z");
        assert_eq!(f.Severity, 5);
        assert_eq!(f.ActivityType, "Recon:EC2/PortProbeUnprotectedPort");
        assert_eq!(f.ServiceDetails["count"], 3);
        assert_eq!(
            f.ResourceDetails["instanceDetails"]["platform"],
            Value::Null
        );
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].position.line, Some(2));
        assert!(bad[0].reason.contains("findings"));
        // The blank line is skipped, the second finding is on line 4.
        let (with_pos, _, _) = parse_bytes(DataType::GuardDuty, None, text.as_bytes());
        assert_eq!(
            with_pos[1].0,
            Position {
                line: Some(4),
                index: 2
            }
        );
    }
}
