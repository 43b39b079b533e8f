"""The process a Lambda function runs in (started by ``executor.LocalProcessExecutor``).

Standard library only: it may run under an interpreter other than LocalStack's.
Protocol: one JSON request per line on stdin; one JSON reply per line on the file
descriptor named by ``_SENTINEL_RESULT_FD``. The first reply answers the init phase:
``{"status": "ready"}`` or ``{"status": "init_error", "error": {...}}``. Each invocation
reply is ``{"request_id", "ok", "payload", "logs"}``. Everything the function prints goes
to the invocation's logs (and to this process's stderr, which the executor keeps).
"""

import importlib
import io
import json
import logging
import os
import sys
import threading
import time
import traceback

RESULT_FD = int(os.environ.pop("_SENTINEL_RESULT_FD"))
PARENT_PID = os.getppid()


class Tee(io.TextIOBase):
    """Writes to the invocation's log buffer and to the real stream."""

    def __init__(self, real, buffer):
        self.real = real
        self.buffer_ = buffer

    def write(self, text):
        self.buffer_.append(text)
        self.real.write(text)
        return len(text)

    def flush(self):
        self.real.flush()


class Context:
    """The Lambda context object (https://docs.aws.amazon.com/lambda/latest/dg/python-context.html)."""

    def __init__(self, request_id, invoked_arn, deadline):
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_arn
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))


def error_of(exc, error_type=None):
    """The error document the AWS Python runtime returns for an unhandled exception."""
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:]),
    }


def reply(message):
    os.write(RESULT_FD, (json.dumps(message) + "\n").encode())


def watch_parent():
    """Exit when LocalStack is gone, even if the handler is stuck."""
    while os.getppid() == PARENT_PID:
        time.sleep(1)
    os._exit(1)


class InitError(Exception):
    """The init phase failed; ``error`` is the document AWS returns for it."""

    def __init__(self, error):
        super().__init__(error["errorMessage"])
        self.error = error


def load_handler():
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    # sys.path[0] is this file's folder: replace it with the function's code, like AWS.
    sys.path[0] = task_root
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except SyntaxError as exc:
        raise InitError(error_of(exc, "Runtime.UserCodeSyntaxError")) from exc
    except ImportError as exc:
        message = f"Unable to import module '{module_name}': {exc}"
        raise InitError({"errorMessage": message, "errorType": "Runtime.ImportModuleError", "stackTrace": []}) from exc
    except Exception as exc:
        raise InitError(error_of(exc)) from exc
    handler = getattr(module, function_name, None)
    if handler is None:
        message = f"Handler '{function_name}' missing on module '{module_name}'"
        raise InitError({"errorMessage": message, "errorType": "Runtime.HandlerNotFound", "stackTrace": []})
    return handler


def main():
    threading.Thread(target=watch_parent, daemon=True).start()
    log = []
    sys.stdout = Tee(sys.__stdout__, log)
    sys.stderr = Tee(sys.__stderr__, log)
    # Like the AWS Python runtime: the root logger writes "[LEVEL] time request-id message".
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"))
    request_id = {"value": ""}
    handler.addFilter(lambda record: setattr(record, "aws_request_id", request_id["value"]) or True)
    root.addHandler(handler)
    try:
        function = load_handler()
    except InitError as exc:
        reply({"status": "init_error", "error": exc.error, "logs": "".join(log)})
        return
    reply({"status": "ready"})

    for line in sys.stdin:
        request = json.loads(line)
        request_id["value"] = request["request_id"]
        context = Context(request["request_id"], request["invoked_arn"], request["deadline"])
        try:
            event = json.loads(request["payload"]) if request["payload"] else {}
            result = function(event, context)
            try:
                payload, ok = json.dumps(result), True
            except (TypeError, ValueError) as exc:
                payload, ok = json.dumps(error_of(exc, "Runtime.MarshalError")), False
        except Exception as exc:  # the function's own error: reported, never fatal
            traceback.print_exc()
            payload, ok = json.dumps(error_of(exc)), False
        sys.stdout.flush()
        sys.stderr.flush()
        reply({"request_id": request["request_id"], "ok": ok, "payload": payload, "logs": "".join(log)})
        log.clear()


if __name__ == "__main__":
    main()
