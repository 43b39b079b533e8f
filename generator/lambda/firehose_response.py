"""The answer of a Firehose transform Lambda, kept under Lambda's 6 MB response limit.

respond(event, transform) runs transform(data) -> (payload, [(log event, line)]) on each
record's data: a record that fails to decode is ProcessingFailed (Firehose writes it under the
error prefix), one without lines is Dropped, the others are Ok with their lines, as long as the
response stays under MAX_RESPONSE. A record whose lines do not fit is Dropped, and its log events
go back into the delivery stream with PutRecordBatch, as gzip'd CloudWatch Logs payloads of the
same group and stream, each under Firehose's record limit and with at most MAX_PIECE of output,
so a later response takes them: every event is delivered once. Failed puts are retried; if some
still fail, the invocation fails like any failed invocation: Firehose retries it (events it had
re-ingested may then arrive twice) and after its retries writes the batch under the error prefix.
The generator inlines this file into each transform Lambda in place of its import line.
"""
import base64
import gzip
import json
import time

MAX_RESPONSE = 6_000_000  # bytes of JSON; Lambda's limit is 6,291,456
MAX_PIECE = 1_000_000  # base64 output of one re-ingested payload (unless it is one event)
MAX_RECORD = 1_000_000  # Firehose takes records up to 1,000 KiB
ATTEMPTS, BACKOFF = 4, 0.2
firehose = None  # boto3 Firehose client, made on first use


def pieces(payload, events, sizes):
    """Gzip'd payloads of the events, each under MAX_RECORD with at most MAX_PIECE of output."""
    if len(events) == 1 or sum(sizes) <= MAX_PIECE:
        data = gzip.compress(json.dumps(dict(payload, logEvents=events), ensure_ascii=False).encode())
        if len(events) == 1 or len(data) <= MAX_RECORD:
            return [data]
    h = len(events) // 2
    return pieces(payload, events[:h], sizes[:h]) + pieces(payload, events[h:], sizes[h:])


def batches(datas):
    """PutRecordBatch takes at most 500 records and 4 MiB."""
    batch, size = [], 0
    for d in datas:
        if batch and (len(batch) == 500 or size + len(d) > 4_000_000):
            yield batch
            batch, size = [], 0
        batch.append(d)
        size += len(d)
    yield batch


def reingest(stream_arn, datas):
    global firehose
    if firehose is None:
        import boto3
        firehose = boto3.client("firehose", region_name=stream_arn.split(":")[3])
    name = stream_arn.split("/", 1)[1]
    for batch in batches(datas):
        for n in range(ATTEMPTS):
            answer = firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": d} for d in batch])
            failed = [(d, r["ErrorCode"]) for d, r in zip(batch, answer["RequestResponses"]) if r.get("ErrorCode")]
            if not failed:
                break
            batch = [d for d, _ in failed]
            time.sleep(BACKOFF * 2**n)
        else:
            raise RuntimeError(f"{len(batch)} records not re-ingested into {name}: {sorted({c for _, c in failed})}")


def decoded(transform, rid, data):
    try:
        return transform(data)
    except Exception as exc:
        print(json.dumps({"recordId": rid, "error": repr(exc)}))


def respond(event, transform):
    done = [(r["recordId"], r["data"], decoded(transform, r["recordId"], r["data"])) for r in event["records"]]
    room = MAX_RESPONSE - sum(len(rid) + 64 + (len(data) if got is None else 0) for rid, data, got in done)
    results, again = [], []
    for rid, data, got in done:
        if got is None:
            results.append({"recordId": rid, "result": "ProcessingFailed", "data": data})
            continue
        payload, pairs = got
        out = base64.b64encode("".join(line for _, line in pairs).encode("utf-8")).decode("ascii")
        if pairs and len(out) <= room:
            room -= len(out)
            results.append({"recordId": rid, "result": "Ok", "data": out})
            continue
        if pairs:
            sizes = [len(line.encode("utf-8")) * 4 // 3 + 4 for _, line in pairs]
            again += pieces(payload, [e for e, _ in pairs], sizes)
        results.append({"recordId": rid, "result": "Dropped", "data": ""})
    if again:
        reingest(event["deliveryStreamArn"], again)
    return {"records": results}
