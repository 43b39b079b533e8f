"""Tests for the EKS audit Firehose transform, on real-format CloudWatch Logs subscription payloads."""
import base64
import gzip
import importlib.util
import json
import os
import pathlib

import firehose_fake

os.environ["AWS_REGION"] = "eu-west-1"
SOURCE = pathlib.Path(__file__).resolve().parent.parent / "eks_audit.py"
spec = importlib.util.spec_from_file_location("eks_audit", SOURCE)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)

COLUMNS = ["TimeGenerated", "AwsAccountId", "Region", "ClusterName", "Verb", "User", "SourceIPs",
           "UserAgent", "ObjectRef", "ResponseCode", "Stage", "AuthDecision", "RawEvent"]
STREAM = "kube-apiserver-audit-71976ca11bea5d3083393f7d32dab75b"


def audit(audit_id, stage="ResponseComplete", verb="get", code=200, ref=None, user="kubernetes-admin",
          decision="allow", received="2026-03-01T10:00:00.123456Z"):
    e = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": audit_id,
         "stage": stage, "requestURI": "/api/v1/namespaces/default/pods", "verb": verb,
         "user": {"username": user, "groups": ["system:masters", "system:authenticated"]},
         "sourceIPs": ["10.0.1.15"], "userAgent": "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46",
         "requestReceivedTimestamp": received, "stageTimestamp": "2026-03-01T10:00:00.130001Z"}
    if ref is not None:
        e["objectRef"] = ref
    if code is not None:
        e["responseStatus"] = {"metadata": {}, "code": code}
    if decision is not None:
        e["annotations"] = {"authorization.k8s.io/decision": decision, "authorization.k8s.io/reason": ""}
    return e


def payload(messages, group="/aws/eks/prod-1/cluster", stream=STREAM, owner="123456789012"):
    return {"messageType": "DATA_MESSAGE", "owner": owner, "logGroup": group, "logStream": stream,
            "subscriptionFilters": ["MicrosoftSentinelEKSAudit"],
            "logEvents": [{"id": str(37000000000000000000000000000000000000000000000000000000 + i),
                           "timestamp": 1772359200123 + i,
                           "message": m if isinstance(m, str) else json.dumps(m, separators=(",", ":"))}
                          for i, m in enumerate(messages)]}


def record(rid, body=None, raw=None):
    data = raw if raw is not None else base64.b64encode(gzip.compress(json.dumps(body).encode())).decode()
    return {"recordId": rid, "approximateArrivalTimestamp": 1772359260000, "data": data}


def rows(result):
    text = base64.b64decode(result["data"]).decode("utf-8")
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_multi_event_payload_gives_one_row_per_audit_event_with_exact_columns():
    events = [audit("a1", ref={"resource": "pods", "namespace": "default", "name": "web-0"}),
              audit("a2", verb="list", ref={"resource": "namespaces", "apiVersion": "v1"}),
              audit("a3", verb="create", ref={"resource": "pods", "namespace": "prod", "name": "db-0",
                                              "subresource": "exec"}, stage="ResponseStarted", code=101)]
    out = mod.handler({"records": [record("r1", payload(events))]}, None)
    [res] = out["records"]
    assert res["recordId"] == "r1" and res["result"] == "Ok"
    got = rows(res)
    assert [list(r) for r in got] == [COLUMNS] * 3
    assert got[0] == {
        "TimeGenerated": "2026-03-01T10:00:00.123Z", "AwsAccountId": "123456789012", "Region": "eu-west-1",
        "ClusterName": "prod-1", "Verb": "get", "User": "kubernetes-admin", "SourceIPs": ["10.0.1.15"],
        "UserAgent": "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46", "ObjectRef": "default/pods/web-0",
        "ResponseCode": 200, "Stage": "ResponseComplete", "AuthDecision": "allow", "RawEvent": events[0]}
    assert got[1]["ObjectRef"] == "namespaces"
    assert got[2]["ObjectRef"] == "prod/pods/db-0/exec"
    assert (got[2]["Stage"], got[2]["ResponseCode"]) == ("ResponseStarted", 101)
    assert [r["RawEvent"] for r in got] == events


def test_control_message_is_dropped_and_every_record_id_is_echoed():
    control = {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
               "subscriptionFilters": [], "logEvents": [
                   {"id": "", "timestamp": 1772359200000,
                    "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}
    out = mod.handler({"records": [record("c", control), record("d", payload([audit("x")]))]}, None)
    assert [(r["recordId"], r["result"]) for r in out["records"]] == [("c", "Dropped"), ("d", "Ok")]


def test_non_audit_lines_are_skipped_and_a_payload_without_audit_events_is_dropped():
    mixed = [
        "I0301 10:00:00.000000      11 controller.go:615] quota admission added evaluator for: leases",
        audit("keep"),
        '{"level":"info","ts":"2026-03-01T10:00:00Z","msg":"access granted","arn":"arn:aws:iam::1:role/x"}',
        {"kind": "Event", "apiVersion": "v1", "reason": "Scheduled"},
        "not json {",
        "[1, 2]",
    ]
    out = mod.handler({"records": [record("m", payload(mixed)),
                                   record("n", payload(mixed[:1] + mixed[2:], stream="authenticator-abc"))]}, None)
    first, second = out["records"]
    assert [r["RawEvent"]["auditID"] for r in rows(first)] == ["keep"]
    assert second == {"recordId": "n", "result": "Dropped", "data": ""}


def test_denied_and_unauthenticated_events_and_request_received_stage():
    forbidden = audit("f", verb="delete", code=403, decision="forbid", user="arn:aws:sts::123456789012:assumed-role/dev/alice",
                      ref={"resource": "secrets", "namespace": "kube-system", "name": "aws-auth"})
    unauth = audit("u", code=401, decision=None, user="", ref=None, stage="ResponseStarted")
    unauth["user"] = {}
    received = audit("r", stage="RequestReceived", code=None, decision=None,
                     user="system:serviceaccount:kube-system:coredns", received="2026-03-01T10:00:01.999999Z")
    got = rows(mod.handler({"records": [record("p", payload([forbidden, unauth, received]))]}, None)["records"][0])
    assert (got[0]["ResponseCode"], got[0]["AuthDecision"], got[0]["ObjectRef"]) == (403, "forbid", "kube-system/secrets/aws-auth")
    assert got[0]["User"] == "arn:aws:sts::123456789012:assumed-role/dev/alice"
    assert (got[1]["ResponseCode"], got[1]["AuthDecision"], got[1]["User"], got[1]["ObjectRef"]) == (401, None, "", None)
    assert (got[2]["ResponseCode"], got[2]["AuthDecision"], got[2]["Stage"]) == (None, None, "RequestReceived")
    assert got[2]["TimeGenerated"] == "2026-03-01T10:00:01.999Z"


def test_time_falls_back_to_the_log_event_time_and_cluster_comes_from_the_group():
    e = audit("t")
    del e["requestReceivedTimestamp"]
    [r] = rows(mod.handler({"records": [record("t", payload([e], group="/some/other/group"))]}, None)["records"][0])
    assert r["TimeGenerated"] == "2026-03-01T10:00:00.123Z"
    assert r["ClusterName"] == ""


def test_a_record_that_is_not_gzip_fails_alone():
    bad = record("bad", raw=base64.b64encode(b"plain text, not gzip").decode())
    not_b64 = record("b64", raw="%%%")
    good = record("good", payload([audit("g")]))
    out = mod.handler({"records": [bad, not_b64, good]}, None)
    assert out["records"][0] == {"recordId": "bad", "result": "ProcessingFailed", "data": bad["data"]}
    assert out["records"][1]["result"] == "ProcessingFailed"
    assert out["records"][2]["result"] == "Ok"


def test_odd_field_types_do_not_fail_the_record():
    odd = audit("o", received="yesterday")
    odd["user"] = "kubernetes-admin"
    odd["annotations"] = None
    odd["objectRef"] = "pods"
    odd["responseStatus"] = []
    res = mod.handler({"records": [record("o", payload([odd, audit("fine")]))]}, None)["records"][0]
    assert res["result"] == "Ok"
    first, second = rows(res)
    assert first["TimeGenerated"] == "2026-03-01T10:00:00.123Z"
    assert (first["User"], first["AuthDecision"], first["ObjectRef"], first["ResponseCode"]) == ("", None, None, None)
    assert first["RawEvent"] == odd and second["RawEvent"]["auditID"] == "fine"


def test_events_without_api_version_are_kept_when_they_carry_audit_id_and_stage():
    # Items of a webhook EventList (and legacy v1beta1 traces) have no apiVersion of their own.
    bare = audit("bare")
    del bare["apiVersion"]
    no_stage = audit("no-stage")
    del no_stage["apiVersion"], no_stage["stage"]
    no_id = audit("no-id")
    del no_id["apiVersion"], no_id["auditID"]
    core = {"kind": "Event", "apiVersion": "v1", "auditID": "core", "stage": "ResponseComplete"}
    got = rows(mod.handler({"records": [record("e", payload([bare, no_stage, no_id, core]))]}, None)["records"][0])
    assert [r["RawEvent"] for r in got] == [bare]
    assert (got[0]["Verb"], got[0]["Stage"], got[0]["User"]) == ("get", "ResponseComplete", "kubernetes-admin")


def test_rows_over_6_mb_are_reingested_so_every_audit_event_arrives_once_in_its_cluster():
    # Three payloads of 1,600 audit events each (3.8 MB of rows each in base64, 11.3 MB in all,
    # from 0.18 MB of base64 gzip), with control-plane noise between them.
    def big(i):
        e = audit(f"id-{i:05d}", ref={"resource": "configmaps", "namespace": "default", "name": f"cm-{i}"})
        e["requestURI"] = f"/api/v1/namespaces/default/configmaps/cm-{i}?" + "labelSelector=app%3Dweb&" * 30
        return e
    noise = "I0301 10:00:00.000000      11 controller.go:615] quota admission added evaluator for: leases"
    groups = [[m for i in range(g * 1600, (g + 1) * 1600) for m in (big(i), noise)] for g in range(3)]
    records = [record(f"r{g}", payload(msgs)) for g, msgs in enumerate(groups)]
    assert sum(len(r["data"]) for r in records) < 200_000
    fake = firehose_fake.FakeFirehose()
    texts, sizes = firehose_fake.rounds(mod.handler, records, fake)
    assert max(sizes) < 6_000_000 and len(sizes) > 1, sizes
    got = [json.loads(line) for t in texts for line in t.splitlines()]
    assert sorted(r["RawEvent"]["auditID"] for r in got) == [f"id-{i:05d}" for i in range(4800)]
    assert all(r["RawEvent"] == big(int(r["RawEvent"]["auditID"][3:])) for r in got)
    assert {(r["ClusterName"], r["AwsAccountId"]) for r in got} == {("prod-1", "123456789012")}
    # Only audit events go back into the stream, in payloads of the cluster's log group.
    again = firehose_fake.payloads(fake)
    assert {p["logGroup"] for p in again} == {"/aws/eks/prod-1/cluster"}
    assert all(e["message"] != noise for p in again for e in p["logEvents"])
