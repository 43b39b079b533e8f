"""Tests for the response guard both transforms share: budget, re-ingestion limits, retries."""
import base64
import gzip
import json
import random

import firehose_fake
from firehose_fake import FakeFirehose, STREAM_ARN, firehose_response as guard


def lines_of(data):
    """A transform for the tests: the payload's messages, one line each."""
    payload = json.loads(gzip.decompress(base64.b64decode(data)))
    return payload, [(e, e["message"] + "\n") for e in payload["logEvents"]]


def record(rid, messages):
    payload = {"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/g", "logStream": "s",
               "subscriptionFilters": ["f"],
               "logEvents": [{"id": str(i), "timestamp": i, "message": m} for i, m in enumerate(messages)]}
    return {"recordId": rid, "approximateArrivalTimestamp": 0,
            "data": base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()}


def handler(event, context):
    return guard.respond(event, lines_of)


def test_a_batch_that_fits_is_answered_without_any_put():
    fake = FakeFirehose()
    firehose_fake.use(fake)
    out = handler({"deliveryStreamArn": STREAM_ARN, "records": [record("a", ["x", "y"]), record("b", [])]}, None)
    assert [(r["result"], base64.b64decode(r["data"])) for r in out["records"]] == [("Ok", b"x\ny\n"), ("Dropped", b"")]
    assert fake.calls == []


def test_failed_records_count_against_the_response_and_ok_records_give_way():
    # 5.4 MB of undecodable records leave no room for a 1 MB record: it is re-ingested instead.
    failed = [{"recordId": f"bad{i}", "approximateArrivalTimestamp": 0, "data": "A" * 900_000} for i in range(6)]
    fake = FakeFirehose()
    firehose_fake.use(fake)
    out = handler({"deliveryStreamArn": STREAM_ARN, "records": failed + [record("ok", ["z" * 1_000] * 700)]}, None)
    assert [r["result"] for r in out["records"]] == ["ProcessingFailed"] * 6 + ["Dropped"]
    assert all(r["data"] == "A" * 900_000 for r in out["records"][:6])
    assert len(json.dumps(out)) < 6_000_000
    assert sum(len(p["logEvents"]) for p in firehose_fake.payloads(fake)) == 700


def test_pieces_stay_under_the_record_limit_and_one_event_goes_alone():
    # Incompressible messages: the output bound alone would allow a piece over 1,000 KiB of gzip.
    rng = random.Random(7)
    messages = [rng.randbytes(10_000).hex() for _ in range(150)]
    payload, pairs = lines_of(record("r", messages)["data"])
    guard.MAX_PIECE, before = 50_000_000, guard.MAX_PIECE
    try:
        datas = guard.pieces(payload, [e for e, _ in pairs], [len(line) * 4 // 3 + 4 for _, line in pairs])
    finally:
        guard.MAX_PIECE = before
    assert len(datas) > 1 and all(len(d) <= guard.MAX_RECORD for d in datas)
    back = [e["message"] for d in datas for e in json.loads(gzip.decompress(d))["logEvents"]]
    assert back == messages
    # A single event larger than MAX_PIECE is a piece of its own.
    [one] = guard.pieces(payload, [pairs[0][0]], [2_000_000])
    assert json.loads(gzip.decompress(one))["logEvents"] == [pairs[0][0]]


def test_puts_respect_the_batch_limits():
    fake = FakeFirehose()
    firehose_fake.use(fake)
    guard.reingest(STREAM_ARN, [b"x" * 10] * 1_201 + [b"y" * 900_000] * 9)
    assert [n for _, n in fake.calls] == [500, 500, 201 + 4, 4, 1]
    assert len(fake.records) == 1_210


def test_failed_puts_are_retried_and_a_put_that_keeps_failing_fails_the_invocation():
    fake = FakeFirehose(fail_first={0, 2})
    firehose_fake.use(fake)
    guard.reingest(STREAM_ARN, [b"a", b"b", b"c", b"d"])
    assert fake.calls == [("sentinel-stream", 4), ("sentinel-stream", 2)]
    assert sorted(fake.records) == [b"a", b"b", b"c", b"d"]

    class Down:
        def put_record_batch(self, DeliveryStreamName, Records):
            return {"FailedPutCount": len(Records),
                    "RequestResponses": [{"ErrorCode": "ServiceUnavailableException"} for _ in Records]}

    firehose_fake.use(Down())
    try:
        guard.reingest(STREAM_ARN, [b"a"])
    except RuntimeError as exc:
        assert str(exc) == "1 records not re-ingested into sentinel-stream: ['ServiceUnavailableException']"
    else:
        raise AssertionError("a put that keeps failing must fail the invocation")
