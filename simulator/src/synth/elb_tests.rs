//! Tests of the ELB log generators.

use super::*;
use crate::synth::testutil::{gunzip, run};
use crate::synth::GenOptions;
use catalogue::DataType;

#[test]
fn access_log_objects_sit_under_the_key_prefix_with_elbs_file_names() {
    for (d, lb) in [
        (DataType::ElbAlb, "app.sentinel-web."),
        (DataType::ElbNlb, "net.sentinel-tls."),
    ] {
        let out = run(&GenOptions::new(d, 3000, 5));
        assert!(out.objects.len() > 1, "{d}");
        let prefix = format!("{}/", d.default_key_prefix());
        for e in out.entries() {
            let rest = e
                .key
                .strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("{}", e.key));
            let parts: Vec<&str> = rest.split('/').collect();
            assert_eq!(
                &parts[..4],
                [
                    "AWSLogs",
                    "123456789012",
                    "elasticloadbalancing",
                    "us-east-1"
                ],
                "{}",
                e.key
            );
            let name = parts[7];
            let head = format!("123456789012_elasticloadbalancing_us-east-1_{lb}");
            assert!(
                name.starts_with(&head) && name.ends_with(".log.gz"),
                "{name}"
            );
            // <lb id>_<end of the interval>_<node ip>_<random>
            let fields: Vec<&str> = name[head.len()..]
                .trim_end_matches(".log.gz")
                .split('_')
                .collect();
            assert_eq!(fields.len(), 4, "{name}");
            assert!(fields[1].ends_with('Z') && fields[1].len() == 14, "{name}");
            let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), e.records.len());
            for (i, rec) in e.records.iter().enumerate() {
                assert_eq!(rec.line, Some(i as u64 + 1));
            }
        }
    }
}

#[test]
fn flow_log_objects_have_the_default_header_under_their_own_prefix() {
    for (d, prefix) in [
        (DataType::ElbNlbFlow, "NLBFlowLogs/"),
        (DataType::ElbGwlbFlow, "GLBFlowLogs/"),
    ] {
        let mut o = GenOptions::new(d, 1500, 3);
        assert_eq!(o.key_prefix, prefix);
        o.key_prefix = "lb/flows/".into();
        let out = run(&o);
        for e in out.entries() {
            assert!(
                e.key
                    .starts_with("lb/flows/AWSLogs/123456789012/vpcflowlogs/us-east-1/"),
                "{}",
                e.key
            );
            let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
            let mut lines = text.lines();
            assert_eq!(lines.next(), Some(FLOW_HEADER));
            for line in lines {
                assert_eq!(line.split(' ').count(), 14, "{line}");
            }
            assert_eq!(e.records[0].line, Some(2));
        }
    }
}

#[test]
fn the_edge_cases_occur() {
    let rows = |d: DataType, n: u64| -> Vec<serde_json::Value> {
        let out = run(&GenOptions::new(d, n, 9));
        out.entries()
            .flat_map(|e| e.records.iter())
            .map(|r| r.expected.columns().clone())
            .collect()
    };
    let alb = rows(DataType::ElbAlb, 3000);
    let has =
        |rows: &[serde_json::Value], f: &dyn Fn(&serde_json::Value) -> bool| rows.iter().any(f);
    assert!(has(&alb, &|r| r["ClientIp"]
        .as_str()
        .is_some_and(|ip| ip.contains(':'))));
    assert!(has(&alb, &|r| r["TargetIp"].is_null()
        && r["RequestProcessingTime"] == "-1"));
    assert!(has(&alb, &|r| r["UserAgent"]
        .as_str()
        .is_some_and(|a| a.contains('"'))));
    assert!(has(&alb, &|r| r["RedirectUrl"].is_string()));
    assert!(has(&alb, &|r| r["LambdaErrorReason"].is_string()));
    assert!(has(&alb, &|r| r["Classification"] == "Ambiguous"));
    assert!(has(&alb, &|r| r["ConnTraceId"].is_null()));
    for t in ["http", "https", "h2", "grpcs", "ws", "wss"] {
        assert!(has(&alb, &|r| r["ALBType"] == t), "{t}");
    }
    let nlb = rows(DataType::ElbNlb, 2000);
    assert!(has(&nlb, &|r| r["Incoming_TLS_Alert"].is_string()
        && r["TLS_Cipher"].is_null()));
    assert!(has(&nlb, &|r| r["ClientIP_Port"]
        .as_str()
        .is_some_and(|c| c.starts_with('['))));
    assert!(has(&nlb, &|r| r["ALPN_Client_Pref_List"]
        == "\"h2\",\"http/1.1\""));
    for (d, log_type) in [
        (DataType::ElbNlbFlow, "NLB"),
        (DataType::ElbGwlbFlow, "GWLB"),
    ] {
        let flows = rows(d, 2000);
        assert!(flows.iter().all(|r| r["LogType"] == log_type));
        assert!(has(&flows, &|r| r["LogStatus"] == "NODATA"
            && r["SourceAddress"].is_null()));
        assert!(has(&flows, &|r| r["Action"] == "REJECT"));
        assert!(has(&flows, &|r| r["SourceAddress"]
            .as_str()
            .is_some_and(|a| a.contains(':'))));
    }
    let gwlb = rows(DataType::ElbGwlbFlow, 500);
    assert!(gwlb
        .iter()
        .filter(|r| r["LogStatus"] == "OK")
        .all(|r| r["Protocol"] == "17"));
}

#[test]
fn a_key_prefix_must_end_in_a_slash() {
    let mut o = GenOptions::new(DataType::ElbAlb, 10, 1);
    o.key_prefix = "ALBLogs".into();
    let e = o.validate().unwrap_err();
    assert_eq!(e.flag, "--key-prefix");
    o.key_prefix = String::new();
    assert!(o.validate().is_err());
}
