//! VPC flow logs (text format): a header line naming the fields, then one
//! space-separated record per line.

use std::io::BufRead;
use std::ops::ControlFlow;

use super::{for_each_line, stop_or, utf8, Item, LineError, ObjectError, Position};
use crate::connector::rows::{RowRef, VpcFlowRef};
use crate::synth::vpc::VpcField;
use crate::tables::DateTimeMs;

pub(super) fn parse_vpc(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    let mut header: Option<Vec<Option<VpcField>>> = None;
    let mut index = 0u64;
    for_each_line(r, |line, bytes| {
        let Some(fields) = &header else {
            let text = utf8(bytes)
                .map_err(|_| ObjectError::Document("the VPC header line is not UTF-8".into()))?;
            let fields: Vec<Option<VpcField>> = text
                .split(' ')
                .filter(|t| !t.is_empty())
                .map(|t| VpcField::from_name(&t.replace('_', "-")))
                .collect();
            if fields.iter().all(Option::is_none) {
                return Err(ObjectError::Document(format!(
                    "line {line} is not a VPC flow log header (no known field names): '{}'",
                    text.chars().take(120).collect::<String>()
                )));
            }
            header = Some(fields);
            return Ok(());
        };
        let position = Position {
            line: Some(line),
            index,
        };
        index += 1;
        let flow = match vpc_record(fields, bytes) {
            Ok(row) => sink(Item::Row(position, &RowRef::AWSVPCFlow(row))),
            Err(reason) => sink(Item::Malformed(LineError { position, reason })),
        };
        stop_or(flow)
    })
}

fn vpc_record<'a>(fields: &[Option<VpcField>], bytes: &'a [u8]) -> Result<VpcFlowRef<'a>, String> {
    let text = utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    let mut row = VpcFlowRef::default();
    let mut start = None;
    let mut n = 0usize;
    let mut first_error = None;
    for v in words(text) {
        let field = fields.get(n).copied().flatten();
        n += 1;
        let Some(field) = field else { continue };
        if v == "-" || first_error.is_some() {
            continue;
        }
        if let Err(e) = set_vpc_field(&mut row, &mut start, field, v) {
            first_error = Some(e);
        }
    }
    if n != fields.len() {
        return Err(format!(
            "{n} space-separated fields, the header has {}",
            fields.len()
        ));
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    // Sentinel falls back to ingestion time without `start`; that row could
    // never be checked, so it is reported instead.
    let start = start.ok_or("no start time ('-' or not in the format)")?;
    row.TimeGenerated = DateTimeMs(start.saturating_mul(1000));
    Ok(row)
}

/// The space-separated words of a line (a run of spaces separates one
/// pair), the spaces found with `memchr`'s vectorised search.
fn words(text: &str) -> impl Iterator<Item = &str> {
    let mut spaces = memchr::memchr_iter(b' ', text.as_bytes());
    let mut start = 0;
    std::iter::from_fn(move || loop {
        let Some(at) = spaces.next() else {
            if start < text.len() {
                let word = &text[start..];
                start = text.len();
                return Some(word);
            }
            return None;
        };
        let word = &text[start..at];
        start = at + 1;
        if !word.is_empty() {
            return Some(word);
        }
    })
}

/// A decimal integer as `str::parse::<i64>` reads it. Up to 18 digits
/// (all a flow log holds) cannot overflow, so they take a plain digit loop;
/// anything else goes to `str::parse`.
fn integer(v: &str) -> Option<i64> {
    let (negative, digits) = match v.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        d => (false, d),
    };
    if digits.is_empty() || digits.len() > 18 || digits[0] == b'+' {
        return v.parse().ok();
    }
    let mut n = 0i64;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + i64::from(d);
    }
    Some(if negative { -n } else { n })
}

/// Sets the column of one VPC field from its (non-`-`) value.
fn set_vpc_field<'a>(
    row: &mut VpcFlowRef<'a>,
    start: &mut Option<i64>,
    field: VpcField,
    v: &'a str,
) -> Result<(), String> {
    let int = || {
        integer(v)
            .and_then(|i| i32::try_from(i).ok())
            .map(Some)
            .ok_or_else(|| format!("{} '{v}' is not a 32-bit integer", field.name()))
    };
    let long = || {
        integer(v)
            .map(Some)
            .ok_or_else(|| format!("{} '{v}' is not an integer", field.name()))
    };
    let s = Some(v);
    use VpcField as F;
    match field {
        F::Version => row.Version = int()?,
        F::AccountId => row.AccountId = s,
        F::InterfaceId => row.InterfaceId = s,
        F::SrcAddr => row.SrcAddr = s,
        F::DstAddr => row.DstAddr = s,
        F::SrcPort => row.SrcPort = int()?,
        F::DstPort => row.DstPort = int()?,
        F::Protocol => row.Protocol = int()?,
        F::Packets => row.Packets = long()?,
        F::Bytes => row.Bytes = long()?,
        F::Start => *start = long()?,
        F::End => row.End = long()?.map(|e| DateTimeMs(e.saturating_mul(1000))),
        F::Action => row.Action = s,
        F::LogStatus => row.LogStatus = s,
        F::VpcId => row.VpcId = s,
        F::SubnetId => row.SubnetId = s,
        F::InstanceId => row.InstanceId = s,
        F::TcpFlags => row.TcpFlags = int()?,
        F::Type => row.TrafficType = s,
        F::PktSrcAddr => row.PktSrcAddr = s,
        F::PktDstAddr => row.PktDstAddr = s,
        F::Region => row.Region = s,
        F::AzId => row.AzId = s,
        F::SublocationType => row.SublocationType = s,
        F::SublocationId => row.SublocationId = s,
        F::PktSrcAwsService => row.PktSrcAwsService = s,
        F::PktDstAwsService => row.PktDstAwsService = s,
        F::FlowDirection => row.FlowDirection = s,
        F::TrafficPath => row.TrafficPath = int()?,
        F::EcsClusterArn => row.EcsClusterArn = s,
        F::EcsClusterName => row.EcsClusterName = s,
        F::EcsContainerInstanceArn => row.EcsContainerInstanceArn = s,
        F::EcsContainerInstanceId => row.EcsContainerInstanceId = s,
        F::EcsContainerId => row.EcsContainerId = s,
        F::EcsSecondContainerId => row.EcsSecondContainerId = s,
        F::EcsServiceName => row.EcsServiceName = s,
        F::EcsTaskDefinitionArn => row.EcsTaskDefinitionArn = s,
        F::EcsTaskArn => row.EcsTaskArn = s,
        F::EcsTaskId => row.EcsTaskId = s,
        F::RejectReason => row.RejectReason = s,
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::rows;
    use super::*;
    use crate::connector::parse::ObjectError;
    use crate::connector::parse::{parse_bytes, Service};
    use crate::tables::{AwsVpcFlow, TableRow};

    pub(crate) const VPC: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n\
2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n\
2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA\n\
2 123456789010 eni-1235b8ca123456789  172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n\
2 unknown eni-1 1.2.3.4 5.6.7.8 1 2 6 20 4249 yesterday 1418530070 ACCEPT OK\n\
2 123456789010 eni-1\n";

    #[test]
    fn integers_read_as_str_parse_reads_them() {
        for v in [
            "0",
            "7",
            "-7",
            "+7",
            "-",
            "",
            "12a",
            "1.5",
            " 1",
            "2147483647",
            "2147483648",
            "-2147483648",
            "999999999999999999",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "00042",
            "-0",
            "--1",
            "+-1",
            "\u{663}",
        ] {
            assert_eq!(integer(v), v.parse::<i64>().ok(), "{v:?}");
        }
    }

    #[test]
    fn words_split_on_runs_of_spaces() {
        let w = |s| words(s).collect::<Vec<_>>();
        assert_eq!(w("a bb  c "), ["a", "bb", "c"]);
        assert_eq!(w("  x"), ["x"]);
        assert!(w("").is_empty() && w("   ").is_empty());
        assert_eq!(w("é ü"), ["é", "ü"]);
        // Words across the 64-byte blocks, spaces at their edges.
        let long: String = (0..40)
            .map(|i| format!("w{i}{} ", " ".repeat(i % 3)))
            .collect();
        let expect: Vec<String> = (0..40).map(|i| format!("w{i}")).collect();
        assert_eq!(w(&long), expect);
        let edge = format!("{} {}", "a".repeat(63), "b".repeat(64));
        assert_eq!(w(&edge), [&"a".repeat(63), &"b".repeat(64)]);
    }

    #[test]
    fn vpc_literal_rows() {
        let (r, bad) = rows(Service::Vpc, VPC.as_bytes());
        assert_eq!(r.len(), 4);
        let TableRow::AWSVPCFlow(first) = &r[0] else {
            panic!()
        };
        assert_eq!(
            first,
            &AwsVpcFlow {
                TimeGenerated: "2014-12-14T04:06:50.000Z".into(),
                Version: Some(2),
                AccountId: Some("123456789010".into()),
                InterfaceId: Some("eni-1235b8ca123456789".into()),
                SrcAddr: Some("172.31.16.139".into()),
                DstAddr: Some("172.31.16.21".into()),
                SrcPort: Some(20641),
                DstPort: Some(22),
                Protocol: Some(6),
                Packets: Some(20),
                Bytes: Some(4249),
                End: Some("2014-12-14T04:07:50.000Z".into()),
                Action: Some("ACCEPT".into()),
                LogStatus: Some("OK".into()),
                ..AwsVpcFlow::default()
            }
        );
        let TableRow::AWSVPCFlow(nodata) = &r[1] else {
            panic!()
        };
        assert_eq!(nodata.LogStatus.as_deref(), Some("NODATA"));
        assert_eq!(
            (
                nodata.SrcAddr.as_ref(),
                nodata.Bytes,
                nodata.Action.as_ref()
            ),
            (None, None, None)
        );
        // A double space is tolerated.
        assert_eq!(r[3], r[0]);
        let lines: Vec<u64> = bad.iter().map(|b| b.position.line.unwrap()).collect();
        assert_eq!(lines, [6, 7]);
        assert!(
            bad[0].reason.contains("start 'yesterday'"),
            "{}",
            bad[0].reason
        );
        assert!(
            bad[1].reason.contains("3 space-separated fields"),
            "{}",
            bad[1].reason
        );
    }

    #[test]
    fn vpc_custom_order_unknown_fields_and_no_header() {
        let text = "instance-id interface-id next-hop-vpc-id start end log_status\n- eni-1 vpc-9 100 160 OK\n";
        let (r, bad) = rows(Service::Vpc, text.as_bytes());
        assert!(bad.is_empty());
        let TableRow::AWSVPCFlow(row) = &r[0] else {
            panic!()
        };
        assert_eq!(row.InstanceId, None);
        assert_eq!(row.InterfaceId.as_deref(), Some("eni-1"));
        assert_eq!(row.LogStatus.as_deref(), Some("OK"));
        assert_eq!(row.TimeGenerated, "1970-01-01T00:01:40.000Z");
        let (_, _, res) = parse_bytes(Service::Vpc, None, b"2 1 eni-1 - - 100 160\n");
        assert!(matches!(res, Err(ObjectError::Document(_))), "{res:?}");
    }
}
