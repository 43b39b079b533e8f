//! Text parts rendered with tera: descriptions, commands placed in outputs, inline code, docs.

use std::sync::OnceLock;
use tera::{Context, Tera};

const TEMPLATES: &[(&str, &str)] = &[
    (
        "stack_description",
        include_str!("../text/stack_description.tera"),
    ),
    (
        "kms_key_policy_statement",
        include_str!("../text/kms_key_policy_statement.tera"),
    ),
    (
        "firehose_kms_key_policy_statement",
        include_str!("../text/firehose_kms_key_policy_statement.tera"),
    ),
    (
        "notification_command",
        include_str!("../text/notification_command.tera"),
    ),
    (
        "topic_notification_command",
        include_str!("../text/topic_notification_command.tera"),
    ),
    (
        "connector_settings",
        include_str!("../text/connector_settings.tera"),
    ),
    (
        "add_audience_command",
        include_str!("../text/add_audience_command.tera"),
    ),
    (
        "subscribe_command",
        include_str!("../text/subscribe_command.tera"),
    ),
    (
        "cloudwatch_lambda",
        include_str!("../lambda/cloudwatch_csv.py"),
    ),
    (
        "eks_step1_command",
        include_str!("../text/eks_step1_command.tera"),
    ),
    (
        "eks_step2_command",
        include_str!("../text/eks_step2_command.tera"),
    ),
    ("eks_audit_lambda", include_str!("../lambda/eks_audit.py")),
    (
        "templates_readme",
        include_str!("../text/templates_readme.md.tera"),
    ),
    (
        "server_access_logging_command",
        include_str!("../text/server_access_logging_command.tera"),
    ),
];

fn engine() -> &'static Tera {
    static ENGINE: OnceLock<Tera> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut tera = Tera::default();
        tera.add_raw_templates(TEMPLATES.iter().copied())
            .expect("the bundled text templates parse");
        tera
    })
}

/// Renders one bundled text template. The templates and their contexts are ours, so a failure
/// is a bug in this crate, not bad input.
pub fn render(name: &str, context: &serde_json::Value) -> String {
    let ctx = Context::from_serialize(context).expect("text contexts are JSON objects");
    let out = engine()
        .render(name, &ctx)
        .unwrap_or_else(|e| panic!("text template `{name}` failed to render: {e:?}"));
    out.trim_end_matches('\n').to_string()
}
