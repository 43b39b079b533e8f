"""LocalStack plugin for the Sentinel S3 connector toolkit.

* ``executor``: a Lambda runtime executor that runs Python functions as local processes,
  so Lambda works without a Docker engine (``LAMBDA_RUNTIME_EXECUTOR=local-process``).
* ``patches``: restores documented AWS behaviour where LocalStack deviates from it.
"""
