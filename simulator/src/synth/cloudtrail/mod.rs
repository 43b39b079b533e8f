//! CloudTrail log files (`{"Records":[...]}`, eventVersion 1.11) with
//! management and data events, several identity types, errors, and the
//! hourly digest files that must never be ingested.
//!
//! The event kinds and their mix are in [`events`], the JSON a record is written as in
//! `record`, the row the connector must produce in `row`.

mod events;
mod record;
mod row;
#[cfg(test)]
mod tests;

use std::io::{self, Write};

use rand::Rng;
use serde_json::{json, Value};

use super::keys::{cloudtrail_digest_key, cloudtrail_key, five_minute_floor, Utc};
use super::manifest::ExpectedRecord;
use super::rng::{alnum, hex, upper_alnum, weighted, Clock};
use super::{sha256_hex, GenOptions, LogGen, Rngs};
use crate::tables::TableRow;
use events::Ctx;

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

    fn generate(&mut self) -> CtEvent {
        let now = self.clock.tick(&mut self.rngs.records).div_euclid(1000) * 1000;
        let kind = *weighted(&mut self.rngs.records, events::MIX);
        let mut ctx = Ctx {
            r: &mut self.rngs.records,
            users: &self.users,
            account: &self.account,
            region: &self.region,
            now,
        };
        kind.event(&mut ctx)
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
