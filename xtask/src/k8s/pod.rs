//! The pod template every Job here shares — an unprivileged container on a read-only root, the
//! run-folder volume, `/tmp`, the settings and the target's Secret — and the objects' labels.

use super::plan::{Plan, Resources, What, secret_vars};
use super::text::{Out, q};

/// The UID and GID the image runs as (deploy/Dockerfile's USER).
const UID: u32 = 10001;
/// A SIGTERM (the deadline, a deleted Job) stops a run gracefully: teardown deletes what the
/// test users made and every report is written before the pod is killed.
const GRACE_SECONDS: u32 = 300;

/// The one container of a pod: what it runs, with which settings and resources.
pub struct Container {
    /// `run`, `merge` or `nightly` (the `app.kubernetes.io/component` label).
    pub component: &'static str,
    /// Instead of the image's entrypoint (`loadtest`).
    pub command: Option<&'static [&'static str]>,
    pub args: Vec<String>,
    pub env: Vec<Var>,
    pub resources: Resources,
    /// Spread the pods over nodes: the point of segments is more than one machine.
    pub spread: bool,
}

/// An environment variable of the container.
pub enum Var {
    Value(String, String),
    /// From the pod's own metadata (the downward API).
    Field(String, String),
    /// A key of the Secret `kaizen-targets`, if present.
    Secret(String),
}

impl Var {
    pub fn value(name: &str, value: &str) -> Var {
        Var::Value(name.into(), value.into())
    }
    pub fn field(name: &str, path: &str) -> Var {
        Var::Field(name.into(), path.into())
    }
}

/// The pod template, `at` spaces in (where `template:` sits).
pub fn pod(out: &mut Out, at: usize, plan: &Plan, c: &Container) {
    let targets = secret_vars(&plan.env).is_some();
    out.line(at, "template:");
    out.line(at + 2, "metadata:");
    labels(out, at + 4, plan, c.component);
    let s = at + 2;
    out.line(s, "spec:");
    out.line(s + 2, "restartPolicy: Never");
    out.line(s + 2, "serviceAccountName: kaizen-loadtest");
    out.line(s + 2, "automountServiceAccountToken: false");
    out.line(s + 2, "enableServiceLinks: false");
    out.line(
        s + 2,
        &format!("terminationGracePeriodSeconds: {GRACE_SECONDS}"),
    );
    out.line(s + 2, "securityContext:");
    out.line(s + 4, "runAsNonRoot: true");
    out.line(s + 4, &format!("runAsUser: {UID}"));
    out.line(s + 4, &format!("runAsGroup: {UID}"));
    out.line(s + 4, &format!("fsGroup: {UID}"));
    out.line(s + 4, "seccompProfile:");
    out.line(s + 6, "type: RuntimeDefault");
    if c.spread {
        out.line(s + 2, "topologySpreadConstraints:");
        out.line(s + 4, "- maxSkew: 1");
        out.line(s + 6, "topologyKey: kubernetes.io/hostname");
        out.line(s + 6, "whenUnsatisfiable: ScheduleAnyway");
        out.line(s + 6, "labelSelector:");
        out.line(s + 8, "matchLabels:");
        out.line(
            s + 10,
            &format!("app.kubernetes.io/instance: {}", q(&plan.run_id)),
        );
        out.line(
            s + 10,
            &format!("app.kubernetes.io/component: {}", c.component),
        );
    }
    out.line(s + 2, "containers:");
    let k = s + 6;
    out.line(s + 4, "- name: loadtest");
    out.line(k, &format!("image: {}", q(&plan.image)));
    out.line(k, "imagePullPolicy: IfNotPresent");
    if let Some(command) = c.command {
        let words: Vec<String> = command.iter().map(|w| q(w)).collect();
        out.line(k, &format!("command: [{}]", words.join(", ")));
    }
    out.line(k, "args:");
    for a in &c.args {
        if a.contains('\n') {
            out.line(k + 2, "- |");
            for l in a.lines() {
                out.line(k + 4, l);
            }
        } else {
            out.line(k + 2, &format!("- {}", q(a)));
        }
    }
    out.line(k, "envFrom:");
    out.line(k + 2, "- configMapRef:");
    out.line(k + 6, "name: loadtest-settings");
    if !c.env.is_empty() {
        out.line(k, "env:");
    }
    for v in &c.env {
        match v {
            Var::Value(name, value) => {
                out.line(k + 2, &format!("- name: {name}"));
                out.line(k + 4, &format!("value: {}", q(value)));
            }
            Var::Field(name, path) => {
                out.line(k + 2, &format!("- name: {name}"));
                out.line(k + 4, "valueFrom:");
                out.line(k + 6, "fieldRef:");
                out.line(k + 8, &format!("fieldPath: {}", q(path)));
            }
            Var::Secret(name) => {
                out.line(k + 2, &format!("- name: {name}"));
                out.line(k + 4, "valueFrom:");
                out.line(k + 6, "secretKeyRef:");
                out.line(k + 8, "name: kaizen-targets");
                out.line(k + 8, &format!("key: {name}"));
                out.line(k + 8, "optional: true");
            }
        }
    }
    let r = &c.resources;
    out.line(k, "resources:");
    out.line(k + 2, "requests:");
    out.line(k + 4, &format!("cpu: {}m", r.cpu_millis));
    out.line(k + 4, &format!("memory: {}Mi", r.memory_mib));
    out.line(k + 2, "limits:");
    out.line(k + 4, &format!("memory: {}Mi", r.memory_limit_mib));
    out.line(k, "securityContext:");
    out.line(k + 2, "allowPrivilegeEscalation: false");
    out.line(k + 2, "readOnlyRootFilesystem: true");
    out.line(k + 2, "capabilities:");
    out.line(k + 4, "drop: [\"ALL\"]");
    out.line(k, "volumeMounts:");
    out.line(k + 2, "- name: reports");
    out.line(k + 4, "mountPath: /reports");
    out.line(k + 2, "- name: tmp");
    out.line(k + 4, "mountPath: /tmp");
    if targets {
        out.line(k + 2, "- name: targets");
        out.line(k + 4, "mountPath: /etc/kaizen-targets");
        out.line(k + 4, "readOnly: true");
    }
    out.line(s + 2, "volumes:");
    out.line(s + 4, "- name: reports");
    out.line(s + 6, "persistentVolumeClaim:");
    out.line(s + 8, "claimName: loadtest-reports");
    out.line(s + 4, "- name: tmp");
    out.line(s + 6, "emptyDir:");
    out.line(s + 8, "sizeLimit: 64Mi");
    if targets {
        // The target's CA file, when the Secret has one (KAIZEN_<ENV>_CA_FILE names it).
        out.line(s + 4, "- name: targets");
        out.line(s + 6, "secret:");
        out.line(s + 8, "secretName: kaizen-targets");
        out.line(s + 8, "optional: true");
    }
}

pub fn labels(out: &mut Out, at: usize, plan: &Plan, component: &str) {
    out.line(at, "labels:");
    for (k, v) in label_pairs(plan, component) {
        out.line(at + 2, &format!("{k}: {}", q(&v)));
    }
}

fn label_pairs(plan: &Plan, component: &str) -> Vec<(&'static str, String)> {
    let mut pairs = vec![
        ("app.kubernetes.io/name", "kaizen-loadtest".to_string()),
        ("app.kubernetes.io/instance", plan.run_id.clone()),
        ("app.kubernetes.io/component", component.to_string()),
        ("app.kubernetes.io/part-of", "kaizen-studio".to_string()),
        (
            "app.kubernetes.io/version",
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("app.kubernetes.io/managed-by", "cargo-xtask".to_string()),
        ("loadtest-environment", plan.env.clone()),
    ];
    if let What::Run { suite, .. } | What::Merge { suite, .. } = plan.what {
        pairs.push(("loadtest-suite", suite.name().to_string()));
    }
    pairs
}
