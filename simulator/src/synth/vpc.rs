//! VPC Flow Logs (text format, delivered to S3): header line, single-space
//! delimited records, `-` for missing values, NODATA/SKIPDATA rows, default
//! (v2) and custom formats up to v8.

use std::collections::HashSet;
use std::io::{self, Write};

use rand::Rng;

use super::keys::{five_minute_floor, vpc_key};
use super::manifest::ExpectedRecord;
use super::rng::{chance, hex, pick, weighted, Clock};
use super::{GenOptions, LogGen, Rngs};
use crate::tables::{format_datetime_ms, AwsVpcFlow, TableRow, ARRIVAL_TIME};
pub use catalogue::vpc::{
    format_string, format_version, parse_fields, validate_fields, VpcField, VpcFormat,
};
use VpcField as F;

#[derive(Debug, Clone)]
struct Ecs {
    cluster_name: String,
    cluster_arn: String,
    container_instance_arn: Option<String>,
    container_instance_id: Option<String>,
    container_id: String,
    second_container_id: Option<String>,
    service_name: String,
    task_definition_arn: String,
    task_arn: String,
    task_id: String,
}

#[derive(Debug, Clone)]
struct Eni {
    id: String,
    instance_id: Option<String>,
    vpc_id: String,
    subnet_id: String,
    az_id: Option<String>,
    sublocation: Option<(&'static str, String)>,
    ipv4: String,
    ipv6: String,
    /// NAT gateway: packet-level addresses differ from the ENI's.
    nat: bool,
    ecs: Option<Ecs>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    NoData,
    SkipData,
}

/// One simulated flow record (every field known; the format picks).
#[derive(Debug, Clone)]
pub struct FlowRecord {
    status: Status,
    eni: usize,
    src: String,
    dst: String,
    src_port: u16,
    dst_port: u16,
    protocol: u8,
    packets: u64,
    bytes: u64,
    start: i64,
    end: i64,
    accept: bool,
    tcp_flags: u8,
    ipv6: bool,
    pkt_src: String,
    pkt_dst: String,
    pkt_src_service: Option<&'static str>,
    pkt_dst_service: Option<&'static str>,
    ingress: bool,
    traffic_path: Option<u8>,
    reject_reason: Option<&'static str>,
}

/// A field's value in a record.
enum V<'a> {
    S(&'a str),
    N(i64),
    Missing,
}

/// VPC flow log generator.
pub struct VpcGen {
    fields: Vec<VpcField>,
    version: u8,
    account: String,
    region: String,
    flow_log_id: String,
    hourly: bool,
    enis: Vec<Eni>,
    rngs: Rngs,
    clock: Clock,
    pending: Option<FlowRecord>,
    used_keys: HashSet<String>,
}

fn az_prefix(region: &str) -> String {
    let parts: Vec<&str> = region.split('-').collect();
    let mut s = parts[0].to_string();
    for p in &parts[1..parts.len() - 1] {
        match *p {
            "southeast" => s.push_str("se"),
            "northeast" => s.push_str("ne"),
            "southwest" => s.push_str("sw"),
            "northwest" => s.push_str("nw"),
            other => s.push_str(&other[..1]),
        }
    }
    s.push_str(parts[parts.len() - 1]);
    s
}

impl VpcGen {
    pub fn new(opts: &GenOptions) -> Self {
        let mut rngs = Rngs::new(opts);
        let r = &mut rngs.names;
        let account = opts.account_id.clone();
        let region = opts.region.clone();
        let flow_log_id = format!("fl-{}", hex(r, 17));
        let vpc_id = format!("vpc-{}", hex(r, 17));
        let subnets: Vec<String> = (0..3).map(|_| format!("subnet-{}", hex(r, 17))).collect();
        let az = az_prefix(&region);
        let mut enis = Vec::new();
        for i in 0..8usize {
            let subnet = i % 3;
            let ipv4 = format!(
                "10.0.{}.{}",
                subnet * 16 + r.random_range(1..15usize),
                r.random_range(4..250)
            );
            let ipv6 = format!(
                "2600:1f18:{:x}:{:x}00::{:x}",
                r.random_range(0x1000..0xffff),
                subnet + 1,
                r.random_range(0x10..0xfff)
            );
            let mut eni = Eni {
                id: format!("eni-{}", hex(r, 17)),
                instance_id: None,
                vpc_id: vpc_id.clone(),
                subnet_id: subnets[subnet].clone(),
                az_id: Some(format!("{az}-az{}", subnet + 1)),
                sublocation: None,
                ipv4,
                ipv6,
                nat: false,
                ecs: None,
            };
            match i {
                0..=3 => eni.instance_id = Some(format!("i-{}", hex(r, 17))),
                4 => eni.nat = true,
                5 | 6 => {
                    let cluster = if i == 5 { "prod-web" } else { "batch" };
                    let task_id = hex(r, 32);
                    let ec2_backed = i == 6;
                    let ci_id = hex(r, 32);
                    eni.ecs = Some(Ecs {
                        cluster_name: cluster.into(),
                        cluster_arn: format!("arn:aws:ecs:{region}:{account}:cluster/{cluster}"),
                        container_instance_arn: ec2_backed.then(|| format!("arn:aws:ecs:{region}:{account}:container-instance/{cluster}/{ci_id}")),
                        container_instance_id: ec2_backed.then(|| ci_id.clone()),
                        container_id: format!("{task_id}-{}", r.random_range(1_000_000_000u64..9_999_999_999)),
                        second_container_id: (i == 5).then(|| format!("{task_id}-{}", r.random_range(1_000_000_000u64..9_999_999_999))),
                        service_name: format!("{cluster}-svc"),
                        task_definition_arn: format!("arn:aws:ecs:{region}:{account}:task-definition/{cluster}-task:{}", r.random_range(1..40)),
                        task_arn: format!("arn:aws:ecs:{region}:{account}:task/{cluster}/{task_id}"),
                        task_id,
                    });
                    if ec2_backed {
                        eni.instance_id = Some(format!("i-{}", hex(r, 17)));
                    }
                }
                _ => {
                    eni.instance_id = Some(format!("i-{}", hex(r, 17)));
                    eni.az_id = None;
                    eni.sublocation = Some(("outpost", format!("op-{}", hex(r, 17))));
                }
            }
            enis.push(eni);
        }
        VpcGen {
            version: format_version(&opts.vpc_fields),
            fields: opts.vpc_fields.clone(),
            account,
            region,
            flow_log_id,
            hourly: opts.hourly_partitions,
            enis,
            clock: Clock::new(opts.start_ms, opts.rate()),
            rngs,
            pending: None,
            used_keys: HashSet::new(),
        }
    }

    fn generate(&mut self) -> FlowRecord {
        let end_ms = self.clock.tick(&mut self.rngs.records);
        let r = &mut self.rngs.records;
        let end = end_ms.div_euclid(1000);
        let start = end - r.random_range(0..=59);
        let eni_ix = r.random_range(0..self.enis.len());
        let eni = &self.enis[eni_ix];
        let status = *weighted(
            r,
            &[
                (970, Status::Ok),
                (20, Status::NoData),
                (10, Status::SkipData),
            ],
        );
        let ipv6 = chance(r, 18);
        let protocol: u8 = if ipv6 {
            *weighted(r, &[(65, 6), (25, 17), (10, 58)])
        } else {
            *weighted(r, &[(60, 6), (27, 17), (11, 1), (2, 47)])
        };
        let ingress = chance(r, 50);
        // The remote end: same VPC, peered VPC, AWS service range or internet.
        let kind = *weighted(r, &[(25, 0u8), (5, 1), (30, 2), (40, 3)]);
        let (remote, service): (String, Option<&'static str>) = match (kind, ipv6) {
            (0, false) => (
                format!("10.0.{}.{}", r.random_range(0..48), r.random_range(4..250)),
                None,
            ),
            (1, false) => (
                format!(
                    "172.31.{}.{}",
                    r.random_range(0..64),
                    r.random_range(4..250)
                ),
                None,
            ),
            (2, false) => {
                let svc = *pick(
                    r,
                    &[
                        "S3",
                        "AMAZON",
                        "EC2",
                        "DYNAMODB",
                        "CLOUDFRONT",
                        "ROUTE53",
                        "API_GATEWAY",
                    ],
                );
                let first = *pick(r, &[3u8, 13, 18, 52, 54]);
                (
                    format!(
                        "{first}.{}.{}.{}",
                        r.random_range(0..=255),
                        r.random_range(0..=255),
                        r.random_range(1..255)
                    ),
                    Some(svc),
                )
            }
            (_, false) => (
                format!(
                    "{}.{}.{}.{}",
                    pick(r, &[45u8, 81, 185, 198, 203, 89, 104]),
                    r.random_range(0..=255),
                    r.random_range(0..=255),
                    r.random_range(1..255)
                ),
                None,
            ),
            (0 | 1, true) => (
                format!(
                    "2600:1f18:{:x}:{:x}00::{:x}",
                    r.random_range(0x1000..0xffff),
                    r.random_range(1..4),
                    r.random_range(0x10..0xfff)
                ),
                None,
            ),
            (2, true) => (
                format!(
                    "2600:9000:{:x}:{:x}::{:x}",
                    r.random_range(0x1000..0xffff),
                    r.random_range(0..0xff),
                    r.random_range(1..0xffff)
                ),
                Some(*pick(r, &["CLOUDFRONT", "AMAZON", "S3"])),
            ),
            (_, true) => (
                format!(
                    "2a02:{:x}:{:x}::{:x}",
                    r.random_range(0x100..0xffff),
                    r.random_range(0..0xffff),
                    r.random_range(1..0xffff)
                ),
                None,
            ),
        };
        let local = if ipv6 {
            eni.ipv6.clone()
        } else {
            eni.ipv4.clone()
        };
        let (service_port, has_ports) = match protocol {
            6 => (
                *pick(
                    r,
                    &[443u16, 443, 443, 80, 22, 3389, 5432, 3306, 8080, 6379, 9200],
                ),
                true,
            ),
            17 => (*pick(r, &[53u16, 53, 123, 500, 4500, 51820, 1194]), true),
            _ => (0, false),
        };
        let ephemeral = if has_ports {
            r.random_range(32768..=60999u16)
        } else {
            0
        };
        let (src, dst, src_port, dst_port) = if ingress {
            (remote.clone(), local.clone(), ephemeral, service_port)
        } else {
            (local.clone(), remote.clone(), ephemeral, service_port)
        };
        let reject_pct = if ingress && matches!(service_port, 22 | 3389 | 5432 | 3306) {
            45
        } else {
            8
        };
        let accept = !chance(r, reject_pct);
        let tcp_flags = if protocol != 6 {
            0
        } else if !accept {
            2
        } else {
            *weighted(
                r,
                &[
                    (40, 19u8),
                    (20, 3),
                    (15, 2),
                    (10, 18),
                    (5, 1),
                    (5, 4),
                    (5, 0),
                ],
            )
        };
        let packets: u64 = if accept {
            r.random_range(1..20u64) * r.random_range(1..250u64)
        } else {
            r.random_range(1..6)
        };
        let bytes = match protocol {
            1 | 58 => packets * 84,
            _ => packets * r.random_range(40..1500u64),
        };
        // Behind the NAT gateway the packet-level source is the private client.
        let (pkt_src, pkt_dst) = if eni.nat && !ingress && !ipv6 {
            (
                format!("10.0.{}.{}", r.random_range(16..48), r.random_range(4..250)),
                dst.clone(),
            )
        } else if eni.nat && ingress && !ipv6 {
            (
                src.clone(),
                format!("10.0.{}.{}", r.random_range(16..48), r.random_range(4..250)),
            )
        } else {
            (src.clone(), dst.clone())
        };
        let (pkt_src_service, pkt_dst_service) = if ingress {
            (service, None)
        } else {
            (None, service)
        };
        let traffic_path = if ingress {
            None
        } else {
            Some(match kind {
                0 => 1,
                1 => 4,
                2 => *pick(r, &[2u8, 7, 8]),
                _ => *pick(r, &[2u8, 8]),
            })
        };
        let reject_reason = (!accept && ingress && chance(r, 30)).then_some("BPA");
        FlowRecord {
            status,
            eni: eni_ix,
            src,
            dst,
            src_port,
            dst_port,
            protocol,
            packets,
            bytes,
            start,
            end,
            accept,
            tcp_flags,
            ipv6,
            pkt_src,
            pkt_dst,
            pkt_src_service,
            pkt_dst_service,
            ingress,
            traffic_path,
            reject_reason,
        }
    }

    fn take(&mut self) -> FlowRecord {
        match self.pending.take() {
            Some(r) => r,
            None => self.generate(),
        }
    }

    fn value<'a>(&'a self, rec: &'a FlowRecord, f: VpcField) -> V<'a> {
        let eni = &self.enis[rec.eni];
        match f {
            F::Version => return V::N(i64::from(self.version)),
            F::AccountId => return V::S(&self.account),
            F::InterfaceId => return V::S(&eni.id),
            F::Start => return V::N(rec.start),
            F::End => return V::N(rec.end),
            F::LogStatus => {
                return V::S(match rec.status {
                    Status::Ok => "OK",
                    Status::NoData => "NODATA",
                    Status::SkipData => "SKIPDATA",
                })
            }
            _ => {}
        }
        if rec.status != Status::Ok {
            return V::Missing;
        }
        let opt = |o: &'a Option<String>| o.as_deref().map_or(V::Missing, V::S);
        let ecs =
            |pick: fn(&'a Ecs) -> &'a str| eni.ecs.as_ref().map_or(V::Missing, |e| V::S(pick(e)));
        match f {
            F::SrcAddr => V::S(&rec.src),
            F::DstAddr => V::S(&rec.dst),
            F::SrcPort => V::N(i64::from(rec.src_port)),
            F::DstPort => V::N(i64::from(rec.dst_port)),
            F::Protocol => V::N(i64::from(rec.protocol)),
            F::Packets => V::N(rec.packets as i64),
            F::Bytes => V::N(rec.bytes as i64),
            F::Action => V::S(if rec.accept { "ACCEPT" } else { "REJECT" }),
            F::VpcId => V::S(&eni.vpc_id),
            F::SubnetId => V::S(&eni.subnet_id),
            F::InstanceId => opt(&eni.instance_id),
            F::TcpFlags => V::N(i64::from(rec.tcp_flags)),
            F::Type => V::S(if rec.ipv6 { "IPv6" } else { "IPv4" }),
            F::PktSrcAddr => V::S(&rec.pkt_src),
            F::PktDstAddr => V::S(&rec.pkt_dst),
            F::Region => V::S(&self.region),
            F::AzId => opt(&eni.az_id),
            F::SublocationType => eni.sublocation.as_ref().map_or(V::Missing, |s| V::S(s.0)),
            F::SublocationId => eni.sublocation.as_ref().map_or(V::Missing, |s| V::S(&s.1)),
            F::PktSrcAwsService => rec.pkt_src_service.map_or(V::Missing, V::S),
            F::PktDstAwsService => rec.pkt_dst_service.map_or(V::Missing, V::S),
            F::FlowDirection => V::S(if rec.ingress { "ingress" } else { "egress" }),
            F::TrafficPath => rec.traffic_path.map_or(V::Missing, |p| V::N(i64::from(p))),
            F::EcsClusterArn => ecs(|e| &e.cluster_arn),
            F::EcsClusterName => ecs(|e| &e.cluster_name),
            F::EcsContainerInstanceArn => eni
                .ecs
                .as_ref()
                .map_or(V::Missing, |e| opt(&e.container_instance_arn)),
            F::EcsContainerInstanceId => eni
                .ecs
                .as_ref()
                .map_or(V::Missing, |e| opt(&e.container_instance_id)),
            F::EcsContainerId => ecs(|e| &e.container_id),
            F::EcsSecondContainerId => eni
                .ecs
                .as_ref()
                .map_or(V::Missing, |e| opt(&e.second_container_id)),
            F::EcsServiceName => ecs(|e| &e.service_name),
            F::EcsTaskDefinitionArn => ecs(|e| &e.task_definition_arn),
            F::EcsTaskArn => ecs(|e| &e.task_arn),
            F::EcsTaskId => ecs(|e| &e.task_id),
            F::RejectReason => rec.reject_reason.map_or(V::Missing, V::S),
            F::Version | F::AccountId | F::InterfaceId | F::Start | F::End | F::LogStatus => {
                unreachable!("handled above")
            }
        }
    }

    fn row(&self, rec: &FlowRecord) -> AwsVpcFlow {
        // Without `start` the table takes the arrival time, unknown here.
        let time_generated = if self.fields.contains(&F::Start) {
            format_datetime_ms(rec.start * 1000)
        } else {
            ARRIVAL_TIME.to_string()
        };
        let mut row = AwsVpcFlow {
            TimeGenerated: time_generated,
            ..AwsVpcFlow::default()
        };
        for &f in &self.fields {
            let v = self.value(rec, f);
            let s = || match &v {
                V::S(s) => Some(s.to_string()),
                V::N(n) => Some(n.to_string()),
                V::Missing => None,
            };
            let n = || match &v {
                V::N(n) => Some(*n),
                _ => None,
            };
            let i = || n().map(|x| i32::try_from(x).expect("small number"));
            match f {
                F::Version => row.Version = i(),
                F::AccountId => row.AccountId = s(),
                F::InterfaceId => row.InterfaceId = s(),
                F::SrcAddr => row.SrcAddr = s(),
                F::DstAddr => row.DstAddr = s(),
                F::SrcPort => row.SrcPort = i(),
                F::DstPort => row.DstPort = i(),
                F::Protocol => row.Protocol = i(),
                F::Packets => row.Packets = i(),
                F::Bytes => row.Bytes = n(),
                F::Start => {}
                F::End => row.End = n().map(|e| format_datetime_ms(e * 1000)),
                F::Action => row.Action = s(),
                F::LogStatus => row.LogStatus = s(),
                F::VpcId => row.VpcId = s(),
                F::SubnetId => row.SubnetId = s(),
                F::InstanceId => row.InstanceId = s(),
                F::TcpFlags => row.TcpFlags = i(),
                F::Type => row.TrafficType = s(),
                F::PktSrcAddr => row.PktSrcAddr = s(),
                F::PktDstAddr => row.PktDstAddr = s(),
                F::Region => row.Region = s(),
                F::AzId => row.AzId = s(),
                F::SublocationType => row.SublocationType = s(),
                F::SublocationId => row.SublocationId = s(),
                F::PktSrcAwsService => row.PktSrcAwsService = s(),
                F::PktDstAwsService => row.PktDstAwsService = s(),
                F::FlowDirection => row.FlowDirection = s(),
                F::TrafficPath => row.TrafficPath = s(),
                F::EcsClusterArn => row.EcsClusterArn = s(),
                F::EcsClusterName => row.EcsClusterName = s(),
                F::EcsContainerInstanceArn => row.EcsContainerInstanceArn = s(),
                F::EcsContainerInstanceId => row.EcsContainerInstanceId = s(),
                F::EcsContainerId => row.EcsContainerId = s(),
                F::EcsSecondContainerId => row.EcsSecondContainerId = s(),
                F::EcsServiceName => row.EcsServiceName = s(),
                F::EcsTaskDefinitionArn => row.EcsTaskDefinitionArn = s(),
                F::EcsTaskArn => row.EcsTaskArn = s(),
                F::EcsTaskId => row.EcsTaskId = s(),
                F::RejectReason => row.RejectReason = s(),
            }
        }
        row
    }

    /// A key for the window of `end_s`; the 8-hex hash is drawn again on
    /// the (rare) collision with an earlier key, so objects never overwrite
    /// each other.
    fn key(&mut self, end_s: i64) -> String {
        loop {
            let hash = hex(&mut self.rngs.names, 8);
            let key = vpc_key(
                &self.account,
                &self.region,
                &self.flow_log_id,
                five_minute_floor(end_s * 1000),
                &hash,
                self.hourly,
            );
            if self.used_keys.insert(key.clone()) {
                return key;
            }
        }
    }
}

impl LogGen for VpcGen {
    type Record = FlowRecord;

    fn next_object(&mut self, max: u64) -> (String, Vec<FlowRecord>) {
        let first = self.take();
        let window = five_minute_floor(first.end * 1000);
        let key = self.key(first.end);
        let mut records = vec![first];
        while (records.len() as u64) < max {
            let r = self.take();
            if five_minute_floor(r.end * 1000) != window {
                self.pending = Some(r);
                break;
            }
            records.push(r);
        }
        (key, records)
    }

    fn next_record(&mut self) -> FlowRecord {
        self.take()
    }

    fn write_header(&self, w: &mut dyn Write) -> io::Result<u64> {
        w.write_all(format_string(&self.fields).as_bytes())?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn write_record(&self, w: &mut dyn Write, rec: &FlowRecord, _position: u64) -> io::Result<u64> {
        for (i, &f) in self.fields.iter().enumerate() {
            if i > 0 {
                w.write_all(b" ")?;
            }
            match self.value(rec, f) {
                V::S(s) => w.write_all(s.as_bytes())?,
                V::N(n) => write!(w, "{n}")?,
                V::Missing => w.write_all(b"-")?,
            }
        }
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn write_malformed(&self, w: &mut dyn Write, which: u64, _position: u64) -> io::Result<u64> {
        let n = self.fields.len();
        let line = if !self.fields.contains(&F::Start) {
            // Without `start` (a number) only a wrong field count is sure to
            // spoil a record: every other value may be a string.
            let (word, extra) = if which.is_multiple_of(2) {
                ("-", 1)
            } else {
                ("####", 2)
            };
            vec![word; n + extra].join(" ")
        } else {
            match which % 5 {
                // Too few fields.
                0 => format!("{} {} eni-0badbadbadbadbad0", self.version, self.account),
                // Right field count, `start` not a number, everything else `-`.
                1 => self
                    .fields
                    .iter()
                    .map(|f| if *f == F::Start { "yesterday" } else { "-" })
                    .collect::<Vec<_>>()
                    .join(" "),
                // Not a flow record at all.
                2 => "#### corrupted flow log record ####".to_string(),
                // Tab-delimited.
                3 => vec!["-"; n].join("\t"),
                // Too many fields.
                _ => vec!["0"; n + 3].join(" "),
            }
        };
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn expected(
        &self,
        rec: &FlowRecord,
        key: &str,
        index: u64,
        line: Option<u64>,
    ) -> ExpectedRecord {
        let line = line.expect("VPC records are lines");
        let row = self.row(rec);
        ExpectedRecord {
            id: format!("{key}#L{line}"),
            index,
            line: Some(line),
            time_generated: row.TimeGenerated.clone(),
            expected: TableRow::new(row),
        }
    }
}

#[cfg(test)]
#[path = "vpc_tests.rs"]
mod tests;
