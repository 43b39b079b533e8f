"""A real LocalStack (host mode, this venv) for the plugin's tests.

Set SENTINEL_LOCALSTACK_ENDPOINT to use one that is already running (e.g. `cargo xtask
localstack up`); otherwise one is started on a free port and stopped afterwards.
"""

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
import zipfile

import boto3
import pytest

SERVICES = {"s3", "lambda", "logs", "firehose", "cloudformation", "iam", "sts"}
START_DEADLINE_SECONDS = 120


def wait_until(condition, what, deadline_seconds=60, interval=0.1):
    """Polls `condition` until it returns a truthy value; fails with `what` at the deadline."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {deadline_seconds}s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health(endpoint):
    try:
        with urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=2) as response:
            return json.load(response)
    except OSError:
        return None


def services_ready(endpoint):
    state = health(endpoint)
    if not state:
        return False
    services = state.get("services", {})
    return all(services.get(name) in ("available", "running") for name in SERVICES)


@pytest.fixture(scope="session")
def endpoint(tmp_path_factory):
    existing = os.environ.get("SENTINEL_LOCALSTACK_ENDPOINT")
    if existing:
        yield existing
        return
    state = tmp_path_factory.mktemp("localstack")
    (state / "tmp").mkdir()
    port = free_port()
    env = dict(
        os.environ,
        GATEWAY_LISTEN=f"127.0.0.1:{port}",
        LOCALSTACK_VOLUME_DIR=str(state / "volume"),
        TMPDIR=str(state / "tmp"),
        SKIP_SSL_CERT_DOWNLOAD="1",
        DISABLE_EVENTS="1",
        DNS_ADDRESS="0",
        LAMBDA_RUNTIME_EXECUTOR="local-process",
    )
    log_path = state / "localstack.log"
    with open(log_path, "wb") as log:
        # Under the watchdog, as the harness runs it: if pytest is killed, LocalStack goes too.
        process = subprocess.Popen(
            [sys.executable, "-m", "sentinel_localstack.watchdog", "--", sys.executable, "-m", "localstack.runtime.main"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: process.poll() is not None or services_ready(url),
            "LocalStack health",
            START_DEADLINE_SECONDS,
        )
        if process.poll() is not None:
            raise AssertionError(f"LocalStack exited:\n{log_path.read_text()[-3000:]}")
        yield url
    finally:
        process.stdin.close()  # the watchdog stops LocalStack's tree and exits
        process.wait(timeout=60)


@pytest.fixture(scope="session")
def aws(endpoint):
    def client(service):
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    return client


ROLE = "arn:aws:iam::000000000000:role/lambda-role"
RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def make_function(aws):
    """Creates a Python function from source and waits until it is Active."""
    lambda_ = aws("lambda")
    counter = iter(range(10_000))

    def make(source: str, **options) -> str:
        name = f"fn-{uuid.uuid4().hex[:12]}-{next(counter)}"
        lambda_.create_function(
            FunctionName=name,
            Runtime=options.pop("Runtime", RUNTIME),
            Role=ROLE,
            Handler=options.pop("Handler", "index.handler"),
            Code={"ZipFile": zip_of(source)},
            **options,
        )
        state = wait_until(
            lambda: lambda_.get_function(FunctionName=name)["Configuration"]["State"] != "Pending"
            and lambda_.get_function(FunctionName=name)["Configuration"]["State"],
            f"function {name} to leave Pending",
        )
        assert state == "Active", lambda_.get_function(FunctionName=name)["Configuration"]
        return name

    return make
