//! Tests of the VPC flow-log generator.

use super::super::keys::patterns;
use super::super::manifest::Content;
use super::super::testutil::*;
use super::super::GenOptions;
use super::*;
use catalogue::DataType;
use regex::Regex;

fn opts(format: VpcFormat, n: u64) -> GenOptions {
    let mut o = GenOptions::new(DataType::Vpc, n, 5);
    o.vpc_fields = format.fields();
    o
}

/// Reads an object with the `csv` crate (space delimiter), checking the
/// header, and returns (header, records).
fn read(data: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let text = gunzip(data);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b' ')
        .has_headers(true)
        .quoting(false)
        .from_reader(&text[..]);
    let header = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows = rdr
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// Independent mapping of a text record to the table row.
fn to_row(header: &[String], rec: &[String]) -> AwsVpcFlow {
    let mut row = AwsVpcFlow::default();
    for (name, v) in header.iter().zip(rec) {
        let s = (v != "-").then(|| v.clone());
        let i = || s.as_ref().map(|x| x.parse::<i32>().unwrap());
        let l = || s.as_ref().map(|x| x.parse::<i64>().unwrap());
        let dt = || l().map(|x| format_datetime_ms(x * 1000));
        match name.as_str() {
            "version" => row.Version = i(),
            "account-id" => row.AccountId = s,
            "interface-id" => row.InterfaceId = s,
            "srcaddr" => row.SrcAddr = s,
            "dstaddr" => row.DstAddr = s,
            "srcport" => row.SrcPort = i(),
            "dstport" => row.DstPort = i(),
            "protocol" => row.Protocol = i(),
            "packets" => row.Packets = i(),
            "bytes" => row.Bytes = l(),
            "start" => row.TimeGenerated = dt().unwrap(),
            "end" => row.End = dt(),
            "action" => row.Action = s,
            "log-status" => row.LogStatus = s,
            "vpc-id" => row.VpcId = s,
            "subnet-id" => row.SubnetId = s,
            "instance-id" => row.InstanceId = s,
            "tcp-flags" => row.TcpFlags = i(),
            "type" => row.TrafficType = s,
            "pkt-srcaddr" => row.PktSrcAddr = s,
            "pkt-dstaddr" => row.PktDstAddr = s,
            "region" => row.Region = s,
            "az-id" => row.AzId = s,
            "sublocation-type" => row.SublocationType = s,
            "sublocation-id" => row.SublocationId = s,
            "pkt-src-aws-service" => row.PktSrcAwsService = s,
            "pkt-dst-aws-service" => row.PktDstAwsService = s,
            "flow-direction" => row.FlowDirection = s,
            "traffic-path" => row.TrafficPath = s,
            "ecs-cluster-arn" => row.EcsClusterArn = s,
            "ecs-cluster-name" => row.EcsClusterName = s,
            "ecs-container-instance-arn" => row.EcsContainerInstanceArn = s,
            "ecs-container-instance-id" => row.EcsContainerInstanceId = s,
            "ecs-container-id" => row.EcsContainerId = s,
            "ecs-second-container-id" => row.EcsSecondContainerId = s,
            "ecs-service-name" => row.EcsServiceName = s,
            "ecs-task-definition-arn" => row.EcsTaskDefinitionArn = s,
            "ecs-task-arn" => row.EcsTaskArn = s,
            "ecs-task-id" => row.EcsTaskId = s,
            "reject-reason" => row.RejectReason = s,
            other => panic!("unexpected field {other}"),
        }
    }
    row
}

#[test]
fn objects_read_back_equal_manifest() {
    // The named formats, and a custom one without `version`, out of table order.
    let custom_no_version =
            parse_fields("${instance-id} ${interface-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${start} ${end} ${ecs-task-id} ${log-status}")
                .unwrap();
    let formats = [
        VpcFormat::Default.fields(),
        VpcFormat::Custom.fields(),
        VpcFormat::AllFields.fields(),
        custom_no_version,
    ];
    for fields in formats {
        let mut o = opts(VpcFormat::Default, 2500);
        o.vpc_fields = fields.clone();
        let out = run(&o);
        let mut total = 0;
        for e in out.entries() {
            let (header, rows) = read(&out.objects[&e.key]);
            assert_eq!(header.join(" "), format_string(&fields));
            assert_eq!(rows.len() as u64, e.record_count);
            for (i, (rec, exp)) in rows.iter().zip(&e.records).enumerate() {
                assert_eq!(rec.len(), header.len());
                assert_eq!(exp.line, Some(i as u64 + 2));
                assert_eq!(TableRow::new(to_row(&header, rec)), exp.expected);
            }
            total += rows.len();
        }
        assert_eq!(total, 2500);
    }
}

#[test]
fn all_fields_format_edge_cases() {
    let out = run(&opts(VpcFormat::AllFields, 3000));
    let mut statuses = HashSet::new();
    let mut protocols = HashSet::new();
    let (mut v6, mut reject, mut dash, mut bpa) = (0, 0, 0, 0);
    for e in out.entries() {
        let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(' ').collect();
            assert_eq!(f.len(), 40, "single-space delimited: {line}");
            assert_eq!(f[0], "8");
            statuses.insert(f[13].to_string());
            match f[13] {
                "NODATA" | "SKIPDATA" => {
                    // Only version/account/interface/start/end are set.
                    for (i, v) in f.iter().enumerate() {
                        assert_eq!(*v == "-", ![0, 1, 2, 10, 11, 13].contains(&i), "{line}");
                    }
                }
                _ => {
                    protocols.insert(f[7].to_string());
                    v6 += usize::from(f[18] == "IPv6");
                    reject += usize::from(f[12] == "REJECT");
                    bpa += usize::from(f[39] == "BPA");
                    assert!(f[10].parse::<i64>().unwrap() <= f[11].parse::<i64>().unwrap());
                }
            }
            dash += f.iter().filter(|v| **v == "-").count();
        }
    }
    assert_eq!(statuses.len(), 3, "{statuses:?}");
    for p in ["6", "17", "1", "58"] {
        assert!(protocols.contains(p), "{p} in {protocols:?}");
    }
    assert!(v6 > 100 && reject > 100 && dash > 1000 && bpa > 0);
}

#[test]
fn key_layout_daily_and_hourly() {
    let daily = Regex::new(patterns::VPC_DAILY).unwrap();
    let hourly = Regex::new(patterns::VPC_HOURLY).unwrap();
    for hourly_on in [false, true] {
        let mut o = opts(VpcFormat::Default, 3000);
        o.hourly_partitions = hourly_on;
        let out = run(&o);
        assert!(out.objects.len() > 2);
        for e in out.entries() {
            let re = if hourly_on { &hourly } else { &daily };
            let c = re.captures(&e.key).unwrap_or_else(|| panic!("{}", e.key));
            // The file time is the 5-minute window of the records' `end`.
            let stamp = &c[c.len() - 2];
            let minute: i64 = stamp[11..13].parse().unwrap();
            assert_eq!(minute % 5, 0);
            for r in &e.records {
                let Some(row) = r.expected.decode::<AwsVpcFlow>() else {
                    panic!()
                };
                let end = row.End.as_ref().unwrap();
                let end_compact = format!(
                    "{}{}{}T{}{}",
                    &end[0..4],
                    &end[5..7],
                    &end[8..10],
                    &end[11..13],
                    &end[14..16]
                );
                let end_min: i64 = end_compact[11..13].parse().unwrap();
                assert_eq!(&end_compact[..11], &stamp[..11]);
                assert_eq!(end_min - end_min % 5, minute);
            }
            if hourly_on {
                assert_eq!(&c[7], &c[c.len() - 2][9..11]);
            }
        }
    }
}

#[test]
fn malformed_lines_are_counted() {
    let mut o = opts(VpcFormat::Custom, 100);
    o.bad_data = vec![crate::synth::BadDataKind::MalformedLines];
    let out = run(&o);
    let e = out
        .entries()
        .find(|e| e.content == Content::Malformed)
        .unwrap();
    let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let n = o.vpc_fields.len();
    let mut good = 0;
    for (i, l) in lines.iter().enumerate().skip(1) {
        let ok = l.split(' ').count() == n
            && l.split(' ')
                .nth(16)
                .is_some_and(|s| s.parse::<i64>().is_ok());
        assert_eq!(ok, !e.malformed_lines.contains(&(i as u64 + 1)), "{l}");
        good += usize::from(ok);
    }
    assert_eq!(good as u64, e.record_count);
}

#[test]
fn snapshot_tiny_object() {
    let mut o = opts(VpcFormat::Default, 6);
    o.seed = 42;
    let out = run(&o);
    let key = &out.order[0];
    let text = String::from_utf8(gunzip(&out.objects[key])).unwrap();
    insta::assert_json_snapshot!(serde_json::json!({
        "key": key,
        "sha256": crate::synth::sha256_hex(&out.objects[key]),
        "text": text.lines().collect::<Vec<_>>(),
    }));
}
