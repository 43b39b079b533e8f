"""CreateLogStream in a log group with a subscription filter (patch in patches.py)."""

import uuid

import pytest
from botocore.exceptions import ClientError
from conftest import wait_until

HANDLER = "def handler(event, context):\n    return None\n"


def test_create_log_stream_after_put_subscription_filter(aws, make_function):
    target = make_function(HANDLER)
    target_arn = aws("lambda").get_function(FunctionName=target)["Configuration"]["FunctionArn"]
    logs = aws("logs")
    group = f"subscribed-{uuid.uuid4().hex}"
    logs.create_log_group(logGroupName=group)
    logs.put_subscription_filter(
        logGroupName=group, filterName="all", filterPattern="", destinationArn=target_arn
    )

    logs.create_log_stream(logGroupName=group, logStreamName="after-filter")

    names = [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]]
    assert names == ["after-filter"]


def test_duplicate_log_stream_is_still_rejected(aws, make_function):
    target = make_function(HANDLER)
    target_arn = aws("lambda").get_function(FunctionName=target)["Configuration"]["FunctionArn"]
    logs = aws("logs")
    group = f"subscribed-dup-{uuid.uuid4().hex}"
    logs.create_log_group(logGroupName=group)
    logs.put_subscription_filter(
        logGroupName=group, filterName="all", filterPattern="", destinationArn=target_arn
    )
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    with pytest.raises(ClientError) as error:
        logs.create_log_stream(logGroupName=group, logStreamName="s")
    assert error.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"


def test_create_log_stream_in_a_missing_group_is_still_rejected(aws):
    with pytest.raises(ClientError) as error:
        aws("logs").create_log_stream(logGroupName="no-such-group", logStreamName="s")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_lambda_logs_reach_a_log_group_that_has_a_subscription_filter(aws, make_function):
    """Lambda creates a log stream per environment: in a subscribed group that needs the patch."""
    subscriber = make_function(HANDLER)
    subscriber_arn = aws("lambda").get_function(FunctionName=subscriber)["Configuration"]["FunctionArn"]
    function = make_function("def handler(event, context):\n    print('marker-77')\n    return 1\n")
    group = f"/aws/lambda/{function}"
    logs = aws("logs")
    logs.create_log_group(logGroupName=group)
    logs.put_subscription_filter(
        logGroupName=group, filterName="all", filterPattern="", destinationArn=subscriber_arn
    )

    response = aws("lambda").invoke(FunctionName=function, Payload=b"{}")
    assert response.get("FunctionError") is None

    def marker_logged():
        events = logs.filter_log_events(logGroupName=group)["events"]
        return any("marker-77" in event["message"] for event in events)

    wait_until(marker_logged, f"the function's output in {group}")
