"""Firehose transform: CloudWatch Logs subscription records to the {{ table }} format.

Each Firehose record holds one gzip'd CloudWatch Logs subscription payload. Every event of a
DATA_MESSAGE becomes one line `<time>,<message>`, the format Microsoft's CloudWatch exporters
write: the event time in ISO 8601 UTC with milliseconds (2022-12-15T06:48:54.783Z), a comma,
the message unquoted, newline-terminated, no header. A CR LF pair or a lone LF inside a message
is written as the two characters \\n, a lone CR as \\r, so one event is one line; nothing else
is escaped (a message's own backslashes stay as they are, so the escape cannot be undone).
CONTROL_MESSAGE payloads are dropped; a record that cannot be decoded is ProcessingFailed and
Firehose writes it under the error prefix, outside the notified prefix.

The response stays under Lambda's 6 MB limit whatever the input (firehose_response.py): a
record whose lines do not fit is Dropped and its events go back into the delivery stream.
"""
import base64
import gzip
import json
from datetime import datetime, timedelta, timezone

from firehose_response import respond  # the generator inlines firehose_response.py here

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def iso(ms):
    return (EPOCH + timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def one_line(message):
    return message.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\r")


def transform(data):
    """The payload and (log event, line) of each event that gives a line."""
    payload = json.loads(gzip.decompress(base64.b64decode(data)))
    if payload.get("messageType") != "DATA_MESSAGE":
        return payload, []
    return payload, [(e, iso(int(e["timestamp"])) + "," + one_line(e["message"]) + "\n") for e in payload["logEvents"]]


def handler(event, context):
    return respond(event, transform)
