"""Firehose -> Lambda data transformation with AWS's record shape and result handling, and S3 delivery."""

import base64
import json
import re
import uuid

import pytest
from conftest import wait_until

from sentinel_localstack.patches import TransformationFailure, check_transformation_output

TRANSFORM = """
import base64, json

def handler(event, context):
    print("EVENT " + json.dumps({"keys": sorted(event), "record_keys": sorted(event["records"][0])}))
    out = []
    for record in event["records"]:
        text = base64.b64decode(record["data"]).decode()
        result = {"keep": "Ok", "drop": "Dropped"}.get(text, "ProcessingFailed")
        data = base64.b64encode(text.upper().encode() + b"\\n").decode()
        out.append({"recordId": record["recordId"], "result": result, "data": data})
    return {"records": out}
"""

FAILING = "def handler(event, context):\n    raise RuntimeError('transform broke')\n"
WRONG_IDS = """
def handler(event, context):
    return {"records": [{"recordId": "not-" + r["recordId"], "result": "Ok", "data": r["data"]}
                        for r in event["records"]]}
"""


def delivery_stream(aws, function_name, retries=None):
    lambda_arn = aws("lambda").get_function(FunctionName=function_name)["Configuration"]["FunctionArn"]
    bucket = f"dest-{uuid.uuid4().hex[:12]}"
    aws("s3").create_bucket(Bucket=bucket)
    parameters = [{"ParameterName": "LambdaArn", "ParameterValue": lambda_arn}]
    if retries is not None:
        parameters.append({"ParameterName": "NumberOfRetries", "ParameterValue": str(retries)})
    name = f"ds-{uuid.uuid4().hex[:12]}"
    firehose = aws("firehose")
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration={
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "RoleARN": "arn:aws:iam::000000000000:role/firehose",
            "ProcessingConfiguration": {
                "Enabled": True,
                "Processors": [{"Type": "Lambda", "Parameters": parameters}],
            },
        },
    )
    wait_until(
        lambda: firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
            "DeliveryStreamStatus"
        ]
        == "ACTIVE",
        f"delivery stream {name}",
    )
    return name, bucket


def objects(aws, bucket):
    s3 = aws("s3")
    found = {}
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        found[item["Key"]] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return found


def test_records_carry_record_ids_and_results_are_honoured(aws, make_function):
    function = make_function(TRANSFORM)
    stream, bucket = delivery_stream(aws, function)
    aws("firehose").put_record_batch(
        DeliveryStreamName=stream, Records=[{"Data": b"keep"}, {"Data": b"drop"}, {"Data": b"bad"}]
    )
    found = wait_until(lambda: len(objects(aws, bucket)) == 2 and objects(aws, bucket), "two S3 objects")
    delivered = [body for key, body in found.items() if not key.startswith("processing-failed/")]
    failed = [body for key, body in found.items() if key.startswith("processing-failed/")]
    assert delivered == [b"KEEP\n"]
    [failure] = [json.loads(line) for line in failed[0].splitlines()]
    assert failure["errorCode"] == "Lambda.ProcessingFailedStatus"
    assert base64.b64decode(failure["rawData"]) == b"bad"
    assert failure["lambdaArn"].endswith(f":function:{function}")

    events = aws("logs").filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
    [line] = [e["message"] for e in events if e["message"].startswith("EVENT ")]
    shape = json.loads(line[len("EVENT ") :])
    assert shape["keys"] == ["deliveryStreamArn", "invocationId", "records", "region"]
    assert shape["record_keys"] == ["approximateArrivalTimestamp", "data", "recordId"]


def test_a_failing_function_sends_the_batch_to_processing_failed(aws, make_function):
    function = make_function(FAILING)
    stream, bucket = delivery_stream(aws, function, retries=1)
    aws("firehose").put_record(DeliveryStreamName=stream, Record={"Data": b"payload"})
    found = wait_until(lambda: objects(aws, bucket), "an S3 object")
    [(key, body)] = found.items()
    assert key.startswith("processing-failed/")
    failure = json.loads(body)
    assert failure["errorCode"] == "Lambda.FunctionError"
    assert failure["attemptsMade"] == 2
    assert base64.b64decode(failure["rawData"]) == b"payload"


def test_mismatched_record_ids_are_a_transformation_failure(aws, make_function):
    function = make_function(WRONG_IDS)
    stream, bucket = delivery_stream(aws, function)
    aws("firehose").put_record(DeliveryStreamName=stream, Record={"Data": b"x"})
    found = wait_until(lambda: objects(aws, bucket), "an S3 object")
    [(key, body)] = found.items()
    assert key.startswith("processing-failed/")
    assert json.loads(body)["errorCode"] == "Lambda.MissingRecordId"


@pytest.mark.parametrize(
    "output, code",
    [
        ({}, "Lambda.InvalidReturnFormat"),
        ({"records": []}, "Lambda.MissingRecordId"),
        ({"records": [{"recordId": "a", "result": "Ok", "data": "eA=="}] * 2}, "Lambda.DuplicatedRecordId"),
        ({"records": [{"recordId": "a", "result": "Fine", "data": "eA=="}]}, "Lambda.InvalidReturnFormat"),
        ({"records": [{"recordId": "a", "result": "Ok", "data": "not base64!"}]}, "Lambda.InvalidReturnFormat"),
        ({"records": [{"recordId": "a", "result": "Dropped"}]}, "Lambda.InvalidReturnFormat"),
    ],
)
def test_transformation_output_is_checked_like_aws(output, code):
    with pytest.raises(TransformationFailure) as failure:
        check_transformation_output(["a"], output)
    assert failure.value.code == code


def test_valid_transformation_output_is_indexed_by_record_id():
    output = {
        "records": [
            {"recordId": "b", "result": "Dropped", "data": ""},
            {"recordId": "a", "result": "Ok", "data": "eA=="},
        ]
    }
    assert set(check_transformation_output(["a", "b"], output)) == {"a", "b"}


def test_prefix_expressions_are_evaluated_and_gzip_is_applied(aws):
    import gzip as gz

    bucket = f"dest-{uuid.uuid4().hex[:12]}"
    aws("s3").create_bucket(Bucket=bucket)
    name = f"ds-{uuid.uuid4().hex[:12]}"
    firehose = aws("firehose")
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration={
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "RoleARN": "arn:aws:iam::000000000000:role/firehose",
            "Prefix": "logs/!{timestamp:yyyy/MM/dd}/",
            "CompressionFormat": "GZIP",
        },
    )
    wait_until(
        lambda: firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
            "DeliveryStreamStatus"
        ]
        == "ACTIVE",
        f"delivery stream {name}",
    )
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"one\n"}, {"Data": b"two\n"}])
    found = wait_until(lambda: objects(aws, bucket), "the delivered object")
    [(key, body)] = found.items()
    assert re.fullmatch(rf"logs/\d{{4}}/\d{{2}}/\d{{2}}/{name}-1-\d{{4}}(-\d{{2}}){{5}}-[0-9a-f-]{{36}}\.gz", key), key
    assert gz.decompress(body) == b"one\ntwo\n"


def test_object_keys_follow_firehose_naming():
    import datetime

    from sentinel_localstack.patches import evaluate_prefix, s3_object_key

    now = datetime.datetime(2026, 3, 1, 7, 5, 9, tzinfo=datetime.timezone.utc)
    assert evaluate_prefix("a/!{timestamp:yyyy/MM/dd/HH}/", now) == "a/2026/03/01/07/"
    assert s3_object_key("s", "p/", "", "UNCOMPRESSED", now).startswith("p/2026/03/01/07/s-1-2026-03-01-07-05-09-")
    assert s3_object_key("s", "p/!{timestamp:yyyy}/", "", "GZIP", now).startswith("p/2026/s-1-")
    assert s3_object_key("s", "", ".csv.gz", "GZIP", now).endswith(".csv.gz")
