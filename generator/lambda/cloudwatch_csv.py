"""Firehose transform: CloudWatch Logs subscription records to the {{ table }} format.

Each Firehose record holds one gzip'd CloudWatch Logs subscription payload. Every event of a
DATA_MESSAGE becomes one line `<time>,<message>`, the format Microsoft's CloudWatch exporters
write: the event time in ISO 8601 UTC with milliseconds (2022-12-15T06:48:54.783Z), a comma,
the message unquoted, newline-terminated, no header. A CR LF pair or a lone LF inside a message
is written as the two characters \\n, a lone CR as \\r, so one event is one line; nothing else
is escaped (a message's own backslashes stay as they are, so the escape cannot be undone).
CONTROL_MESSAGE payloads are dropped; a record that cannot be decoded is ProcessingFailed and
Firehose writes it under the error prefix, outside the notified prefix.
"""
import base64
import gzip
import json
from datetime import datetime, timedelta, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def iso(ms):
    return (EPOCH + timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def one_line(message):
    return message.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\r")


def to_csv(data):
    payload = json.loads(gzip.decompress(base64.b64decode(data)))
    if payload.get("messageType") != "DATA_MESSAGE":
        return ""
    return "".join(iso(int(e["timestamp"])) + "," + one_line(e["message"]) + "\n" for e in payload["logEvents"])


def handler(event, context):
    results = []
    for record in event["records"]:
        rid = record["recordId"]
        try:
            text = to_csv(record["data"])
        except Exception as exc:
            print(json.dumps({"recordId": rid, "error": repr(exc)}))
            results.append({"recordId": rid, "result": "ProcessingFailed", "data": record["data"]})
            continue
        if text:
            data = base64.b64encode(text.encode("utf-8")).decode("ascii")
            results.append({"recordId": rid, "result": "Ok", "data": data})
        else:
            results.append({"recordId": rid, "result": "Dropped", "data": record["data"]})
    return {"records": results}
