"""Firehose transform: CloudWatch Logs subscription records to the {{ table }} format.

Each Firehose record holds one gzip'd CloudWatch Logs subscription payload. DATA_MESSAGE
payloads become header-less CSV lines `timestamp,message` (epoch ms, RFC 4180 quoting);
CONTROL_MESSAGE payloads are dropped; a record that cannot be decoded is ProcessingFailed
and Firehose writes it under the error prefix, outside the notified prefix.
"""
import base64
import csv
import gzip
import io
import json


def to_csv(data):
    payload = json.loads(gzip.decompress(base64.b64decode(data)))
    if payload.get("messageType") != "DATA_MESSAGE":
        return ""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for event in payload["logEvents"]:
        writer.writerow([int(event["timestamp"]), event["message"]])
    return out.getvalue()


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
