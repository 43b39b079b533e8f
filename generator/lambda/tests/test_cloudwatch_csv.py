"""Tests for the CloudWatch -> CSV Firehose transform, on real-format subscription payloads."""
import base64
import gzip
import importlib.util
import json
import pathlib

import firehose_fake

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


def test_data_message_becomes_microsofts_line_format():
    # 1772323200123 ms = 2026-03-01T00:00:00.123Z; no header; the message unquoted as it is.
    events = [
        (1772323200123, "plain line"),
        (1772323200124, 'has, comma and "quotes"'),
        (1772323200125, '{"json": true, "n": 1, "list": ["a", "b"]}'),
        (1772323200126, "non-ASCII: Grüße, 東京 ✓"),
        (1772323200127, "  padded  "),
        (1772323200128, ""),
        (1, "early"),
    ]
    out = mod.handler({"records": [record("r1", data_message(events))]}, None)
    [res] = out["records"]
    assert res["recordId"] == "r1" and res["result"] == "Ok"
    assert decode(res) == (
        "2026-03-01T00:00:00.123Z,plain line\n"
        '2026-03-01T00:00:00.124Z,has, comma and "quotes"\n'
        '2026-03-01T00:00:00.125Z,{"json": true, "n": 1, "list": ["a", "b"]}\n'
        "2026-03-01T00:00:00.126Z,non-ASCII: Grüße, 東京 ✓\n"
        "2026-03-01T00:00:00.127Z,  padded  \n"
        "2026-03-01T00:00:00.128Z,\n"
        "1970-01-01T00:00:00.001Z,early\n"
    )
    # Everything after the first comma is the message.
    assert [line.split(",", 1)[1] for line in decode(res).splitlines()] == [m for _, m in events]


def test_line_breaks_inside_a_message_become_two_character_escapes():
    events = [
        (1772323200000, "lf\nin the middle"),
        (1772323200001, "crlf\r\nwindows"),
        (1772323200002, "lone\rcr"),
        (1772323200003, "START RequestId: 1 Version: $LATEST\n"),
        (1772323200004, "mixed\n\r\n\r\r\nend"),
        (1772323200005, "a literal backslash-n \\n stays"),
    ]
    out = mod.handler({"records": [record("r", data_message(events))]}, None)
    text = decode(out["records"][0])
    assert text.count("\n") == len(events) and "\r" not in text
    assert text.splitlines() == [
        "2026-03-01T00:00:00.000Z,lf\\nin the middle",
        "2026-03-01T00:00:00.001Z,crlf\\nwindows",
        "2026-03-01T00:00:00.002Z,lone\\rcr",
        "2026-03-01T00:00:00.003Z,START RequestId: 1 Version: $LATEST\\n",
        "2026-03-01T00:00:00.004Z,mixed\\n\\n\\r\\nend",
        "2026-03-01T00:00:00.005Z,a literal backslash-n \\n stays",
    ]


def test_control_message_is_dropped_and_ids_are_echoed():
    control = {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
               "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": 1, "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}
    ok = data_message([(5, "x")])
    out = mod.handler({"records": [record("a", control), record("b", ok)]}, None)
    assert [(r["recordId"], r["result"]) for r in out["records"]] == [("a", "Dropped"), ("b", "Ok")]
    assert out["records"][0]["data"] == ""


def test_undecodable_record_fails_alone():
    bad = record("bad", None, raw=base64.b64encode(b"not gzip").decode())
    good = record("good", data_message([(7, "y")]))
    out = mod.handler({"records": [bad, good]}, None)
    assert out["records"][0] == {"recordId": "bad", "result": "ProcessingFailed", "data": bad["data"]}
    assert out["records"][1]["result"] == "Ok"
    assert decode(out["records"][1]) == "1970-01-01T00:00:00.007Z,y\n"



def test_output_over_6_mb_is_split_and_reingested_so_every_event_arrives_once():
    # 12.8 MB of lines from 0.2 MB of base64 gzip: one record alone gives 6.6 MB (8.8 MB in base64).
    filler = "x" * 990

    def msg(r, i):
        return f"r{r} e{i:05d}, {filler}"

    big = data_message([(1772323200000 + i, msg(0, i)) for i in range(6500)])
    small = [data_message([(1772323200000 + i, msg(r, i)) for i in range(1500)]) for r in (1, 2, 3, 4)]
    records = [record("big", big)] + [record(f"s{r}", p) for r, p in enumerate(small, 1)]
    assert sum(len(r["data"]) for r in records) < 250_000
    fake = firehose_fake.FakeFirehose()
    texts, sizes = firehose_fake.rounds(mod.handler, records, fake)
    assert max(sizes) < 6_000_000 and len(sizes) > 1, sizes
    lines = [line for t in texts for line in t.splitlines()]
    want = [msg(0, i) for i in range(6500)] + [msg(r, i) for r in (1, 2, 3, 4) for i in range(1500)]
    assert sorted(line.split(",", 1)[1] for line in lines) == sorted(want)
    assert all(line.startswith("2026-03-01T00:00:0") for line in lines)
    assert {name for name, _ in fake.calls} == {"sentinel-stream"}
    # Re-ingested payloads are CloudWatch Logs payloads of the same group and stream.
    assert {(p["messageType"], p["logGroup"], p["logStream"]) for p in firehose_fake.payloads(fake)} == {
        ("DATA_MESSAGE", "/app/orders", "i-0abc/app.log")}
