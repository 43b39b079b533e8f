"""CreateLogStream in a log group with a subscription filter (patch in patches.py)."""

import pytest
from botocore.exceptions import ClientError

HANDLER = "def handler(event, context):\n    return None\n"


def test_create_log_stream_after_put_subscription_filter(aws, make_function):
    target = make_function(HANDLER)
    target_arn = aws("lambda").get_function(FunctionName=target)["Configuration"]["FunctionArn"]
    logs = aws("logs")
    logs.create_log_group(logGroupName="subscribed")
    logs.put_subscription_filter(
        logGroupName="subscribed", filterName="all", filterPattern="", destinationArn=target_arn
    )

    logs.create_log_stream(logGroupName="subscribed", logStreamName="after-filter")

    names = [s["logStreamName"] for s in logs.describe_log_streams(logGroupName="subscribed")["logStreams"]]
    assert names == ["after-filter"]


def test_duplicate_log_stream_is_still_rejected(aws, make_function):
    target = make_function(HANDLER)
    target_arn = aws("lambda").get_function(FunctionName=target)["Configuration"]["FunctionArn"]
    logs = aws("logs")
    logs.create_log_group(logGroupName="subscribed-dup")
    logs.put_subscription_filter(
        logGroupName="subscribed-dup", filterName="all", filterPattern="", destinationArn=target_arn
    )
    logs.create_log_stream(logGroupName="subscribed-dup", logStreamName="s")
    with pytest.raises(ClientError) as error:
        logs.create_log_stream(logGroupName="subscribed-dup", logStreamName="s")
    assert error.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"


def test_create_log_stream_in_a_missing_group_is_still_rejected(aws):
    with pytest.raises(ClientError) as error:
        aws("logs").create_log_stream(logGroupName="no-such-group", logStreamName="s")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
