//! The request and identity catalogue: who calls the API server (admins, IAM roles, nodes,
//! controllers, service accounts, anonymous callers), what they ask for (get, list, watch,
//! write, exec, forbidden, unauthenticated and non-resource requests) and the audit events each
//! request writes, one per stage; and the other control-plane lines ([`noise_line`]).

use rand::Rng;
use serde_json::{json, Value};

use super::super::rng::{self, chance, hex, pick, upper_alnum, weighted, SimRng};
use super::{format_micros, EksOptions};

/// Who sends requests.
#[derive(Clone, Copy)]
enum Who {
    Admin,
    IamRole,
    Node,
    ControllerManager,
    Scheduler,
    ServiceAccount,
    Anonymous,
}

struct Identity {
    user: Value,
    user_agent: Option<String>,
    source_ip: String,
}

/// One generated request: its stage events in order.
pub(super) struct Request {
    /// `(stage timestamp µs, event)`.
    pub events: Vec<(i64, Value)>,
    pub stream: usize,
}

fn identity(r: &mut SimRng, who: Who, opts: &EksOptions, nodes: &[String]) -> Identity {
    let acct = &opts.account_id;
    let vpc_ip =
        |r: &mut SimRng| format!("10.0.{}.{}", r.random_range(1..4), r.random_range(2..250));
    let public_ip = |r: &mut SimRng| {
        format!(
            "{}.{}.{}.{}",
            pick(r, &[52u8, 54, 3, 18, 203, 198]),
            r.random_range(0..256),
            r.random_range(0..256),
            r.random_range(1..255)
        )
    };
    match who {
        Who::Admin => Identity {
            user: json!({"username": "kubernetes-admin", "uid": "aws-iam-authenticator:".to_string() + acct + ":AIDA" + &upper_alnum(r, 17),
                         "groups": ["system:masters", "system:authenticated"],
                         "extra": {"accessKeyId": ["AKIA".to_string() + &upper_alnum(r, 16)],
                                   "arn": [format!("arn:aws:iam::{acct}:user/admin")],
                                   "canonicalArn": [format!("arn:aws:iam::{acct}:user/admin")],
                                   "principalId": ["AIDA".to_string() + &upper_alnum(r, 17)]}}),
            user_agent: Some("kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46".into()),
            source_ip: public_ip(r),
        },
        Who::IamRole => {
            let (role, session) = *pick(
                r,
                &[
                    ("DevOps", "alice"),
                    ("ReadOnly", "bob"),
                    ("platform-ci", "1732240000000000000"),
                    ("Admin", "carol@example.com"),
                ],
            );
            let arn = format!("arn:aws:sts::{acct}:assumed-role/{role}/{session}");
            Identity {
                user: json!({"username": arn, "uid": format!("aws-iam-authenticator:{acct}:AROA{}", upper_alnum(r, 17)),
                             "groups": ["system:authenticated"],
                             "extra": {"accessKeyId": ["ASIA".to_string() + &upper_alnum(r, 16)],
                                       "arn": [arn.clone()],
                                       "canonicalArn": [format!("arn:aws:iam::{acct}:role/{role}")],
                                       "principalId": ["AROA".to_string() + &upper_alnum(r, 17)],
                                       "sessionName": [session]}}),
                user_agent: Some(
                    pick(
                        r,
                        &[
                            "kubectl/v1.30.5 (darwin/arm64) kubernetes/74e84a9",
                            "k9s/v0.32.5 (darwin/arm64)",
                            "Go-http-client/2.0",
                            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Lens/6.5.2",
                        ],
                    )
                    .to_string(),
                ),
                source_ip: public_ip(r),
            }
        }
        Who::Node => {
            let node = pick(r, nodes).clone();
            Identity {
                user: json!({"username": format!("system:node:{node}"), "uid": format!("aws-iam-authenticator:{acct}:AROA{}", upper_alnum(r, 17)),
                             "groups": ["system:nodes", "system:authenticated"]}),
                user_agent: Some("kubelet/v1.31.3 (linux/amd64) kubernetes/b6a8b23".into()),
                source_ip: vpc_ip(r),
            }
        }
        Who::ControllerManager => Identity {
            user: json!({"username": "system:kube-controller-manager", "groups": ["system:authenticated"]}),
            user_agent: Some(
                "kube-controller-manager/v1.31.4 (linux/amd64) kubernetes/4ae43c7/leader-election"
                    .into(),
            ),
            source_ip: vpc_ip(r),
        },
        Who::Scheduler => Identity {
            user: json!({"username": "system:kube-scheduler", "groups": ["system:authenticated"]}),
            user_agent: Some(
                "kube-scheduler/v1.31.4 (linux/amd64) kubernetes/4ae43c7/scheduler".into(),
            ),
            source_ip: vpc_ip(r),
        },
        Who::ServiceAccount => {
            let (ns, sa) = *pick(
                r,
                &[
                    ("kube-system", "coredns"),
                    ("kube-system", "aws-node"),
                    ("kube-system", "ebs-csi-controller-sa"),
                    ("argocd", "argocd-application-controller"),
                    ("monitoring", "prometheus-kube-state-metrics"),
                ],
            );
            Identity {
                user: json!({"username": format!("system:serviceaccount:{ns}:{sa}"), "uid": rng::uuid(r),
                             "groups": ["system:serviceaccounts", format!("system:serviceaccounts:{ns}"), "system:authenticated"],
                             "extra": {"authentication.kubernetes.io/pod-name": [format!("{sa}-{}", hex(r, 5))],
                                       "authentication.kubernetes.io/pod-uid": [rng::uuid(r)]}}),
                // Some in-cluster clients send no User-Agent.
                user_agent: (!chance(r, 10))
                    .then(|| format!("{sa}/v0.0.0 (linux/amd64) kubernetes/$Format")),
                source_ip: vpc_ip(r),
            }
        }
        Who::Anonymous => Identity {
            user: json!({}),
            user_agent: Some(
                pick(
                    r,
                    &["curl/8.5.0", "python-requests/2.32.3", "Go-http-client/1.1"],
                )
                .to_string(),
            ),
            source_ip: public_ip(r),
        },
    }
}

/// What a request does.
#[derive(Clone, Copy)]
enum Kind {
    Get,
    List,
    Watch,
    Write,
    Exec,
    Forbidden,
    Unauthenticated,
    NonResource,
}

struct ObjRef {
    resource: &'static str,
    namespace: Option<String>,
    name: Option<String>,
    api_group: &'static str,
    api_version: &'static str,
    subresource: Option<&'static str>,
}

fn objref_json(o: &ObjRef, r: &mut SimRng) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("resource".into(), o.resource.into());
    if let Some(ns) = &o.namespace {
        m.insert("namespace".into(), ns.clone().into());
    }
    if let Some(n) = &o.name {
        m.insert("name".into(), n.clone().into());
        if chance(r, 50) {
            m.insert("uid".into(), rng::uuid(r).into());
        }
    }
    if !o.api_group.is_empty() {
        m.insert("apiGroup".into(), o.api_group.into());
    }
    m.insert("apiVersion".into(), o.api_version.into());
    if let Some(s) = o.subresource {
        m.insert("subresource".into(), s.into());
    }
    Value::Object(m)
}

fn uri(o: &ObjRef, query: &str) -> String {
    let base = if o.api_group.is_empty() {
        format!("/api/{}", o.api_version)
    } else {
        format!("/apis/{}/{}", o.api_group, o.api_version)
    };
    let ns = o
        .namespace
        .as_ref()
        .map(|n| format!("/namespaces/{n}"))
        .unwrap_or_default();
    let name = o.name.as_ref().map(|n| format!("/{n}")).unwrap_or_default();
    let sub = o.subresource.map(|s| format!("/{s}")).unwrap_or_default();
    format!("{base}{ns}/{}{name}{sub}{query}", o.resource)
}

const NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "prod",
    "staging",
    "argocd",
    "monitoring",
];

fn random_objref(r: &mut SimRng, with_name: bool) -> ObjRef {
    let (resource, group, version, namespaced) = *pick(
        r,
        &[
            ("pods", "", "v1", true),
            ("configmaps", "", "v1", true),
            ("secrets", "", "v1", true),
            ("services", "", "v1", true),
            ("deployments", "apps", "v1", true),
            ("leases", "coordination.k8s.io", "v1", true),
            ("nodes", "", "v1", false),
            ("namespaces", "", "v1", false),
            ("clusterroles", "rbac.authorization.k8s.io", "v1", false),
        ],
    );
    let name = with_name.then(|| match resource {
        "nodes" => format!(
            "ip-10-0-{}-{}.ec2.internal",
            r.random_range(1..4),
            r.random_range(2..250)
        ),
        "namespaces" => pick(r, NAMESPACES).to_string(),
        "leases" => pick(
            r,
            &[
                "kube-controller-manager",
                "kube-scheduler",
                "cloud-controller-manager",
            ],
        )
        .to_string(),
        _ => format!(
            "{}-{}",
            pick(r, &["web", "api", "worker", "db", "cache", "payments"]),
            hex(r, 5)
        ),
    });
    ObjRef {
        resource,
        namespace: namespaced.then(|| pick(r, NAMESPACES).to_string()),
        name,
        api_group: group,
        api_version: version,
        subresource: None,
    }
}

/// Builds one request's stage events, starting at `received_us`.
pub(super) fn request(
    r: &mut SimRng,
    opts: &EksOptions,
    nodes: &[String],
    received_us: i64,
) -> Request {
    let kind = *weighted(
        r,
        &[
            (30, Kind::Get),
            (14, Kind::List),
            (12, Kind::Watch),
            (18, Kind::Write),
            (5, Kind::Exec),
            (7, Kind::Forbidden),
            (4, Kind::Unauthenticated),
            (10, Kind::NonResource),
        ],
    );
    let who = match kind {
        Kind::Unauthenticated => Who::Anonymous,
        Kind::Exec => *pick(r, &[Who::Admin, Who::IamRole]),
        Kind::Forbidden => *pick(r, &[Who::IamRole, Who::ServiceAccount]),
        Kind::Watch => *pick(
            r,
            &[
                Who::Node,
                Who::ControllerManager,
                Who::Scheduler,
                Who::ServiceAccount,
            ],
        ),
        _ => *weighted(
            r,
            &[
                (3, Who::Admin),
                (4, Who::IamRole),
                (4, Who::Node),
                (3, Who::ControllerManager),
                (1, Who::Scheduler),
                (4, Who::ServiceAccount),
            ],
        ),
    };
    let id = identity(r, who, opts, nodes);
    let audit_id = rng::uuid(r);
    let (verb, objref, request_uri, code, decision, long_running): (
        String,
        Option<ObjRef>,
        String,
        i64,
        Option<&str>,
        bool,
    ) = match kind {
        Kind::Get => {
            let o = random_objref(r, true);
            let code = if chance(r, 8) { 404 } else { 200 };
            let u = uri(&o, "");
            ("get".into(), Some(o), u, code, Some("allow"), false)
        }
        Kind::List => {
            let o = random_objref(r, false);
            let u = uri(&o, "?limit=500");
            ("list".into(), Some(o), u, 200, Some("allow"), false)
        }
        Kind::Watch => {
            let o = random_objref(r, false);
            let u = uri(
                &o,
                &format!(
                    "?allowWatchBookmarks=true&resourceVersion={}&timeout=7m{}s&timeoutSeconds={}&watch=true",
                    r.random_range(100_000..9_999_999),
                    r.random_range(0..60),
                    r.random_range(300..600)
                ),
            );
            ("watch".into(), Some(o), u, 200, Some("allow"), true)
        }
        Kind::Write => {
            let mut o = random_objref(r, true);
            let verb = *pick(r, &["create", "update", "patch", "delete"]);
            if verb == "update" && o.resource == "deployments" && chance(r, 50) {
                o.subresource = Some("scale");
            }
            if verb == "patch" && o.resource == "pods" && chance(r, 40) {
                o.subresource = Some("status");
            }
            let code = match verb {
                "create" => {
                    if chance(r, 10) {
                        409
                    } else {
                        201
                    }
                }
                "patch" if chance(r, 5) => 422,
                _ => 200,
            };
            let u = uri(&o, "");
            (verb.into(), Some(o), u, code, Some("allow"), false)
        }
        Kind::Exec => {
            let mut o = random_objref(r, true);
            o.resource = "pods";
            o.api_group = "";
            o.api_version = "v1";
            o.namespace = Some(pick(r, NAMESPACES).to_string());
            o.subresource = Some(*pick(r, &["exec", "attach", "portforward"]));
            let u = uri(
                &o,
                "?command=sh&container=app&stdin=true&stdout=true&tty=true",
            );
            ("create".into(), Some(o), u, 101, Some("allow"), true)
        }
        Kind::Forbidden => {
            let named = chance(r, 60);
            let mut o = random_objref(r, named);
            if chance(r, 50) {
                o.resource = "secrets";
                o.api_group = "";
                o.namespace = Some("kube-system".into());
            }
            let verb = *pick(r, &["get", "list", "delete", "create"]);
            if verb == "list" {
                o.name = None;
            }
            let u = uri(&o, "");
            (verb.into(), Some(o), u, 403, Some("forbid"), false)
        }
        Kind::Unauthenticated => (
            "get".into(),
            None,
            pick(
                r,
                &[
                    "/api",
                    "/apis",
                    "/version",
                    "/api/v1/namespaces/kube-system/secrets",
                ],
            )
            .to_string(),
            401,
            None,
            false,
        ),
        Kind::NonResource => (
            "get".into(),
            None,
            pick(
                r,
                &["/healthz", "/livez", "/readyz", "/version", "/openapi/v2"],
            )
            .to_string(),
            200,
            Some("allow"),
            false,
        ),
    };

    // Stages: RequestReceived for some requests (EKS's policy keeps it for writes), then
    // ResponseStarted for long-running ones, then ResponseComplete (or, rarely, Panic).
    let mut stages: Vec<(&str, i64)> = Vec::new();
    let unauth = matches!(kind, Kind::Unauthenticated);
    if !unauth && chance(r, 30) {
        stages.push(("RequestReceived", received_us));
    }
    let mut t = received_us + r.random_range(300..40_000);
    if unauth {
        // A failed authentication is audited once, at ResponseStarted.
        stages.push(("ResponseStarted", t));
    } else if long_running {
        stages.push(("ResponseStarted", t));
        t += if kind_is_exec(kind) {
            r.random_range(2_000_000..90_000_000)
        } else {
            r.random_range(30_000_000..300_000_000)
        };
        stages.push(("ResponseComplete", t));
    } else if chance(r, 1) {
        stages.push(("Panic", t));
    } else {
        stages.push(("ResponseComplete", t));
    }

    let level = match verb.as_str() {
        "create" | "update" | "patch" if !long_running && code < 400 && chance(r, 40) => "Request",
        _ => "Metadata",
    };
    let mut events = Vec::new();
    for (stage, stage_us) in stages {
        let mut e = serde_json::Map::new();
        e.insert("kind".into(), "Event".into());
        e.insert("apiVersion".into(), "audit.k8s.io/v1".into());
        e.insert("level".into(), level.into());
        e.insert("auditID".into(), audit_id.clone().into());
        e.insert("stage".into(), stage.into());
        e.insert("requestURI".into(), request_uri.clone().into());
        e.insert("verb".into(), verb.clone().into());
        e.insert("user".into(), id.user.clone());
        e.insert("sourceIPs".into(), json!([id.source_ip.clone()]));
        if let Some(ua) = &id.user_agent {
            e.insert("userAgent".into(), ua.clone().into());
        }
        if let Some(o) = &objref {
            e.insert("objectRef".into(), objref_json(o, r));
        }
        if stage != "RequestReceived" {
            let status = match (stage, code) {
                ("Panic", _) => {
                    json!({"metadata": {}, "status": "Failure", "message": "Internal error occurred: runtime error: invalid memory address or nil pointer dereference", "reason": "InternalError", "code": 500})
                }
                (_, 401) => {
                    json!({"metadata": {}, "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
                }
                (_, 403) => {
                    json!({"metadata": {}, "status": "Failure", "message": format!("{} is forbidden: User \"{}\" cannot {} resource", objref.as_ref().map(|o| o.resource).unwrap_or("resource"), id.user["username"].as_str().unwrap_or(""), verb), "reason": "Forbidden", "details": {"kind": objref.as_ref().map(|o| o.resource).unwrap_or("")}, "code": 403})
                }
                (_, 404) => {
                    json!({"metadata": {}, "status": "Failure", "message": "not found", "reason": "NotFound", "details": {}, "code": 404})
                }
                (_, 409) => {
                    json!({"metadata": {}, "status": "Failure", "message": "already exists", "reason": "AlreadyExists", "code": 409})
                }
                (_, 422) => {
                    json!({"metadata": {}, "status": "Failure", "message": "Unprocessable", "reason": "Invalid", "code": 422})
                }
                (_, c) => json!({"metadata": {}, "code": c}),
            };
            e.insert("responseStatus".into(), status);
        }
        if level == "Request" {
            e.insert(
                "requestObject".into(),
                json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background", "labels": {"app.kubernetes.io/name": "web", "team": "plätform"}}),
            );
        }
        e.insert(
            "requestReceivedTimestamp".into(),
            format_micros(received_us).into(),
        );
        e.insert("stageTimestamp".into(), format_micros(stage_us).into());
        if stage != "RequestReceived" && !unauth {
            let mut a = serde_json::Map::new();
            if let Some(d) = decision {
                a.insert("authorization.k8s.io/decision".into(), d.into());
                let reason = if d == "allow" {
                    if chance(r, 50) {
                        format!(
                            "RBAC: allowed by ClusterRoleBinding \"{}\" of ClusterRole \"{}\" to Group \"system:authenticated\"",
                            pick(r, &["system:basic-user", "eks:podsecuritypolicy:authenticated", "cluster-admin"]),
                            pick(r, &["system:basic-user", "cluster-admin", "view"])
                        )
                    } else {
                        String::new()
                    }
                } else {
                    String::new()
                };
                a.insert("authorization.k8s.io/reason".into(), reason.into());
            }
            if objref.as_ref().is_some_and(|o| o.resource == "pods") && chance(r, 30) {
                a.insert(
                    "pod-security.kubernetes.io/enforce-policy".into(),
                    "privileged:latest".into(),
                );
            }
            e.insert("annotations".into(), Value::Object(a));
        }
        events.push((stage_us, Value::Object(e)));
    }
    Request { events, stream: 0 }
}

fn kind_is_exec(k: Kind) -> bool {
    matches!(k, Kind::Exec)
}

/// One non-audit control-plane line of stream type `kind`.
pub(super) fn noise_line(
    r: &mut SimRng,
    kind: &str,
    at_us: i64,
    opts: &EksOptions,
    nodes: &[String],
) -> String {
    let iso = format_micros(at_us);
    // klog header: Lmmdd hh:mm:ss.uuuuuu threadid file:line]
    let klog = |r: &mut SimRng, level: char| {
        format!(
            "{level}{}{} {}     {:>3} ",
            &iso[5..7],
            &iso[8..10],
            &iso[11..26],
            r.random_range(10..300)
        )
    };
    match kind {
        "kube-apiserver" => match r.random_range(0..3) {
            0 => format!("{}controller.go:615] quota admission added evaluator for: leases.coordination.k8s.io", klog(r, 'I')),
            1 => format!("{}httplog.go:132] \"HTTP\" verb=\"GET\" URI=\"/api/v1/namespaces/default/pods?limit=500\" latency=\"3.1ms\" userAgent=\"kubectl/v1.31.2\" audit-ID=\"{}\" srcIP=\"10.0.1.15:51234\" resp=200", klog(r, 'I'), rng::uuid(r)),
            _ => format!("{}cacher.go:475] cacher (pods): unexpected ListAndWatch error: failed to list *core.Pod: etcdserver: request timed out; reinitializing...", klog(r, 'W')),
        },
        "authenticator" => format!(
            "time=\"{}\" level=info msg=\"access granted\" arn=\"arn:aws:iam::{}:role/{}\" client=\"127.0.0.1:{}\" groups=\"[system:masters]\" method=POST path=/authenticate uid=\"aws-iam-authenticator:{}:AROA{}\" username=kubernetes-admin",
            &iso[..19],
            opts.account_id,
            pick(r, &["DevOps", "eks-admin", "platform-ci"]),
            r.random_range(30_000..60_000),
            opts.account_id,
            upper_alnum(r, 17)
        ),
        "kube-controller-manager" => match r.random_range(0..3) {
            0 => format!("{}event.go:389] \"Event occurred\" object=\"prod/web\" fieldPath=\"\" kind=\"Deployment\" apiVersion=\"apps/v1\" type=\"Normal\" reason=\"ScalingReplicaSet\" message=\"Scaled up replica set web-{} to 3\"", klog(r, 'I'), hex(r, 10)),
            1 => format!("{}range_allocator.go:241] \"Successfully synced\" key=\"{}\"", klog(r, 'I'), pick(r, nodes)),
            // A JSON line that is a Kubernetes core Event, not an audit event.
            _ => json!({"kind": "Event", "apiVersion": "v1", "metadata": {"name": format!("web-{}.{}", hex(r, 5), hex(r, 16)), "namespace": "prod"}, "reason": "SuccessfulCreate", "message": "Created pod: web-7d4b9c"}).to_string(),
        },
        _ => match r.random_range(0..2) {
            // Structured (JSON) scheduler logging.
            0 => json!({"ts": at_us as f64 / 1000.0, "caller": "scheduler/schedule_one.go:314", "msg": "Successfully bound pod to node", "v": 2, "pod": format!("prod/web-{}", hex(r, 5)), "node": pick(r, nodes), "evaluatedNodes": 3, "feasibleNodes": 2}).to_string(),
            _ => format!("{}schedule_one.go:1055] \"Unable to schedule pod; no fit; waiting\" pod=\"staging/batch-{}\" err=\"0/3 nodes are available: 3 Insufficient memory.\"", klog(r, 'E'), hex(r, 5)),
        },
    }
}
