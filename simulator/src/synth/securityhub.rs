//! Security Hub findings as the Security Hub stack delivers them: an EventBridge rule for
//! `Security Hub Findings - Imported` events -> Firehose (DirectPut, GZIP,
//! `AppendDelimiterToRecord`) -> S3. Each line of an object is one EventBridge event
//! (`{"version":"0","id","detail-type","source":"aws.securityhub","account","time","region",
//! "resources","detail":{"findings":[...]}}`, "EventBridge event formats for Security Hub
//! CSPM"), each finding in the AWS Security Finding Format (ASFF). Objects are named as
//! Firehose names them under the stack's prefix:
//! `AWSLogs/<acct>/SecurityHubFindings/YYYY/MM/dd/HH/<stream>-1-YYYY-MM-dd-HH-mm-ss-<uuid>.gz`
//! ("Configure Amazon S3 object name format"), one object per buffer interval.
//!
//! A record here is one event (one line); each of its findings is a row. AWS documents one
//! finding per event; some events here carry two to four, so a reader that keeps only the
//! first (as Microsoft's DCR does) loses rows. Findings are Security Hub controls (with
//! `Compliance`), GuardDuty, Inspector (some with many `Resources`) and Macie findings (long
//! descriptions with unicode and escapes), some updated later with a changed workflow status
//! or archived; timestamps are written in each form ASFF allows (`Z`, 9 fractional digits,
//! `+HH:MM`, `-HHMM`).
//!
//! The oracle builds each expected row from the finding's model, not from its JSON.

use std::collections::VecDeque;
use std::io::{self, Write};

use rand::Rng;
use serde_json::{json, Map, Value};

use super::keys::Utc;
use super::manifest::ExpectedRecord;
use super::rng::{self, chance, hex, pick, weighted, Clock, SimRng};
use super::{GenOptions, LogGen, Rngs};
use crate::tables::{format_datetime_ms, AwsSecurityHubFindings, TableRow};

/// Firehose buffering interval: events arriving within it share an object.
pub const BUFFER_INTERVAL_MS: i64 = 60_000;

/// Findings kept for later updates.
const RECENT: usize = 512;

/// `AWSLogs/<acct>/SecurityHubFindings/YYYY/MM/dd/HH/<stream>-1-YYYY-MM-dd-HH-mm-ss-<uuid>.gz`
pub fn securityhub_key(account: &str, stream: &str, arrival_ms: i64, uuid: &str) -> String {
    let t = Utc::from_ms(arrival_ms);
    format!(
        "AWSLogs/{account}/SecurityHubFindings/{}/{:02}/{stream}-1-{:04}-{:02}-{:02}-{:02}-{:02}-{:02}-{uuid}.gz",
        t.date_path(),
        t.hour,
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second
    )
}

/// A timestamp as written, and the instant the table must hold (milliseconds).
#[derive(Debug, Clone, PartialEq)]
struct Stamp {
    ms: i64,
    text: String,
}

impl Stamp {
    /// `ms` written in one of the forms ASFF allows, picked at random.
    fn new(r: &mut SimRng, ms: i64) -> Stamp {
        match *weighted(r, &[(55, 0u8), (15, 1), (10, 2), (10, 3), (10, 4)]) {
            0 => Stamp {
                ms,
                text: Utc::from_ms(ms).iso_millis(),
            },
            1 => {
                // Whole seconds: the instant is the second.
                let ms = ms - ms.rem_euclid(1000);
                Stamp {
                    ms,
                    text: Utc::from_ms(ms).iso_seconds(),
                }
            }
            2 => {
                // Nine fractional digits: the table keeps the milliseconds.
                let t = Utc::from_ms(ms);
                let sub: u32 = r.random_range(0..1_000_000);
                Stamp {
                    ms,
                    text: format!("{}.{:03}{sub:06}Z", seconds_text(&t), t.milli),
                }
            }
            kind => {
                // An offset from UTC, with (`+HH:MM`) or without (`-HHMM`) its colon.
                let minutes: i64 = *pick(r, &[60, 330, 545, -300, -480, -210, 1079]);
                let t = Utc::from_ms(ms + minutes * 60_000);
                let sign = if minutes < 0 { '-' } else { '+' };
                let (h, m) = (minutes.abs() / 60, minutes.abs() % 60);
                let colon = if kind == 3 { ":" } else { "" };
                Stamp {
                    ms,
                    text: format!(
                        "{}.{:03}{sign}{h:02}{colon}{m:02}",
                        seconds_text(&t),
                        t.milli
                    ),
                }
            }
        }
    }

    fn canonical(&self) -> String {
        format_datetime_ms(self.ms)
    }
}

/// `YYYY-MM-DDTHH:MM:SS`
fn seconds_text(t: &Utc) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Product {
    Control,
    GuardDuty,
    Inspector,
    Macie,
}

#[derive(Debug, Clone)]
struct Compliance {
    status: &'static str,
    reasons: Option<Value>,
    control_id: String,
    parameters: Option<Value>,
    requirements: Option<Value>,
    standards: Value,
}

/// One finding, as the generator models it.
#[derive(Debug, Clone)]
struct Finding {
    product: Product,
    id: String,
    generator_id: String,
    types: Vec<String>,
    first: Stamp,
    last: Stamp,
    created: Stamp,
    updated: Stamp,
    processed: Option<Stamp>,
    severity: (&'static str, u32),
    title: String,
    description: String,
    remediation: Option<Value>,
    product_fields: Value,
    resources: Value,
    compliance: Option<Compliance>,
    /// `Workflow.Status`; `None`: the finding has only the older `WorkflowState`.
    workflow: Option<&'static str>,
    workflow_state: &'static str,
    record_state: &'static str,
}

impl Finding {
    fn product_name(&self) -> &'static str {
        match self.product {
            Product::Control => "Security Hub",
            Product::GuardDuty => "GuardDuty",
            Product::Inspector => "Inspector",
            Product::Macie => "Macie",
        }
    }

    fn product_arn(&self, region: &str) -> String {
        let p = match self.product {
            Product::Control => "securityhub",
            Product::GuardDuty => "guardduty",
            Product::Inspector => "inspector",
            Product::Macie => "macie",
        };
        format!("arn:aws:securityhub:{region}::product/aws/{p}")
    }

    /// The finding's ASFF JSON.
    fn json(&self, account: &str, region: &str) -> Value {
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        put("SchemaVersion", json!("2018-10-08"));
        put("Id", json!(self.id));
        put("ProductArn", json!(self.product_arn(region)));
        put("ProductName", json!(self.product_name()));
        put("CompanyName", json!("AWS"));
        put("Region", json!(region));
        put("GeneratorId", json!(self.generator_id));
        put("AwsAccountId", json!(account));
        put("Types", json!(self.types));
        put("FirstObservedAt", json!(self.first.text));
        put("LastObservedAt", json!(self.last.text));
        put("CreatedAt", json!(self.created.text));
        put("UpdatedAt", json!(self.updated.text));
        if let Some(p) = &self.processed {
            put("ProcessedAt", json!(p.text));
        }
        put("Severity", self.severity_json());
        put("Title", json!(self.title));
        put("Description", json!(self.description));
        if let Some(r) = &self.remediation {
            put("Remediation", r.clone());
        }
        put("ProductFields", self.product_fields.clone());
        put("Resources", self.resources.clone());
        if let Some(c) = &self.compliance {
            let mut cm = Map::new();
            cm.insert("Status".into(), json!(c.status));
            if let Some(r) = &c.reasons {
                cm.insert("StatusReasons".into(), r.clone());
            }
            cm.insert("SecurityControlId".into(), json!(c.control_id));
            if let Some(p) = &c.parameters {
                cm.insert("SecurityControlParameters".into(), p.clone());
            }
            if let Some(r) = &c.requirements {
                cm.insert("RelatedRequirements".into(), r.clone());
            }
            cm.insert("AssociatedStandards".into(), c.standards.clone());
            put("Compliance", Value::Object(cm));
        }
        put("WorkflowState", json!(self.workflow_state));
        if let Some(w) = self.workflow {
            put("Workflow", json!({"Status": w}));
        }
        put("RecordState", json!(self.record_state));
        // The provider's own view, which Microsoft's transform maps instead of `Severity`.
        put(
            "FindingProviderFields",
            json!({"Severity": {"Label": self.severity.0, "Original": self.severity.0}, "Types": self.types}),
        );
        Value::Object(m)
    }

    fn severity_json(&self) -> Value {
        json!({"Label": self.severity.0, "Normalized": self.severity.1})
    }

    /// The oracle: the row the table must hold for this finding, from the model.
    fn row(&self, account: &str, region: &str, raw: Value) -> AwsSecurityHubFindings {
        let c = self.compliance.as_ref();
        AwsSecurityHubFindings {
            TimeGenerated: self.updated.canonical(),
            AwsRegion: Some(region.to_string()),
            AwsAccountId: Some(account.to_string()),
            ComplianceStatus: c.map(|c| c.status.to_string()),
            ComplianceStatusReasons: c.and_then(|c| c.reasons.clone()),
            ComplianceSecurityControlId: c.map(|c| c.control_id.clone()),
            ComplianceSecurityControlParameters: c.and_then(|c| c.parameters.clone()),
            ComplianceRelatedRequirements: c.and_then(|c| c.requirements.clone()),
            ComplianceAssociatedStandards: c.map(|c| c.standards.clone()),
            AwsSecurityFindingTitle: Some(self.title.clone()),
            AwsSecurityFindingId: Some(self.id.clone()),
            AwsSecurityFindingDescription: Some(self.description.clone()),
            AwsSecurityFindingTypes: Some(json!(self.types)),
            AwsSecurityFindingCreatedAt: Some(self.created.canonical()),
            AwsSecurityFindingFirstObservedAt: Some(self.first.canonical()),
            AwsSecurityFindingUpdatedAt: Some(self.updated.canonical()),
            AwsSecurityFindingLastObservedAt: Some(self.last.canonical()),
            AwsSecurityFindingProcessedAt: self.processed.as_ref().map(Stamp::canonical),
            AwsSecurityFindingGeneratorId: Some(self.generator_id.clone()),
            AwsSecurityFindingProductArn: Some(self.product_arn(region)),
            AwsSecurityFindingProductName: Some(self.product_name().to_string()),
            AwsSecurityFindingProductFields: Some(self.product_fields.clone()),
            AwsSecurityFindingSeverity: Some(self.severity_json()),
            Remediation: self.remediation.clone(),
            SchemaVersion: Some("2018-10-08".to_string()),
            Resources: Some(self.resources.clone()),
            RecordState: Some(self.record_state.to_string()),
            WorkflowState: Some(self.workflow.unwrap_or(self.workflow_state).to_string()),
            RawData: Some(raw),
        }
    }
}

/// One finding of an event as written, with its expected row.
#[derive(Debug, Clone)]
pub struct WrittenFinding {
    pub json: Value,
    pub row: TableRow,
}

/// One EventBridge event: one line of an object.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub time_ms: i64,
    pub findings: Vec<WrittenFinding>,
}

/// The Security Hub generator.
pub struct SecurityHubGen {
    account: String,
    region: String,
    stream_name: String,
    detector: String,
    rngs: Rngs,
    clock: Clock,
    pending: Option<Event>,
    recent: VecDeque<Finding>,
}

const CONTROLS: &[(&str, &str, &str)] = &[
    (
        "IAM.3",
        "IAM users' access keys should be rotated every 90 days or less",
        "maxAccessKeyAge",
    ),
    (
        "S3.8",
        "S3 general purpose buckets should block public access",
        "",
    ),
    (
        "EC2.19",
        "Security groups should not allow unrestricted access to ports with high risk",
        "authorizedTcpPorts",
    ),
    (
        "CloudTrail.2",
        "CloudTrail should have encryption at-rest enabled",
        "",
    ),
    ("SQS.1", "Amazon SQS queues should be encrypted at rest", ""),
    (
        "IAM.6",
        "Hardware MFA should be enabled for the root user",
        "",
    ),
];

const SEVERITIES: &[(u32, (&str, u32))] = &[
    (10, ("INFORMATIONAL", 0)),
    (30, ("LOW", 1)),
    (35, ("MEDIUM", 40)),
    (20, ("HIGH", 70)),
    (5, ("CRITICAL", 90)),
];

impl SecurityHubGen {
    pub fn new(opts: &GenOptions) -> Self {
        let mut rngs = Rngs::new(opts);
        let detector = hex(&mut rngs.names, 32);
        SecurityHubGen {
            account: opts.account_id.clone(),
            region: opts.region.clone(),
            stream_name: opts.delivery_stream.clone(),
            detector,
            clock: Clock::new(opts.start_ms, opts.rate()),
            rngs,
            pending: None,
            recent: VecDeque::new(),
        }
    }

    fn take(&mut self) -> Event {
        match self.pending.take() {
            Some(e) => e,
            None => self.event(),
        }
    }

    fn event(&mut self) -> Event {
        let t = self.clock.tick(&mut self.rngs.records);
        let r = &mut self.rngs.records;
        let n = if chance(r, 10) {
            r.random_range(2..=4)
        } else {
            1
        };
        let mut findings = Vec::with_capacity(n);
        for i in 0..n {
            let updated = t + i as i64 * 7;
            let f = if !self.recent.is_empty() && chance(&mut self.rngs.records, 20) {
                self.update(updated)
            } else {
                self.new_finding(updated)
            };
            if self.recent.len() == RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back(f.clone());
            let json = f.json(&self.account, &self.region);
            let row = f.row(&self.account, &self.region, json.clone());
            findings.push(WrittenFinding {
                row: TableRow::new(row),
                json,
            });
        }
        let id = rng::uuid(&mut self.rngs.records);
        // EventBridge sends the event shortly after Security Hub processed the finding.
        let time_ms = t + self.rngs.records.random_range(200..2_000);
        Event {
            id,
            time_ms,
            findings,
        }
    }

    /// An earlier finding updated by its provider or by BatchUpdateFindings: a later
    /// `UpdatedAt`, a new workflow status, sometimes archived or passed.
    fn update(&mut self, updated: i64) -> Finding {
        let r = &mut self.rngs.records;
        let i = r.random_range(0..self.recent.len());
        let mut f = self.recent[i].clone();
        f.updated = Stamp::new(r, updated);
        let last = updated - r.random_range(0..30_000);
        f.last = Stamp::new(r, last);
        let processed = updated + r.random_range(100..3_000);
        f.processed = Some(Stamp::new(r, processed));
        let status = *pick(r, &["NOTIFIED", "RESOLVED", "SUPPRESSED", "NEW"]);
        match f.workflow {
            Some(_) => f.workflow = Some(status),
            None => {
                f.workflow_state = *pick(r, &["ASSIGNED", "IN_PROGRESS", "DEFERRED", "RESOLVED"])
            }
        }
        if chance(r, 25) {
            f.record_state = "ARCHIVED";
        }
        if let Some(c) = &mut f.compliance {
            if chance(r, 40) {
                c.status = "PASSED";
                c.reasons = None;
            }
        }
        f
    }

    fn new_finding(&mut self, updated: i64) -> Finding {
        let (a, reg) = (self.account.clone(), self.region.clone());
        let r = &mut self.rngs.records;
        let product = *weighted(
            r,
            &[
                (50, Product::Control),
                (20, Product::GuardDuty),
                (20, Product::Inspector),
                (10, Product::Macie),
            ],
        );
        let created_ms = updated - r.random_range(0..7 * 86_400_000);
        let created = Stamp::new(r, created_ms);
        let first = Stamp::new(r, created_ms);
        let last_ms = updated - r.random_range(0..60_000);
        let last = Stamp::new(r, last_ms);
        let updated_stamp = Stamp::new(r, updated);
        let processed = if chance(r, 10) {
            None
        } else {
            let ms = updated + r.random_range(100..5_000);
            Some(Stamp::new(r, ms))
        };
        let severity = *weighted(r, SEVERITIES);
        let workflow = (!chance(r, 10)).then_some("NEW");
        let instance = format!("i-{}", hex(r, 17));
        let ec2 = |id: &str| {
            json!({"Type": "AwsEc2Instance", "Id": format!("arn:aws:ec2:{reg}:{a}:instance/{id}"), "Partition": "aws", "Region": reg,
                   "Details": {"AwsEc2Instance": {"Type": "t3.micro", "VpcId": "vpc-0a1b2c3d", "IpV4Addresses": ["10.0.1.17"], "IpV6Addresses": ["2001:db8::17"]}}})
        };
        let mut f = Finding {
            product,
            id: String::new(),
            generator_id: String::new(),
            types: Vec::new(),
            first,
            last,
            created,
            updated: updated_stamp,
            processed,
            severity,
            title: String::new(),
            description: String::new(),
            remediation: None,
            product_fields: json!({}),
            resources: json!([]),
            compliance: None,
            workflow,
            workflow_state: "NEW",
            record_state: "ACTIVE",
        };
        match product {
            Product::Control => {
                let (control, title, param) = *pick(r, CONTROLS);
                let status = *weighted(
                    r,
                    &[
                        (60, "FAILED"),
                        (30, "PASSED"),
                        (5, "WARNING"),
                        (5, "NOT_AVAILABLE"),
                    ],
                );
                f.id = format!(
                    "arn:aws:securityhub:{reg}:{a}:security-control/{control}/finding/{}",
                    rng::uuid(r)
                );
                f.generator_id = format!("security-control/{control}");
                f.types = vec![
                    "Software and Configuration Checks/Industry and Regulatory Standards".into(),
                ];
                f.title = title.to_string();
                f.description = format!("This control checks whether {}.", title.to_lowercase());
                f.remediation = Some(
                    json!({"Recommendation": {"Text": "For information on how to correct this issue, consult the AWS Security Hub controls documentation.",
                    "Url": format!("https://docs.aws.amazon.com/console/securityhub/{control}/remediation")}}),
                );
                f.product_fields = json!({"RelatedAWSResources:0/name": "securityhub-rule", "aws/securityhub/ProductName": "Security Hub", "aws/securityhub/CompanyName": "AWS"});
                f.resources = json!([{"Type": "AwsAccount", "Id": format!("AWS::::Account:{a}"), "Partition": "aws", "Region": reg}]);
                f.compliance = Some(Compliance {
                    status,
                    reasons: (status == "FAILED" && chance(r, 50)).then(|| {
                        json!([{"ReasonCode": "CONFIG_EVALUATIONS_EMPTY", "Description": "AWS Config evaluated your resources against the rule. The rule did not apply to the AWS resources in its scope."}])
                    }),
                    control_id: control.to_string(),
                    parameters: (!param.is_empty()).then(|| {
                        json!([{"Name": param, "Value": {"Type": "Integer", "Value": r.random_range(30..=90)}, "ValueType": "CUSTOM"}])
                    }),
                    requirements: chance(r, 70).then(|| json!(["NIST.800-53.r5 AC-2(1)", "PCI DSS v4.0.1/8.3.9"])),
                    standards: json!([{"StandardsId": "standards/aws-foundational-security-best-practices/v/1.0.0"}, {"StandardsId": "ruleset/cis-aws-foundations-benchmark/v/1.2.0"}]),
                });
            }
            Product::GuardDuty => {
                let kind = *pick(
                    r,
                    &[
                        "Recon:EC2/PortProbeUnprotectedPort",
                        "UnauthorizedAccess:EC2/SSHBruteForce",
                        "CryptoCurrency:EC2/BitcoinTool.B!DNS",
                    ],
                );
                let id = hex(r, 32);
                f.id = format!(
                    "arn:aws:guardduty:{reg}:{a}:detector/{}/finding/{id}",
                    self.detector
                );
                f.generator_id = format!("arn:aws:guardduty:{reg}:{a}:detector/{}", self.detector);
                f.types = vec![format!("TTPs/{kind}")];
                f.title = format!("{kind} on instance {instance}");
                f.description = format!("EC2 instance {instance} is the target of activity GuardDuty reports as {kind}.");
                f.product_fields = json!({"aws/guardduty/service/count": r.random_range(1..50).to_string(), "aws/guardduty/service/archived": "false"});
                f.resources = json!([ec2(&instance)]);
            }
            Product::Inspector => {
                let cve = format!("CVE-2026-{}", r.random_range(1000..99_999));
                // Some vulnerabilities affect many instances at once.
                let n = if chance(r, 25) {
                    r.random_range(5..=40)
                } else {
                    1
                };
                let resources: Vec<Value> =
                    (0..n).map(|_| ec2(&format!("i-{}", hex(r, 17)))).collect();
                f.id = format!("arn:aws:inspector2:{reg}:{a}:finding/{}", hex(r, 32));
                f.generator_id = "AWSInspector".into();
                f.types = vec!["Software and Configuration Checks/Vulnerabilities/CVE".into()];
                f.title = format!("{cve} - openssl, libssl3");
                f.description = format!(
                    "Issue summary: {cve} — a crafted certificate can make the verifier read past a buffer (\"{}\").\n\nImpact: applications that verify untrusted certificates may crash. Paquets affectés : openssl ≥ 3.0; 影響を受けるパッケージ: libssl3. {}",
                    pick(r, &["heap overflow", "use-after-free", "NULL dereference"]),
                    "Details: ".repeat(r.random_range(1..40))
                );
                f.remediation =
                    Some(json!({"Recommendation": {"Text": "Update openssl to 3.0.16 or later."}}));
                f.product_fields = json!({"aws/inspector/ProductVersion": "2", "aws/inspector/FindingStatus": "ACTIVE", "aws/inspector/inspectorScore": format!("{}.{}", r.random_range(1..10), r.random_range(0..10))});
                f.resources = Value::Array(resources);
            }
            Product::Macie => {
                let object = *pick(
                    r,
                    &[
                        "財務/2026年度 予算 (最終版).xlsx",
                        "kunden/Müller & Söhne – Verträge.pdf",
                        "exports/clients \"VIP\" list\\2026.csv",
                        "données/élèves_😀.json",
                    ],
                );
                f.id = hex(r, 32);
                f.generator_id = "aws/macie".into();
                f.types = vec![
                    "Sensitive Data Identifications/PII/SensitiveData:S3Object-Personal".into(),
                ];
                f.title = "The S3 object contains personal information.".into();
                f.description = format!(
                    "The object '{object}' in bucket customer-data-{a} contains personal information such as names, addresses and credit card numbers ({} occurrences).\tReview it.",
                    r.random_range(1..5000)
                );
                f.product_fields = json!({"aws/macie/OriginalFindingType": "SensitiveData:S3Object/Personal", "S3Object.Path": object});
                f.resources = json!([{"Type": "AwsS3Bucket", "Id": format!("arn:aws:s3:::customer-data-{a}"), "Partition": "aws", "Region": reg},
                                     {"Type": "AwsS3Object", "Id": format!("arn:aws:s3:::customer-data-{a}/{object}"), "Partition": "aws", "Region": reg}]);
            }
        }
        f
    }

    fn key(&mut self, first_ms: i64) -> String {
        let arrival = first_ms + self.rngs.names.random_range(200..3_000);
        let uuid = rng::uuid(&mut self.rngs.names);
        securityhub_key(&self.account, &self.stream_name, arrival, &uuid)
    }

    /// The event's JSON, as EventBridge sends it.
    fn event_json(&self, e: &Event) -> Value {
        let findings: Vec<&Value> = e.findings.iter().map(|f| &f.json).collect();
        let resources: Vec<&Value> = e.findings.iter().map(|f| &f.json["Id"]).collect();
        json!({
            "version": "0",
            "id": e.id,
            "detail-type": "Security Hub Findings - Imported",
            "source": "aws.securityhub",
            "account": self.account,
            "time": Utc::from_ms(e.time_ms).iso_seconds(),
            "region": self.region,
            "resources": resources,
            "detail": {"findings": findings},
        })
    }
}

impl LogGen for SecurityHubGen {
    type Record = Event;

    fn next_object(&mut self, max: u64) -> (String, Vec<Event>) {
        let first = self.take();
        let key = self.key(first.time_ms);
        let end = first.time_ms + BUFFER_INTERVAL_MS;
        let mut events = vec![first];
        while (events.len() as u64) < max {
            let e = self.take();
            if e.time_ms >= end {
                self.pending = Some(e);
                break;
            }
            events.push(e);
        }
        (key, events)
    }

    fn next_record(&mut self) -> Event {
        self.take()
    }

    fn write_record(&self, w: &mut dyn Write, rec: &Event, _position: u64) -> io::Result<u64> {
        serde_json::to_writer(&mut *w, &self.event_json(rec))?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn write_malformed(&self, w: &mut dyn Write, which: u64, _position: u64) -> io::Result<u64> {
        // Lines that are no Security Hub event: not JSON, cut short, another source, no
        // detail.findings, findings without the envelope.
        let line = match which % 5 {
            0 => "Security Hub Findings - Imported".to_string(),
            1 => r#"{"version":"0","source":"aws.securityhub","detail":{"findings":[{"Id":"cut"#.to_string(),
            2 => r#"{"version":"0","source":"aws.guardduty","detail-type":"GuardDuty Finding","detail":{"findings":[]}}"#.to_string(),
            3 => r#"{"version":"0","source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{}}"#.to_string(),
            _ => r#"{"findings":[{"Id":"no envelope"}]}"#.to_string(),
        };
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn expected(&self, rec: &Event, key: &str, index: u64, line: Option<u64>) -> ExpectedRecord {
        // The event's first finding; `expected_rows` gives every one.
        self.expected_rows(rec, key, index, line).swap_remove(0)
    }

    /// One record per finding, `<key>#<index>/<finding>`: an update of a finding within the
    /// same second may repeat its `Id` and `UpdatedAt`.
    fn expected_rows(
        &self,
        rec: &Event,
        key: &str,
        index: u64,
        line: Option<u64>,
    ) -> Vec<ExpectedRecord> {
        rec.findings
            .iter()
            .enumerate()
            .map(|(j, f)| ExpectedRecord {
                id: format!("{key}#{index}/{j}"),
                index,
                line,
                time_generated: f.row.time_generated().to_string(),
                expected: f.row.clone(),
            })
            .collect()
    }

    fn row_count(&self, rec: &Event) -> u64 {
        rec.findings.len() as u64
    }
}

#[cfg(test)]
#[path = "securityhub_tests.rs"]
mod tests;
