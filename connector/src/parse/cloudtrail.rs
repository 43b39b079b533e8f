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
use crate::rows::{member_names, members, AnyBool, AnyObj, AnyStr, CloudTrailRef, Fill, Text};
use catalogue::tables::{parse_datetime_ms, DateTimeMs, JsonText};

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
#[path = "cloudtrail_tests.rs"]
pub(crate) mod tests;
