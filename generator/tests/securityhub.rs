//! The Security Hub stack: the rule forwards exactly Security Hub's imported findings, only
//! when asked; Firehose writes one gzip event per line under the notified prefix and its
//! failures outside it; the role the rule uses serves that rule only.

use access::template::{text, Stack};
use generator::stacks::{StackKind, StackSpec};
use serde_json::{json, Value};

fn templates() -> Vec<(StackSpec, Value)> {
    StackSpec::all()
        .into_iter()
        .filter(|s| matches!(s.kind, StackKind::Connector(_)) && s.kind.name() == "securityhub")
        .map(|s| (s, s.build().to_value()))
        .collect()
}

const WORKSPACE: (&str, &str) = (
    "SentinelWorkspaceId",
    "01234567-89ab-cdef-0123-456789abcdef",
);

#[test]
fn the_rule_forwards_imported_findings_to_the_stream_only_when_asked() {
    let all = templates();
    assert_eq!(all.len(), 2, "commercial and government");
    for (spec, t) in all {
        let rule = &t["Resources"]["SecurityHubFindingsRule"];
        assert_eq!(rule["Type"], "AWS::Events::Rule");
        let p = &rule["Properties"];
        assert_eq!(
            p["EventPattern"],
            json!({"source": ["aws.securityhub"], "detail-type": ["Security Hub Findings - Imported"]}),
            "{spec}"
        );
        assert_eq!(
            p["Targets"][0]["Arn"]["Fn::GetAtt"][0],
            "SecurityHubDeliveryStream"
        );
        assert_eq!(
            p["Targets"][0]["RoleArn"]["Fn::GetAtt"][0],
            "SecurityHubEventsRole"
        );
        for (given, created) in [("true", true), ("false", false)] {
            let st = Stack::new(&t, &[WORKSPACE, ("CreateEventRule", given)]);
            assert_eq!(
                st.creates("SecurityHubFindingsRule").unwrap(),
                created,
                "{spec}"
            );
            // The stream exists either way (events may be put into it otherwise).
            assert!(st.creates("SecurityHubDeliveryStream").unwrap(), "{spec}");
        }
    }
}

#[test]
fn firehose_writes_one_gzip_event_per_line_under_the_notified_prefix() {
    for (spec, t) in templates() {
        let st = Stack::new(&t, &[WORKSPACE, ("KeyPrefix", "org/sec")]);
        let d = st
            .property(
                "SecurityHubDeliveryStream",
                &["ExtendedS3DestinationConfiguration"],
            )
            .unwrap();
        assert_eq!(d["CompressionFormat"], "GZIP", "{spec}");
        assert_eq!(
            d["ProcessingConfiguration"]["Processors"],
            json!([{"Type": "AppendDelimiterToRecord"}]),
            "{spec}"
        );
        let account = st.reference("AWS::AccountId").unwrap();
        let prefix = format!("org/sec/AWSLogs/{}/SecurityHubFindings/", text(&account));
        assert_eq!(
            text(&d["Prefix"]),
            format!("{prefix}!{{timestamp:yyyy/MM/dd/HH}}/"),
            "{spec}"
        );
        // Errors go where the notification never looks.
        let errors = text(&d["ErrorOutputPrefix"]);
        assert!(
            errors.starts_with("SecurityHubFindings-errors/"),
            "{errors}"
        );
        let notified = st
            .output("SentinelSQSQueueURL")
            .unwrap()
            .expect("the queue URL output");
        assert!(!notified.is_empty());
        let prefix_output = st.output("NotificationPrefix").unwrap().unwrap();
        assert_eq!(prefix_output, prefix, "{spec}");
        assert!(!errors.starts_with(&prefix_output));
        // Microsoft's output names of a one-type stack.
        for name in ["SentinelRoleArn", "SentinelSQSQueueURL", "DestinationTable"] {
            assert!(t["Outputs"].get(name).is_some(), "{spec}: no output {name}");
        }
        assert_eq!(
            st.output("DestinationTable").unwrap().as_deref(),
            Some("AWSSecurityHubFindings")
        );
    }
}

#[test]
fn default_names_are_per_stack() {
    for (spec, t) in templates() {
        let a = Stack::new(&t, &[WORKSPACE]).named("a", "11111111-2222-3333-4444-555555555555");
        let b = Stack::new(&t, &[WORKSPACE]).named("b", "99999999-2222-3333-4444-555555555555");
        for (id, what) in [
            ("SecurityHubDeliveryStream", "stream"),
            ("SecurityHubFindingsRule", "rule"),
        ] {
            let (x, y) = (
                text(&a.reference(id).unwrap()),
                text(&b.reference(id).unwrap()),
            );
            assert_ne!(x, y, "{spec}: two stacks share the {what} name {x}");
            assert!(x.starts_with("sentinel-securityhub-"), "{x}");
        }
    }
}
