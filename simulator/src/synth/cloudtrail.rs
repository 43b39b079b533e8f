//! CloudTrail log files (`{"Records":[...]}`, eventVersion 1.11) with
//! management and data events, several identity types, errors, and the
//! hourly digest files that must never be ingested.

use std::io::{self, Write};

use rand::Rng;
use serde_json::{json, Value};

use super::keys::{cloudtrail_digest_key, cloudtrail_key, five_minute_floor, Utc};
use super::manifest::ExpectedRecord;
use super::rng::{self, alnum, chance, hex, pick, upper_alnum, weighted, Clock, SimRng};
use super::{sha256_hex, GenOptions, LogGen, Rngs};
use crate::tables::{format_datetime_ms, AwsCloudTrail, TableRow};

/// Who made the call.
#[derive(Debug, Clone)]
enum Identity {
    IamUser {
        user: String,
        principal: String,
        access_key: String,
    },
    AssumedRole {
        role: String,
        session: String,
        role_id: String,
        access_key: String,
        created_ms: i64,
        mfa: bool,
        ec2: bool,
    },
    AwsService {
        invoked_by: String,
    },
    Root {
        access_key: String,
        created_ms: i64,
    },
}

/// One CloudTrail event (everything a record and its row are made of).
#[derive(Debug, Clone)]
pub struct CtEvent {
    time_ms: i64,
    identity: Identity,
    source: &'static str,
    name: &'static str,
    source_ip: String,
    user_agent: String,
    error_code: Option<String>,
    error_message: Option<String>,
    request_parameters: Value,
    response_elements: Value,
    additional_event_data: Option<Value>,
    request_id: Option<String>,
    event_id: String,
    read_only: Option<bool>,
    resources: Option<Value>,
    event_type: &'static str,
    api_version: Option<&'static str>,
    management: bool,
    shared_event_id: Option<String>,
    vpc_endpoint: Option<String>,
    service_event_details: Option<Value>,
    category: &'static str,
    tls: Option<(&'static str, &'static str, String)>,
    console_session: bool,
}

/// A log file written, for the digests.
#[derive(Debug, Clone)]
struct LogFile {
    key: String,
    delivery_ms: i64,
    sha256: String,
    oldest_ms: i64,
    newest_ms: i64,
}

/// A record as CloudTrail writes it (borrowing the model; AWS's key order;
/// absent optional keys are left out, `null` request/response kept).
#[allow(non_snake_case)]
#[derive(serde::Serialize)]
struct RecordJson<'a> {
    eventVersion: &'static str,
    userIdentity: Value,
    eventTime: String,
    eventSource: &'static str,
    eventName: &'static str,
    awsRegion: &'a str,
    sourceIPAddress: &'a str,
    userAgent: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errorCode: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errorMessage: Option<&'a str>,
    requestParameters: &'a Value,
    responseElements: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    additionalEventData: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requestID: Option<&'a str>,
    eventID: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    readOnly: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<&'a Value>,
    eventType: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    apiVersion: Option<&'static str>,
    managementEvent: bool,
    recipientAccountId: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sharedEventID: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vpcEndpointId: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vpcEndpointAccountId: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    serviceEventDetails: Option<&'a Value>,
    eventCategory: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tlsDetails: Option<TlsJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sessionCredentialFromConsole: Option<&'static str>,
}

#[allow(non_snake_case)]
#[derive(serde::Serialize)]
struct TlsJson<'a> {
    tlsVersion: &'a str,
    cipherSuite: &'a str,
    clientProvidedHostHeader: &'a str,
}

/// CloudTrail generator.
pub struct CloudTrailGen {
    account: String,
    region: String,
    bucket: String,
    trail: String,
    rngs: Rngs,
    clock: Clock,
    pending: Option<CtEvent>,
    last_delivery_ms: i64,
    files: Vec<LogFile>,
    users: Vec<(String, String, String)>,
}

const BROWSER: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";

fn opt_json(v: &Value) -> Option<String> {
    (!v.is_null()).then(|| v.to_string())
}

impl CloudTrailGen {
    pub fn new(opts: &GenOptions) -> Self {
        let mut rngs = Rngs::new(opts);
        let r = &mut rngs.names;
        let users = ["alice", "bob", "ci-deployer", "ops-admin"]
            .iter()
            .map(|u| {
                (
                    u.to_string(),
                    format!("AIDA{}", upper_alnum(r, 17)),
                    format!("AKIA{}", upper_alnum(r, 16)),
                )
            })
            .collect();
        CloudTrailGen {
            account: opts.account_id.clone(),
            region: opts.region.clone(),
            bucket: opts.bucket.clone(),
            trail: opts.trail_name.clone(),
            clock: Clock::new(opts.start_ms, opts.rate()),
            rngs,
            pending: None,
            last_delivery_ms: 0,
            files: Vec::new(),
            users,
        }
    }

    fn take(&mut self) -> CtEvent {
        match self.pending.take() {
            Some(e) => e,
            None => self.generate(),
        }
    }

    fn iam_user(&mut self) -> Identity {
        let (user, principal, access_key) = pick(&mut self.rngs.records, &self.users).clone();
        Identity::IamUser {
            user,
            principal,
            access_key,
        }
    }

    fn assumed_role(r: &mut SimRng, now: i64) -> Identity {
        let ec2 = chance(r, 30);
        let (role, session) = if ec2 {
            ("web-server-role".to_string(), format!("i-{}", hex(r, 17)))
        } else {
            let role = pick(
                r,
                &[
                    "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b",
                    "deploy-role",
                    "OrganizationAccountAccessRole",
                ],
            )
            .to_string();
            (
                role,
                pick(r, &["alice@example.com", "github-actions", "terraform"]).to_string(),
            )
        };
        Identity::AssumedRole {
            role,
            session,
            role_id: format!("AROA{}", upper_alnum(r, 17)),
            access_key: format!("ASIA{}", upper_alnum(r, 16)),
            created_ms: (now - r.random_range(0..3_600_000)).div_euclid(1000) * 1000,
            mfa: !ec2 && chance(r, 40),
            ec2,
        }
    }

    fn generate(&mut self) -> CtEvent {
        let now = self.clock.tick(&mut self.rngs.records).div_euclid(1000) * 1000;
        let which = *weighted(
            &mut self.rngs.records,
            &[
                (14, 0u8),
                (4, 1),
                (4, 2),
                (8, 3),
                (3, 4),
                (2, 5),
                (8, 6),
                (8, 7),
                (16, 8),
                (8, 9),
                (8, 10),
                (6, 11),
                (2, 12),
                (2, 13),
                (3, 14),
            ],
        );
        let identity = match which {
            0 | 1 | 8 | 9 | 10 | 11 => {
                if chance(&mut self.rngs.records, 70) {
                    Self::assumed_role(&mut self.rngs.records, now)
                } else {
                    self.iam_user()
                }
            }
            2 => {
                if chance(&mut self.rngs.records, 25) {
                    Identity::Root {
                        access_key: String::new(),
                        created_ms: now,
                    }
                } else {
                    self.iam_user()
                }
            }
            3 => Identity::AwsService {
                invoked_by: pick(
                    &mut self.rngs.records,
                    &[
                        "lambda.amazonaws.com",
                        "ecs-tasks.amazonaws.com",
                        "ec2.amazonaws.com",
                    ],
                )
                .to_string(),
            },
            4 | 14 => self.iam_user(),
            5 | 6 => Self::assumed_role(&mut self.rngs.records, now),
            7 => Identity::AwsService {
                invoked_by: "cloudtrail.amazonaws.com".into(),
            },
            12 => Identity::AwsService {
                invoked_by: "kms.amazonaws.com".into(),
            },
            _ => Identity::Root {
                access_key: format!("ASIA{}", upper_alnum(&mut self.rngs.records, 16)),
                created_ms: now - 600_000,
            },
        };
        let (account, region) = (self.account.clone(), self.region.clone());
        let r = &mut self.rngs.records;
        let public_ip = format!(
            "{}.{}.{}.{}",
            pick(r, &[81u8, 93, 176, 203, 198]),
            r.random_range(0..256),
            r.random_range(0..256),
            r.random_range(1..255)
        );
        let cli_agent = pick(
            r,
            &[
                "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2023 prompt/off command/ec2.describe-instances",
                "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
                "aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.152.0",
                "Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0",
            ],
        )
        .to_string();
        let tls13 = ("TLSv1.3", "TLS_AES_128_GCM_SHA256");
        let tls12 = ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256");
        let (tls_version, cipher) = if chance(r, 75) { tls13 } else { tls12 };
        let host = |svc: &str| format!("{svc}.{region}.amazonaws.com");
        let mut ev = CtEvent {
            time_ms: now,
            identity,
            source: "ec2.amazonaws.com",
            name: "DescribeInstances",
            source_ip: public_ip,
            user_agent: cli_agent,
            error_code: None,
            error_message: None,
            request_parameters: Value::Null,
            response_elements: Value::Null,
            additional_event_data: None,
            request_id: Some(rng::uuid(r)),
            event_id: rng::uuid(r),
            read_only: Some(true),
            resources: None,
            event_type: "AwsApiCall",
            api_version: None,
            management: true,
            shared_event_id: None,
            vpc_endpoint: None,
            service_event_details: None,
            category: "Management",
            tls: Some((tls_version, cipher, host("ec2"))),
            console_session: false,
        };
        match which {
            0 => {
                ev.request_parameters = json!({
                    "instancesSet": {},
                    "filterSet": {"items": [{"name": "instance-state-name", "valueSet": {"items": [{"value": "running"}, {"value": "stopped"}]}}]},
                    "maxResults": 1000,
                });
            }
            1 => {
                let instance = format!("i-{}", hex(r, 17));
                let ami = format!("ami-{}", hex(r, 17));
                ev.name = "RunInstances";
                ev.read_only = Some(false);
                ev.request_parameters = json!({
                    "instancesSet": {"items": [{"imageId": ami, "minCount": 1, "maxCount": 1}]},
                    "instanceType": "t3.micro",
                    "blockDeviceMapping": {},
                    "monitoring": {"enabled": false},
                    "disableApiTermination": false,
                    "clientToken": rng::uuid(r),
                    "tagSpecificationSet": {"items": [{"resourceType": "instance", "tags": [{"key": "Name", "value": "build-agent"}]}]},
                });
                if chance(r, 20) {
                    ev.error_code = Some("Client.UnauthorizedOperation".into());
                    ev.error_message = Some("You are not authorized to perform this operation. Encoded authorization failure message: 4Xq9...".into());
                } else {
                    ev.response_elements = json!({
                        "requestId": ev.request_id,
                        "reservationId": format!("r-{}", hex(r, 17)),
                        "ownerId": account,
                        "groupSet": {},
                        "instancesSet": {"items": [{
                            "instanceId": instance,
                            "imageId": ami,
                            "instanceState": {"code": 0, "name": "pending"},
                            "privateDnsName": "ip-10-0-1-23.ec2.internal",
                            "amiLaunchIndex": 0,
                            "productCodes": {},
                            "instanceType": "t3.micro",
                            "launchTime": now,
                            "placement": {"availabilityZone": format!("{region}a"), "tenancy": "default"},
                            "monitoring": {"state": "disabled"},
                            "subnetId": format!("subnet-{}", hex(r, 17)),
                            "vpcId": format!("vpc-{}", hex(r, 17)),
                            "privateIpAddress": "10.0.1.23",
                            "groupSet": {"items": [{"groupId": format!("sg-{}", hex(r, 17)), "groupName": "default"}]},
                            "networkInterfaceSet": {"items": []},
                            "ebsOptimized": false,
                            "enaSupport": true,
                        }]},
                    });
                }
            }
            2 => {
                ev.source = "signin.amazonaws.com";
                ev.name = "ConsoleLogin";
                ev.event_type = "AwsConsoleSignIn";
                ev.user_agent = BROWSER.into();
                ev.read_only = Some(false);
                ev.request_id = None;
                ev.tls = Some((
                    "TLSv1.3",
                    "TLS_AES_128_GCM_SHA256",
                    "signin.aws.amazon.com".into(),
                ));
                let success = !chance(r, 20);
                ev.response_elements =
                    json!({"ConsoleLogin": if success { "Success" } else { "Failure" }});
                ev.additional_event_data = Some(json!({
                    "LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
                    "MobileVersion": "No",
                    "MFAIdentifier": format!("arn:aws:iam::{account}:mfa/root-account-mfa-device"),
                    "MFAUsed": if success { "Yes" } else { "No" },
                }));
                if !success {
                    ev.error_message = Some("Failed authentication".into());
                }
            }
            3 => {
                let role = pick(
                    r,
                    &["orders-api-role", "ecsTaskExecutionRole", "web-server-role"],
                );
                let invoked = match &ev.identity {
                    Identity::AwsService { invoked_by } => invoked_by.clone(),
                    _ => unreachable!("AssumeRole by a service"),
                };
                ev.source = "sts.amazonaws.com";
                ev.name = "AssumeRole";
                ev.source_ip = invoked.clone();
                ev.user_agent = invoked;
                ev.tls = None;
                ev.request_parameters = json!({
                    "roleArn": format!("arn:aws:iam::{account}:role/{role}"),
                    "roleSessionName": hex(r, 32),
                });
                ev.response_elements = json!({
                    "credentials": {
                        "accessKeyId": format!("ASIA{}", upper_alnum(r, 16)),
                        "sessionToken": "<sensitiveDataRemoved>",
                        "expiration": "Mar 1, 2026, 12:00:00 PM",
                    },
                    "assumedRoleUser": {
                        "assumedRoleId": format!("AROA{}:session", upper_alnum(r, 17)),
                        "arn": format!("arn:aws:sts::{account}:assumed-role/{role}/session"),
                    },
                });
                ev.resources = Some(
                    json!([{"accountId": account, "type": "AWS::IAM::Role", "ARN": format!("arn:aws:iam::{account}:role/{role}")}]),
                );
                ev.shared_event_id = Some(rng::uuid(r));
            }
            4 => {
                let target = pick(r, &["backdoor", "svc-temp", "test-user"]);
                ev.source = "iam.amazonaws.com";
                ev.name = "CreateUser";
                ev.read_only = Some(false);
                ev.tls = Some((tls_version, cipher, "iam.amazonaws.com".into()));
                ev.request_parameters = json!({"userName": target, "tags": []});
                let arn = identity_arn(&ev.identity, &account);
                ev.error_code = Some("AccessDenied".into());
                ev.error_message = Some(format!("User: {arn} is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::{account}:user/{target} because no identity-based policy allows the iam:CreateUser action"));
            }
            5 => {
                let bucket = format!("customer-data-{}", hex(r, 6));
                let policy = json!({"Version": "2012-10-17", "Statement": [{"Sid": "AllowSentinel", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{account}:role/sentinel")}, "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")]}]});
                ev.source = "s3.amazonaws.com";
                ev.name = "PutBucketPolicy";
                ev.read_only = Some(false);
                ev.tls = Some((
                    tls_version,
                    cipher,
                    format!("{bucket}.s3.{region}.amazonaws.com"),
                ));
                ev.request_id = Some(upper_alnum(r, 16));
                ev.request_parameters = json!({
                    "bucketName": bucket,
                    "Host": format!("{bucket}.s3.{region}.amazonaws.com"),
                    // A JSON document as an escaped string, as S3 logs it.
                    "bucketPolicy": policy.to_string(),
                    "policy": "",
                });
                ev.additional_event_data = Some(
                    json!({"SignatureVersion": "SigV4", "CipherSuite": cipher, "bytesTransferredIn": 412, "AuthenticationMethod": "AuthHeader", "x-amz-id-2": alnum(r, 56), "bytesTransferredOut": 0}),
                );
                ev.resources = Some(
                    json!([{"accountId": account, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{bucket}")}]),
                );
            }
            6 => {
                ev.source = "sts.amazonaws.com";
                ev.name = "GetCallerIdentity";
                ev.tls = Some((tls_version, cipher, host("sts")));
            }
            7 => {
                let key_id = rng::uuid(r);
                ev.source = "kms.amazonaws.com";
                ev.name = "GenerateDataKey";
                ev.source_ip = "cloudtrail.amazonaws.com".into();
                ev.user_agent = "cloudtrail.amazonaws.com".into();
                ev.tls = None;
                ev.request_parameters = json!({
                    "keySpec": "AES_256",
                    "encryptionContext": {
                        "aws:cloudtrail:arn": format!("arn:aws:cloudtrail:{region}:{account}:trail/main"),
                        "aws:s3:arn": format!("arn:aws:s3:::aws-cloudtrail-logs-{account}/AWSLogs/{account}/CloudTrail/{region}/2026/03/01/file.json.gz"),
                    },
                    "keyId": format!("arn:aws:kms:{region}:{account}:key/{key_id}"),
                });
                ev.resources = Some(
                    json!([{"accountId": account, "type": "AWS::KMS::Key", "ARN": format!("arn:aws:kms:{region}:{account}:key/{key_id}")}]),
                );
                ev.shared_event_id = Some(rng::uuid(r));
            }
            8 | 9 => {
                let bucket =
                    pick(r, &["analytics-raw", "customer-uploads", "build-artifacts"]).to_string();
                let key = format!(
                    "{}/{}/part-{:05}.parquet",
                    pick(r, &["2026/03/01", "incoming", "tmp"]),
                    hex(r, 8),
                    r.random_range(0..99999)
                );
                ev.source = "s3.amazonaws.com";
                ev.name = if which == 8 { "GetObject" } else { "PutObject" };
                ev.read_only = Some(which == 8);
                ev.management = false;
                ev.category = "Data";
                ev.request_id = Some(upper_alnum(r, 16));
                ev.tls = Some((
                    tls_version,
                    cipher,
                    format!("{bucket}.s3.{region}.amazonaws.com"),
                ));
                ev.request_parameters = json!({"bucketName": bucket, "Host": format!("{bucket}.s3.{region}.amazonaws.com"), "key": key});
                if which == 9 && chance(r, 15) {
                    ev.error_code = Some("AccessDenied".into());
                    ev.error_message = Some("Access Denied".into());
                } else if which == 9 {
                    ev.response_elements = json!({"x-amz-server-side-encryption": "AES256", "x-amz-version-id": alnum(r, 32)});
                }
                ev.additional_event_data = Some(json!({
                    "SignatureVersion": "SigV4",
                    "CipherSuite": cipher,
                    "bytesTransferredIn": if which == 9 { r.random_range(1..10_000_000) } else { 0 },
                    "AuthenticationMethod": "AuthHeader",
                    "x-amz-id-2": alnum(r, 56),
                    "bytesTransferredOut": if which == 8 { r.random_range(1..10_000_000) } else { 0 },
                }));
                ev.resources = Some(json!([
                    {"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::{bucket}/{key}")},
                    {"accountId": account, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{bucket}")},
                ]));
                if chance(r, 30) {
                    ev.vpc_endpoint = Some(format!("vpce-{}", hex(r, 17)));
                    ev.source_ip =
                        format!("10.0.{}.{}", r.random_range(0..64), r.random_range(4..250));
                }
            }
            10 => {
                let f = pick(r, &["orders-api", "image-resizer"]);
                ev.source = "lambda.amazonaws.com";
                ev.name = "Invoke";
                ev.read_only = Some(false);
                ev.management = false;
                ev.category = "Data";
                ev.api_version = Some("2015-03-31");
                ev.tls = Some((tls_version, cipher, host("lambda")));
                ev.request_parameters = json!({"functionName": format!("arn:aws:lambda:{region}:{account}:function:{f}"), "sourceArn": format!("arn:aws:execute-api:{region}:{account}:abc123/prod/POST/orders")});
                ev.additional_event_data = Some(
                    json!({"functionVersion": format!("arn:aws:lambda:{region}:{account}:function:{f}:$LATEST")}),
                );
                ev.resources = Some(
                    json!([{"accountId": account, "type": "AWS::Lambda::Function", "ARN": format!("arn:aws:lambda:{region}:{account}:function:{f}")}]),
                );
            }
            11 => {
                ev.source = "dynamodb.amazonaws.com";
                ev.name = "BatchGetItem";
                ev.management = false;
                ev.category = "Data";
                ev.tls = Some((tls_version, cipher, host("dynamodb")));
                ev.request_parameters = json!({"requestItems": [{"tableName": "orders", "key": {"key": "***", "sortKey": null}, "consistentRead": false}, {"tableName": "customers", "key": {"key": "***"}}]});
                ev.resources = Some(json!([
                    {"accountId": account, "type": "AWS::DynamoDB::Table", "ARN": format!("arn:aws:dynamodb:{region}:{account}:table/orders")},
                    {"accountId": account, "type": "AWS::DynamoDB::Table", "ARN": format!("arn:aws:dynamodb:{region}:{account}:table/customers")},
                ]));
            }
            12 => {
                let key_id = rng::uuid(r);
                ev.source = "kms.amazonaws.com";
                ev.name = "RotateKey";
                ev.event_type = "AwsServiceEvent";
                ev.source_ip = "kms.amazonaws.com".into();
                ev.user_agent = "kms.amazonaws.com".into();
                ev.read_only = Some(false);
                ev.request_id = None;
                ev.tls = None;
                ev.service_event_details = Some(json!({"keyId": key_id}));
                ev.resources = Some(
                    json!([{"accountId": account, "type": "AWS::KMS::Key", "ARN": format!("arn:aws:kms:{region}:{account}:key/{key_id}")}]),
                );
            }
            13 => {
                ev.source = "s3.amazonaws.com";
                ev.name = "ListBuckets";
                ev.user_agent = "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488]".into();
                ev.request_id = Some(upper_alnum(r, 16));
                ev.tls = Some((
                    "TLSv1.2",
                    "ECDHE-RSA-AES128-GCM-SHA256",
                    "s3.amazonaws.com".into(),
                ));
                ev.request_parameters = json!({"Host": "s3.amazonaws.com"});
                ev.console_session = true;
            }
            _ => {
                let user = match &ev.identity {
                    Identity::IamUser { user, .. } => user.clone(),
                    _ => unreachable!("CreateAccessKey by an IAM user"),
                };
                ev.source = "iam.amazonaws.com";
                ev.name = "CreateAccessKey";
                ev.read_only = Some(false);
                ev.tls = Some((tls_version, cipher, "iam.amazonaws.com".into()));
                ev.request_parameters = json!({"userName": user});
                ev.response_elements = json!({"accessKey": {"userName": user, "accessKeyId": format!("AKIA{}", upper_alnum(r, 16)), "status": "Active", "createDate": "Mar 1, 2026, 12:00:00 AM"}});
            }
        }
        ev
    }

    fn identity_json(&self, id: &Identity) -> Value {
        let account = &self.account;
        match id {
            Identity::IamUser {
                user,
                principal,
                access_key,
            } => json!({
                "type": "IAMUser",
                "principalId": principal,
                "arn": format!("arn:aws:iam::{account}:user/{user}"),
                "accountId": account,
                "accessKeyId": access_key,
                "userName": user,
            }),
            Identity::AssumedRole {
                role,
                session,
                role_id,
                access_key,
                created_ms,
                mfa,
                ec2,
            } => {
                let mut ctx = json!({
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": role_id,
                        "arn": format!("arn:aws:iam::{account}:role/{role}"),
                        "accountId": account,
                        "userName": role,
                    },
                    "webIdFederationData": {},
                    "attributes": {
                        "creationDate": Utc::from_ms(*created_ms).iso_seconds(),
                        "mfaAuthenticated": if *mfa { "true" } else { "false" },
                    },
                });
                if *ec2 {
                    ctx.as_object_mut()
                        .expect("object")
                        .insert("ec2RoleDelivery".into(), "2.0".into());
                }
                json!({
                    "type": "AssumedRole",
                    "principalId": format!("{role_id}:{session}"),
                    "arn": format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
                    "accountId": account,
                    "accessKeyId": access_key,
                    "sessionContext": ctx,
                })
            }
            Identity::AwsService { invoked_by } => {
                json!({"type": "AWSService", "invokedBy": invoked_by})
            }
            Identity::Root {
                access_key,
                created_ms,
            } => json!({
                "type": "Root",
                "principalId": account,
                "arn": format!("arn:aws:iam::{account}:root"),
                "accountId": account,
                "accessKeyId": access_key,
                "sessionContext": {
                    "sessionIssuer": {},
                    "webIdFederationData": {},
                    "attributes": {"creationDate": Utc::from_ms(*created_ms).iso_seconds(), "mfaAuthenticated": "true"},
                },
            }),
        }
    }

    /// The record as CloudTrail writes it (AWS's key order).
    fn to_json<'a>(&'a self, e: &'a CtEvent) -> RecordJson<'a> {
        RecordJson {
            eventVersion: "1.11",
            userIdentity: self.identity_json(&e.identity),
            eventTime: Utc::from_ms(e.time_ms).iso_seconds(),
            eventSource: e.source,
            eventName: e.name,
            awsRegion: &self.region,
            sourceIPAddress: &e.source_ip,
            userAgent: &e.user_agent,
            errorCode: e.error_code.as_deref(),
            errorMessage: e.error_message.as_deref(),
            requestParameters: &e.request_parameters,
            responseElements: &e.response_elements,
            additionalEventData: e.additional_event_data.as_ref(),
            requestID: e.request_id.as_deref(),
            eventID: &e.event_id,
            readOnly: e.read_only,
            resources: e.resources.as_ref(),
            eventType: e.event_type,
            apiVersion: e.api_version,
            managementEvent: e.management,
            recipientAccountId: &self.account,
            sharedEventID: e.shared_event_id.as_deref(),
            vpcEndpointId: e.vpc_endpoint.as_deref(),
            vpcEndpointAccountId: e.vpc_endpoint.as_ref().map(|_| self.account.as_str()),
            serviceEventDetails: e.service_event_details.as_ref(),
            eventCategory: e.category,
            tlsDetails: e.tls.as_ref().map(|(v, c, h)| TlsJson {
                tlsVersion: v,
                cipherSuite: c,
                clientProvidedHostHeader: h,
            }),
            sessionCredentialFromConsole: e.console_session.then_some("true"),
        }
    }

    /// The AWSCloudTrail row, built from the model (not from the JSON).
    fn row(&self, e: &CtEvent) -> AwsCloudTrail {
        let account = &self.account;
        let mut row = AwsCloudTrail {
            TimeGenerated: format_datetime_ms(e.time_ms),
            AWSRegion: Some(self.region.clone()),
            AdditionalEventData: e.additional_event_data.as_ref().and_then(opt_json),
            APIVersion: e.api_version.map(String::from),
            AwsEventId: Some(e.event_id.clone()),
            AwsRequestId_: e.request_id.clone(),
            Category: Some(e.category.into()),
            CipherSuite: e.tls.as_ref().map(|t| t.1.into()),
            ClientProvidedHostHeader: e.tls.as_ref().map(|t| t.2.clone()),
            ErrorCode: e.error_code.clone(),
            ErrorMessage: e.error_message.clone(),
            EventName: Some(e.name.into()),
            EventSource: Some(e.source.into()),
            EventTypeName: Some(e.event_type.into()),
            EventVersion: Some("1.11".into()),
            ManagementEvent: Some(e.management),
            ReadOnly: e.read_only,
            RecipientAccountId: Some(account.clone()),
            RequestParameters: opt_json(&e.request_parameters),
            Resources: e.resources.as_ref().and_then(opt_json),
            ResponseElements: opt_json(&e.response_elements),
            ServiceEventDetails: e.service_event_details.as_ref().and_then(opt_json),
            SharedEventId: e.shared_event_id.clone(),
            SourceIpAddress: Some(e.source_ip.clone()),
            TlsVersion: e.tls.as_ref().map(|t| t.0.into()),
            UserAgent: Some(e.user_agent.clone()),
            VpcEndpointId: e.vpc_endpoint.clone(),
            ..AwsCloudTrail::default()
        };
        match &e.identity {
            Identity::IamUser {
                user,
                principal,
                access_key,
            } => {
                row.UserIdentityType = Some("IAMUser".into());
                row.UserIdentityPrincipalid = Some(principal.clone());
                row.UserIdentityArn = Some(format!("arn:aws:iam::{account}:user/{user}"));
                row.UserIdentityAccountId = Some(account.clone());
                row.UserIdentityAccessKeyId = Some(access_key.clone());
                row.UserIdentityUserName = Some(user.clone());
            }
            Identity::AssumedRole {
                role,
                session,
                role_id,
                access_key,
                created_ms,
                mfa,
                ec2,
            } => {
                row.UserIdentityType = Some("AssumedRole".into());
                row.UserIdentityPrincipalid = Some(format!("{role_id}:{session}"));
                row.UserIdentityArn = Some(format!(
                    "arn:aws:sts::{account}:assumed-role/{role}/{session}"
                ));
                row.UserIdentityAccountId = Some(account.clone());
                row.UserIdentityAccessKeyId = Some(access_key.clone());
                row.SessionIssuerType = Some("Role".into());
                row.SessionIssuerPrincipalId = Some(role_id.clone());
                row.SessionIssuerArn = Some(format!("arn:aws:iam::{account}:role/{role}"));
                row.SessionIssuerAccountId = Some(account.clone());
                row.SessionIssuerUserName = Some(role.clone());
                row.SessionCreationDate = Some(format_datetime_ms(*created_ms));
                row.SessionMfaAuthenticated = Some(*mfa);
                row.EC2RoleDelivery = ec2.then(|| "2.0".into());
            }
            Identity::AwsService { invoked_by } => {
                row.UserIdentityType = Some("AWSService".into());
                row.UserIdentityInvokedBy = Some(invoked_by.clone());
            }
            Identity::Root {
                access_key,
                created_ms,
            } => {
                row.UserIdentityType = Some("Root".into());
                row.UserIdentityPrincipalid = Some(account.clone());
                row.UserIdentityArn = Some(format!("arn:aws:iam::{account}:root"));
                row.UserIdentityAccountId = Some(account.clone());
                row.UserIdentityAccessKeyId = Some(access_key.clone());
                row.SessionCreationDate = Some(format_datetime_ms(*created_ms));
                row.SessionMfaAuthenticated = Some(true);
            }
        }
        row
    }

    fn digest(
        &mut self,
        start_ms: i64,
        prev: Option<&(String, String, String)>,
        files: &[LogFile],
    ) -> (String, Vec<u8>, String) {
        let end_ms = start_ms + 3_600_000;
        let key = cloudtrail_digest_key(
            &self.account,
            &self.region,
            &self.trail,
            &self.region,
            end_ms,
        );
        let iso = |ms: i64| Value::from(Utc::from_ms(ms).iso_seconds());
        let newest = files
            .iter()
            .map(|f| f.newest_ms)
            .max()
            .map_or(Value::Null, iso);
        let oldest = files
            .iter()
            .map(|f| f.oldest_ms)
            .min()
            .map_or(Value::Null, iso);
        let signature = hex(&mut self.rngs.names, 512);
        let (pb, pk, ph, ps) = match prev {
            Some((k, h, s)) => (
                Value::from(self.bucket.clone()),
                Value::from(k.clone()),
                Value::from(h.clone()),
                Value::from(s.clone()),
            ),
            None => (Value::Null, Value::Null, Value::Null, Value::Null),
        };
        let body = json!({
            "awsAccountId": self.account,
            "digestStartTime": iso(start_ms),
            "digestEndTime": iso(end_ms),
            "digestS3Bucket": self.bucket,
            "digestS3Object": key,
            "digestPublicKeyFingerprint": hex(&mut self.rngs.names, 32),
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": newest,
            "oldestEventTime": oldest,
            "previousDigestS3Bucket": pb,
            "previousDigestS3Object": pk,
            "previousDigestHashValue": ph,
            "previousDigestHashAlgorithm": if prev.is_some() { Value::from("SHA-256") } else { Value::Null },
            "previousDigestSignature": ps,
            "logFiles": files.iter().map(|f| json!({
                "s3Bucket": self.bucket,
                "s3Object": f.key,
                "hashValue": f.sha256,
                "hashAlgorithm": "SHA-256",
                "newestEventTime": iso(f.newest_ms),
                "oldestEventTime": iso(f.oldest_ms),
            })).collect::<Vec<_>>(),
        });
        (key, body.to_string().into_bytes(), signature)
    }
}

/// ARN of the caller, for error messages.
fn identity_arn(id: &Identity, account: &str) -> String {
    match id {
        Identity::IamUser { user, .. } => format!("arn:aws:iam::{account}:user/{user}"),
        Identity::AssumedRole { role, session, .. } => {
            format!("arn:aws:sts::{account}:assumed-role/{role}/{session}")
        }
        Identity::AwsService { invoked_by } => invoked_by.clone(),
        Identity::Root { .. } => format!("arn:aws:iam::{account}:root"),
    }
}

impl LogGen for CloudTrailGen {
    type Record = CtEvent;

    fn next_object(&mut self, max: u64) -> (String, Vec<CtEvent>) {
        let first = self.take();
        let window = five_minute_floor(first.time_ms);
        let mut records = vec![first];
        while (records.len() as u64) < max {
            let e = self.take();
            if five_minute_floor(e.time_ms) != window {
                self.pending = Some(e);
                break;
            }
            records.push(e);
        }
        // Delivered some minutes after the window.
        let delivery = window + 300_000 + self.rngs.names.random_range(30_000..300_000);
        self.last_delivery_ms = delivery;
        let unique = alnum(&mut self.rngs.names, 16);
        (
            cloudtrail_key(&self.account, &self.region, delivery, &unique),
            records,
        )
    }

    fn next_record(&mut self) -> CtEvent {
        self.take()
    }

    fn write_header(&self, w: &mut dyn Write) -> io::Result<u64> {
        w.write_all(b"{\"Records\":[")?;
        Ok(0)
    }

    fn write_record(&self, w: &mut dyn Write, rec: &CtEvent, position: u64) -> io::Result<u64> {
        if position > 0 {
            w.write_all(b",")?;
        }
        serde_json::to_writer(&mut *w, &self.to_json(rec))?;
        Ok(0)
    }

    fn write_malformed(&self, w: &mut dyn Write, which: u64, position: u64) -> io::Result<u64> {
        if position > 0 {
            w.write_all(b",")?;
        }
        let item = match which % 5 {
            0 => "\"corrupted-record\"",
            1 => "42",
            2 => "null",
            3 => "[]",
            _ => "true",
        };
        w.write_all(item.as_bytes())?;
        Ok(0)
    }

    fn write_footer(&self, w: &mut dyn Write) -> io::Result<()> {
        w.write_all(b"]}")
    }

    fn line_oriented(&self) -> bool {
        false
    }

    fn expected(
        &self,
        rec: &CtEvent,
        _key: &str,
        index: u64,
        _line: Option<u64>,
    ) -> ExpectedRecord {
        let row = self.row(rec);
        ExpectedRecord {
            id: rec.event_id.clone(),
            index,
            line: None,
            time_generated: row.TimeGenerated.clone(),
            expected: TableRow::new(row),
        }
    }

    fn object_stored(&mut self, key: &str, uncompressed: &[u8], records: &[CtEvent]) {
        self.files.push(LogFile {
            key: key.to_string(),
            delivery_ms: self.last_delivery_ms,
            sha256: sha256_hex(uncompressed),
            oldest_ms: records.iter().map(|r| r.time_ms).min().unwrap_or(0),
            newest_ms: records.iter().map(|r| r.time_ms).max().unwrap_or(0),
        });
    }

    /// One digest per hour from the first to the last delivery hour, each
    /// listing the log files delivered in it (`logFiles: []` when none),
    /// chained by `previousDigest*`.
    fn extra_objects(&mut self) -> Vec<(String, Vec<u8>)> {
        let files = std::mem::take(&mut self.files);
        let (Some(first), Some(last)) = (
            files.iter().map(|f| f.delivery_ms).min(),
            files.iter().map(|f| f.delivery_ms).max(),
        ) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut prev: Option<(String, String, String)> = None;
        let mut hour = first.div_euclid(3_600_000) * 3_600_000;
        while hour <= last {
            let in_hour: Vec<LogFile> = files
                .iter()
                .filter(|f| f.delivery_ms >= hour && f.delivery_ms < hour + 3_600_000)
                .cloned()
                .collect();
            let (key, body, signature) = self.digest(hour, prev.as_ref(), &in_hour);
            prev = Some((key.clone(), sha256_hex(&body), signature));
            out.push((key, body));
            hour += 3_600_000;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::keys::patterns;
    use super::super::manifest::{Content, ObjectKind};
    use super::super::testutil::*;
    use super::super::{BadDataKind, GenOptions, Service};
    use super::*;
    use regex::Regex;
    use std::collections::{HashMap, HashSet};

    /// Independent mapping of a CloudTrail record to the table row.
    fn to_row(v: &Value) -> AwsCloudTrail {
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(String::from);
        let j = |p: &str| v.pointer(p).filter(|x| !x.is_null()).map(Value::to_string);
        let dt = |p: &str| {
            s(p).map(|t| format_datetime_ms(crate::tables::parse_datetime_ms(&t).unwrap()))
        };
        AwsCloudTrail {
            TimeGenerated: dt("/eventTime").unwrap(),
            AWSRegion: s("/awsRegion"),
            AdditionalEventData: j("/additionalEventData"),
            APIVersion: s("/apiVersion"),
            AwsEventId: s("/eventID"),
            AwsRequestId_: s("/requestID"),
            Category: s("/eventCategory"),
            CipherSuite: s("/tlsDetails/cipherSuite"),
            ClientProvidedHostHeader: s("/tlsDetails/clientProvidedHostHeader"),
            EC2RoleDelivery: s("/userIdentity/sessionContext/ec2RoleDelivery"),
            ErrorCode: s("/errorCode"),
            ErrorMessage: s("/errorMessage"),
            EventName: s("/eventName"),
            EventSource: s("/eventSource"),
            EventTypeName: s("/eventType"),
            EventVersion: s("/eventVersion"),
            ManagementEvent: v.pointer("/managementEvent").and_then(Value::as_bool),
            ReadOnly: v.pointer("/readOnly").and_then(Value::as_bool),
            RecipientAccountId: s("/recipientAccountId"),
            RequestParameters: j("/requestParameters"),
            Resources: j("/resources"),
            ResponseElements: j("/responseElements"),
            ServiceEventDetails: j("/serviceEventDetails"),
            SessionCreationDate: dt("/userIdentity/sessionContext/attributes/creationDate"),
            SessionIssuerAccountId: s("/userIdentity/sessionContext/sessionIssuer/accountId"),
            SessionIssuerArn: s("/userIdentity/sessionContext/sessionIssuer/arn"),
            SessionIssuerPrincipalId: s("/userIdentity/sessionContext/sessionIssuer/principalId"),
            SessionIssuerType: s("/userIdentity/sessionContext/sessionIssuer/type"),
            SessionIssuerUserName: s("/userIdentity/sessionContext/sessionIssuer/userName"),
            SessionMfaAuthenticated: s("/userIdentity/sessionContext/attributes/mfaAuthenticated")
                .map(|m| m == "true"),
            SharedEventId: s("/sharedEventID"),
            SourceIpAddress: s("/sourceIPAddress"),
            TlsVersion: s("/tlsDetails/tlsVersion"),
            UserAgent: s("/userAgent"),
            UserIdentityAccessKeyId: s("/userIdentity/accessKeyId"),
            UserIdentityAccountId: s("/userIdentity/accountId"),
            UserIdentityArn: s("/userIdentity/arn"),
            UserIdentityInvokedBy: s("/userIdentity/invokedBy"),
            UserIdentityPrincipalid: s("/userIdentity/principalId"),
            UserIdentityType: s("/userIdentity/type"),
            UserIdentityUserName: s("/userIdentity/userName"),
            VpcEndpointId: s("/vpcEndpointId"),
        }
    }

    #[test]
    fn objects_read_back_equal_manifest() {
        let out = run(&GenOptions::new(Service::Cloudtrail, 2000, 8));
        let log_re = Regex::new(patterns::CLOUDTRAIL).unwrap();
        let mut total = 0;
        let mut identity_types = HashSet::new();
        let (mut errors, mut data, mut mgmt, mut null_rp, mut arrays) = (0, 0, 0, 0, 0);
        for e in out.entries().filter(|e| e.kind == ObjectKind::Log) {
            assert!(log_re.is_match(&e.key), "{}", e.key);
            let doc: Value = serde_json::from_slice(&gunzip(&out.objects[&e.key])).unwrap();
            let records = doc["Records"].as_array().unwrap();
            assert_eq!(records.len() as u64, e.record_count);
            for (rec, exp) in records.iter().zip(&e.records) {
                assert_eq!(TableRow::new(to_row(rec)), exp.expected);
                assert_eq!(rec["eventVersion"], "1.11");
                assert_eq!(exp.id, rec["eventID"].as_str().unwrap());
                identity_types.insert(rec["userIdentity"]["type"].as_str().unwrap().to_string());
                errors += usize::from(
                    rec.get("errorCode").is_some() || rec.get("errorMessage").is_some(),
                );
                data += usize::from(rec["eventCategory"] == "Data");
                mgmt += usize::from(rec["managementEvent"] == true);
                null_rp += usize::from(rec["requestParameters"].is_null());
                arrays += usize::from(rec["requestParameters"].to_string().contains('['));
                assert!(rec["readOnly"].is_boolean());
                total += 1;
            }
        }
        assert_eq!(total, 2000);
        for t in ["IAMUser", "AssumedRole", "AWSService", "Root"] {
            assert!(identity_types.contains(t), "{t}");
        }
        assert!(errors > 0 && data > 0 && mgmt > 0 && null_rp > 0 && arrays > 0);
    }

    #[test]
    fn digests_are_listed_but_never_ingested() {
        let mut o = GenOptions::new(Service::Cloudtrail, 2000, 8);
        o.rate = Some(0.3); // about two hours of events
        let out = run(&o);
        let digest_re = Regex::new(patterns::CLOUDTRAIL_DIGEST).unwrap();
        let logs: HashMap<String, &crate::synth::manifest::ObjectEntry> = out
            .entries()
            .filter(|e| e.kind == ObjectKind::Log)
            .map(|e| (e.key.clone(), e))
            .collect();
        let digests: Vec<_> = out
            .entries()
            .filter(|e| e.kind == ObjectKind::Digest)
            .collect();
        assert!(digests.len() >= 2);
        let mut listed = HashSet::new();
        let mut prev_hash: Option<String> = None;
        for d in &digests {
            assert!(d.key.contains("/CloudTrail-Digest/"));
            assert!(digest_re.is_match(&d.key), "{}", d.key);
            assert!(!d.ingest && d.records.is_empty() && d.record_count == 0);
            let plain = gunzip(&out.objects[&d.key]);
            let body: Value = serde_json::from_slice(&plain).unwrap();
            assert!(body.get("Records").is_none());
            assert_eq!(body["digestS3Object"], d.key.as_str());
            assert_eq!(body["digestSignatureAlgorithm"], "SHA256withRSA");
            assert_eq!(
                body["previousDigestHashValue"].as_str().map(String::from),
                prev_hash
            );
            prev_hash = Some(sha256_hex(&plain));
            for f in body["logFiles"].as_array().unwrap() {
                let key = f["s3Object"].as_str().unwrap();
                let log = logs[key];
                assert_eq!(
                    f["hashValue"].as_str().unwrap(),
                    sha256_hex(&gunzip(&out.objects[key]))
                );
                assert!(log.ingest);
                listed.insert(key.to_string());
            }
        }
        assert_eq!(listed.len(), logs.len(), "every log file is in one digest");
        // No digest key appears as a record source.
        for e in out.entries() {
            assert_eq!(e.ingest, !e.key.contains("CloudTrail-Digest"));
        }
    }

    #[test]
    fn hours_without_files_get_empty_digests() {
        let mut o = GenOptions::new(Service::Cloudtrail, 40, 3);
        o.rate = Some(0.0004); // about one event per 40 minutes
        o.records_per_object = Some(1);
        let out = run(&o);
        let digests: Vec<Value> = out
            .entries()
            .filter(|e| e.kind == ObjectKind::Digest)
            .map(|d| serde_json::from_slice(&gunzip(&out.objects[&d.key])).unwrap())
            .collect();
        let empty: Vec<&Value> = digests
            .iter()
            .filter(|d| d["logFiles"].as_array().unwrap().is_empty())
            .collect();
        assert!(!empty.is_empty(), "some hour had no delivery");
        for d in empty {
            assert!(d["newestEventTime"].is_null() && d["oldestEventTime"].is_null());
        }
        // One digest per hour, consecutive.
        for pair in digests.windows(2) {
            assert_eq!(pair[0]["digestEndTime"], pair[1]["digestStartTime"]);
        }
        assert!(digests[0]["previousDigestS3Object"].is_null());
    }

    #[test]
    fn malformed_items_are_counted() {
        let mut o = GenOptions::new(Service::Cloudtrail, 30, 4);
        o.bad_data = vec![BadDataKind::MalformedLines];
        let out = run(&o);
        let e = out
            .entries()
            .find(|e| e.content == Content::Malformed)
            .unwrap();
        let doc: Value = serde_json::from_slice(&gunzip(&out.objects[&e.key])).unwrap();
        let items = doc["Records"].as_array().unwrap();
        let mut good = 0;
        for (i, item) in items.iter().enumerate() {
            assert_eq!(item.is_object(), !e.malformed_indexes.contains(&(i as u64)));
            good += usize::from(item.is_object());
        }
        assert_eq!(good as u64, e.record_count);
        assert!(e.malformed_lines.is_empty());
    }

    #[test]
    fn snapshot_tiny_object() {
        let out = run(&GenOptions::new(Service::Cloudtrail, 3, 42));
        let key = &out.order[0];
        let doc: Value = serde_json::from_slice(&gunzip(&out.objects[key])).unwrap();
        insta::assert_json_snapshot!(json!({
            "key": key,
            "sha256": crate::synth::sha256_hex(&out.objects[key]),
            "body": doc,
        }));
    }
}
