"""Patches that restore documented AWS behaviour where LocalStack deviates from it.

They are applied by the ``localstack.hooks.on_infra_start`` hook below, with LocalStack's own
``localstack.utils.patch`` mechanism; site-packages are never edited. Each patch is strict: it
never accepts what AWS would reject.
"""

import base64
import datetime
import gzip
import json
import logging
import re
import threading
import time
import uuid

from localstack.runtime import hooks
from localstack.utils.patch import Patch

LOG = logging.getLogger(__name__)

PROCESSING_RESULTS = {"Ok", "Dropped", "ProcessingFailed"}

# Firehose records that failed transformation, per delivery: set by the _put_records wrapper,
# filled by the processor, written by the S3 delivery that follows it (same thread).
_delivery = threading.local()


class TransformationFailure(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def check_transformation_output(input_ids: list[str], output: object) -> dict[str, dict]:
    """The transformed records by recordId, validated as AWS does.

    https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-status-model.html:
    every transformed record carries the recordId it was given, a result of Ok, Dropped or
    ProcessingFailed, and base64 data; any mismatch is a transformation failure.
    """
    if not isinstance(output, dict) or not isinstance(output.get("records"), list):
        raise TransformationFailure(
            "Lambda.InvalidReturnFormat", "The Lambda function returned no 'records' list."
        )
    by_id: dict[str, dict] = {}
    for record in output["records"]:
        record_id = record.get("recordId") if isinstance(record, dict) else None
        if record_id not in input_ids:
            raise TransformationFailure(
                "Lambda.MissingRecordId", "One or more record IDs weren't returned."
            )
        if record_id in by_id:
            raise TransformationFailure(
                "Lambda.DuplicatedRecordId", "Multiple records were returned with the same record ID."
            )
        if record.get("result") not in PROCESSING_RESULTS:
            raise TransformationFailure(
                "Lambda.InvalidReturnFormat", f"Invalid result {record.get('result')!r} for a record."
            )
        try:  # required for every result, Dropped and ProcessingFailed included
            base64.b64decode(record.get("data"), validate=True)
        except (TypeError, ValueError):
            raise TransformationFailure(
                "Lambda.InvalidReturnFormat", "A record's data is missing or not base64."
            ) from None
        by_id[record_id] = record
    if len(by_id) != len(input_ids):
        raise TransformationFailure("Lambda.MissingRecordId", "One or more record IDs weren't returned.")
    return by_id


def _failure(record: dict, code: str, message: str, lambda_arn: str, attempts: int) -> dict:
    """The error document AWS writes to the processing-failed prefix for a record."""
    now = int(time.time() * 1000)
    return {
        "attemptsMade": attempts,
        "arrivalTimestamp": record["approximateArrivalTimestamp"],
        "errorCode": code,
        "errorMessage": message,
        "attemptEndingTimestamp": now,
        "rawData": record["data"],
        "lambdaArn": lambda_arn,
    }


def firehose_lambda_processor(fn, self, processor: dict, records: list) -> list:
    """Firehose -> Lambda data transformation with AWS's record shape and result handling.

    Restores https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html and
    data-transformation-status-model.html: the function receives ``{"invocationId",
    "deliveryStreamArn", "region", "records": [{"recordId", "approximateArrivalTimestamp",
    "data"}]}``; each returned record must echo its recordId; ``Ok`` records are delivered,
    ``Dropped`` ones are not, and ``ProcessingFailed`` ones (and every record of a batch whose
    invocation fails after the retries, data-transformation-failure-handling.html) go to the
    bucket's ``processing-failed`` error prefix instead of the destination.
    """
    if processor.get("Type") != "Lambda":
        return fn(self, processor, records)
    from localstack.aws.connect import connect_to
    from localstack.utils.aws.arns import extract_account_id_from_arn, extract_region_from_arn

    parameters = {p["ParameterName"]: p["ParameterValue"] for p in processor.get("Parameters", [])}
    lambda_arn = parameters["LambdaArn"]
    retries = int(parameters.get("NumberOfRetries", 3))
    context = getattr(_delivery, "context", {})
    region = extract_region_from_arn(lambda_arn)
    inputs = []
    for record in records:
        data = record.get("Data") or record.get("data") or b""
        arrival = record.get("ApproximateArrivalTimestamp") or record.get("approximateArrivalTimestamp")
        inputs.append(
            {
                "recordId": str(uuid.uuid4()),
                "approximateArrivalTimestamp": int(arrival),
                "data": data.decode() if isinstance(data, bytes) else data,
            }
        )
    event = {
        "invocationId": str(uuid.uuid4()),
        "deliveryStreamArn": context.get("stream_arn", ""),
        "region": region,
        "records": inputs,
    }
    client = connect_to(
        aws_access_key_id=extract_account_id_from_arn(lambda_arn), region_name=region
    ).lambda_
    ids = [record["recordId"] for record in inputs]
    attempts = 0
    while True:
        attempts += 1
        try:
            response = client.invoke(FunctionName=lambda_arn, Payload=json.dumps(event))
            payload = response["Payload"].read()
            if response.get("FunctionError"):
                raise TransformationFailure(
                    "Lambda.FunctionError",
                    "The Lambda function was successfully invoked but it returned an error result.",
                )
            try:
                output = json.loads(payload)
            except ValueError:
                raise TransformationFailure(
                    "Lambda.JsonProcessingException",
                    "There was an error parsing returned records from the Lambda function.",
                ) from None
            results = check_transformation_output(ids, output)
            break
        except TransformationFailure as failure:
            # Only a failed invocation is retried; a malformed answer is final.
            if failure.code == "Lambda.FunctionError" and attempts <= retries:
                continue
            LOG.warning("Firehose transformation by %s failed: %s", lambda_arn, failure.message)
            _pending_failures().extend(
                _failure(r, failure.code, failure.message, lambda_arn, attempts) for r in inputs
            )
            return []
    delivered = []
    for record in inputs:
        result = results[record["recordId"]]
        if result["result"] == "Ok":
            delivered.append({"data": result["data"]})
        elif result["result"] == "ProcessingFailed":
            _pending_failures().append(
                _failure(
                    record,
                    "Lambda.ProcessingFailedStatus",
                    "ProcessingFailed status set for record",
                    lambda_arn,
                    attempts,
                )
            )
    return delivered


def _pending_failures() -> list:
    if not hasattr(_delivery, "failures"):
        _delivery.failures = []
    return _delivery.failures


def firehose_put_records(fn, self, account_id, region_name, delivery_stream_name, records):
    """Gives the Lambda processor its delivery stream's ARN and a clean failure list."""
    from localstack.utils.aws.arns import firehose_stream_arn

    _delivery.context = {
        "stream_arn": firehose_stream_arn(delivery_stream_name, account_id, region_name)
    }
    _delivery.failures = []
    try:
        return fn(self, account_id, region_name, delivery_stream_name, records)
    finally:
        _delivery.context = {}
        _delivery.failures = []


_TIMESTAMP = re.compile(r"!\{timestamp:([^}]*)\}")
# Java DateTimeFormatter letters Firehose prefixes use, longest first.
_JAVA_DATE = [("yyyy", "%Y"), ("yy", "%y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S")]


def evaluate_prefix(prefix: str, now: datetime.datetime) -> str:
    """``!{timestamp:<pattern>}`` becomes the UTC arrival time in that pattern.

    https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html: the ``timestamp``
    namespace takes a Java DateTimeFormatter pattern, evaluated in UTC; a prefix that uses
    expressions gets no default ``YYYY/MM/dd/HH/`` appended.
    """

    def one(match):
        pattern = match.group(1)
        for java, strf in _JAVA_DATE:
            pattern = pattern.replace(java, strf)
        return now.strftime(pattern)

    return _TIMESTAMP.sub(one, prefix)


def s3_object_key(stream_name: str, prefix: str, file_extension: str, compression: str, now) -> str:
    """The key Firehose writes, https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html#s3-object-name:
    ``<prefix><DeliveryStreamName>-<DeliveryStreamVersion>-YYYY-MM-dd-HH-MM-SS-<RandomString>``
    with the default ``YYYY/MM/dd/HH/`` time path unless the prefix has expressions, and ``.gz``
    for GZIP compression unless a FileExtension is set."""
    if "!{" in prefix:
        path = evaluate_prefix(prefix, now)
    else:
        path = prefix + now.strftime("%Y/%m/%d/%H/")
    name = f"{stream_name}-1-{now:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}"
    extension = file_extension or (".gz" if compression == "GZIP" else "")
    return path + name + extension


def deliver_to_s3(self, stream_name, records, description):
    """Writes one batch as one object: expressions in the prefix evaluated and the body
    compressed as ``CompressionFormat`` says (LocalStack writes the literal prefix and never
    compresses). https://docs.aws.amazon.com/firehose/latest/APIReference/API_ExtendedS3DestinationConfiguration.html"""
    from localstack.aws.connect import connect_to
    from localstack.utils.aws.arns import s3_bucket_name

    compression = description.get("CompressionFormat") or "UNCOMPRESSED"
    if compression not in ("UNCOMPRESSED", "GZIP"):
        raise ValueError(f"CompressionFormat {compression} is not supported by this emulation")
    body = b"".join(base64.b64decode(r.get("Data") or r.get("data")) for r in records)
    if compression == "GZIP":
        body = gzip.compress(body, mtime=0)
    now = datetime.datetime.now(datetime.timezone.utc)
    key = s3_object_key(stream_name, description.get("Prefix", ""), description.get("FileExtension", ""), compression, now)
    connect_to().s3.put_object(Bucket=s3_bucket_name(description["BucketARN"]), Key=key, Body=body)


def firehose_s3_delivery(fn, self, stream_name, records, s3_destination_description):
    """Delivers the Ok records, then the failed ones to the error prefix, as AWS does.

    https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html:
    unsuccessfully processed records go to the bucket's ``processing-failed`` folder (or the
    ``ErrorOutputPrefix``, where ``!{firehose:error-output-type}`` reads ``processing-failed``),
    one JSON document per line. A batch with no Ok record writes no empty destination object.
    """
    if records:
        deliver_to_s3(self, stream_name, records, s3_destination_description)
    failures, _delivery.failures = _pending_failures(), []
    if not failures:
        return
    from localstack.aws.connect import connect_to
    from localstack.utils.aws.arns import s3_bucket_name

    error_prefix = s3_destination_description.get("ErrorOutputPrefix") or "processing-failed/"
    error_prefix = error_prefix.replace("!{firehose:error-output-type}", "processing-failed")
    key = s3_object_key(stream_name, error_prefix, "", "UNCOMPRESSED", datetime.datetime.now(datetime.timezone.utc))
    body = "".join(json.dumps(failure) + "\n" for failure in failures)
    bucket = s3_bucket_name(s3_destination_description["BucketARN"])
    connect_to().s3.put_object(Bucket=bucket, Key=key, Body=body.encode())


def create_log_stream_with_subscription(self, log_stream_name):
    """CreateLogStream in a log group that has a subscription filter.

    Restores https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogStream.html:
    creating a stream does not depend on the group's subscription filters (Lambda itself creates
    a new stream per execution environment in a subscribed ``/aws/lambda/...`` group). LocalStack's
    own patch indexes ``dict_values`` and fails; this one does what it intended: create the
    stream (moto still rejects a duplicate name) and give it the group's filter pattern.
    """
    from localstack.services.logs import provider

    moto_create_log_stream = provider.moto_create_log_stream.patch.old
    moto_create_log_stream(self, log_stream_name)
    filters = list(self.subscription_filters.values())
    self.streams[log_stream_name].filter_pattern = filters[0].filter_pattern if filters else None


@hooks.on_infra_start()
def apply_fidelity_patches():
    from localstack.services.firehose.provider import FirehoseProvider
    from localstack.services.logs import provider as logs_provider  # applies LocalStack's patches first

    Patch.function(FirehoseProvider._preprocess_records, firehose_lambda_processor).apply()
    Patch.function(FirehoseProvider._put_records, firehose_put_records).apply()
    Patch.function(FirehoseProvider._put_records_to_s3_bucket, firehose_s3_delivery).apply()
    Patch.function(
        logs_provider.MotoLogGroup.create_log_stream,
        create_log_stream_with_subscription,
        pass_target=False,
    ).apply()
    LOG.info("sentinel_localstack: Firehose transformation and CreateLogStream patches applied")
