"""Firehose transform: EKS audit events (CloudWatch Logs subscription) to {{ table }} NDJSON.

Each record holds one gzip'd subscription payload from /aws/eks/<cluster>/cluster. Every
audit event line (kind Event with an audit.k8s.io apiVersion, or with no apiVersion but an
auditID and a stage, as EventList items have) becomes one JSON object with the table's
columns, newline-terminated; other control-plane lines are skipped. CONTROL_MESSAGE and payloads
without audit events are Dropped; an undecodable record is ProcessingFailed (Firehose writes it
to the error prefix). The response stays under Lambda's 6 MB limit whatever the input
(firehose_response.py): a record whose rows do not fit is Dropped and its audit events go back
into the delivery stream.
"""
import base64
import gzip
import json
import os
from datetime import datetime, timezone

from firehose_response import respond  # the generator inlines firehose_response.py here

REGION = os.environ.get("AWS_REGION", "")


def when(value, fallback_ms):
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    except (AttributeError, ValueError):
        t = datetime.fromtimestamp(fallback_ms / 1000, timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def audit_event(message):
    try:
        event = json.loads(message)
    except ValueError:
        return None
    if not isinstance(event, dict) or event.get("kind") != "Event":
        return None
    if "apiVersion" in event:  # a core v1 Event is no audit event
        return event if str(event["apiVersion"]).startswith("audit.k8s.io/") else None
    # EventList items (webhook backends, v1beta1 traces) carry no apiVersion of their own.
    return event if isinstance(event.get("auditID"), str) and isinstance(event.get("stage"), str) else None


def obj(event, key):
    value = event.get(key)
    return value if isinstance(value, dict) else {}


def row(event, ts_ms, account, cluster):
    ref = obj(event, "objectRef")
    ref = "/".join(str(ref[k]) for k in ("namespace", "resource", "name", "subresource") if ref.get(k)) or None
    ips = event.get("sourceIPs") or []
    status = obj(event, "responseStatus")
    return {
        "TimeGenerated": when(event.get("requestReceivedTimestamp"), ts_ms),
        "AwsAccountId": account,
        "Region": REGION,
        "ClusterName": cluster,
        "Verb": event.get("verb", ""),
        "User": obj(event, "user").get("username", ""),
        "SourceIPs": ips if isinstance(ips, list) else [ips],
        "UserAgent": event.get("userAgent"),
        "ObjectRef": ref,
        "ResponseCode": status.get("code"),
        "Stage": event.get("stage", ""),
        "AuthDecision": obj(event, "annotations").get("authorization.k8s.io/decision"),
        "RawEvent": event,
    }


def transform(data):
    """The payload and (log event, row line) of each audit event."""
    payload = json.loads(gzip.decompress(base64.b64decode(data, validate=True)))
    if payload.get("messageType") != "DATA_MESSAGE":
        return payload, []
    group = payload.get("logGroup", "").split("/")
    cluster = group[3] if len(group) == 5 and group[1:3] == ["aws", "eks"] else ""
    pairs = []
    for e in payload["logEvents"]:
        event = audit_event(e["message"])
        if event is not None:
            r = row(event, e["timestamp"], payload.get("owner", ""), cluster)
            pairs.append((e, json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n"))
    return payload, pairs


def handler(event, context):
    return respond(event, transform)
