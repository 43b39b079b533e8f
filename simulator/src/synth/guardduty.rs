//! GuardDuty findings exported to S3: gzip JSON Lines, schemaVersion "2.0",
//! several resource types, and updates of earlier findings (same id, later
//! `updatedAt`, higher `service.count`) in later objects.

use std::collections::HashSet;
use std::io::{self, Write};
use std::rc::Rc;

use rand::Rng;
use serde_json::{json, Value};

use super::keys::{five_minute_floor, guardduty_key, Utc};
use super::manifest::ExpectedRecord;
use super::rng::{self, chance, hex, pick, upper_alnum, Clock, SimRng};
use super::{GenOptions, LogGen, Rngs};
use crate::tables::{format_datetime_ms, AwsGuardDuty, TableRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Res {
    Instance,
    AccessKey,
    S3Bucket,
    EksCluster,
    KubernetesCluster,
    RdsDbInstance,
    Lambda,
    EcsCluster,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    NetworkConnection,
    PortProbe,
    DnsRequest,
    AwsApiCall,
    KubernetesApiCall,
    RdsLoginAttempt,
    Runtime,
    Sequence,
}

struct Template {
    ty: &'static str,
    res: Res,
    act: Act,
    severity: f64,
    feature: &'static str,
    title: &'static str,
    description: &'static str,
}

const fn t(
    ty: &'static str,
    res: Res,
    act: Act,
    severity: f64,
    feature: &'static str,
    title: &'static str,
    description: &'static str,
) -> Template {
    Template {
        ty,
        res,
        act,
        severity,
        feature,
        title,
        description,
    }
}

/// Finding types; `{r}` is replaced by the affected resource's name.
const TEMPLATES: &[Template] = &[
    t("Recon:EC2/PortProbeUnprotectedPort", Res::Instance, Act::PortProbe, 2.0, "FlowLogs", "Unprotected port on EC2 instance {r} is being probed.", "EC2 instance {r} has an unprotected port which is being probed by a known malicious host."),
    t("UnauthorizedAccess:EC2/SSHBruteForce", Res::Instance, Act::NetworkConnection, 2.0, "FlowLogs", "SSH brute force attacks against {r}.", "203.0.113.10 is performing SSH brute force attacks against {r}. Brute force attacks are used to gain unauthorized access to your instance by guessing the SSH password."),
    t("Trojan:EC2/BlackholeTraffic!DNS", Res::Instance, Act::DnsRequest, 8.0, "DnsLogs", "EC2 instance {r} is querying a domain name that is being redirected to a black hole IP address.", "EC2 instance {r} is querying a domain name that is being redirected to a black hole IP address, which may indicate the instance is compromised."),
    t("CryptoCurrency:EC2/BitcoinTool.B!DNS", Res::Instance, Act::DnsRequest, 8.0, "DnsLogs", "EC2 instance {r} is querying a domain name that is associated with Bitcoin-related activity.", "EC2 instance {r} is querying a domain name that is associated with Bitcoin-related activity. Unless you use this instance to mine or manage cryptocurrency, it may be compromised."),
    t("Backdoor:EC2/C&CActivity.B", Res::Instance, Act::NetworkConnection, 8.0, "FlowLogs", "Command and Control server IP address queried by {r}.", "EC2 instance {r} is communicating with a command & control server; this may indicate a compromised instance."),
    t("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", Res::AccessKey, Act::AwsApiCall, 8.0, "CloudTrail", "Credentials for instance role {r} used from external IP address.", "Credentials created exclusively for an EC2 instance using instance role {r} have been used from external IP address 198.51.100.23."),
    t("Discovery:IAMUser/AnomalousBehavior", Res::AccessKey, Act::AwsApiCall, 5.3, "CloudTrail", "The user {r} is calling APIs commonly used in discovery tactics.", "APIs commonly used in Discovery tactics were invoked by user {r} under unusual circumstances. Such activity is not typically seen from this user."),
    t("Policy:IAMUser/RootCredentialUsage", Res::AccessKey, Act::AwsApiCall, 2.0, "CloudTrail", "API DescribeInstances was invoked using root credentials.", "API DescribeInstances was invoked using root credentials from IP address 192.0.2.44."),
    t("PenTest:IAMUser/KaliLinux", Res::AccessKey, Act::AwsApiCall, 5.0, "CloudTrail", "API ListBuckets was invoked from a Kali Linux computer.", "API ListBuckets was invoked by {r} from a Kali Linux computer, a common penetration testing tool."),
    t("Policy:S3/BucketBlockPublicAccessDisabled", Res::S3Bucket, Act::AwsApiCall, 2.0, "S3DataEvents", "Amazon S3 Block Public Access was disabled for S3 bucket {r}.", "Amazon S3 Block Public Access was disabled for S3 bucket {r} by user ops-admin. If this behavior is not expected, it may indicate a configuration mistake or that your credentials are compromised."),
    t("Exfiltration:S3/AnomalousBehavior", Res::S3Bucket, Act::AwsApiCall, 8.0, "S3DataEvents", "Anomalous S3 data access on bucket {r}.", "An IAM entity invoked S3 APIs (GetObject) in a suspicious way on bucket {r}: an unusually large number of objects were read."),
    t("Discovery:S3/MaliciousIPCaller", Res::S3Bucket, Act::AwsApiCall, 5.0, "S3DataEvents", "S3 API ListObjects was invoked from a known malicious IP address on bucket {r}.", "An API commonly used to discover data in S3 was invoked on bucket {r} from IP address 203.0.113.77, which is on a custom threat list."),
    t("Execution:Kubernetes/ExecInKubeSystemPod", Res::EksCluster, Act::KubernetesApiCall, 5.0, "EksAuditLogs", "A command was executed inside a pod in the kube-system namespace of EKS cluster {r}.", "A command was executed inside a pod in the kube-system namespace on EKS cluster {r}."),
    t("Policy:Kubernetes/AnonymousAccessGranted", Res::EksCluster, Act::KubernetesApiCall, 8.0, "EksAuditLogs", "The system:anonymous user was granted API permissions on EKS cluster {r}.", "A RoleBinding or ClusterRoleBinding granted the system:anonymous user permissions on EKS cluster {r}."),
    t("AttackSequence:EKS/CompromisedCluster", Res::KubernetesCluster, Act::Sequence, 9.5, "EksAuditLogs", "Potential cluster compromise indicated by a sequence of actions on EKS cluster {r}.", "A sequence of actions involving 14 signals indicating a possible compromise of EKS cluster {r}."),
    t("CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin", Res::RdsDbInstance, Act::RdsLoginAttempt, 7.5, "RdsLoginEvents", "Unusual successful login to database {r}.", "A user successfully logged in to RDS database {r} in an anomalous way."),
    t("CredentialAccess:RDS/MaliciousIPCaller.FailedLogin", Res::RdsDbInstance, Act::RdsLoginAttempt, 5.0, "RdsLoginEvents", "Failed logins to database {r} from a known malicious IP address.", "An IP address on a threat list made unsuccessful login attempts to RDS database {r}."),
    t("Backdoor:Lambda/C&CActivity.B", Res::Lambda, Act::NetworkConnection, 8.0, "LambdaNetworkLogs", "Lambda function {r} queried an IP address associated with a command and control server.", "Lambda function {r} is communicating with an IP address associated with a known command and control server."),
    t("CryptoCurrency:Lambda/BitcoinTool.B", Res::Lambda, Act::NetworkConnection, 8.0, "LambdaNetworkLogs", "Lambda function {r} queried an IP address that is associated with Bitcoin-related activity.", "Lambda function {r} is communicating with an IP address associated with cryptocurrency-related activity."),
    t("Execution:Runtime/NewBinaryExecuted", Res::EcsCluster, Act::Runtime, 5.5, "RuntimeMonitoring", "A newly created or recently modified binary file was executed in ECS cluster {r}.", "A newly created or recently modified binary file was executed in a task of ECS cluster {r}."),
];

/// Geo/organization data for remote IPs (fixed, realistic values).
const REMOTES: &[(&str, &str, &str, &str, &str, f64, f64)] = &[
    (
        "14061",
        "DIGITALOCEAN-ASN",
        "DigitalOcean",
        "Netherlands",
        "Amsterdam",
        52.3759,
        4.8975,
    ),
    (
        "16276", "OVH SAS", "OVH SAS", "France", "Roubaix", 50.6942, 3.1746,
    ),
    (
        "4134",
        "Chinanet",
        "China Telecom",
        "China",
        "Beijing",
        39.9075,
        116.3972,
    ),
    (
        "9009",
        "M247 Europe SRL",
        "M247",
        "Romania",
        "Bucharest",
        44.4323,
        26.1063,
    ),
    (
        "208843",
        "Alpha Strike Labs GmbH",
        "Alpha Strike Labs",
        "Germany",
        "Berlin",
        52.5244,
        13.4105,
    ),
];

/// One finding (a later update shares `id` with the original).
#[derive(Debug, Clone)]
pub struct Finding {
    template: usize,
    id: String,
    /// What every version of the finding shares.
    base: Rc<FindingBase>,
    resource_role: &'static str,
    created_ms: i64,
    updated_ms: i64,
    first_seen_ms: i64,
    count: u64,
    /// The `service` object of this version.
    service: Rc<Value>,
}

#[derive(Debug)]
struct FindingBase {
    resource_name: String,
    resource: Value,
    action: Option<Value>,
    runtime: Option<Value>,
    evidence: Value,
    additional_info: Value,
}

/// A finding as exported (borrowing the model; keys in GuardDuty's order,
/// except that RDS findings carry `createdAt` before `severity`, as in real
/// exports: parsers must not rely on key order).
#[allow(non_snake_case)]
#[derive(serde::Serialize)]
struct FindingJson<'a> {
    schemaVersion: &'static str,
    accountId: &'a str,
    region: &'a str,
    partition: &'static str,
    id: &'a str,
    arn: &'a str,
    r#type: &'static str,
    resource: &'a Value,
    service: &'a Value,
    #[serde(rename = "createdAt", skip_serializing_if = "Option::is_none")]
    createdAtFirst: Option<String>,
    severity: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    createdAt: Option<String>,
    updatedAt: String,
    title: String,
    description: String,
}

/// Findings an update may pick from: the most recently exported ones.
const UPDATABLE: usize = 4096;

/// GuardDuty generator.
pub struct GuardDutyGen {
    account: String,
    region: String,
    detector_id: String,
    rngs: Rngs,
    clock: Clock,
    pending: Option<Finding>,
    /// Latest version of the (at most [`UPDATABLE`]) most recent findings in an already
    /// written object: the findings an update may pick.
    exported: Vec<Finding>,
    /// The slot of `exported` the next new finding takes once it is full.
    next_evicted: usize,
    exported_ids: HashSet<String>,
    /// Ids updated in the object being built (and the pending record).
    in_object: HashSet<String>,
}

fn remote_ip(r: &mut SimRng) -> Value {
    let (asn, asn_org, isp, country, city, lat, lon) = *pick(r, REMOTES);
    json!({
        "ipAddressV4": format!("{}.{}.{}.{}", pick(r, &[45u8, 89, 103, 185, 194, 198]), r.random_range(0..256), r.random_range(0..256), r.random_range(1..255)),
        "organization": {"asn": asn, "asnOrg": asn_org, "isp": isp, "org": isp},
        "country": {"countryName": country},
        "city": {"cityName": city},
        "geoLocation": {"lat": lat, "lon": lon},
    })
}

fn epoch_float(ms: i64) -> Value {
    // Seconds with milliseconds, as GuardDuty writes inside some sub-objects.
    json!(ms as f64 / 1000.0)
}

impl GuardDutyGen {
    pub fn new(opts: &GenOptions) -> Self {
        let mut rngs = Rngs::new(opts);
        let detector_id = hex(&mut rngs.names, 32);
        GuardDutyGen {
            account: opts.account_id.clone(),
            region: opts.region.clone(),
            detector_id,
            clock: Clock::new(opts.start_ms, opts.rate()),
            rngs,
            pending: None,
            exported: Vec::new(),
            next_evicted: 0,
            exported_ids: HashSet::new(),
            in_object: HashSet::new(),
        }
    }

    fn take(&mut self) -> Finding {
        if let Some(f) = self.pending.take() {
            return f;
        }
        let now = self.clock.tick(&mut self.rngs.records);
        if !self.exported.is_empty() && chance(&mut self.rngs.records, 25) {
            let r = &mut self.rngs.records;
            let ix = r.random_range(0..self.exported.len());
            let bump = r.random_range(1..20);
            let f = &mut self.exported[ix];
            // At most one version of a finding per object.
            if self.in_object.insert(f.id.clone()) {
                f.updated_ms = now;
                f.count += bump;
                f.service = Rc::new(service_json(&self.detector_id, f));
                return f.clone();
            }
        }
        // A new id cannot be updated before its object is written, so only
        // updated ids need tracking (this keeps the large object's memory flat).
        let mut f = self.new_finding(now);
        f.service = Rc::new(service_json(&self.detector_id, &f));
        f
    }

    fn new_finding(&mut self, now: i64) -> Finding {
        let (account, region) = (self.account.clone(), self.region.clone());
        let r = &mut self.rngs.records;
        let template = r.random_range(0..TEMPLATES.len());
        let tpl = &TEMPLATES[template];
        let az = format!("{region}{}", pick(r, &["a", "b", "c"]));
        let vpc = format!("vpc-{}", hex(r, 17));
        let subnet = format!("subnet-{}", hex(r, 17));
        let private_ip = format!("10.0.{}.{}", r.random_range(0..64), r.random_range(4..250));
        let launch_ms = now - r.random_range(3_600_000..90 * 86_400_000i64);
        let principal = format!("AIDA{}", upper_alnum(r, 17));
        let (resource_name, resource) = match tpl.res {
            Res::Instance => {
                let id = format!("i-{}", hex(r, 17));
                let v = json!({
                    "instanceDetails": {
                        "availabilityZone": az,
                        "iamInstanceProfile": {"arn": format!("arn:aws:iam::{account}:instance-profile/web-server"), "id": format!("AIPA{}", upper_alnum(r, 17))},
                        "imageDescription": "Amazon Linux 2023 AMI",
                        "imageId": format!("ami-{}", hex(r, 17)),
                        "instanceId": id,
                        "instanceState": "running",
                        "instanceType": *pick(r, &["t3.micro", "m6i.large", "c7g.xlarge"]),
                        "outpostArn": null,
                        "launchTime": Utc::from_ms(launch_ms).iso_millis(),
                        "networkInterfaces": [{
                            "ipv6Addresses": [],
                            "networkInterfaceId": format!("eni-{}", hex(r, 17)),
                            "privateDnsName": format!("ip-{}.ec2.internal", private_ip.replace('.', "-")),
                            "privateIpAddress": private_ip,
                            "privateIpAddresses": [{"privateDnsName": format!("ip-{}.ec2.internal", private_ip.replace('.', "-")), "privateIpAddress": private_ip}],
                            "publicDnsName": "",
                            "publicIp": format!("54.{}.{}.{}", r.random_range(0..256), r.random_range(0..256), r.random_range(1..255)),
                            "securityGroups": [{"groupId": format!("sg-{}", hex(r, 17)), "groupName": "web-sg"}],
                            "subnetId": subnet,
                            "vpcId": vpc,
                        }],
                        "platform": null,
                        "productCodes": [],
                        "tags": [{"key": "Name", "value": *pick(r, &["web-1", "bastion", "build-agent"])}, {"key": "env", "value": "prod"}],
                    },
                    "resourceType": "Instance",
                });
                (id, v)
            }
            Res::AccessKey => {
                let user = pick(r, &["alice", "ci-deployer", "ops-admin", "Root"]).to_string();
                let v = json!({
                    "accessKeyDetails": {
                        "accessKeyId": format!("{}{}", pick(r, &["AKIA", "ASIA"]), upper_alnum(r, 16)),
                        "principalId": principal,
                        "userName": user,
                        "userType": if user == "Root" { "Root" } else { "IAMUser" },
                    },
                    "resourceType": "AccessKey",
                });
                (user, v)
            }
            Res::S3Bucket => {
                let name = format!(
                    "{}-{}",
                    pick(r, &["customer-data", "backups", "analytics-raw"]),
                    hex(r, 6)
                );
                let v = json!({
                    "accessKeyDetails": {"accessKeyId": format!("ASIA{}", upper_alnum(r, 16)), "principalId": format!("AROA{}:ops-admin", upper_alnum(r, 17)), "userName": "ops-admin", "userType": "AssumedRole"},
                    "s3BucketDetails": [{
                        "arn": format!("arn:aws:s3:::{name}"),
                        "name": name,
                        "type": "Destination",
                        "createdAt": epoch_float(launch_ms),
                        "owner": {"id": hex(r, 64)},
                        "tags": [],
                        "defaultServerSideEncryption": {"encryptionType": "AES256", "kmsMasterKeyArn": null},
                        "publicAccess": {
                            "permissionConfiguration": {
                                "bucketLevelPermissions": {"blockPublicAccess": {"ignorePublicAcls": false, "restrictPublicBuckets": false, "blockPublicAcls": false, "blockPublicPolicy": false}},
                                "accountLevelPermissions": {"blockPublicAccess": {"ignorePublicAcls": true, "restrictPublicBuckets": true, "blockPublicAcls": true, "blockPublicPolicy": true}},
                            },
                            "effectivePermission": "NOT_PUBLIC",
                        },
                    }],
                    "resourceType": "S3Bucket",
                });
                (name, v)
            }
            Res::EksCluster | Res::KubernetesCluster => {
                let name = pick(r, &["prod-eks", "staging-eks"]).to_string();
                let v = json!({
                    "eksClusterDetails": {
                        "name": name,
                        "arn": format!("arn:aws:eks:{region}:{account}:cluster/{name}"),
                        "vpcId": vpc,
                        "status": "ACTIVE",
                        "tags": [],
                        "createdAt": epoch_float(launch_ms),
                    },
                    "kubernetesDetails": {
                        "kubernetesUserDetails": {"username": *pick(r, &["kubernetes-admin", "system:anonymous", "arn:aws:sts::123456789012:assumed-role/eks-admin/dev"]), "uid": rng::uuid(r), "groups": ["system:masters", "system:authenticated"]},
                        "kubernetesWorkloadDetails": if chance(r, 50) { Value::Null } else { json!({"name": "coredns-5d78c9869d-abcde", "type": "pods", "uid": rng::uuid(r), "namespace": "kube-system", "containers": [{"name": "coredns", "image": "602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/coredns:v1.11.1"}]}) },
                    },
                    "resourceType": if tpl.res == Res::EksCluster { "EKSCluster" } else { "KubernetesCluster" },
                });
                (name, v)
            }
            Res::RdsDbInstance => {
                let name = format!("orders-db-{}", r.random_range(1..4));
                let v = json!({
                    "rdsDbInstanceDetails": {
                        "dbInstanceIdentifier": name,
                        "engine": "aurora-postgresql",
                        "engineVersion": "15.4",
                        "dbClusterIdentifier": "orders-cluster",
                        "dbInstanceArn": format!("arn:aws:rds:{region}:{account}:db:{name}"),
                        "tags": [],
                    },
                    "rdsDbUserDetails": {"user": *pick(r, &["admin", "app", "postgres"]), "application": "psql", "database": "orders", "ssl": "true", "authMethod": "PASSWORD"},
                    "resourceType": "RDSDBInstance",
                });
                (name, v)
            }
            Res::Lambda => {
                let name = pick(r, &["orders-api", "image-resizer", "nightly-report"]).to_string();
                let v = json!({
                    "lambdaDetails": {
                        "functionArn": format!("arn:aws:lambda:{region}:{account}:function:{name}"),
                        "functionName": name,
                        "description": "",
                        "lastModifiedAt": epoch_float(launch_ms),
                        "revisionId": rng::uuid(r),
                        "functionVersion": "$LATEST",
                        "role": format!("arn:aws:iam::{account}:role/{name}-role"),
                        "vpcConfig": {"subnetIds": [subnet], "vpcId": vpc, "securityGroups": [{"groupId": format!("sg-{}", hex(r, 17)), "groupName": "lambda-sg"}]},
                        "tags": [{"key": "team", "value": "orders"}],
                    },
                    "resourceType": "Lambda",
                });
                (name, v)
            }
            Res::EcsCluster => {
                let name = "prod-web".to_string();
                let task = hex(r, 32);
                let v = json!({
                    "ecsClusterDetails": {
                        "name": name,
                        "arn": format!("arn:aws:ecs:{region}:{account}:cluster/{name}"),
                        "status": "ACTIVE",
                        "activeServicesCount": r.random_range(1..10),
                        "registeredContainerInstancesCount": 0,
                        "runningTasksCount": r.random_range(1..40),
                        "tags": [],
                        "taskDetails": {
                            "arn": format!("arn:aws:ecs:{region}:{account}:task/{name}/{task}"),
                            "definitionArn": format!("arn:aws:ecs:{region}:{account}:task-definition/web:{}", r.random_range(1..50)),
                            "version": "3",
                            "startedAt": epoch_float(launch_ms),
                            "containers": [{"containerRuntime": "containerd", "id": format!("{task}-{}", r.random_range(1_000_000_000u64..9_999_999_999)), "name": "web", "image": format!("{account}.dkr.ecr.{region}.amazonaws.com/web:1.4.2")}],
                        },
                    },
                    "resourceType": "ECSCluster",
                });
                (name, v)
            }
        };
        let action = match tpl.act {
            Act::NetworkConnection => Some(json!({
                "actionType": "NETWORK_CONNECTION",
                "networkConnectionAction": {
                    "connectionDirection": if tpl.ty.contains("SSHBruteForce") { "INBOUND" } else { "OUTBOUND" },
                    "blocked": false,
                    "localIpDetails": {"ipAddressV4": private_ip},
                    "localPortDetails": {"port": r.random_range(32768..61000), "portName": "Unknown"},
                    "protocol": "TCP",
                    "remoteIpDetails": remote_ip(r),
                    "remotePortDetails": {"port": *pick(r, &[22, 443, 4444, 3333]), "portName": "Unknown"},
                },
            })),
            Act::PortProbe => {
                let details: Vec<Value> = (0..r.random_range(1..4))
                    .map(|_| {
                        let (port, name) = *pick(r, &[(22, "SSH"), (3389, "RDP"), (445, "SMB"), (3306, "MYSQL")]);
                        json!({"localPortDetails": {"port": port, "portName": name}, "localIpDetails": {"ipAddressV4": private_ip}, "remoteIpDetails": remote_ip(r)})
                    })
                    .collect();
                Some(
                    json!({"actionType": "PORT_PROBE", "portProbeAction": {"blocked": false, "portProbeDetails": details}}),
                )
            }
            Act::DnsRequest => Some(json!({
                "actionType": "DNS_REQUEST",
                "dnsRequestAction": {"domain": *pick(r, &["pool.minexmr.example", "blackhole.guarddutyc2activityb.com", "xmr.pool.example.org"]), "protocol": "UDP", "blocked": false},
            })),
            Act::AwsApiCall => {
                let mut call = json!({
                    "api": *pick(r, &["ListBuckets", "GetObject", "DescribeInstances", "PutBucketPublicAccessBlock", "ListUsers"]),
                    "serviceName": *pick(r, &["s3.amazonaws.com", "ec2.amazonaws.com", "iam.amazonaws.com"]),
                    "callerType": "Remote IP",
                    "remoteIpDetails": remote_ip(r),
                    "affectedResources": {},
                });
                if chance(r, 30) {
                    call.as_object_mut()
                        .expect("object")
                        .insert("errorCode".into(), "AccessDenied".into());
                }
                Some(json!({"actionType": "AWS_API_CALL", "awsApiCallAction": call}))
            }
            Act::KubernetesApiCall => Some(json!({
                "actionType": "KUBERNETES_API_CALL",
                "kubernetesApiCallAction": {
                    "requestUri": "/api/v1/namespaces/kube-system/pods/coredns-5d78c9869d-abcde/exec?command=sh&stdin=true&tty=true",
                    "verb": *pick(r, &["create", "get", "list"]),
                    "sourceIps": [format!("198.51.100.{}", r.random_range(1..255))],
                    "userAgent": "kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819",
                    "remoteIpDetails": remote_ip(r),
                    "statusCode": *pick(r, &[101, 200, 403]),
                    "parameters": "{\"command\":[\"sh\"]}",
                },
            })),
            Act::RdsLoginAttempt => Some(json!({
                "actionType": "RDS_LOGIN_ATTEMPT",
                "rdsLoginAttemptAction": {
                    "remoteIpDetails": remote_ip(r),
                    "loginAttributes": [{"user": "admin", "application": "psql", "failedLoginAttempts": r.random_range(0..300), "successfulLoginAttempts": r.random_range(0..3)}],
                },
            })),
            Act::Runtime | Act::Sequence => None,
        };
        let runtime = (tpl.act == Act::Runtime).then(|| {
            json!({
                "process": {
                    "name": "xmrig",
                    "executablePath": "/tmp/.x/xmrig",
                    "executableSha256": hex(r, 64),
                    "pid": r.random_range(100..60000),
                    "startTime": epoch_float(now - 30_000),
                    "uid": 0,
                    "user": "root",
                    "lineage": [{"name": "sh", "pid": r.random_range(100..60000), "executablePath": "/bin/sh"}],
                },
                "context": {},
            })
        });
        let evidence = if chance(r, 40) {
            json!({"threatIntelligenceDetails": [{"threatListName": *pick(r, &["ProofPoint", "CrowdStrike", "Amazon"]), "threatNames": []}]})
        } else {
            Value::Null
        };
        let additional_info = json!({
            "value": json!({"threatListName": "GeneratedFindingThreatListName", "unusual": {"hoursOfDay": [r.random_range(0..24)]}}).to_string(),
            "type": "default",
        });
        Finding {
            template,
            id: hex(r, 32),
            base: Rc::new(FindingBase {
                resource_name,
                resource,
                action,
                runtime,
                evidence,
                additional_info,
            }),
            resource_role: if tpl.ty.starts_with("Recon") || tpl.ty.contains("SSHBruteForce") {
                "TARGET"
            } else {
                "ACTOR"
            },
            created_ms: now,
            updated_ms: now,
            first_seen_ms: now - r.random_range(0..600_000),
            count: 1,
            service: Rc::new(Value::Null),
        }
    }

    fn arn(&self, f: &Finding) -> String {
        format!(
            "arn:aws:guardduty:{}:{}:detector/{}/finding/{}",
            self.region, self.account, self.detector_id, f.id
        )
    }

    fn text(tpl: &str, f: &Finding) -> String {
        tpl.replace("{r}", &f.base.resource_name)
    }

    fn severity_json(sev: f64) -> Value {
        if sev.fract() == 0.0 {
            json!(sev as i64)
        } else {
            json!(sev)
        }
    }

    /// The finding as GuardDuty exports it.
    fn to_json<'a>(&'a self, f: &'a Finding, arn: &'a str, severity: &'a Value) -> FindingJson<'a> {
        let tpl = &TEMPLATES[f.template];
        let rds = tpl.res == Res::RdsDbInstance;
        FindingJson {
            schemaVersion: "2.0",
            accountId: &self.account,
            region: &self.region,
            partition: "aws",
            id: &f.id,
            arn,
            r#type: tpl.ty,
            resource: &f.base.resource,
            service: &f.service,
            severity,
            createdAtFirst: rds.then(|| Utc::from_ms(f.created_ms).iso_millis()),
            createdAt: (!rds).then(|| Utc::from_ms(f.created_ms).iso_millis()),
            updatedAt: Utc::from_ms(f.updated_ms).iso_millis(),
            title: Self::text(tpl.title, f),
            description: Self::text(tpl.description, f),
        }
    }

    fn row(&self, f: &Finding) -> AwsGuardDuty {
        let tpl = &TEMPLATES[f.template];
        AwsGuardDuty {
            TimeGenerated: format_datetime_ms(f.updated_ms),
            AccountId: self.account.clone(),
            ActivityType: tpl.ty.into(),
            Arn: self.arn(f),
            Description: Self::text(tpl.description, f),
            Id: f.id.clone(),
            Partition: "aws".into(),
            Region: self.region.clone(),
            ResourceDetails: f.base.resource.clone(),
            SchemaVersion: "2.0".into(),
            ServiceDetails: (*f.service).clone(),
            Severity: tpl.severity.trunc() as i32,
            TimeCreated: format_datetime_ms(f.created_ms),
            Title: Self::text(tpl.title, f),
        }
    }
}

/// The `service` object of a finding version.
fn service_json(detector_id: &str, f: &Finding) -> Value {
    let mut s = serde_json::Map::new();
    s.insert("serviceName".into(), "guardduty".into());
    s.insert("detectorId".into(), detector_id.into());
    if let Some(a) = &f.base.action {
        s.insert("action".into(), a.clone());
    }
    s.insert("resourceRole".into(), f.resource_role.into());
    s.insert("additionalInfo".into(), f.base.additional_info.clone());
    s.insert("evidence".into(), f.base.evidence.clone());
    s.insert(
        "eventFirstSeen".into(),
        Utc::from_ms(f.first_seen_ms).iso_millis().into(),
    );
    s.insert(
        "eventLastSeen".into(),
        Utc::from_ms(f.updated_ms).iso_millis().into(),
    );
    s.insert("archived".into(), false.into());
    s.insert("count".into(), f.count.into());
    s.insert("featureName".into(), TEMPLATES[f.template].feature.into());
    if let Some(rt) = &f.base.runtime {
        s.insert("runtimeDetails".into(), rt.clone());
    }
    Value::Object(s)
}

impl LogGen for GuardDutyGen {
    type Record = Finding;

    fn next_object(&mut self, max: u64) -> (String, Vec<Finding>) {
        self.in_object.clear();
        if let Some(p) = &self.pending {
            self.in_object.insert(p.id.clone());
        }
        let first = self.take();
        let window = five_minute_floor(first.updated_ms);
        let mut records = vec![first];
        while (records.len() as u64) < max {
            let f = self.take();
            if five_minute_floor(f.updated_ms) != window {
                self.pending = Some(f);
                break;
            }
            records.push(f);
        }
        // Exported a little after the window closes.
        let export = window + 300_000 + self.rngs.names.random_range(10_000..120_000);
        let uuid = rng::uuid(&mut self.rngs.names);
        // New findings become updatable once exported (updates already
        // changed `exported` in place).
        for f in &records {
            if self.exported_ids.insert(f.id.clone()) {
                if self.exported.len() < UPDATABLE {
                    self.exported.push(f.clone());
                } else {
                    // The oldest finding leaves the pool: memory stays flat however many
                    // records a run has.
                    let slot = self.next_evicted % UPDATABLE;
                    self.next_evicted += 1;
                    let old = std::mem::replace(&mut self.exported[slot], f.clone());
                    self.exported_ids.remove(&old.id);
                }
            }
        }
        (
            guardduty_key(&self.account, &self.region, export, &uuid),
            records,
        )
    }

    fn next_record(&mut self) -> Finding {
        self.take()
    }

    fn write_record(&self, w: &mut dyn Write, rec: &Finding, _position: u64) -> io::Result<u64> {
        let arn = self.arn(rec);
        let severity = Self::severity_json(TEMPLATES[rec.template].severity);
        serde_json::to_writer(&mut *w, &self.to_json(rec, &arn, &severity))?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn write_malformed(&self, w: &mut dyn Write, which: u64, _position: u64) -> io::Result<u64> {
        let line = match which % 5 {
            0 => format!(
                "{{\"schemaVersion\":\"2.0\",\"accountId\":\"{}",
                self.account
            ),
            1 => "not json at all".to_string(),
            // Seen at the end of a real export fixture; not a finding.
            2 => "{\"findings\":[]}".to_string(),
            3 => "\"a JSON string, not a finding\"".to_string(),
            _ => "{\"schemaVersion\":\"2.0\",\"id\":}".to_string(),
        };
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn expected(&self, rec: &Finding, _key: &str, index: u64, line: Option<u64>) -> ExpectedRecord {
        let row = self.row(rec);
        ExpectedRecord {
            id: format!("{}@{}", rec.id, Utc::from_ms(rec.updated_ms).iso_millis()),
            index,
            line,
            time_generated: row.TimeGenerated.clone(),
            expected: TableRow::new(row),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::keys::patterns;
    use super::super::manifest::Content;
    use super::super::testutil::*;
    use super::super::{BadDataKind, GenOptions};
    use super::*;
    use catalogue::DataType;
    use regex::Regex;
    use std::collections::HashMap;

    /// Independent mapping of an exported finding to the table row.
    fn to_row(v: &Value) -> AwsGuardDuty {
        let s = |k: &str| v[k].as_str().unwrap().to_string();
        let dt = |k: &str| {
            format_datetime_ms(crate::tables::parse_datetime_ms(v[k].as_str().unwrap()).unwrap())
        };
        AwsGuardDuty {
            TimeGenerated: dt("updatedAt"),
            AccountId: s("accountId"),
            ActivityType: s("type"),
            Arn: s("arn"),
            Description: s("description"),
            Id: s("id"),
            Partition: s("partition"),
            Region: s("region"),
            ResourceDetails: v["resource"].clone(),
            SchemaVersion: s("schemaVersion"),
            ServiceDetails: v["service"].clone(),
            Severity: v["severity"].as_f64().unwrap() as i32,
            TimeCreated: dt("createdAt"),
            Title: s("title"),
        }
    }

    #[test]
    fn the_pool_of_updatable_findings_stays_bounded() {
        let opts = GenOptions::new(DataType::GuardDuty, 7000, 6);
        let mut g = GuardDutyGen::new(&opts);
        let mut versions = std::collections::HashSet::new();
        let mut updates = 0;
        let mut produced = 0;
        while produced < 7000 {
            let (_, records) = g.next_object(50);
            produced += records.len();
            for f in &records {
                assert!(versions.insert((f.id.clone(), f.updated_ms)), "{}", f.id);
                updates += usize::from(f.count > 1);
            }
            assert!(g.exported.len() <= UPDATABLE);
            assert_eq!(g.exported_ids.len(), g.exported.len());
        }
        assert_eq!(g.exported.len(), UPDATABLE, "the pool filled up");
        assert!(updates > 0, "findings are still updated");
    }

    #[test]
    fn objects_read_back_equal_manifest() {
        let out = run(&GenOptions::new(DataType::GuardDuty, 2000, 6));
        let re = Regex::new(patterns::GUARDDUTY).unwrap();
        // ThreatPurpose:ResourceType/Family.Mechanism!Artifact
        let re_type =
            Regex::new(r"^[A-Za-z]+:[A-Za-z0-9]+/[A-Za-z0-9&]+(\.[A-Za-z0-9]+)*(![A-Za-z]+)?$")
                .unwrap();
        let mut total = 0;
        let mut resource_types = HashSet::new();
        let mut actions = HashSet::new();
        // finding id -> (object ordinal, updatedAt, count) of each version.
        let mut versions: HashMap<String, Vec<(usize, String, u64)>> = HashMap::new();
        for (ordinal, e) in out.entries().enumerate() {
            assert!(re.is_match(&e.key), "{}", e.key);
            let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len() as u64, e.record_count);
            for (line, exp) in lines.iter().zip(&e.records) {
                let v: Value = serde_json::from_str(line).unwrap();
                assert_eq!(TableRow::new(to_row(&v)), exp.expected);
                assert_eq!(v["schemaVersion"], "2.0");
                // Key order varies: RDS findings put createdAt before severity.
                let created = line.find("\"createdAt\":\"").unwrap();
                let severity = line.find("\"severity\":").unwrap();
                assert_eq!(
                    created < severity,
                    v["resource"]["resourceType"] == "RDSDBInstance"
                );
                let ty = v["type"].as_str().unwrap();
                assert!(re_type.is_match(ty), "{ty}");
                assert!(v["updatedAt"].as_str().unwrap().len() == 24);
                resource_types.insert(v["resource"]["resourceType"].as_str().unwrap().to_string());
                if let Some(a) = v["service"]["action"]["actionType"].as_str() {
                    actions.insert(a.to_string());
                }
                versions
                    .entry(v["id"].as_str().unwrap().into())
                    .or_default()
                    .push((
                        ordinal,
                        v["updatedAt"].as_str().unwrap().into(),
                        v["service"]["count"].as_u64().unwrap(),
                    ));
                total += 1;
            }
        }
        assert_eq!(total, 2000);
        assert!(resource_types.len() >= 8, "{resource_types:?}");
        assert!(actions.len() >= 6, "{actions:?}");
        let updated: Vec<_> = versions.values().filter(|v| v.len() > 1).collect();
        assert!(updated.len() > 10);
        for v in updated {
            for pair in v.windows(2) {
                assert!(pair[1].0 > pair[0].0, "update in a later object");
                assert!(pair[1].1 > pair[0].1, "later updatedAt");
                assert!(pair[1].2 > pair[0].2, "higher count");
            }
        }
    }

    #[test]
    fn malformed_lines_are_counted() {
        let mut o = GenOptions::new(DataType::GuardDuty, 30, 4);
        o.bad_data = vec![BadDataKind::MalformedLines];
        let out = run(&o);
        let e = out
            .entries()
            .find(|e| e.content == Content::Malformed)
            .unwrap();
        let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
        let mut good = 0;
        for (i, l) in text.lines().enumerate() {
            let ok = serde_json::from_str::<Value>(l).is_ok_and(|v| v.get("updatedAt").is_some());
            assert_eq!(ok, !e.malformed_lines.contains(&(i as u64 + 1)), "{l}");
            good += usize::from(ok);
        }
        assert_eq!(good as u64, e.record_count);
    }

    #[test]
    fn snapshot_tiny_object() {
        let out = run(&GenOptions::new(DataType::GuardDuty, 2, 42));
        let key = &out.order[0];
        let text = String::from_utf8(gunzip(&out.objects[key])).unwrap();
        let findings: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        insta::assert_json_snapshot!(json!({
            "key": key,
            "sha256": crate::synth::sha256_hex(&out.objects[key]),
            "findings": findings,
        }));
    }
}
