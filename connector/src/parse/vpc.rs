//! VPC flow logs (text format): a header line naming the fields, then one
//! space-separated record per line.
//!
//! `TimeGenerated` is `start`; a record without one (a format without
//! `start`, such as AWS's own NAT gateway and transit gateway examples, or a
//! `-`) gets the object's arrival time, as AWSVPCFlow defines it ("the data
//! arrival time to Azure Monitor in case the 'start' input field is empty or
//! missing"). A `packets` count beyond the 32-bit `int` column is a bad value:
//! the row goes out without `Packets`.

use std::io::BufRead;
use std::ops::ControlFlow;

use super::{for_each_line, stop_or, utf8, Item, LineError, ObjectError, Position};
use crate::rows::VpcFlowRef;
use catalogue::tables::DateTimeMs;
use catalogue::vpc::VpcField;

pub(super) fn parse_vpc(
    r: &mut dyn BufRead,
    arrival: DateTimeMs,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    let mut header: Option<Vec<Option<VpcField>>> = None;
    let mut index = 0u64;
    let mut bad: Vec<String> = Vec::new();
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
        bad.clear();
        match vpc_record(fields, bytes, arrival, &mut bad) {
            Ok(row) => {
                stop_or(sink(Item::Row(position, &row)))?;
                for reason in bad.drain(..) {
                    stop_or(sink(Item::BadValue(LineError { position, reason })))?;
                }
            }
            // A malformed record gives no row, so no value was left out of one: the values
            // read before the record failed are not reported on their own (found by fuzzing).
            Err(reason) => stop_or(sink(Item::Malformed(LineError { position, reason })))?,
        }
        Ok(())
    })
}

/// One record; values its columns cannot hold go to `bad` (the row is kept
/// without them).
fn vpc_record<'a>(
    fields: &[Option<VpcField>],
    bytes: &'a [u8],
    arrival: DateTimeMs,
    bad: &mut Vec<String>,
) -> Result<VpcFlowRef<'a>, String> {
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
        if let Err(e) = set_vpc_field(&mut row, &mut start, field, v, bad) {
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
        bad.clear();
        return Err(e);
    }
    row.TimeGenerated = start.map_or(arrival, |s| DateTimeMs(s.saturating_mul(1000)));
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

/// Sets the column of one VPC field from its (non-`-`) value; a value that
/// is not a number where one belongs spoils the record, a number its column
/// cannot hold goes to `bad`.
fn set_vpc_field<'a>(
    row: &mut VpcFlowRef<'a>,
    start: &mut Option<i64>,
    field: VpcField,
    v: &'a str,
    bad: &mut Vec<String>,
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
        F::Packets => {
            let n = long()?;
            row.Packets = n.and_then(|n| i32::try_from(n).ok());
            if row.Packets.is_none() {
                bad.push(format!(
                    "packets '{v}' does not fit the 32-bit int column Packets: the row is kept without it"
                ));
            }
        }
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
        F::TrafficPath => row.TrafficPath = s,
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
    use crate::parse::ObjectError;
    use crate::parse::{parse_bytes, parse_object};
    use catalogue::tables::AwsVpcFlow;
    use catalogue::DataType;

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
    fn a_malformed_record_reports_no_bad_value_of_its_own() {
        // packets beyond the int column is a bad value of a row; here the record then has a
        // field more than the header, so there is no row and only the malformed record is
        // reported.
        let text = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
2 123456789010 eni-1 1.2.3.4 5.6.7.8 1 2 6 99999999999 4249 1418530010 1418530070 ACCEPT OK extra\n";
        let mut items = Vec::new();
        let summary =
            crate::parse::parse_reader(DataType::Vpc, None, text.as_bytes(), &mut |item| {
                items.push(match item {
                    Item::Row(..) => "row",
                    Item::Malformed(_) => "malformed",
                    Item::BadValue(_) => "bad value",
                });
                std::ops::ControlFlow::Continue(())
            })
            .unwrap();
        assert_eq!(items, ["malformed"]);
        assert_eq!(
            (summary.rows, summary.malformed, summary.bad_values),
            (0, 1, 0)
        );
    }

    #[test]
    fn vpc_literal_rows() {
        let (r, bad) = rows(DataType::Vpc, VPC.as_bytes());
        assert_eq!(r.len(), 4);
        let Some(first) = r[0].decode::<AwsVpcFlow>() else {
            panic!()
        };
        assert_eq!(
            first,
            AwsVpcFlow {
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
        let Some(nodata) = r[1].decode::<AwsVpcFlow>() else {
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
        let (r, bad) = rows(DataType::Vpc, text.as_bytes());
        assert!(bad.is_empty());
        let Some(row) = r[0].decode::<AwsVpcFlow>() else {
            panic!()
        };
        assert_eq!(row.InstanceId, None);
        assert_eq!(row.InterfaceId.as_deref(), Some("eni-1"));
        assert_eq!(row.LogStatus.as_deref(), Some("OK"));
        assert_eq!(row.TimeGenerated, "1970-01-01T00:01:40.000Z");
        let (_, _, res) = parse_bytes(DataType::Vpc, None, b"2 1 eni-1 - - 100 160\n");
        assert!(matches!(res, Err(ObjectError::Document(_))), "{res:?}");
    }

    /// The rows of `text` parsed as an object arriving at `ARRIVAL`, and its
    /// malformed records and bad values.
    fn arriving(text: &str) -> (Vec<AwsVpcFlow>, Vec<LineError>, Vec<LineError>) {
        let p = parse_object(DataType::Vpc, None, ARRIVAL, text.as_bytes());
        p.result.unwrap();
        let rows = p
            .rows
            .into_iter()
            .map(|(_, r)| r.decode::<AwsVpcFlow>().unwrap())
            .collect();
        (rows, p.malformed, p.bad_values)
    }

    const ARRIVAL: DateTimeMs = DateTimeMs(1_772_323_205_120);
    const ARRIVAL_TEXT: &str = "2026-03-01T00:00:05.120Z";

    #[test]
    fn aws_nat_gateway_example_without_start_takes_the_arrival_time() {
        // AWS VPC user guide, "Flow log record examples", traffic through a
        // NAT gateway: a custom format with neither `start` nor `end`.
        let text = "instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr\n\
- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5\n\
- eni-1235b8ca123456789 10.0.0.220 203.0.113.5 10.0.0.220 203.0.113.5\n\
- eni-1235b8ca123456789 203.0.113.5 10.0.0.220 203.0.113.5 10.0.0.220\n\
- eni-1235b8ca123456789 10.0.0.220 10.0.1.5 203.0.113.5 10.0.1.5\n\
i-01234567890123456 eni-1111aaaa2222bbbb3 10.0.1.5 203.0.113.5 10.0.1.5 203.0.113.5\n\
i-01234567890123456 eni-1111aaaa2222bbbb3 203.0.113.5 10.0.1.5 203.0.113.5 10.0.1.5\n";
        let (rows, malformed, bad) = arriving(text);
        assert!(
            malformed.is_empty() && bad.is_empty(),
            "{malformed:?} {bad:?}"
        );
        assert_eq!(rows.len(), 6);
        assert!(rows.iter().all(|r| r.TimeGenerated == ARRIVAL_TEXT));
        assert_eq!(
            rows[0],
            AwsVpcFlow {
                TimeGenerated: ARRIVAL_TEXT.into(),
                InterfaceId: Some("eni-1235b8ca123456789".into()),
                SrcAddr: Some("10.0.1.5".into()),
                DstAddr: Some("10.0.0.220".into()),
                PktSrcAddr: Some("10.0.1.5".into()),
                PktDstAddr: Some("203.0.113.5".into()),
                ..AwsVpcFlow::default()
            }
        );
        assert_eq!(rows[4].InstanceId.as_deref(), Some("i-01234567890123456"));
        assert_eq!(rows[5].PktSrcAddr.as_deref(), Some("203.0.113.5"));
    }

    #[test]
    fn aws_transit_gateway_example_without_start_takes_the_arrival_time() {
        // AWS VPC user guide, "Flow log record examples", traffic through a
        // transit gateway (version 3 fields, no `start`).
        let text = "version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol tcp-flags type pkt-srcaddr pkt-dstaddr action log-status\n\
3 eni-33333333333333333 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb i-01234567890123456 10.20.33.164 10.40.2.236 39812 80 6 3 IPv4 10.20.33.164 10.40.2.236 ACCEPT OK\n\
3 eni-33333333333333333 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb i-01234567890123456 10.40.2.236 10.20.33.164 80 39812 6 19 IPv4 10.40.2.236 10.20.33.164 ACCEPT OK\n\
3 eni-11111111111111111 123456789010 vpc-abcdefab012345678 subnet-11111111aaaaaaaaa - 10.40.1.175 10.40.2.236 39812 80 6 3 IPv4 10.20.33.164 10.40.2.236 ACCEPT OK\n\
3 eni-22222222222222222 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb - 10.40.2.236 10.40.2.31 80 39812 6 19 IPv4 10.40.2.236 10.20.33.164 ACCEPT OK\n";
        let (rows, malformed, bad) = arriving(text);
        assert!(
            malformed.is_empty() && bad.is_empty(),
            "{malformed:?} {bad:?}"
        );
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|r| r.TimeGenerated == ARRIVAL_TEXT));
        assert_eq!(
            rows[2],
            AwsVpcFlow {
                TimeGenerated: ARRIVAL_TEXT.into(),
                Version: Some(3),
                InterfaceId: Some("eni-11111111111111111".into()),
                AccountId: Some("123456789010".into()),
                VpcId: Some("vpc-abcdefab012345678".into()),
                SubnetId: Some("subnet-11111111aaaaaaaaa".into()),
                SrcAddr: Some("10.40.1.175".into()),
                DstAddr: Some("10.40.2.236".into()),
                SrcPort: Some(39812),
                DstPort: Some(80),
                Protocol: Some(6),
                TcpFlags: Some(3),
                TrafficType: Some("IPv4".into()),
                PktSrcAddr: Some("10.20.33.164".into()),
                PktDstAddr: Some("10.40.2.236".into()),
                Action: Some("ACCEPT".into()),
                LogStatus: Some("OK".into()),
                ..AwsVpcFlow::default()
            }
        );
        // A `-` start is no start either.
        let (rows, malformed, _) = arriving(
            "version start end log-status\n2 - 1431280934 NODATA\n2 1431280876 1431280934 OK\n",
        );
        assert!(malformed.is_empty());
        assert_eq!(rows[0].TimeGenerated, ARRIVAL_TEXT);
        assert_eq!(rows[1].TimeGenerated, "2015-05-10T18:01:16.000Z");
    }

    #[test]
    fn traffic_path_is_text_and_packets_beyond_int_are_bad_values() {
        // AWS's "Service name, traffic path, and flow direction" example.
        let text = "version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status\n\
5 52.95.128.179 10.0.0.71 80 34210 6 1616729292 1616729349 IPv4 14 15044 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 19 52.95.128.179 10.0.0.71 S3 - - ingress OK\n\
5 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 IPv4 7 471 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 3 10.0.0.71 52.95.128.179 - S3 8 egress OK\n\
5 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 IPv4 5000000000 471 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 3 10.0.0.71 52.95.128.179 - S3 8 egress OK\n";
        let (rows, malformed, bad) = arriving(text);
        assert!(malformed.is_empty(), "{malformed:?}");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].TrafficPath, None);
        assert_eq!(rows[1].TrafficPath.as_deref(), Some("8"));
        assert_eq!(rows[1].Packets, Some(7));
        assert_eq!(rows[1].PktDstAwsService.as_deref(), Some("S3"));
        assert_eq!(rows[1].TimeGenerated, "2021-03-26T03:28:12.000Z");
        // The string column serialises as a JSON string.
        let json = serde_json::to_value(&rows[1]).unwrap();
        assert_eq!(json["TrafficPath"], "8");
        // A count the int column cannot hold: the row without it, reported.
        assert_eq!(rows[2].Packets, None);
        assert_eq!(rows[2].Bytes, Some(471));
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert_eq!(bad[0].position.line, Some(4));
        assert!(
            bad[0].reason.contains("packets '5000000000'") && bad[0].reason.contains("Packets"),
            "{}",
            bad[0].reason
        );
    }
}
