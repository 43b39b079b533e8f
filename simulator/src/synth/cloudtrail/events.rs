//! The kinds of CloudTrail event the generator writes, how often each occurs ([`MIX`]), and one
//! function per kind that picks its caller and fills in its fields.
//!
//! Every function draws from the random stream in the same order: the caller first, then the
//! fields every event has ([`Ctx::base`]), then its own fields.

use rand::Rng;
use serde_json::{json, Value};

use super::super::rng::{self, alnum, chance, hex, pick, upper_alnum, SimRng};
use super::{CtEvent, Identity};

/// One kind of event (API call or service event) with its caller and fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EventKind {
    /// `ec2:DescribeInstances` by a role or a user (read-only, `null` response).
    DescribeInstances,
    /// `ec2:RunInstances` by a role or a user; sometimes `Client.UnauthorizedOperation`.
    RunInstances,
    /// `signin:ConsoleLogin` by the root user or an IAM user; sometimes a failure.
    ConsoleLogin,
    /// `sts:AssumeRole` by an AWS service on behalf of a workload.
    AssumeRole,
    /// `iam:CreateUser` by an IAM user, always `AccessDenied`.
    CreateUser,
    /// `s3:PutBucketPolicy` by a role, the policy as an escaped JSON string.
    PutBucketPolicy,
    /// `sts:GetCallerIdentity` by a role.
    GetCallerIdentity,
    /// `kms:GenerateDataKey` by CloudTrail itself (encrypting its log files).
    GenerateDataKey,
    /// `s3:GetObject` data event by a role or a user.
    GetObject,
    /// `s3:PutObject` data event by a role or a user; sometimes `AccessDenied`.
    PutObject,
    /// `lambda:Invoke` data event by a role or a user.
    Invoke,
    /// `dynamodb:BatchGetItem` data event (arrays in `requestParameters`).
    BatchGetItem,
    /// `kms:RotateKey`, an `AwsServiceEvent` with `serviceEventDetails`.
    RotateKey,
    /// `s3:ListBuckets` from the console by the root user (`sessionCredentialFromConsole`).
    ListBuckets,
    /// `iam:CreateAccessKey` by an IAM user for itself.
    CreateAccessKey,
}

/// How often each kind occurs (weights out of their sum). The order is part of the output: the
/// weighted pick walks this table, so reordering it changes every generated file.
pub(super) const MIX: &[(u32, EventKind)] = &[
    (14, EventKind::DescribeInstances),
    (4, EventKind::RunInstances),
    (4, EventKind::ConsoleLogin),
    (8, EventKind::AssumeRole),
    (3, EventKind::CreateUser),
    (2, EventKind::PutBucketPolicy),
    (8, EventKind::GetCallerIdentity),
    (8, EventKind::GenerateDataKey),
    (16, EventKind::GetObject),
    (8, EventKind::PutObject),
    (8, EventKind::Invoke),
    (6, EventKind::BatchGetItem),
    (2, EventKind::RotateKey),
    (2, EventKind::ListBuckets),
    (3, EventKind::CreateAccessKey),
];

impl EventKind {
    /// One event of this kind at `c.now`.
    pub(super) fn event(self, c: &mut Ctx) -> CtEvent {
        match self {
            EventKind::DescribeInstances => describe_instances(c),
            EventKind::RunInstances => run_instances(c),
            EventKind::ConsoleLogin => console_login(c),
            EventKind::AssumeRole => assume_role(c),
            EventKind::CreateUser => create_user(c),
            EventKind::PutBucketPolicy => put_bucket_policy(c),
            EventKind::GetCallerIdentity => get_caller_identity(c),
            EventKind::GenerateDataKey => generate_data_key(c),
            EventKind::GetObject => s3_object(c, S3Op::Get),
            EventKind::PutObject => s3_object(c, S3Op::Put),
            EventKind::Invoke => invoke(c),
            EventKind::BatchGetItem => batch_get_item(c),
            EventKind::RotateKey => rotate_key(c),
            EventKind::ListBuckets => list_buckets(c),
            EventKind::CreateAccessKey => create_access_key(c),
        }
    }
}

/// What an event function needs from the generator.
pub(super) struct Ctx<'a> {
    /// The record stream.
    pub r: &'a mut SimRng,
    /// The account's IAM users: (name, principal id, access key id).
    pub users: &'a [(String, String, String)],
    pub account: &'a str,
    pub region: &'a str,
    /// Event time, epoch ms (whole seconds).
    pub now: i64,
}

/// A TLS version and cipher suite.
type Tls = (&'static str, &'static str);

const BROWSER: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";

impl Ctx<'_> {
    /// `<svc>.<region>.amazonaws.com`.
    fn host(&self, svc: &str) -> String {
        format!("{svc}.{}.amazonaws.com", self.region)
    }

    /// An `ec2:DescribeInstances` call by `identity` from a public address with a CLI or SDK
    /// user agent: the fields every kind starts from. Also returns the TLS version and cipher
    /// it picked, for kinds that name another host.
    fn base(&mut self, identity: Identity) -> (CtEvent, Tls) {
        let r = &mut *self.r;
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
        let ev = CtEvent {
            time_ms: self.now,
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
            tls: Some((tls_version, cipher, self.host("ec2"))),
            console_session: false,
        };
        (ev, (tls_version, cipher))
    }

    /// One of the account's IAM users, and its name.
    fn iam_user(&mut self) -> (Identity, String) {
        let (user, principal, access_key) = pick(self.r, self.users).clone();
        let identity = Identity::IamUser {
            user: user.clone(),
            principal,
            access_key,
        };
        (identity, user)
    }

    /// An assumed-role session: an EC2 instance profile (30%) or an SSO, deploy or
    /// cross-account role, created within the last hour.
    fn assumed_role(&mut self) -> Identity {
        let r = &mut *self.r;
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
            created_ms: (self.now - r.random_range(0..3_600_000)).div_euclid(1000) * 1000,
            mfa: !ec2 && chance(r, 40),
            ec2,
        }
    }

    /// An assumed role (70%) or an IAM user.
    fn role_or_user(&mut self) -> Identity {
        if chance(self.r, 70) {
            self.assumed_role()
        } else {
            self.iam_user().0
        }
    }
}

fn describe_instances(c: &mut Ctx) -> CtEvent {
    let identity = c.role_or_user();
    let (mut ev, _) = c.base(identity);
    ev.request_parameters = json!({
        "instancesSet": {},
        "filterSet": {"items": [{"name": "instance-state-name", "valueSet": {"items": [{"value": "running"}, {"value": "stopped"}]}}]},
        "maxResults": 1000,
    });
    ev
}

fn run_instances(c: &mut Ctx) -> CtEvent {
    let identity = c.role_or_user();
    let (mut ev, _) = c.base(identity);
    let (r, account, region, now) = (&mut *c.r, c.account, c.region, c.now);
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
    ev
}

fn console_login(c: &mut Ctx) -> CtEvent {
    let identity = if chance(c.r, 25) {
        Identity::Root {
            access_key: String::new(),
            created_ms: c.now,
        }
    } else {
        c.iam_user().0
    };
    let (mut ev, _) = c.base(identity);
    let (r, account) = (&mut *c.r, c.account);
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
    ev.response_elements = json!({"ConsoleLogin": if success { "Success" } else { "Failure" }});
    ev.additional_event_data = Some(json!({
        "LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
        "MobileVersion": "No",
        "MFAIdentifier": format!("arn:aws:iam::{account}:mfa/root-account-mfa-device"),
        "MFAUsed": if success { "Yes" } else { "No" },
    }));
    if !success {
        ev.error_message = Some("Failed authentication".into());
    }
    ev
}

fn assume_role(c: &mut Ctx) -> CtEvent {
    let invoked = pick(
        c.r,
        &[
            "lambda.amazonaws.com",
            "ecs-tasks.amazonaws.com",
            "ec2.amazonaws.com",
        ],
    )
    .to_string();
    let identity = Identity::AwsService {
        invoked_by: invoked.clone(),
    };
    let (mut ev, _) = c.base(identity);
    let (r, account) = (&mut *c.r, c.account);
    let role = pick(
        r,
        &["orders-api-role", "ecsTaskExecutionRole", "web-server-role"],
    );
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
    ev
}

fn create_user(c: &mut Ctx) -> CtEvent {
    let (identity, user) = c.iam_user();
    let (mut ev, (tls_version, cipher)) = c.base(identity);
    let (r, account) = (&mut *c.r, c.account);
    let target = pick(r, &["backdoor", "svc-temp", "test-user"]);
    ev.source = "iam.amazonaws.com";
    ev.name = "CreateUser";
    ev.read_only = Some(false);
    ev.tls = Some((tls_version, cipher, "iam.amazonaws.com".into()));
    ev.request_parameters = json!({"userName": target, "tags": []});
    let arn = format!("arn:aws:iam::{account}:user/{user}");
    ev.error_code = Some("AccessDenied".into());
    ev.error_message = Some(format!("User: {arn} is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::{account}:user/{target} because no identity-based policy allows the iam:CreateUser action"));
    ev
}

fn put_bucket_policy(c: &mut Ctx) -> CtEvent {
    let identity = c.assumed_role();
    let (mut ev, (tls_version, cipher)) = c.base(identity);
    let (r, account, region) = (&mut *c.r, c.account, c.region);
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
    ev
}

fn get_caller_identity(c: &mut Ctx) -> CtEvent {
    let identity = c.assumed_role();
    let (mut ev, (tls_version, cipher)) = c.base(identity);
    ev.source = "sts.amazonaws.com";
    ev.name = "GetCallerIdentity";
    ev.tls = Some((tls_version, cipher, c.host("sts")));
    ev
}

fn generate_data_key(c: &mut Ctx) -> CtEvent {
    let identity = Identity::AwsService {
        invoked_by: "cloudtrail.amazonaws.com".into(),
    };
    let (mut ev, _) = c.base(identity);
    let (r, account, region) = (&mut *c.r, c.account, c.region);
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
    ev
}

/// The two S3 object data events.
#[derive(Clone, Copy, PartialEq, Eq)]
enum S3Op {
    Get,
    Put,
}

/// `s3:GetObject` or `s3:PutObject` (data events; some through a VPC endpoint).
fn s3_object(c: &mut Ctx, op: S3Op) -> CtEvent {
    let identity = c.role_or_user();
    let (mut ev, (tls_version, cipher)) = c.base(identity);
    let (r, account, region) = (&mut *c.r, c.account, c.region);
    let (get, put) = (op == S3Op::Get, op == S3Op::Put);
    let bucket = pick(r, &["analytics-raw", "customer-uploads", "build-artifacts"]).to_string();
    let key = format!(
        "{}/{}/part-{:05}.parquet",
        pick(r, &["2026/03/01", "incoming", "tmp"]),
        hex(r, 8),
        r.random_range(0..99999)
    );
    ev.source = "s3.amazonaws.com";
    ev.name = if get { "GetObject" } else { "PutObject" };
    ev.read_only = Some(get);
    ev.management = false;
    ev.category = "Data";
    ev.request_id = Some(upper_alnum(r, 16));
    ev.tls = Some((
        tls_version,
        cipher,
        format!("{bucket}.s3.{region}.amazonaws.com"),
    ));
    ev.request_parameters = json!({"bucketName": bucket, "Host": format!("{bucket}.s3.{region}.amazonaws.com"), "key": key});
    if put && chance(r, 15) {
        ev.error_code = Some("AccessDenied".into());
        ev.error_message = Some("Access Denied".into());
    } else if put {
        ev.response_elements =
            json!({"x-amz-server-side-encryption": "AES256", "x-amz-version-id": alnum(r, 32)});
    }
    ev.additional_event_data = Some(json!({
        "SignatureVersion": "SigV4",
        "CipherSuite": cipher,
        "bytesTransferredIn": if put { r.random_range(1..10_000_000) } else { 0 },
        "AuthenticationMethod": "AuthHeader",
        "x-amz-id-2": alnum(r, 56),
        "bytesTransferredOut": if get { r.random_range(1..10_000_000) } else { 0 },
    }));
    ev.resources = Some(json!([
        {"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::{bucket}/{key}")},
        {"accountId": account, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{bucket}")},
    ]));
    if chance(r, 30) {
        ev.vpc_endpoint = Some(format!("vpce-{}", hex(r, 17)));
        ev.source_ip = format!("10.0.{}.{}", r.random_range(0..64), r.random_range(4..250));
    }
    ev
}

fn invoke(c: &mut Ctx) -> CtEvent {
    let identity = c.role_or_user();
    let (mut ev, (tls_version, cipher)) = c.base(identity);
    let host = c.host("lambda");
    let (r, account, region) = (&mut *c.r, c.account, c.region);
    let f = pick(r, &["orders-api", "image-resizer"]);
    ev.source = "lambda.amazonaws.com";
    ev.name = "Invoke";
    ev.read_only = Some(false);
    ev.management = false;
    ev.category = "Data";
    ev.api_version = Some("2015-03-31");
    ev.tls = Some((tls_version, cipher, host));
    ev.request_parameters = json!({"functionName": format!("arn:aws:lambda:{region}:{account}:function:{f}"), "sourceArn": format!("arn:aws:execute-api:{region}:{account}:abc123/prod/POST/orders")});
    ev.additional_event_data = Some(
        json!({"functionVersion": format!("arn:aws:lambda:{region}:{account}:function:{f}:$LATEST")}),
    );
    ev.resources = Some(
        json!([{"accountId": account, "type": "AWS::Lambda::Function", "ARN": format!("arn:aws:lambda:{region}:{account}:function:{f}")}]),
    );
    ev
}

fn batch_get_item(c: &mut Ctx) -> CtEvent {
    let identity = c.role_or_user();
    let (mut ev, (tls_version, cipher)) = c.base(identity);
    let (account, region) = (c.account, c.region);
    ev.source = "dynamodb.amazonaws.com";
    ev.name = "BatchGetItem";
    ev.management = false;
    ev.category = "Data";
    ev.tls = Some((tls_version, cipher, c.host("dynamodb")));
    ev.request_parameters = json!({"requestItems": [{"tableName": "orders", "key": {"key": "***", "sortKey": null}, "consistentRead": false}, {"tableName": "customers", "key": {"key": "***"}}]});
    ev.resources = Some(json!([
        {"accountId": account, "type": "AWS::DynamoDB::Table", "ARN": format!("arn:aws:dynamodb:{region}:{account}:table/orders")},
        {"accountId": account, "type": "AWS::DynamoDB::Table", "ARN": format!("arn:aws:dynamodb:{region}:{account}:table/customers")},
    ]));
    ev
}

fn rotate_key(c: &mut Ctx) -> CtEvent {
    let identity = Identity::AwsService {
        invoked_by: "kms.amazonaws.com".into(),
    };
    let (mut ev, _) = c.base(identity);
    let (r, account, region) = (&mut *c.r, c.account, c.region);
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
    ev
}

fn list_buckets(c: &mut Ctx) -> CtEvent {
    let identity = Identity::Root {
        access_key: format!("ASIA{}", upper_alnum(c.r, 16)),
        created_ms: c.now - 600_000,
    };
    let (mut ev, _) = c.base(identity);
    ev.source = "s3.amazonaws.com";
    ev.name = "ListBuckets";
    ev.user_agent = "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488]".into();
    ev.request_id = Some(upper_alnum(c.r, 16));
    ev.tls = Some((
        "TLSv1.2",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "s3.amazonaws.com".into(),
    ));
    ev.request_parameters = json!({"Host": "s3.amazonaws.com"});
    ev.console_session = true;
    ev
}

fn create_access_key(c: &mut Ctx) -> CtEvent {
    let (identity, user) = c.iam_user();
    let (mut ev, (tls_version, cipher)) = c.base(identity);
    ev.source = "iam.amazonaws.com";
    ev.name = "CreateAccessKey";
    ev.read_only = Some(false);
    ev.tls = Some((tls_version, cipher, "iam.amazonaws.com".into()));
    ev.request_parameters = json!({"userName": user});
    ev.response_elements = json!({"accessKey": {"userName": user, "accessKeyId": format!("AKIA{}", upper_alnum(c.r, 16)), "status": "Active", "createDate": "Mar 1, 2026, 12:00:00 AM"}});
    ev
}
