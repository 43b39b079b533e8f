"""The local-process executor runs real Lambda invocations without Docker."""

import json
import uuid

import pytest

from conftest import ROLE, RUNTIME, wait_until, zip_of

HANDLER = """
import logging, os, time
print("init phase")

def handler(event, context):
    print("event", event)
    logging.getLogger().warning("logged %s", event.get("marker"))
    if event.get("fail"):
        raise ValueError("boom")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {
        "greeting": os.environ.get("GREETING"),
        "function_name": context.function_name,
        "request_id": context.aws_request_id,
        "has_time_left": context.get_remaining_time_in_millis() > 0,
        "event": event,
    }
"""


def invoke(aws, name, event):
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(event).encode())
    return response.get("FunctionError"), json.loads(response["Payload"].read())


@pytest.mark.parametrize("runtime", ["python3.12", "python3.13"])
def test_invoke_returns_the_handler_result_with_env_and_context(aws, make_function, runtime):
    name = make_function(HANDLER, Runtime=runtime, Environment={"Variables": {"GREETING": "hello"}})
    error, result = invoke(aws, name, {"n": 1})
    assert error is None
    assert result["greeting"] == "hello"
    assert result["function_name"] == name
    assert result["has_time_left"] is True
    assert result["event"] == {"n": 1}


def test_handler_exception_is_a_function_error(aws, make_function):
    name = make_function(HANDLER)
    error, result = invoke(aws, name, {"fail": True})
    assert error == "Unhandled"
    assert result["errorType"] == "ValueError"
    assert result["errorMessage"] == "boom"
    assert any("raise ValueError" in line for line in result["stackTrace"])
    # The environment survives the error, as on AWS.
    assert invoke(aws, name, {"n": 2})[0] is None


def test_timeout_is_a_function_error_and_the_next_invoke_starts_fresh(aws, make_function):
    name = make_function(HANDLER, Timeout=1)
    error, result = invoke(aws, name, {"sleep": 30})
    assert error == "Unhandled"
    assert result["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in result["errorMessage"]
    error, result = invoke(aws, name, {"n": 3})
    assert error is None and result["event"] == {"n": 3}


def test_import_error_is_reported_as_runtime_import_module_error(aws, make_function):
    name = make_function("import module_that_does_not_exist\n")
    error, result = invoke(aws, name, {})
    assert error == "Unhandled"
    assert result["errorType"] == "Runtime.ImportModuleError"
    assert "module_that_does_not_exist" in result["errorMessage"]


def test_missing_handler_is_reported(aws, make_function):
    name = make_function("x = 1\n", Handler="index.nope")
    error, result = invoke(aws, name, {})
    assert error == "Unhandled"
    assert result["errorType"] == "Runtime.HandlerNotFound"


def test_function_output_reaches_cloudwatch_logs(aws, make_function):
    name = make_function(HANDLER)
    invoke(aws, name, {"marker": "m-42"})
    logs = aws("logs")

    def messages():
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        text = "".join(event["message"] for event in events)
        return text if "m-42" in text else None

    text = wait_until(messages, "the invocation's log lines")
    assert "init phase" in text
    assert "[WARNING]" in text and "logged m-42" in text
    assert "START RequestId:" in text and "END RequestId:" in text


def test_inline_zipfile_code_deployed_by_cloudformation(aws):
    template = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": RUNTIME,
                    "Handler": "index.handler",
                    "Role": ROLE,
                    "Environment": {"Variables": {"COLOUR": "teal"}},
                    "Code": {
                        "ZipFile": "import os\n"
                        "def handler(event, context):\n"
                        "    return {'colour': os.environ['COLOUR'], 'got': event}\n"
                    },
                },
            }
        },
        "Outputs": {"Name": {"Value": {"Ref": "Fn"}}},
    }
    cfn = aws("cloudformation")
    stack_name = f"inline-zipfile-{uuid.uuid4().hex[:12]}"
    cfn.create_stack(StackName=stack_name, TemplateBody=json.dumps(template))

    def finished():
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
        return None if stack["StackStatus"].endswith("IN_PROGRESS") else stack

    stack = wait_until(finished, f"stack {stack_name}", 120)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    name = stack["Outputs"][0]["OutputValue"]
    error, result = invoke(aws, name, {"k": "v"})
    assert error is None
    assert result == {"colour": "teal", "got": {"k": "v"}}


def test_non_python_runtimes_fail_at_creation_with_a_clear_reason(aws):
    lambda_ = aws("lambda")
    name = f"node-{uuid.uuid4().hex[:12]}"
    lambda_.create_function(
        FunctionName=name,
        Runtime="nodejs20.x",
        Role=ROLE,
        Handler="index.handler",
        Code={"ZipFile": zip_of("exports.handler = async () => 1;")},
    )
    config = wait_until(
        lambda: (c := lambda_.get_function(FunctionName=name)["Configuration"])["State"] != "Pending" and c,
        f"function {name} to leave Pending",
    )
    assert config["State"] == "Failed"
    assert "runs Python runtimes only, not nodejs20.x" in config["StateReason"]


def test_functions_reach_localstack_with_boto3(aws, make_function):
    bucket = f"from-lambda-{uuid.uuid4().hex[:12]}"
    aws("s3").create_bucket(Bucket=bucket)
    name = make_function(
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('s3').put_object(Bucket=event['bucket'], Key='k', Body=b'written by lambda')\n"
        "    return 'ok'\n"
    )
    error, result = invoke(aws, name, {"bucket": bucket})
    assert (error, result) == (None, "ok")
    assert aws("s3").get_object(Bucket=bucket, Key="k")["Body"].read() == b"written by lambda"


def test_code_from_an_s3_object(aws):
    bucket = f"code-{uuid.uuid4().hex[:12]}"
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_object(
        Bucket=bucket,
        Key="fn.zip",
        Body=zip_of("def handler(event, context):\n    return {'from': 's3', 'n': event['n'] + 1}\n"),
    )
    lambda_ = aws("lambda")
    name = f"s3code-{uuid.uuid4().hex[:12]}"
    lambda_.create_function(
        FunctionName=name,
        Runtime=RUNTIME,
        Role=ROLE,
        Handler="index.handler",
        Code={"S3Bucket": bucket, "S3Key": "fn.zip"},
    )
    wait_until(
        lambda: lambda_.get_function(FunctionName=name)["Configuration"]["State"] == "Active",
        f"function {name} to become Active",
    )
    assert invoke(aws, name, {"n": 41}) == (None, {"from": "s3", "n": 42})
