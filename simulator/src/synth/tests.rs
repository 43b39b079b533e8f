//! Tests of the generator driver: options, validation, determinism.

use super::testutil::*;
use super::*;

#[test]
fn validation_names_flag_value_and_fix() {
    let mut o = GenOptions::new(DataType::Vpc, 0, 1);
    let e = o.validate().unwrap_err();
    assert_eq!(e.flag, "--records");
    assert!(e.to_string().contains("'0'") && e.to_string().contains("--records 2000"));
    o.records = 5;
    o.account_id = "12345".into();
    let e = o.validate().unwrap_err();
    assert_eq!(e.flag, "--account-id");
    assert!(e.to_string().contains("12345"));
    o.account_id = "123456789012".into();
    o.region = "Mars".into();
    assert_eq!(o.validate().unwrap_err().flag, "--region");
    o.region = "us-gov-west-1".into();
    assert!(o.validate().is_ok());
    o.rate = Some(0.0);
    assert_eq!(o.validate().unwrap_err().flag, "--rate");
}

#[test]
fn invalid_options_write_nothing() {
    let mut out = MemOutput::default();
    assert!(generate(&GenOptions::new(DataType::CloudTrail, 0, 1), &mut out).is_err());
    assert!(out.objects.is_empty() && out.manifest.is_empty());
}

#[test]
fn manifest_starts_with_run_and_ends_with_totals() {
    for service in [
        DataType::Vpc,
        DataType::GuardDuty,
        DataType::CloudTrail,
        DataType::CloudWatch,
        DataType::Route53,
        DataType::NetworkFirewallFlow,
        DataType::NetworkFirewallAlert,
        DataType::NetworkFirewallTls,
        DataType::Waf,
        DataType::SecurityHub,
    ] {
        let out = run(&GenOptions::new(service, 120, 3));
        assert!(matches!(out.manifest.first(), Some(ManifestLine::Run(_))));
        let Some(ManifestLine::Totals(t)) = out.manifest.last() else {
            panic!("no totals")
        };
        // A record is a line or array item; a Security Hub event's findings are a row each.
        let rows: u64 = out.entries().map(|e| e.record_count).sum();
        assert_eq!(t.records, rows, "{service:?}");
        match service {
            DataType::SecurityHub => assert!(t.records > 120, "{}", t.records),
            _ => assert_eq!(t.records, 120, "{service:?}"),
        }
        assert_eq!(t.objects as usize, out.objects.len());
        // Every manifest line survives a JSON round trip.
        for line in &out.manifest {
            let text = serde_json::to_string(line).unwrap();
            let back: ManifestLine = serde_json::from_str(&text).unwrap();
            assert_eq!(&back, line);
        }
        // Record ids are unique within the run.
        let mut ids = std::collections::HashSet::new();
        for e in out.entries() {
            assert_eq!(e.sha256, sha256_hex(&out.objects[&e.key]));
            for r in &e.records {
                assert!(ids.insert(r.id.clone()), "duplicate id {}", r.id);
                assert_eq!(r.time_generated, r.expected.time_generated());
            }
        }
    }
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    for service in [
        DataType::Vpc,
        DataType::GuardDuty,
        DataType::CloudTrail,
        DataType::CloudWatch,
        DataType::Route53,
        DataType::NetworkFirewallFlow,
        DataType::NetworkFirewallAlert,
        DataType::NetworkFirewallTls,
        DataType::Waf,
        DataType::SecurityHub,
    ] {
        let a = digest_of(&run(&GenOptions::new(service, 300, 7)));
        let b = digest_of(&run(&GenOptions::new(service, 300, 7)));
        let c = digest_of(&run(&GenOptions::new(service, 300, 8)));
        assert_eq!(a, b, "{service:?}");
        assert_ne!(a, c, "{service:?}");
    }
}
