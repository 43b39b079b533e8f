//! CloudTrail log files: one `{"Records":[...]}` document, read through a
//! sliding window so only one record is in memory at a time.
//!
//! A CloudTrail digest file (AWS CloudTrail user guide, "CloudTrail digest
//! file structure") is recognised by its members whatever its key: a
//! document without `Records` that has `digestStartTime`, `digestEndTime`,
//! `digestS3Bucket`, `digestS3Object` and a `logFiles` array is
//! [`Document::CloudTrailDigest`], zero rows and no error.
//!
//! Boolean columns (`ManagementEvent`, `ReadOnly`, `SessionMfaAuthenticated`)
//! take JSON booleans and the strings `true`/`false` in any case; any other
//! value is a bad value ([`Item::BadValue`]), as is a `creationDate` that is
//! not RFC 3339: the row is kept without that column.

use std::fmt;
use std::io::BufRead;
use std::ops::ControlFlow;

use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{
    canonical_time, classify, stop_or, utf8, Document, Item, LineError, ObjectError, Position, BUF,
};
use crate::connector::rows::{
    member_names, members, AnyBool, AnyObj, AnyStr, CloudTrailRef, Fill, Text,
};
use crate::tables::{parse_datetime_ms, DateTimeMs, JsonText};

/// A window over the decompressed text: the unread rest of the last read
/// plus, while one is being parsed, the JSON value that started before it.
/// Text enters the window checked as UTF-8 once, so the JSON parser reads
/// it as `str` and need not check each string again.
struct Window<'r> {
    r: &'r mut dyn BufRead,
    buf: String,
    pos: usize,
    /// The start of a UTF-8 sequence cut by the end of the last read.
    partial: Vec<u8>,
    eof: bool,
}

fn not_utf8() -> ObjectError {
    not_cloudtrail("the text is not UTF-8")
}

/// What parsing a value at the window's cursor came to.
enum Attempt<R> {
    /// The value was complete: the result and the bytes it took.
    Done(R, usize),
    /// The value runs past the window's end: read more and try again.
    More,
    Fail(ObjectError),
}

impl Window<'_> {
    /// Appends the next read to the window (dropping what was parsed
    /// already); false at the end of the text.
    fn more(&mut self) -> Result<bool, ObjectError> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 && self.pos * 2 >= self.buf.len() {
            // The cursor is always after an ASCII byte: a char boundary.
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let chunk = self.r.fill_buf().map_err(classify)?;
        if chunk.is_empty() {
            self.eof = true;
            if !self.partial.is_empty() {
                return Err(not_utf8());
            }
            return Ok(false);
        }
        let n = chunk.len();
        let mut taken = 0;
        while !self.partial.is_empty() && taken < n {
            self.partial.push(chunk[taken]);
            taken += 1;
            match std::str::from_utf8(&self.partial) {
                Ok(c) => {
                    self.buf.push_str(c);
                    self.partial.clear();
                }
                Err(e) if e.error_len().is_none() && self.partial.len() < 4 => {}
                Err(_) => return Err(not_utf8()),
            }
        }
        let rest = &chunk[taken..];
        match utf8(rest) {
            Ok(text) => self.buf.push_str(text),
            Err(e) if e.error_len().is_none() => {
                let (good, cut) = rest.split_at(e.valid_up_to());
                self.buf
                    .push_str(std::str::from_utf8(good).expect("checked just above"));
                self.partial.extend_from_slice(cut);
            }
            Err(_) => return Err(not_utf8()),
        }
        self.r.consume(n);
        Ok(true)
    }

    fn peek(&mut self) -> Result<Option<u8>, ObjectError> {
        while self.pos >= self.buf.len() {
            if !self.more()? {
                return Ok(None);
            }
        }
        Ok(Some(self.buf.as_bytes()[self.pos]))
    }

    fn next(&mut self) -> Result<Option<u8>, ObjectError> {
        let b = self.peek()?;
        if b.is_some() {
            self.pos += 1;
        }
        Ok(b)
    }

    /// Skips JSON whitespace.
    fn ws(&mut self) -> Result<(), ObjectError> {
        loop {
            let rest = &self.buf.as_bytes()[self.pos..];
            let n = rest
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(rest.len());
            self.pos += n;
            if self.pos < self.buf.len() || !self.more()? {
                return Ok(());
            }
        }
    }

    /// Runs `attempt` on the text from the cursor (and whether the text ends
    /// there) until it takes a complete value, reading more while it asks
    /// for more; moves past the value.
    fn value<R>(
        &mut self,
        mut attempt: impl FnMut(&str, bool) -> Attempt<R>,
    ) -> Result<R, ObjectError> {
        loop {
            match attempt(&self.buf[self.pos..], self.eof) {
                Attempt::Done(r, n) => {
                    self.pos += n;
                    return Ok(r);
                }
                Attempt::Fail(e) => return Err(e),
                Attempt::More => {
                    self.more()?;
                }
            }
        }
    }
}

/// One JSON value of type `T` at the start of `text`: `Ok(Some((value,
/// length)))`, `Ok(None)` if it may continue past the end of `text` (never
/// when `at_end`), or the parse error.
fn one<'de, T: Deserialize<'de>>(
    text: &'de str,
    at_end: bool,
) -> Result<Option<(T, usize)>, serde_json::Error> {
    let mut it = serde_json::Deserializer::from_str(text).into_iter::<T>();
    match it.next() {
        Some(Ok(v)) if it.byte_offset() < text.len() || at_end => Ok(Some((v, it.byte_offset()))),
        Some(Ok(_)) => Ok(None),
        Some(Err(e)) if e.is_eof() && !at_end => Ok(None),
        Some(Err(e)) => Err(e),
        None if !at_end => Ok(None),
        // Only whitespace to the end: the error serde_json gives for that.
        None => Err(serde_json::from_slice::<IgnoredAny>(b"").unwrap_err()),
    }
}

fn not_cloudtrail(m: &str) -> ObjectError {
    ObjectError::Document(format!("not a CloudTrail log file: {m}"))
}

fn cut_short(e: &serde_json::Error) -> bool {
    e.is_eof()
}

/// An attempt at one owned value (a member name, a skipped member).
fn owned<T: DeserializeOwned>(text: &str, at_end: bool) -> Attempt<T> {
    match one::<T>(text, at_end) {
        Ok(Some((v, n))) => Attempt::Done(v, n),
        Ok(None) => Attempt::More,
        Err(e) if cut_short(&e) => Attempt::Fail(ObjectError::Document(
            "the CloudTrail document is cut short".into(),
        )),
        Err(e) => Attempt::Fail(not_cloudtrail(&format!("invalid JSON: {e}"))),
    }
}

/// The CloudTrail document, streamed through a [`Window`]: the top-level
/// object's members other than `Records` are skipped, and each `Records`
/// element is deserialised in place and mapped. Anything that is not a
/// well-formed `{"Records":[...]}` document or a digest file is
/// [`ObjectError::Document`]; an element that is valid JSON but not an event
/// is a malformed record.
pub(super) fn parse_cloudtrail(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<Document, ObjectError> {
    let mut w = Window {
        r,
        buf: String::with_capacity(2 * BUF),
        pos: 0,
        partial: Vec::new(),
        eof: false,
    };
    let doc = not_cloudtrail;
    w.ws()?;
    if w.next()? != Some(b'{') {
        return Err(doc("the document is not a JSON object"));
    }
    let mut found = false;
    let mut digest = DigestMembers::default();
    w.ws()?;
    if w.peek()? == Some(b'}') {
        w.next()?;
    } else {
        loop {
            if w.peek()? != Some(b'"') {
                return Err(doc("expected a member name"));
            }
            let name: String = w.value(owned::<String>)?;
            let is_records = name == "Records";
            w.ws()?;
            if w.next()? != Some(b':') {
                return Err(doc("expected ':' after a member name"));
            }
            w.ws()?;
            digest.saw(&name, w.peek()?);
            if is_records && !found {
                found = true;
                if w.next()? != Some(b'[') {
                    return Err(doc("\"Records\" is not an array"));
                }
                w.ws()?;
                if w.peek()? == Some(b']') {
                    w.next()?;
                } else {
                    let mut index = 0u64;
                    loop {
                        if w.peek()?.is_none() {
                            return Err(ObjectError::Document(
                                "the CloudTrail document is cut short".into(),
                            ));
                        }
                        let flow = w.value(|text, at_end| record(text, at_end, index, sink))?;
                        index += 1;
                        stop_or(flow)?;
                        w.ws()?;
                        match w.next()? {
                            Some(b',') => w.ws()?,
                            Some(b']') => break,
                            _ => return Err(doc("expected ',' or ']' in Records")),
                        }
                    }
                }
            } else {
                w.value(owned::<IgnoredAny>)?;
            }
            w.ws()?;
            match w.next()? {
                Some(b',') => w.ws()?,
                Some(b'}') => break,
                _ => return Err(doc("expected ',' or '}' after a member")),
            }
        }
    }
    w.ws()?;
    if w.peek()?.is_some() {
        return Err(ObjectError::Document(
            "text after the CloudTrail document".into(),
        ));
    }
    if !found {
        if digest.complete() {
            return Ok(Document::CloudTrailDigest);
        }
        return Err(ObjectError::Document(
            "the JSON document has no \"Records\" array and is no CloudTrail digest file \
             (digestStartTime, digestEndTime, digestS3Bucket, digestS3Object, logFiles)"
                .into(),
        ));
    }
    Ok(Document::Log)
}

/// Which of the members that mark a digest file the document has.
#[derive(Default)]
struct DigestMembers(u8);

impl DigestMembers {
    const NAMES: [&'static str; 5] = [
        "digestStartTime",
        "digestEndTime",
        "digestS3Bucket",
        "digestS3Object",
        "logFiles",
    ];

    /// A top-level member `name` whose value starts with `first`.
    fn saw(&mut self, name: &str, first: Option<u8>) {
        if let Some(i) = Self::NAMES.iter().position(|n| *n == name) {
            if name != "logFiles" || first == Some(b'[') {
                self.0 |= 1 << i;
            }
        }
    }

    fn complete(&self) -> bool {
        self.0 == (1 << Self::NAMES.len()) - 1
    }
}

/// One `Records` element at the start of `text`: mapped and handed to the
/// sink once complete.
fn record(
    text: &str,
    at_end: bool,
    index: u64,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Attempt<ControlFlow<()>> {
    let position = Position { line: None, index };
    let invalid = |e: serde_json::Error| {
        if cut_short(&e) {
            ObjectError::Document("the CloudTrail document is cut short".into())
        } else {
            not_cloudtrail(&format!("Records[{index}] is not valid JSON: {e}"))
        }
    };
    // An element that is valid JSON but not an event: skip it, report it.
    let mut malformed = |reason: String| match one::<IgnoredAny>(text, at_end) {
        Ok(Some((_, n))) => Attempt::Done(sink(Item::Malformed(LineError { position, reason })), n),
        Ok(None) => Attempt::More,
        Err(e) => Attempt::Fail(invalid(e)),
    };
    let kind = match text.as_bytes().first() {
        Some(b'{') => "",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'"') => "a string",
        Some(b'[') => "an array",
        _ => "a number",
    };
    if !kind.is_empty() {
        return malformed(format!("a Records item is {kind}, not an event object"));
    }
    let event = match one::<EventRow>(text, at_end) {
        Ok(Some(v)) => v,
        Ok(None) => return Attempt::More,
        Err(e) if e.is_data() => return malformed(format!("not a CloudTrail event: {e}")),
        Err(e) => return Attempt::Fail(invalid(e)),
    };
    let (event, n) = event;
    let flow = match event.finish() {
        Ok((row, bad)) => {
            let mut flow = sink(Item::Row(position, &row));
            for reason in bad {
                if flow.is_continue() {
                    flow = sink(Item::BadValue(LineError { position, reason }));
                }
            }
            flow
        }
        Err(reason) => sink(Item::Malformed(LineError { position, reason })),
    };
    Attempt::Done(flow, n)
}

member_names!(
    /// The members of a CloudTrail event the table maps.
    EventKey {
        eventTime, awsRegion, additionalEventData, apiVersion, eventID, requestID, eventCategory,
        errorCode, errorMessage, eventName, eventSource, eventType, eventVersion, managementEvent,
        readOnly, recipientAccountId, requestParameters, resources, responseElements,
        serviceEventDetails, sharedEventID, sourceIPAddress, userAgent, vpcEndpointId, tlsDetails,
        userIdentity,
    }
);
member_names!(TlsKey {
    tlsVersion,
    cipherSuite,
    clientProvidedHostHeader
});
member_names!(IdentityKey {
    accessKeyId,
    accountId,
    arn,
    invokedBy,
    principalId,
    r#type,
    userName,
    sessionContext
});
member_names!(SessionKey {
    ec2RoleDelivery,
    sessionIssuer,
    attributes
});
member_names!(IssuerKey {
    accountId,
    arn,
    principalId,
    r#type,
    userName
});
member_names!(AttributesKey {
    creationDate,
    mfaAuthenticated
});

/// The next member's value read leniently as a string.
fn text<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<Text<'de>>, A::Error> {
    Ok(map.next_value::<AnyStr<'de>>()?.take())
}

/// The next member's value read leniently as a boolean; a value that is
/// none goes to `bad`, naming the `member` and the `column` left empty.
fn flag<'de, A: MapAccess<'de>>(
    map: &mut A,
    bad: &mut Vec<String>,
    member: &str,
    column: &str,
) -> Result<Option<bool>, A::Error> {
    let v = map.next_value::<AnyBool>()?;
    if let AnyBool::NotBool(what) = &v {
        bad.push(format!(
            "{member} {what} is not a boolean (true or false, in any case): \
             the row is kept without {column}"
        ));
    }
    Ok(v.value())
}

/// The next member's value as JSON text, `None` for `null`.
fn json<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<JsonText<'de>>, A::Error> {
    Ok(map
        .next_value::<Option<&'de RawValue>>()?
        .map(|r| JsonText(r.get())))
}

/// A `Records` element read straight into its row: each member lands in
/// its column as it is read, nested objects included, so no intermediate
/// struct is built or moved. Members are read leniently: one of an
/// unexpected type reads as absent (booleans and the creation date also say
/// so in `bad`).
#[derive(Default)]
struct EventRow<'a> {
    row: CloudTrailRef<'a>,
    event_time: Option<Text<'a>>,
    bad: Vec<String>,
}

impl<'de> Deserialize<'de> for EventRow<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EventVisitor)
    }
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = EventRow<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CloudTrail event object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<EventRow<'de>, A::Error> {
        let mut event = EventRow::default();
        let EventRow {
            row: r,
            event_time,
            bad,
        } = &mut event;
        members(map, |key, map: &mut A| {
            use EventKey as K;
            match key {
                K::eventTime => *event_time = text(map)?,
                K::awsRegion => r.AWSRegion = text(map)?,
                K::additionalEventData => r.AdditionalEventData = json(map)?,
                K::apiVersion => r.APIVersion = text(map)?,
                K::eventID => r.AwsEventId = text(map)?,
                K::requestID => r.AwsRequestId_ = text(map)?,
                K::eventCategory => r.Category = text(map)?,
                K::errorCode => r.ErrorCode = text(map)?,
                K::errorMessage => r.ErrorMessage = text(map)?,
                K::eventName => r.EventName = text(map)?,
                K::eventSource => r.EventSource = text(map)?,
                K::eventType => r.EventTypeName = text(map)?,
                K::eventVersion => r.EventVersion = text(map)?,
                K::managementEvent => {
                    r.ManagementEvent = flag(map, bad, "managementEvent", "ManagementEvent")?
                }
                K::readOnly => r.ReadOnly = flag(map, bad, "readOnly", "ReadOnly")?,
                K::recipientAccountId => r.RecipientAccountId = text(map)?,
                K::requestParameters => r.RequestParameters = json(map)?,
                K::resources => r.Resources = json(map)?,
                K::responseElements => r.ResponseElements = json(map)?,
                K::serviceEventDetails => r.ServiceEventDetails = json(map)?,
                K::sharedEventID => r.SharedEventId = text(map)?,
                K::sourceIPAddress => r.SourceIpAddress = text(map)?,
                K::userAgent => r.UserAgent = text(map)?,
                K::vpcEndpointId => r.VpcEndpointId = text(map)?,
                K::tlsDetails => map.next_value_seed(AnyObj(Tls(r)))?,
                K::userIdentity => map.next_value_seed(AnyObj(Identity(r, bad)))?,
                K::other => {}
            }
            Ok(())
        })?;
        Ok(event)
    }
}

/// `tlsDetails` into the row.
struct Tls<'r, 'a>(&'r mut CloudTrailRef<'a>);

impl<'de> Fill<'de> for Tls<'_, 'de> {
    fn fill<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let r = self.0;
        members(map, |key, map: &mut A| {
            match key {
                TlsKey::tlsVersion => r.TlsVersion = text(map)?,
                TlsKey::cipherSuite => r.CipherSuite = text(map)?,
                TlsKey::clientProvidedHostHeader => r.ClientProvidedHostHeader = text(map)?,
                TlsKey::other => {}
            }
            Ok(())
        })
    }
}

/// `userIdentity` into the row (bad values to the list).
struct Identity<'r, 'a>(&'r mut CloudTrailRef<'a>, &'r mut Vec<String>);

impl<'de> Fill<'de> for Identity<'_, 'de> {
    fn fill<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let Identity(r, bad) = self;
        members(map, |key, map: &mut A| {
            use IdentityKey as K;
            match key {
                K::accessKeyId => r.UserIdentityAccessKeyId = text(map)?,
                K::accountId => r.UserIdentityAccountId = text(map)?,
                K::arn => r.UserIdentityArn = text(map)?,
                K::invokedBy => r.UserIdentityInvokedBy = text(map)?,
                K::principalId => r.UserIdentityPrincipalid = text(map)?,
                K::r#type => r.UserIdentityType = text(map)?,
                K::userName => r.UserIdentityUserName = text(map)?,
                K::sessionContext => map.next_value_seed(AnyObj(Session(&mut *r, &mut *bad)))?,
                K::other => {}
            }
            Ok(())
        })
    }
}

/// `userIdentity.sessionContext` into the row (bad values to the list).
struct Session<'r, 'a>(&'r mut CloudTrailRef<'a>, &'r mut Vec<String>);

impl<'de> Fill<'de> for Session<'_, 'de> {
    fn fill<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let Session(r, bad) = self;
        members(map, |key, map: &mut A| {
            match key {
                SessionKey::ec2RoleDelivery => r.EC2RoleDelivery = text(map)?,
                SessionKey::sessionIssuer => map.next_value_seed(AnyObj(Issuer(&mut *r)))?,
                SessionKey::attributes => {
                    map.next_value_seed(AnyObj(Attributes(&mut *r, &mut *bad)))?
                }
                SessionKey::other => {}
            }
            Ok(())
        })
    }
}

/// `userIdentity.sessionContext.sessionIssuer` into the row.
struct Issuer<'r, 'a>(&'r mut CloudTrailRef<'a>);

impl<'de> Fill<'de> for Issuer<'_, 'de> {
    fn fill<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let r = self.0;
        members(map, |key, map: &mut A| {
            use IssuerKey as K;
            match key {
                K::accountId => r.SessionIssuerAccountId = text(map)?,
                K::arn => r.SessionIssuerArn = text(map)?,
                K::principalId => r.SessionIssuerPrincipalId = text(map)?,
                K::r#type => r.SessionIssuerType = text(map)?,
                K::userName => r.SessionIssuerUserName = text(map)?,
                K::other => {}
            }
            Ok(())
        })
    }
}

/// `userIdentity.sessionContext.attributes` into the row; a creation date
/// that is not RFC 3339, or a `mfaAuthenticated` that is no boolean, reads as
/// absent and goes to the list of bad values.
struct Attributes<'r, 'a>(&'r mut CloudTrailRef<'a>, &'r mut Vec<String>);

impl<'de> Fill<'de> for Attributes<'_, 'de> {
    fn fill<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let Attributes(r, bad) = self;
        members(map, |key, map: &mut A| {
            match key {
                AttributesKey::creationDate => {
                    let text = text(map)?;
                    r.SessionCreationDate =
                        text.as_deref().and_then(parse_datetime_ms).map(DateTimeMs);
                    if let (Some(t), None) = (&text, r.SessionCreationDate) {
                        let t: String = t.chars().take(40).collect();
                        bad.push(format!(
                            "userIdentity.sessionContext.attributes.creationDate {t:?} is not \
                             an RFC 3339 timestamp: the row is kept without SessionCreationDate"
                        ));
                    }
                }
                AttributesKey::mfaAuthenticated => {
                    r.SessionMfaAuthenticated = flag(
                        map,
                        bad,
                        "userIdentity.sessionContext.attributes.mfaAuthenticated",
                        "SessionMfaAuthenticated",
                    )?
                }
                AttributesKey::other => {}
            }
            Ok(())
        })
    }
}

impl<'a> EventRow<'a> {
    /// The row, once its `TimeGenerated` is set from `eventTime`, and its
    /// bad values.
    fn finish(self) -> Result<(CloudTrailRef<'a>, Vec<String>), String> {
        let Some(time) = self.event_time else {
            return Err("the event has no eventTime".into());
        };
        let mut row = self.row;
        row.TimeGenerated = canonical_time(&time, "eventTime")?;
        Ok((row, self.bad))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::rows;
    use crate::connector::parse::{parse_bytes, parse_object, Document, ObjectError, Service};
    use crate::tables::{AwsCloudTrail, DateTimeMs};
    use serde_json::Value;

    pub(crate) const TRAIL: &str = r#"{"Records":[{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:alice","arn":"arn:aws:sts::111122223333:assumed-role/Admin/alice","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/Admin","accountId":"111122223333","userName":"Admin"},"attributes":{"creationDate":"2026-03-01T00:00:00Z","mfaAuthenticated":"false"},"ec2RoleDelivery":"2.0"}},"eventTime":"2026-03-01T00:05:07Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-2","sourceIPAddress":"ec2.amazonaws.com","userAgent":"aws-cli/2","requestParameters":{"b":1,"a":[1,2]},"responseElements":null,"requestID":"R1","eventID":"E1","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"s3.us-east-2.amazonaws.com"},"sessionCredentialFromConsole":"true"},
"corrupted-record", {"eventName":"NoTime"}, {"eventTime":"2026-03-01T00:06:00.250Z","eventID":"E2","userIdentity":{"type":"AWSService","invokedBy":"cloudtrail.amazonaws.com"}}], "other": {"x": [1]}}"#;

    #[test]
    fn cloudtrail_literal_records() {
        let (r, bad) = rows(Service::Cloudtrail, TRAIL.as_bytes());
        assert_eq!(r.len(), 2);
        let Some(e) = r[0].decode::<AwsCloudTrail>() else {
            panic!()
        };
        assert_eq!(e.TimeGenerated, "2026-03-01T00:05:07.000Z");
        assert_eq!(e.RequestParameters.as_deref(), Some(r#"{"b":1,"a":[1,2]}"#));
        assert_eq!(e.ResponseElements, None);
        assert_eq!(e.SessionMfaAuthenticated, Some(false));
        assert_eq!(
            e.SessionCreationDate.as_deref(),
            Some("2026-03-01T00:00:00.000Z")
        );
        assert_eq!(e.SessionIssuerUserName.as_deref(), Some("Admin"));
        assert_eq!(e.EC2RoleDelivery.as_deref(), Some("2.0"));
        assert_eq!(
            e.UserIdentityPrincipalid.as_deref(),
            Some("AROAEXAMPLE:alice")
        );
        assert_eq!(e.TlsVersion.as_deref(), Some("TLSv1.3"));
        assert_eq!(e.AwsRequestId_.as_deref(), Some("R1"));
        assert_eq!(e.ReadOnly, Some(true));
        let Some(e2) = r[1].decode::<AwsCloudTrail>() else {
            panic!()
        };
        assert_eq!(
            e2.UserIdentityInvokedBy.as_deref(),
            Some("cloudtrail.amazonaws.com")
        );
        assert_eq!(e2.TimeGenerated, "2026-03-01T00:06:00.250Z");
        let idx: Vec<u64> = bad.iter().map(|b| b.position.index).collect();
        assert_eq!(idx, [1, 2]);
        assert!(bad.iter().all(|b| b.position.line.is_none()));
    }

    #[test]
    fn cloudtrail_nested_members_lenient_but_not_duplicated() {
        let doc = br#"{"Records":[
            {"eventTime":"2026-03-01T00:00:01Z","userIdentity":"root","tlsDetails":[1],"readOnly":"x"},
            {"eventTime":"2026-03-01T00:00:02Z","userIdentity":{"type":"IAMUser","sessionContext":
                {"sessionIssuer":7,"attributes":{"mfaAuthenticated":true,"creationDate":"not a date"}}}},
            {"eventTime":"2026-03-01T00:00:03Z","userIdentity":{"type":"A","type":"B"}},
            {"eventTime":"2026-03-01T00:00:04Z","eventName":"A","eventName":"B"}
        ]}"#;
        let (r, bad) = rows(Service::Cloudtrail, doc);
        let cols: Vec<_> = r
            .iter()
            .map(|row| match row.decode::<AwsCloudTrail>() {
                Some(e) => (
                    e.UserIdentityType.clone(),
                    e.TlsVersion.clone(),
                    e.ReadOnly,
                    e.SessionIssuerType.clone(),
                    e.SessionMfaAuthenticated,
                    e.SessionCreationDate.clone(),
                ),
                None => panic!("{row:?}"),
            })
            .collect();
        assert_eq!(
            cols,
            [
                (None, None, None, None, None, None),
                (Some("IAMUser".into()), None, None, None, Some(true), None),
            ]
        );
        let reasons: Vec<_> = bad
            .iter()
            .map(|b| (b.position.index, b.reason.as_str()))
            .collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert_eq!(reasons[0].0, 2);
        assert!(
            reasons[0].1.contains("duplicate field `type`"),
            "{reasons:?}"
        );
        assert_eq!(reasons[1].0, 3);
        assert!(
            reasons[1].1.contains("duplicate field `eventName`"),
            "{reasons:?}"
        );
    }

    #[test]
    fn cloudtrail_bad_documents() {
        for (doc, what) in [
            (&br#"{"awsAccountId":"1","logFiles":[]}"#[..], "Records"),
            (
                &br#"{"Records":[{"eventTime":"2026-03-01T00:00:00Z"}"#[..],
                "CloudTrail",
            ),
            (&br#"{"Records":[]} trailing"#[..], "after"),
            (&br#"[1,2]"#[..], "CloudTrail"),
        ] {
            let (_, _, r) = parse_bytes(Service::Cloudtrail, None, doc);
            match r {
                Err(ObjectError::Document(m)) => assert!(m.contains(what), "{m}"),
                other => panic!("{other:?}"),
            }
        }
        let (rows, _, r) = parse_bytes(Service::Cloudtrail, None, br#"{"Records":[]}"#);
        assert!(rows.is_empty() && r.is_ok());
    }

    #[test]
    fn cloudtrail_scanner_tricky_text() {
        // Pretty-printed, members before Records, strings with quotes,
        // brackets and escapes, nested arrays, scalars as elements.
        let v: Value = serde_json::from_str(TRAIL).unwrap();
        let mut doc = serde_json::json!({
            "x": {"y": ["]}", "\"{[", {"z": "\\"}]},
            "n": -1.5e3,
            "Records": v["Records"].clone(),
        });
        doc["Records"][0]["requestParameters"] =
            serde_json::json!({"q": "a\"]},{[b", "list": [[1, [2]], {"k": "}"}]});
        let pretty = serde_json::to_string_pretty(&doc).unwrap();
        let compact = doc.to_string();
        let (a, bad_a) = rows(Service::Cloudtrail, pretty.as_bytes());
        let (b, bad_b) = rows(Service::Cloudtrail, compact.as_bytes());
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
        assert_eq!(bad_a, bad_b);
        let Some(e) = a[0].decode::<AwsCloudTrail>() else {
            panic!()
        };
        assert_eq!(
            e.RequestParameters.as_deref(),
            Some(r#"{"q":"a\"]},{[b","list":[[1,[2]],{"k":"}"}]}"#)
        );
        // A record that is not valid JSON spoils the document; a cut-short one too.
        for broken in [
            &br#"{"Records":[{"eventTime":"2026-03-01T00:00:00Z","a":}]}"#[..],
            &br#"{"Records":[{"eventTime":"2026-03-01T00:00:00Z"}"#[..],
            &br#"{"Records":[{"eventTime":"2026-03-01T00:00:00Z"},"#[..],
            &br#"{"Records":["abc"#[..],
            &br#"{"Records":null}"#[..],
            &br#"{"Records":[] "#[..],
        ] {
            let (_, _, r) = parse_bytes(Service::Cloudtrail, None, broken);
            assert!(
                matches!(r, Err(ObjectError::Document(_))),
                "{}: {r:?}",
                String::from_utf8_lossy(broken)
            );
        }
    }

    #[test]
    fn boolean_strings_in_any_case_and_other_values_reported() {
        let doc = br#"{"Records":[
            {"eventTime":"2026-03-01T00:00:01Z","readOnly":"False","managementEvent":"TRUE",
             "userIdentity":{"sessionContext":{"attributes":{"mfaAuthenticated":"True"}}}},
            {"eventTime":"2026-03-01T00:00:02Z","readOnly":"yes","managementEvent":1,
             "userIdentity":{"sessionContext":{"attributes":{"mfaAuthenticated":{"a":1},
             "creationDate":"Wed Oct 23 14:36:48 UTC 2013"}}}},
            {"eventTime":"2026-03-01T00:00:03Z","readOnly":null,"managementEvent":false}
        ]}"#;
        let p = parse_object(Service::Cloudtrail, None, DateTimeMs(0), doc);
        let summary = p.result.unwrap();
        let flags: Vec<_> = p
            .rows
            .iter()
            .map(|(_, r)| match r.decode::<AwsCloudTrail>() {
                Some(e) => (
                    e.ReadOnly,
                    e.ManagementEvent,
                    e.SessionMfaAuthenticated,
                    e.SessionCreationDate.clone(),
                ),
                None => panic!("{r:?}"),
            })
            .collect();
        assert_eq!(
            flags,
            [
                (Some(false), Some(true), Some(true), None),
                (None, None, None, None),
                (None, Some(false), None, None),
            ]
        );
        // Every value left out is reported, at its record; none is silent.
        assert!(p.malformed.is_empty());
        let bad: Vec<(u64, &str)> = p
            .bad_values
            .iter()
            .map(|b| (b.position.index, b.reason.as_str()))
            .collect();
        assert_eq!(bad.len(), 4, "{bad:?}");
        assert_eq!(summary.bad_values, 4);
        assert!(bad.iter().all(|b| b.0 == 1), "{bad:?}");
        for (what, column) in [
            (r#"readOnly "yes""#, "ReadOnly"),
            ("managementEvent 1", "ManagementEvent"),
            (
                "userIdentity.sessionContext.attributes.mfaAuthenticated an object",
                "SessionMfaAuthenticated",
            ),
            (
                r#"creationDate "Wed Oct 23 14:36:48 UTC 2013""#,
                "SessionCreationDate",
            ),
        ] {
            assert!(
                bad.iter()
                    .any(|b| b.1.contains(what) && b.1.ends_with(&format!("without {column}"))),
                "{what}: {bad:?}"
            );
        }
    }

    /// A digest file as CloudTrail writes it ("CloudTrail digest file
    /// structure", AWS CloudTrail user guide), shortened.
    pub(crate) const DIGEST: &str = r#"{
  "awsAccountId": "111122223333",
  "digestStartTime": "2026-03-01T00:00:00Z",
  "digestEndTime": "2026-03-01T01:00:00Z",
  "digestS3Bucket": "amzn-s3-demo-bucket",
  "digestS3Object": "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2026/03/01/111122223333_CloudTrail-Digest_us-east-2_trail_us-east-2_20260301T010000Z.json.gz",
  "digestPublicKeyFingerprint": "809a5e1a5d4d46e0b1e0f0bb1f3b5c2d",
  "digestSignatureAlgorithm": "SHA256withRSA",
  "newestEventTime": "2026-03-01T00:59:58Z",
  "oldestEventTime": "2026-03-01T00:00:01Z",
  "previousDigestS3Bucket": null,
  "previousDigestS3Object": null,
  "previousDigestHashValue": null,
  "previousDigestHashAlgorithm": null,
  "previousDigestSignature": null,
  "logFiles": [
    {"s3Bucket": "amzn-s3-demo-bucket",
     "s3Object": "AWSLogs/111122223333/CloudTrail/us-east-2/2026/03/01/111122223333_CloudTrail_us-east-2_20260301T0005Z_a1b2c3d4e5f6g7h8.json.gz",
     "hashValue": "9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6",
     "hashAlgorithm": "SHA-256",
     "newestEventTime": "2026-03-01T00:04:59Z",
     "oldestEventTime": "2026-03-01T00:00:01Z"}
  ]
}"#;

    #[test]
    fn a_digest_file_is_recognised_by_its_members_and_gives_no_rows() {
        let p = parse_object(
            Service::Cloudtrail,
            Some("x.json"),
            DateTimeMs(0),
            DIGEST.as_bytes(),
        );
        let summary = p.result.unwrap();
        assert_eq!(summary.document, Document::CloudTrailDigest);
        assert!(p.rows.is_empty() && p.malformed.is_empty());
        // An empty hour's digest: no files, null event times.
        let empty = DIGEST.replace(
            &DIGEST[DIGEST.find("\"logFiles\"").unwrap()..],
            "\"logFiles\": []}",
        );
        let (_, _, r) = parse_bytes(Service::Cloudtrail, None, empty.as_bytes());
        assert_eq!(r.unwrap().document, Document::CloudTrailDigest);
        // A log file is a log file, also with digest-like members.
        let both = DIGEST.replacen('{', r#"{"Records":[],"#, 1);
        let (_, _, r) = parse_bytes(Service::Cloudtrail, None, both.as_bytes());
        assert_eq!(r.unwrap().document, Document::Log);
        // Without one of the five members, or with a logFiles that is no
        // array, it is neither.
        for broken in [
            DIGEST.replace("\"digestS3Object\"", "\"digestS3Objekt\""),
            DIGEST
                .replace("\"logFiles\": [", "\"logFiles\": {\"x\":[")
                .replace("]\n}", "]}\n}"),
        ] {
            let (_, _, r) = parse_bytes(Service::Cloudtrail, None, broken.as_bytes());
            assert!(
                matches!(&r, Err(ObjectError::Document(m)) if m.contains("no CloudTrail digest")),
                "{r:?}"
            );
        }
    }
}
