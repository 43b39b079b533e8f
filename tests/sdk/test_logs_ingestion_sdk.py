"""Microsoft's own Logs Ingestion client (azure-monitor-ingestion) and credential
(azure-identity's ClientSecretCredential), unmodified, against `simulator serve-ingestion`: HTTPS
verified against the CA the mock writes, tokens from the mock's Entra ID by client credentials.

SENTINEL_SIMULATOR names the simulator binary (`cargo xtask test` sets it).
"""

import json
import os
import re
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.identity import ClientSecretCredential
from azure.monitor.ingestion import LogsIngestionClient

DCR = "dcr-" + "5e171e15" * 4
TENANT = "0c0ffee0-0000-4000-8000-000000000001"
SCOPE = "https://monitor.azure.com//.default"


class Mock:
    def __init__(self, tmp, *extra):
        self.ca = str(tmp / "ca.pem")
        self.proc = subprocess.Popen(
            [
                os.environ["SENTINEL_SIMULATOR"],
                "serve-ingestion",
                "--port", "0",
                "--db", str(tmp / "db.sqlite3"),
                "--dcr-id", DCR,
                "--tenant", TENANT,
                "--ca-out", self.ca,
                "--client", "sdk-uploader:right-secret",
                "--client-without-access", "sdk-reader:reader-secret",
                *extra,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        first = self.proc.stdout.readline()
        m = re.search(r"listening on (https://127\.0\.0\.1:\d+)", first)
        assert m, f"serve-ingestion said: {first!r}"
        self.base = m.group(1)
        self.ssl = ssl.create_default_context(cafile=self.ca)

    def get(self, path):
        with urllib.request.urlopen(self.base + path, context=self.ssl) as r:
            return json.load(r)

    def credential(self, client="sdk-uploader", secret="right-secret"):
        return ClientSecretCredential(
            TENANT,
            client,
            secret,
            authority=self.base,
            disable_instance_discovery=True,
            connection_verify=self.ca,
        )

    def client(self, credential):
        return LogsIngestionClient(
            endpoint=self.base, credential=credential, connection_verify=self.ca
        )

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    m = Mock(tmp_path_factory.mktemp("mock"))
    yield m
    m.stop()


def a_row(declaration, i):
    """A valid row of a stream: TimeGenerated and each string column with a value."""
    row = {"TimeGenerated": "2026-12-02T12:00:00Z"}
    for col in declaration["columns"]:
        if col["type"] == "string":
            row[col["name"]] = f"sdk {i}"
    return row


def test_every_stream_takes_rows_from_the_sdk_over_https_with_a_token(mock):
    declarations = mock.get("/_mock/declarations")
    streams = [d["name"] for d in declarations]
    assert len(streams) >= 13, streams
    client = mock.client(mock.credential())
    for d in declarations:
        client.upload(rule_id=DCR, stream_name=d["name"], logs=[a_row(d, i) for i in range(25)])
    counts = mock.get("/_mock/streams")["streams"]
    assert {s: counts[s] for s in streams} == {s: 25 for s in streams}


def test_a_wrong_secret_gets_401_from_the_token_endpoint_and_uploads_nothing(mock):
    before = mock.get("/_mock/stats")["requests"]
    client = mock.client(mock.credential(secret="wrong-secret"))
    with pytest.raises(ClientAuthenticationError) as e:
        client.upload(rule_id=DCR, stream_name="Custom-AWSCloudWatch", logs=[{"x": 1}])
    assert "AADSTS7000215" in str(e.value)
    assert mock.get("/_mock/stats")["requests"] == before
    # The status itself, as Entra answers it.
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": "sdk-uploader",
            "client_secret": "wrong-secret",
            "scope": SCOPE,
        }
    ).encode()
    req = urllib.request.Request(f"{mock.base}/{TENANT}/oauth2/v2.0/token", data=form)
    with pytest.raises(urllib.error.HTTPError) as h:
        urllib.request.urlopen(req, context=mock.ssl)
    assert h.value.code == 401
    assert json.load(h.value)["error"] == "invalid_client"


def test_a_client_without_access_to_the_rule_gets_403(mock):
    client = mock.client(mock.credential("sdk-reader", "reader-secret"))
    with pytest.raises(HttpResponseError) as e:
        client.upload(
            rule_id=DCR,
            stream_name="Custom-AWSCloudWatch",
            logs=[{"TimeGenerated": "2026-12-02T12:00:00Z"}],
        )
    assert e.value.status_code == 403


def test_a_row_of_the_wrong_type_gets_400_and_nothing_is_stored(mock):
    stream = "Custom-AWSCloudWatch"
    before = mock.get("/_mock/streams")["streams"][stream]
    client = mock.client(mock.credential())
    with pytest.raises(HttpResponseError) as e:
        client.upload(
            rule_id=DCR,
            stream_name=stream,
            logs=[{"TimeGenerated": "2026-12-02T12:00:00Z"}, {"TimeGenerated": 12345}],
        )
    assert e.value.status_code == 400
    assert mock.get("/_mock/streams")["streams"][stream] == before


def test_over_one_megabyte_is_chunked_by_the_sdk_and_stored_whole(mock):
    stream = "Custom-AWSCloudWatch"
    declaration = next(d for d in mock.get("/_mock/declarations") if d["name"] == stream)
    text = next(c["name"] for c in declaration["columns"] if c["type"] == "string")
    rows = [
        {"TimeGenerated": "2026-12-02T12:00:00Z", text: f"{i:08d} " + "x" * 600}
        for i in range(6000)
    ]
    assert len(json.dumps(rows)) > 3_000_000
    before_rows = mock.get("/_mock/streams")["streams"][stream]
    before_requests = mock.get("/_mock/stats")["accepted_requests"]
    mock.client(mock.credential()).upload(rule_id=DCR, stream_name=stream, logs=rows)
    assert mock.get("/_mock/streams")["streams"][stream] == before_rows + 6000
    assert mock.get("/_mock/stats")["accepted_requests"] - before_requests >= 3


class Fixed:
    """A credential that hands out one token, as a caller holding an old token would."""

    def __init__(self, token):
        self.token = token

    def get_token(self, *scopes, **kwargs):
        return AccessToken(self.token, int(time.time()) + 3600)


def test_an_expired_token_gets_401(tmp_path):
    short = Mock(tmp_path, "--token-lifetime", "5")
    try:
        token = short.credential().get_token(SCOPE).token
        # Still valid: accepted.
        short.client(Fixed(token)).upload(
            rule_id=DCR,
            stream_name="Custom-AWSCloudWatch",
            logs=[{"TimeGenerated": "2026-12-02T12:00:00Z"}],
        )
        time.sleep(6.5)
        with pytest.raises(HttpResponseError) as e:
            short.client(Fixed(token)).upload(
                rule_id=DCR,
                stream_name="Custom-AWSCloudWatch",
                logs=[{"TimeGenerated": "2026-12-02T12:00:00Z"}],
            )
        assert e.value.status_code == 401
        assert "expired" in str(e.value)
    finally:
        short.stop()
