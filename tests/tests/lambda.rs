//! A Python Lambda deployed by CloudFormation runs through the plugin's local-process executor:
//! it returns its result, and an exception in the handler comes back as a function error.

use aws_sdk_lambda::primitives::Blob;
use deployer::StackRequest;
use integration_tests::{sdk, start_localstack};
use serde_json::{json, Value};
use std::time::Duration;

const CODE: &str = r#"
import os

def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail: " + str(event["fail"]))
    return {"sum": event["a"] + event["b"], "table": os.environ["TABLE"], "request": context.aws_request_id}
"#;

fn template() -> String {
    json!({
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
                "FunctionName": "it-adder", "Runtime": "python3.13", "Handler": "index.handler",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Timeout": 30,
                "Environment": {"Variables": {"TABLE": "AWSCloudWatch"}},
                "Code": {"ZipFile": CODE}}}
        },
        "Outputs": {"FunctionName": {"Value": {"Ref": "Fn"}}}
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn python_lambda_from_cloudformation_runs_and_reports_errors() {
    let ls = start_localstack();
    let config = sdk(&ls).await;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let report = deployer::deploy(
        &cfn,
        &StackRequest {
            stack_name: "it-lambda".into(),
            template: template(),
            parameters: Vec::new(),
            timeout: Duration::from_secs(300),
            progress: false,
            staging: None,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let name = report.outputs["FunctionName"].clone();
    let lambda = aws_sdk_lambda::Client::new(&config);

    let ok = lambda
        .invoke()
        .function_name(&name)
        .payload(Blob::new(json!({"a": 2, "b": 40}).to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.function_error(), None);
    let body: Value = serde_json::from_slice(ok.payload().unwrap().as_ref()).unwrap();
    assert_eq!(body["sum"], 42);
    assert_eq!(body["table"], "AWSCloudWatch");
    assert!(body["request"].as_str().is_some_and(|r| !r.is_empty()));

    let failed = lambda
        .invoke()
        .function_name(&name)
        .payload(Blob::new(json!({"fail": "boom"}).to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.function_error(), Some("Unhandled"));
    let err: Value = serde_json::from_slice(failed.payload().unwrap().as_ref()).unwrap();
    assert_eq!(err["errorType"], "ValueError", "{err}");
    assert!(
        err["errorMessage"]
            .as_str()
            .unwrap()
            .contains("asked to fail: boom"),
        "{err}"
    );
    ls.stop().unwrap();
}
