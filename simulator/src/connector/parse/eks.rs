//! EKS audit events as the EKS stack's transform Lambda writes them: JSON
//! Lines, one `AWSEKSLogs_CL` row per line.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{canonical_time, line_text};
use crate::connector::rows::{EksLogsRef, Text};
use crate::tables::AwsEksLogs;

/// One line of the EKS transform Lambda's output: the `AWSEKSLogs_CL`
/// columns.
#[derive(Deserialize)]
#[allow(non_snake_case)]
struct EksIn<'a> {
    #[serde(borrow)]
    TimeGenerated: Text<'a>,
    #[serde(borrow)]
    AwsAccountId: Text<'a>,
    #[serde(borrow)]
    Region: Text<'a>,
    #[serde(borrow)]
    ClusterName: Text<'a>,
    #[serde(borrow)]
    Verb: Text<'a>,
    #[serde(borrow)]
    User: Text<'a>,
    #[serde(borrow)]
    SourceIPs: Vec<Text<'a>>,
    #[serde(borrow, default)]
    UserAgent: Option<Text<'a>>,
    #[serde(borrow, default)]
    ObjectRef: Option<Text<'a>>,
    #[serde(default)]
    ResponseCode: Option<i32>,
    #[serde(borrow)]
    Stage: Text<'a>,
    #[serde(borrow, default)]
    AuthDecision: Option<Text<'a>>,
    #[serde(borrow)]
    RawEvent: &'a RawValue,
}

pub(super) fn eks_line(line: &[u8]) -> Result<EksLogsRef<'_>, String> {
    let e: EksIn = serde_json::from_str(line_text(line)?)
        .map_err(|e| format!("not an AWSEKSLogs_CL row: {e}"))?;
    let row: EksLogsRef = AwsEksLogs {
        TimeGenerated: canonical_time(&e.TimeGenerated, "TimeGenerated")?,
        AwsAccountId: e.AwsAccountId,
        Region: e.Region,
        ClusterName: e.ClusterName,
        Verb: e.Verb,
        User: e.User,
        SourceIPs: e.SourceIPs,
        UserAgent: e.UserAgent,
        ObjectRef: e.ObjectRef,
        ResponseCode: e.ResponseCode,
        Stage: e.Stage,
        AuthDecision: e.AuthDecision,
        RawEvent: e.RawEvent,
    };
    Ok(row)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::rows;
    use crate::tables::AwsEksLogs;
    use catalogue::DataType;

    #[test]
    fn eks_ndjson_rows() {
        let line = r#"{"TimeGenerated":"2025-03-04T06:22:18.819232Z","AwsAccountId":"123456789012","Region":"us-east-1","ClusterName":"prod","Verb":"get","User":"kubernetes-admin","SourceIPs":["10.0.0.1"],"UserAgent":"kubectl/v1.29","ObjectRef":"default/pods/web-0","ResponseCode":200,"Stage":"ResponseComplete","AuthDecision":"allow","RawEvent":{"kind":"Event","verb":"get"}}"#;
        let text = format!("{line}\n{{\"TimeGenerated\":\"never\"}}\n{line}\n");
        let (r, bad) = rows(DataType::Eks, text.as_bytes());
        assert_eq!(r.len(), 2);
        let Some(e) = r[0].decode::<AwsEksLogs>() else {
            panic!()
        };
        assert_eq!(e.TimeGenerated, "2025-03-04T06:22:18.819Z");
        assert_eq!(e.ResponseCode, Some(200));
        assert_eq!(e.RawEvent["kind"], "Event");
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].position.line, Some(2));
    }
}
