//! Intent tests for the EKS audit-log stack (both clouds): what must hold whatever the refactor.

use generator::facts::Cloud;
use generator::facts::DataType;
use generator::render::{self, Format};
use generator::resources::lambda::INLINE_CODE_LIMIT;
use generator::stacks::eks::FILTER_PATTERN;
use generator::stacks::{StackKind, StackSpec};
use serde_json::Value;

const PREFIX: &str = "eks-audit-logs/${EKSClusterName}/";

fn stacks() -> Vec<(StackSpec, Value)> {
    let specs: Vec<StackSpec> = StackSpec::all()
        .into_iter()
        .filter(|s| s.kind == StackKind::Eks)
        .collect();
    assert_eq!(specs.len(), 2, "one EKS stack per Azure cloud");
    specs
        .into_iter()
        .map(|s| (s, s.build().to_value()))
        .collect()
}

fn one<'a>(t: &'a Value, ty: &str) -> (&'a String, &'a Value) {
    let found: Vec<_> = t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .collect();
    assert_eq!(found.len(), 1, "exactly one {ty}");
    found[0]
}

fn all_of<'a>(t: &'a Value, ty: &str) -> Vec<(&'a String, &'a Value)> {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .collect()
}

fn sub(v: &Value) -> &str {
    v["Fn::Sub"]
        .as_str()
        .unwrap_or_else(|| v.as_str().unwrap_or_else(|| panic!("not a string: {v}")))
}

#[test]
fn stems_and_titles() {
    for (spec, _) in stacks() {
        assert_eq!(
            spec.stem(),
            format!("sentinel-eks-connector-{}", spec.cloud)
        );
        assert!(spec.title().contains("EKS"));
    }
}

#[test]
fn notification_announces_only_gz_objects_under_the_cluster_prefix() {
    for (spec, t) in stacks() {
        let (_, b) = one(&t, "AWS::S3::Bucket");
        let configs = b["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
            .as_array()
            .unwrap();
        assert_eq!(configs.len(), 1, "{spec}");
        let c = &configs[0];
        assert_eq!(c["Event"], "s3:ObjectCreated:*");
        assert_eq!(c["Queue"]["Fn::GetAtt"][0], "EksQueue");
        let rules = c["Filter"]["S3Key"]["Rules"].as_array().unwrap();
        let rule = |n: &str| rules.iter().find(|r| r["Name"] == n).unwrap()["Value"].clone();
        assert_eq!(sub(&rule("prefix")), PREFIX);
        assert_eq!(rule("suffix"), ".gz");
    }
}

#[test]
fn firehose_gzips_under_the_prefix_and_errors_go_outside_it() {
    for (spec, t) in stacks() {
        let (_, fh) = one(&t, "AWS::KinesisFirehose::DeliveryStream");
        let p = &fh["Properties"];
        assert_eq!(p["DeliveryStreamType"], "DirectPut");
        let d = &p["ExtendedS3DestinationConfiguration"];
        assert_eq!(d["CompressionFormat"], "GZIP", "{spec}");
        assert_eq!(d["FileExtension"], ".gz", "{spec}");
        let prefix = sub(&d["Prefix"]);
        assert_eq!(prefix, format!("{PREFIX}!{{timestamp:yyyy/MM/dd/HH}}/"));
        let error = sub(&d["ErrorOutputPrefix"]);
        assert!(
            !error.starts_with(PREFIX) && !PREFIX.starts_with(error),
            "{spec}: error prefix {error} overlaps the notified prefix"
        );
        assert!(error.contains("!{firehose:error-output-type}"), "{error}");
        assert!(d["BufferingHints"]["IntervalInSeconds"].is_i64());
        assert!(d["BufferingHints"]["SizeInMBs"].is_i64());
        assert_eq!(d["CloudWatchLoggingOptions"]["Enabled"], true);
        let processing = &d["ProcessingConfiguration"];
        assert_eq!(processing["Enabled"], true);
        let [processor] = processing["Processors"].as_array().unwrap().as_slice() else {
            panic!("{spec}: one processor")
        };
        assert_eq!(processor["Type"], "Lambda");
        let names: Vec<&str> = processor["Parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["ParameterName"].as_str().unwrap())
            .collect();
        for n in [
            "LambdaArn",
            "BufferSizeInMBs",
            "BufferIntervalInSeconds",
            "NumberOfRetries",
        ] {
            assert!(names.contains(&n), "{spec}: processor lacks {n}");
        }
        // Firehose may write only under the two prefixes.
        let policy = &t["Resources"]["EksFirehosePolicy"]["Properties"]["PolicyDocument"];
        let write = policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == "WriteObjects")
            .unwrap();
        let targets: Vec<String> = write["Resource"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["Fn::Sub"][0].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            targets,
            vec![
                format!("arn:${{AWS::Partition}}:s3:::${{Bucket}}/{PREFIX}*"),
                "arn:${AWS::Partition}:s3:::${Bucket}/eks-audit-errors/${EKSClusterName}/*"
                    .to_string()
            ]
        );
    }
}

#[test]
fn bucket_is_versioned_with_a_lifecycle_that_ends_old_versions() {
    for (spec, t) in stacks() {
        let (_, b) = one(&t, "AWS::S3::Bucket");
        let p = &b["Properties"];
        assert_eq!(p["VersioningConfiguration"]["Status"], "Enabled", "{spec}");
        let rule = &p["LifecycleConfiguration"]["Rules"][0];
        assert_eq!(rule["Status"], "Enabled");
        assert_eq!(rule["ExpirationInDays"]["Ref"], "LogExpirationDays");
        assert_eq!(
            rule["NoncurrentVersionExpiration"]["NoncurrentDays"]["Ref"],
            "NoncurrentVersionExpirationDays"
        );
        assert!(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"].is_u64());
        assert_eq!(b["DeletionPolicy"], "Retain");
    }
}

#[test]
fn subscription_filter_passes_only_audit_events_as_resource_or_step2_command() {
    assert!(FILTER_PATTERN.starts_with('{') && FILTER_PATTERN.ends_with('}'));
    assert!(FILTER_PATTERN.contains(r#"$.kind = "Event""#));
    assert!(FILTER_PATTERN.contains(r#"$.apiVersion = "audit.k8s.io/v1""#));
    for (spec, t) in stacks() {
        let (id, f) = one(&t, "AWS::Logs::SubscriptionFilter");
        assert_eq!(f["Condition"], "CreateSubscriptionFilter", "{spec} {id}");
        assert_eq!(
            t["Conditions"]["CreateSubscriptionFilter"]["Fn::Equals"][0]["Ref"],
            "LogGroupExists"
        );
        assert_eq!(t["Parameters"]["LogGroupExists"]["Default"], "false");
        let p = &f["Properties"];
        assert_eq!(p["FilterPattern"], FILTER_PATTERN);
        assert_eq!(
            sub(&p["LogGroupName"]),
            "/aws/eks/${EKSClusterName}/cluster"
        );
        assert_eq!(p["DestinationArn"]["Fn::GetAtt"][0], "EksDeliveryStream");
        assert_eq!(p["RoleArn"]["Fn::GetAtt"][0], "EksLogsRole");

        let step2 = sub(&t["Outputs"]["Step2CreateSubscriptionFilter"]["Value"]);
        assert!(step2.starts_with("aws logs put-subscription-filter --region ${AWS::Region} --log-group-name /aws/eks/${EKSClusterName}/cluster --filter-name MicrosoftSentinelEKSAudit"), "{step2}");
        assert!(
            step2.contains(&format!("--filter-pattern '{FILTER_PATTERN}'")),
            "{step2}"
        );
        assert!(
            step2.contains(
                "--destination-arn ${EksDeliveryStream.Arn} --role-arn ${EksLogsRole.Arn}"
            ),
            "{step2}"
        );
        let step1 = sub(&t["Outputs"]["Step1EnableEKSAuditLogging"]["Value"]);
        assert_eq!(
            step1,
            r#"aws eks update-cluster-config --region ${AWS::Region} --name ${EKSClusterName} --logging '{"clusterLogging":[{"types":["audit"],"enabled":true}]}'"#
        );
    }
}

#[test]
fn outputs_name_everything_a_user_needs() {
    for (spec, t) in stacks() {
        let outputs = t["Outputs"].as_object().unwrap();
        for o in [
            "SentinelRoleArn",
            "SentinelSQSQueueURL",
            "SentinelSQSQueueArn",
            "SentinelSQSQueueName",
            "DeadLetterQueueURL",
            "DestinationTable",
            "LogBucketName",
            "NotificationPrefix",
            "ErrorOutputPrefix",
            "CloudWatchLogGroup",
            "FirehoseDeliveryStreamName",
            "FirehoseDeliveryStreamArn",
            "CloudWatchLogsRoleArn",
            "TransformFunctionName",
            "Step1EnableEKSAuditLogging",
            "Step2CreateSubscriptionFilter",
        ] {
            assert!(outputs.contains_key(o), "{spec} lacks output {o}");
        }
        assert_eq!(
            outputs["DestinationTable"]["Value"],
            DataType::Eks.table().name()
        );
        assert_eq!(DataType::Eks.table().name(), "AWSEKSLogs_CL");
    }
}

#[test]
fn parameters_and_defaults_let_clusters_deploy_side_by_side() {
    for (spec, t) in stacks() {
        let p = &t["Parameters"];
        assert!(p["EKSClusterName"].get("Default").is_none(), "{spec}");
        // IAM role names are global to the account: the default is unique per stack (and so
        // per cluster and Region) and keeps the OIDC_ prefix.
        assert_eq!(p["AwsRoleName"]["Default"], "");
        let role = serde_json::to_string(&t["Resources"]["SentinelRole"]["Properties"]["RoleName"])
            .unwrap();
        assert!(
            role.contains("OIDC_MicrosoftSentinelRoleEKS-${AWS::Region}-${Suffix}")
                && role.contains("AWS::StackId"),
            "{role}"
        );
        assert_eq!(p["AllowDefenderSessionName"]["Default"], "false");
        for q in ["QueueVisibilityTimeout", "MaxReceiveCount"] {
            assert!(p.get(q).is_some(), "{spec} lacks {q}");
        }
        // Empty bucket and queue names derive per-stack / per-cluster names.
        assert_eq!(p["BucketName"]["Default"], "");
        assert_eq!(p["SentinelSQSQueueName"]["Default"], "");
        let bucket =
            serde_json::to_string(&t["Resources"]["LogBucket"]["Properties"]["BucketName"])
                .unwrap();
        assert!(
            bucket.contains("AWS::StackId") && bucket.contains("sentinel-eks-"),
            "{bucket}"
        );
        let queue =
            serde_json::to_string(&t["Resources"]["EksQueue"]["Properties"]["QueueName"]).unwrap();
        assert!(
            queue.contains("MicrosoftSentinelEKSSqs-${EKSClusterName}"),
            "{queue}"
        );
        // Function and stream names are limited to 64 characters: they must not grow with the
        // stack name (up to 128 characters), so they are a fixed stem plus 8 hex of the stack id.
        for (id, name) in [
            ("EksDeliveryStream", "DeliveryStreamName"),
            ("EksTransformFunction", "FunctionName"),
        ] {
            let v = &t["Resources"][id]["Properties"][name];
            let text = v.to_string();
            assert!(!text.contains("AWS::StackName"), "{spec} {id}: {text}");
            assert_eq!(
                v["Fn::Sub"][0], "sentinel-eks-audit-${Suffix}",
                "{spec} {id}"
            );
        }
    }
}

#[test]
fn every_arn_names_the_partition_and_no_managed_policy_is_attached() {
    for (spec, t) in stacks() {
        let json = render::render(&spec.build(), Format::Json);
        assert!(!json.contains("arn:aws:") && !json.contains("arn:aws-us-gov:"));
        let mut arns = 0;
        for piece in json.split('"').filter(|s| s.contains("arn:")) {
            assert!(piece.contains("arn:${AWS::Partition}:"), "{spec}: {piece}");
            arns += 1;
        }
        assert!(arns >= 5, "{spec}: {arns}");
        for (id, r) in all_of(&t, "AWS::IAM::Role") {
            assert!(
                r["Properties"].get("ManagedPolicyArns").is_none(),
                "{spec} {id}"
            );
        }
        let tenant = match spec.cloud {
            Cloud::Commercial => Cloud::Commercial.tenant(),
            Cloud::Government => Cloud::Government.tenant(),
        };
        assert!(json.contains(tenant));
    }
}

#[test]
fn roles_are_least_privilege_and_bound_to_their_sources() {
    for (spec, t) in stacks() {
        let r = &t["Resources"];
        // CloudWatch Logs may assume its role only for this account's log groups.
        let trust = &r["EksLogsRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
        assert_eq!(
            trust["Principal"]["Service"]["Fn::Sub"],
            "logs.${AWS::Region}.amazonaws.com"
        );
        assert_eq!(
            trust["Condition"]["StringEquals"]["aws:SourceAccount"]["Ref"],
            "AWS::AccountId"
        );
        assert_eq!(
            trust["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"],
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"
        );
        let logs = &r["EksLogsPolicy"]["Properties"]["PolicyDocument"]["Statement"];
        assert_eq!(logs.as_array().unwrap().len(), 1);
        assert_eq!(
            logs[0]["Resource"]["Fn::Sub"][0],
            "arn:${AWS::Partition}:firehose:${AWS::Region}:${AWS::AccountId}:deliverystream/${Stream}"
        );
        // The Lambda writes its own log group, and re-ingests into its own stream only.
        let own = &r["EksTransformPolicy"]["Properties"]["PolicyDocument"]["Statement"];
        assert_eq!(own.as_array().unwrap().len(), 2);
        assert_eq!(own[0]["Resource"]["Fn::GetAtt"][0], "EksTransformLogGroup");
        assert_eq!(own[1]["Action"], "firehose:PutRecordBatch");
        assert_eq!(
            own[1]["Resource"]["Fn::Sub"][1]["Stream"],
            r["EksDeliveryStream"]["Properties"]["DeliveryStreamName"]
        );
        // Sentinel: consume its queue, read its prefix.
        let sentinel = r["SentinelRolePolicy"]["Properties"]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap();
        assert_eq!(sentinel.len(), 2, "{spec}");
        assert_eq!(sentinel[0]["Resource"]["Fn::GetAtt"][0], "EksQueue");
        assert_eq!(sentinel[1]["Action"], "s3:GetObject");
        assert_eq!(
            sentinel[1]["Resource"]["Fn::Sub"][0],
            format!("arn:${{AWS::Partition}}:s3:::${{Bucket}}/{PREFIX}*")
        );
        // Firehose invokes the function with its role; no resource policy is opened.
        assert!(all_of(&t, "AWS::Lambda::Permission").is_empty());
    }
}

#[test]
fn transform_lambda_is_python313_inline_and_small() {
    for (spec, t) in stacks() {
        let (_, f) = one(&t, "AWS::Lambda::Function");
        let p = &f["Properties"];
        assert_eq!(p["Runtime"], "python3.13");
        assert_eq!(p["Handler"], "index.handler");
        let code = p["Code"]["ZipFile"].as_str().unwrap();
        assert!(
            code.len() <= INLINE_CODE_LIMIT,
            "{spec}: {} bytes",
            code.len()
        );
        assert!(code.contains("AWSEKSLogs_CL") && !code.contains("{{"));
        eprintln!("{spec}: inline Lambda code {} bytes", code.len());
    }
}
