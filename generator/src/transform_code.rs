//! The inline code of the Firehose transform Lambdas (`generator/lambda/*.py`).
//!
//! Inline `ZipFile` code is one file, so the response code both transforms share
//! (`firehose_response.py`: the 6 MB response guard and re-ingestion) is put in place of the
//! import line each transform has for it; the files stay importable as they are for pytest.
//! The inline copy leaves out that file's module docstring (a comment names the file instead):
//! the all-services template must stay under CloudFormation's 51,200-byte template body.

use crate::text;
use serde_json::Value;

/// The Firehose response code every transform Lambda shares.
const FIREHOSE_RESPONSE: &str = include_str!("../lambda/firehose_response.py");

/// The first line of the shared code in a transform's inline code.
const SHARED_CODE_COMMENT: &str =
    "# The Firehose response (6 MB guard, re-ingestion): generator/lambda/firehose_response.py";

/// The line of a transform Lambda that [`code`] replaces with [`FIREHOSE_RESPONSE`].
pub const FIREHOSE_RESPONSE_IMPORT: &str =
    "from firehose_response import respond  # the generator inlines firehose_response.py here\n";

/// A transform Lambda's inline code: its text template rendered with `context`, the shared
/// response code in place of its import line, newline-terminated.
pub fn code(template: &str, context: &Value) -> String {
    let rendered = text::render(template, context) + "\n";
    assert_eq!(
        rendered.matches(FIREHOSE_RESPONSE_IMPORT).count(),
        1,
        "transform Lambda `{template}` must import firehose_response exactly once, as {FIREHOSE_RESPONSE_IMPORT:?}"
    );
    rendered.replacen(FIREHOSE_RESPONSE_IMPORT, &shared_code(), 1)
}

/// [`FIREHOSE_RESPONSE`] without its module docstring, under a comment that names the file.
fn shared_code() -> String {
    let body = FIREHOSE_RESPONSE
        .strip_prefix("\"\"\"")
        .and_then(|rest| rest.split_once("\"\"\"\n"))
        .map(|(_docstring, code)| code)
        .expect("firehose_response.py starts with its module docstring");
    format!("{SHARED_CODE_COMMENT}\n{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_transform_carries_the_response_code_once_and_no_import_of_it() {
        for (template, table) in [
            ("cloudwatch_lambda", "AWSCloudWatch"),
            ("eks_audit_lambda", "AWSEKSLogs_CL"),
        ] {
            let code = code(template, &json!({ "table": table }));
            assert!(
                !code.contains("import firehose_response")
                    && !code.contains("from firehose_response")
            );
            assert_eq!(
                code.matches("\ndef respond(event, transform):").count(),
                1,
                "{template}"
            );
            assert_eq!(
                code.matches("\ndef handler(event, context):").count(),
                1,
                "{template}"
            );
            assert!(code.contains(table) && !code.contains("{{"), "{template}");
            let shared = format!("\n{SHARED_CODE_COMMENT}\nimport base64\n");
            assert_eq!(code.matches(&shared).count(), 1, "{template}");
            assert!(!code.contains("The answer of a Firehose transform Lambda"));
            // The shared code comes before the handler that calls it.
            assert!(
                code.find("def respond(") < code.find("def handler("),
                "{template}"
            );
            assert!(
                code.ends_with("return respond(event, transform)\n"),
                "{template}"
            );
        }
    }
}
