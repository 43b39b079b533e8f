//! Every rendered stack deploys into real LocalStack, its outputs resolve, a second deploy
//! is a no-op, and delete removes it.

use deployer::{DeployOutcome, StackRequest, Staging};
use generator::facts::Cloud;
use generator::render::{self, Format};
use generator::stacks::{outputs, params, StackKind, StackParams, StackSpec};
use integration_tests::{sdk, start_localstack, unique_parameters, WORKSPACE_ID};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn rendered_stacks_deploy_redeploy_and_delete_and_failures_are_explained() {
    let ls = start_localstack();
    let config = sdk(&ls).await;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let staging = Staging::new(&config);
    every_rendered_stack_deploys_with_resolved_outputs_and_redeploys_as_a_no_op(&cfn, &staging)
        .await;
    every_service_stack_deploys_twice_side_by_side_with_default_names(&cfn, &config, &staging)
        .await;
    a_failing_stack_reports_the_failed_resource_and_its_reason(&cfn).await;
    ls.stop().unwrap();
}

async fn every_rendered_stack_deploys_with_resolved_outputs_and_redeploys_as_a_no_op(
    cfn: &aws_sdk_cloudformation::Client,
    staging: &Staging,
) {
    let started = Instant::now();
    for spec in StackSpec::all() {
        let t0 = Instant::now();
        let req = StackRequest {
            stack_name: format!("it-{}", spec.stem()),
            template: render::render(&spec.build(), Format::Json),
            parameters: unique_parameters(&spec),
            timeout: Duration::from_secs(300),
            progress: false,
            staging: Some(staging.clone()),
        };
        let report = deployer::deploy(cfn, &req)
            .await
            .unwrap_or_else(|e| panic!("{spec}: {e}"));
        assert_eq!(report.status, "CREATE_COMPLETE", "{spec}");
        assert_eq!(report.outcome, DeployOutcome::Created, "{spec}");
        assert!(!report.outputs.is_empty(), "{spec}: no outputs");
        for (k, v) in &report.outputs {
            assert!(
                !v.is_empty() && !v.contains("${") && !v.contains("Fn::"),
                "{spec}: output {k} unresolved: {v}"
            );
        }
        if let Some(arn) = report.outputs.get(outputs::ROLE_ARN) {
            assert!(
                arn.starts_with("arn:aws:iam::") && arn.contains(":role/"),
                "{spec}: {arn}"
            );
        }
        if let Some(url) = report.outputs.get(outputs::QUEUE_URL) {
            assert!(url.starts_with("http"), "{spec}: {url}");
        }
        let again = deployer::deploy(cfn, &req)
            .await
            .unwrap_or_else(|e| panic!("{spec} redeploy: {e}"));
        assert_eq!(again.outcome, DeployOutcome::Unchanged, "{spec}");
        assert_eq!(again.outputs, report.outputs, "{spec}");
        eprintln!(
            "{spec}: deployed and redeployed in {:.1} s",
            t0.elapsed().as_secs_f64()
        );
    }
    // Delete one and check it is gone; deleting again is a success.
    let name = format!("it-{}", StackSpec::all()[1].stem());
    deployer::delete(cfn, &name, Duration::from_secs(300))
        .await
        .unwrap();
    assert!(
        deployer::outputs(cfn, &name).await.is_err(),
        "{name} still exists"
    );
    deployer::delete(cfn, &name, Duration::from_secs(300))
        .await
        .unwrap();
    eprintln!(
        "whole deploy test: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Real AWS keeps IAM role names per account and queue, bucket, trail and alias names per
/// Region: two copies of a stack with the default names must not collide (LocalStack refuses a
/// second role of the same name; for the others the test compares the names).
async fn every_service_stack_deploys_twice_side_by_side_with_default_names(
    cfn: &aws_sdk_cloudformation::Client,
    config: &aws_config::SdkConfig,
    staging: &Staging,
) {
    let iam = aws_sdk_iam::Client::new(config);
    for spec in StackSpec::all() {
        if spec.cloud != Cloud::Commercial
            || matches!(
                spec.kind,
                StackKind::OidcProvider | StackKind::LegacyCloudTrail | StackKind::LogArchiveMember
            )
        {
            continue;
        }
        let t = spec.build();
        let mut reports = Vec::new();
        for copy in ["a", "b"] {
            // Only what has no default: the workspace, the cluster of an EKS stack, the
            // Region's GuardDuty detector (LocalStack has no GuardDuty API to look it up in),
            // and the log archive's bucket and organization.
            let mut parameters =
                StackParams::new(&spec).workspace_id(&WORKSPACE_ID.parse().unwrap());
            if t.parameters.contains_key(params::EKS_CLUSTER) {
                parameters = parameters.eks_cluster(&format!("twice-{copy}").parse().unwrap());
            }
            if t.parameters.contains_key(params::DETECTOR_ID) {
                parameters =
                    parameters.detector_id(&"0123456789abcdef0123456789abcdef".parse().unwrap());
            }
            // The log archive's bucket and organization are the organization's, never derived.
            if spec.kind == StackKind::LogArchive {
                parameters = parameters
                    .bucket_name(&format!("twice-archive-{copy}").parse().unwrap())
                    .set(
                        generator::stacks::log_archive::ORGANIZATION_ID,
                        "o-twice00000001",
                    );
            }
            let parameters = parameters.into_pairs();
            let req = StackRequest {
                stack_name: format!("twice-{}-{copy}", spec.stem()),
                template: render::render(&t, Format::Json),
                parameters,
                timeout: Duration::from_secs(300),
                progress: false,
                staging: Some(staging.clone()),
            };
            let report = deployer::deploy(cfn, &req)
                .await
                .unwrap_or_else(|e| panic!("{spec} copy {copy}: {e}"));
            assert_eq!(report.status, "CREATE_COMPLETE", "{spec} copy {copy}");
            reports.push(report);
        }
        let (a, b) = (&reports[0].outputs, &reports[1].outputs);
        for (k, v) in a {
            let named = k.ends_with(outputs::ROLE_ARN)
                || k.ends_with(outputs::QUEUE_URL)
                || k.ends_with(outputs::DLQ_URL)
                || k == outputs::BUCKET_NAME
                || k == "TrailArn"
                || k == outputs::GUARDDUTY_KMS_KEY_ARN
                || k.ends_with("DeliveryStreamArn")
                || k == outputs::TRANSFORM_FUNCTION_NAME;
            // LocalStack deploys CloudTrail and GuardDuty resources as mocks whose attributes
            // read "unknown"; their names are compared by the generator's intent tests.
            if named && v != "unknown" {
                assert_ne!(Some(v), b.get(k), "{spec}: both copies share {k} = {v}");
            }
        }
        let role = a[outputs::ROLE_ARN].rsplit('/').next().unwrap().to_string();
        assert!(role.starts_with("OIDC_"), "{spec}: {role}");
        assert!(role.len() <= 64, "{spec}: {role}");
        iam.get_role()
            .role_name(&role)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{spec}: role {role} not found: {e:?}"));
        eprintln!("{spec}: two copies side by side, role {role}");
    }
}

async fn a_failing_stack_reports_the_failed_resource_and_its_reason(
    cfn: &aws_sdk_cloudformation::Client,
) {
    // A queue policy on a queue URL that does not exist fails at create time.
    let template = r#"{"Resources": {"Broken": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
        "Queues": ["http://127.0.0.1:1/000000000000/missing"],
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
          "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": "*"}]}}},
      "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "Invalid_Bucket_Name"}}}}"#;
    let req = StackRequest {
        stack_name: "it-broken".into(),
        template: template.into(),
        parameters: Vec::new(),
        timeout: Duration::from_secs(120),
        progress: false,
        staging: None,
    };
    let err = deployer::deploy(cfn, &req)
        .await
        .expect_err("an invalid bucket name cannot deploy");
    match &err {
        deployer::DeployError::Failed {
            failures, status, ..
        } => {
            assert!(
                status.contains("ROLLBACK") || status.contains("FAILED"),
                "{status}"
            );
            assert!(
                failures
                    .iter()
                    .any(|f| !f.logical_id.is_empty() && !f.reason.is_empty()),
                "{err}"
            );
        }
        other => panic!("expected a failed stack, got {other}"),
    }
}
