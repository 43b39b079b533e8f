"""A fake Firehose for the transform tests, and Firehose's invocation loop around a handler."""
import base64
import gzip
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import firehose_response  # noqa: E402  (the module the transforms import; its client is replaced)

STREAM_ARN = "arn:aws:firehose:eu-west-1:123456789012:deliverystream/sentinel-stream"
RECORD_LIMIT, BATCH_LIMIT = 1000 * 1024, 4 * 1024 * 1024  # PutRecordBatch, per record and per call


class FakeFirehose:
    """PutRecordBatch into a list, within AWS's limits; on the first call, fails the records
    whose index is in fail_first."""

    def __init__(self, fail_first=()):
        self.calls, self.records, self.fail_first = [], [], set(fail_first)

    def put_record_batch(self, DeliveryStreamName, Records):
        assert len(Records) <= 500 and sum(len(r["Data"]) for r in Records) <= BATCH_LIMIT
        self.calls.append((DeliveryStreamName, len(Records)))
        answers = []
        for i, r in enumerate(Records):
            if len(self.calls) == 1 and i in self.fail_first:
                answers.append({"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "slow down"})
            else:
                assert isinstance(r["Data"], bytes) and len(r["Data"]) <= RECORD_LIMIT
                self.records.append(r["Data"])
                answers.append({"RecordId": str(len(self.records))})
        return {"FailedPutCount": sum("ErrorCode" in a for a in answers), "RequestResponses": answers}


def use(fake):
    firehose_response.firehose, firehose_response.BACKOFF = fake, 0


def payloads(fake):
    return [json.loads(gzip.decompress(d)) for d in fake.records]


def rounds(handler, records, fake):
    """Invokes handler as Firehose would until nothing is re-ingested: what one invocation puts
    back comes as the records of the next. Returns the decoded Ok data and each response's size."""
    use(fake)
    texts, sizes, n = [], [], 0
    while records:
        event = {"invocationId": f"inv-{n}", "deliveryStreamArn": STREAM_ARN, "region": "eu-west-1",
                 "records": records}
        before = len(fake.records)
        out = handler(event, None)
        sizes.append(len(json.dumps(out)))
        assert [r["recordId"] for r in out["records"]] == [r["recordId"] for r in records]
        assert all(r["result"] in ("Ok", "Dropped") for r in out["records"]), "no ProcessingFailed"
        texts += [base64.b64decode(r["data"]).decode("utf-8") for r in out["records"] if r["result"] == "Ok"]
        records = [{"recordId": f"re-{n}-{i}", "approximateArrivalTimestamp": 0,
                    "data": base64.b64encode(d).decode()} for i, d in enumerate(fake.records[before:])]
        n += 1
    return texts, sizes
