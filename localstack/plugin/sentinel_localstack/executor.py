"""A Lambda runtime executor that runs Python functions as local processes.

LocalStack ships only a Docker executor. This one is selected with
``LAMBDA_RUNTIME_EXECUTOR=local-process`` and runs each execution environment as one
``bootstrap.py`` process: the handler is imported once (init phase), then invoked once per
request, like a warm AWS execution environment. The function's timeout is enforced here:
a function that runs past it is killed and the invocation fails with ``Sandbox.Timedout``;
the next invocation starts a fresh process (a cold start), as on AWS.
"""

import functools
import json
import logging
import os
import select
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from localstack import config
from localstack.services.lambda_.invocation.executor_endpoint import StatusErrorException
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

LOG = logging.getLogger(__name__)

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
LOCALHOST = "127.0.0.1"


class LocalProcessExecutorPlugin(RuntimeExecutorPlugin):
    name = "local-process"

    def load(self, *args, **kwargs):
        return LocalProcessExecutor


def _usable(python: str) -> bool:
    """Runs, and has boto3 like every AWS Python runtime."""
    try:
        check = subprocess.run([python, "-c", "import boto3"], capture_output=True, timeout=60)
        return check.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.cache
def interpreter_for(runtime: str) -> str:
    """The interpreter for a ``pythonX.Y`` runtime: LocalStack's own when the version matches,
    else ``pythonX.Y`` from PATH if it runs and has boto3, else LocalStack's (with a warning)."""
    if runtime == f"python{sys.version_info.major}.{sys.version_info.minor}":
        return sys.executable
    found = shutil.which(runtime)
    if found and _usable(found):
        return found
    LOG.warning(
        "No usable %s interpreter with boto3 on PATH; running the function with %s",
        runtime,
        sys.executable,
    )
    return sys.executable


class LocalProcessExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self.process: subprocess.Popen | None = None
        self.result_fd: int | None = None
        self.env: dict[str, str] = {}
        self.lock = threading.Lock()
        self.log_path = Path(config.dirs.tmp) / "lambda-local-process" / f"{id}.log"
        self.pending = b""

    # -- preparation -----------------------------------------------------------------
    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        runtime = function_version.config.runtime or ""
        if not runtime.startswith("python3"):
            raise LambdaRuntimeException(
                f"The local-process executor runs Python runtimes only, not {runtime or 'container images'}"
            )
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        return True

    # -- lifecycle -------------------------------------------------------------------
    def start(self, env_vars: dict[str, str]) -> None:
        code = self.function_version.config.code.get_unzipped_code_location()
        self.env = {key: str(value) for key, value in env_vars.items()}
        self.env["LAMBDA_TASK_ROOT"] = str(code)
        self.env.setdefault("PATH", os.environ.get("PATH", "/usr/bin:/bin"))
        self.env.setdefault("LANG", "C.UTF-8")
        self.env["PYTHONUNBUFFERED"] = "1"
        self._spawn()

    def _spawn(self) -> None:
        read_fd, write_fd = os.pipe()
        env = dict(self.env, _SENTINEL_RESULT_FD=str(write_fd))
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [interpreter_for(self.function_version.config.runtime), "-u", str(BOOTSTRAP)],
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=log,
                env=env,
                cwd=self.env["LAMBDA_TASK_ROOT"],
                pass_fds=(write_fd,),
            )
        os.close(write_fd)
        self.result_fd = read_fd
        self.pending = b""
        deadline = time.monotonic() + config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT
        status = self._read_reply(deadline)
        if status is None:
            self._kill()
            raise StatusErrorException(
                "Environment startup failed",
                payload=json.dumps(self._exit_error("init")).encode(),
            )
        if status["status"] == "init_error":
            self._kill()
            raise StatusErrorException("Environment startup failed", payload=json.dumps(status["error"]).encode())

    def stop(self) -> None:
        with self.lock:
            self._kill()

    def _kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
        if self.process:
            self.process.wait()
            if self.process.stdin:
                self.process.stdin.close()
        if self.result_fd is not None:
            os.close(self.result_fd)
            self.result_fd = None

    # -- invocation ------------------------------------------------------------------
    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        timeout = float(self.function_version.config.timeout)
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self._kill()
                try:
                    self._spawn()
                except StatusErrorException as e:
                    return InvocationResult(request_id, e.payload, is_error=True, logs="")
            deadline = time.monotonic() + timeout
            request = {
                "request_id": request_id,
                "invoked_arn": payload["invoked-function-arn"],
                "payload": payload["payload"],
                "deadline": time.time() + timeout,
            }
            try:
                self.process.stdin.write((json.dumps(request) + "\n").encode())
                self.process.stdin.flush()
            except BrokenPipeError:
                pass  # reported below as an exit error
            reply = self._read_reply(deadline)
            start_line = f"START RequestId: {request_id} Version: {self.function_version.id.qualifier}\n"
            end_lines = f"END RequestId: {request_id}\nREPORT RequestId: {request_id}\n"
            if reply is not None:
                body = reply["payload"].encode()
                return InvocationResult(request_id, body, not reply["ok"], start_line + reply["logs"] + end_lines)
            if self.process.poll() is None:
                self._kill()
                stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
                message = f"{stamp} {request_id} Task timed out after {timeout:.2f} seconds"
                error = {"errorType": "Sandbox.Timedout", "errorMessage": message}
                return InvocationResult(request_id, json.dumps(error).encode(), True, start_line + message + "\n" + end_lines)
            error = self._exit_error(request_id)
            self._kill()
            return InvocationResult(request_id, json.dumps(error).encode(), True, start_line + end_lines)

    def _exit_error(self, request_id: str) -> dict:
        code = self.process.poll() if self.process else None
        return {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status {code}",
        }

    def _read_reply(self, deadline: float) -> dict | None:
        """One JSON line from the function process, or None on timeout or exit."""
        while b"\n" not in self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self.result_fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(self.result_fd, 65536)
            if not chunk:
                return None
            self.pending += chunk
        line, _, self.pending = self.pending.partition(b"\n")
        return json.loads(line)

    # -- addresses and logs ----------------------------------------------------------
    def get_address(self) -> str:
        return LOCALHOST

    def get_endpoint_from_executor(self) -> str:
        return LOCALHOST

    def get_runtime_endpoint(self) -> str:
        return f"http://{LOCALHOST}:{config.GATEWAY_LISTEN[0].port}/_localstack_lambda/{self.id}"

    def get_logs(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
