"""Tests for the CloudWatch -> CSV Firehose transform, on real-format subscription payloads."""
import base64
import csv
import gzip
import importlib.util
import io
import json
import pathlib

SOURCE = pathlib.Path(__file__).resolve().parent.parent / "cloudwatch_csv.py"
spec = importlib.util.spec_from_file_location("cloudwatch_csv", SOURCE)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)


def record(rid, payload, raw=None):
    data = raw if raw is not None else base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()
    return {"recordId": rid, "approximateArrivalTimestamp": 1772323200000, "data": data}


def data_message(events):
    return {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "/app/orders",
        "logStream": "i-0abc/app.log",
        "subscriptionFilters": ["sentinel"],
        "logEvents": [
            {"id": str(36000000000000000000000000000000000000000000000000000000 + i), "timestamp": ts, "message": m}
            for i, (ts, m) in enumerate(events)
        ],
    }


def decode(result):
    return base64.b64decode(result["data"]).decode("utf-8")


def test_data_message_becomes_headerless_csv_with_quoting():
    events = [
        (1772323200123, "plain line"),
        (1772323200124, 'has, comma and "quotes"'),
        (1772323200125, "multi\nline\r\nmessage"),
        (1772323200126, "non-ASCII: Grüße, 東京 ✓"),
        (1772323200127, '{"json": true, "n": 1}'),
    ]
    out = mod.handler({"records": [record("r1", data_message(events))]}, None)
    [res] = out["records"]
    assert res["recordId"] == "r1" and res["result"] == "Ok"
    text = decode(res)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [[str(ts), m] for ts, m in events]
    assert text.startswith("1772323200123,plain line\n")


def test_control_message_is_dropped_and_ids_are_echoed():
    control = {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
               "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": 1, "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}
    ok = data_message([(5, "x")])
    out = mod.handler({"records": [record("a", control), record("b", ok)]}, None)
    assert [(r["recordId"], r["result"]) for r in out["records"]] == [("a", "Dropped"), ("b", "Ok")]


def test_undecodable_record_fails_alone():
    bad = record("bad", None, raw=base64.b64encode(b"not gzip").decode())
    good = record("good", data_message([(7, "y")]))
    out = mod.handler({"records": [bad, good]}, None)
    assert out["records"][0] == {"recordId": "bad", "result": "ProcessingFailed", "data": bad["data"]}
    assert out["records"][1]["result"] == "Ok"
    assert decode(out["records"][1]) == "7,y\n"
