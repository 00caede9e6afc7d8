//! A checked [`Plan`] as Kubernetes YAML, written as text for people to read: a Job for one
//! run, an Indexed Job for a split one, the merge Job, the nightly CronJob. Every value that is
//! not a validated name or number is quoted as a JSON string (valid YAML).

use loadtests::Suite;

use super::plan::{NIGHTLY, Plan, Resources, What, secret_vars};
use super::pod::{Container, Var, labels, pod};
use super::text::Out;

/// Where deploy/k8s/ puts everything.
pub const NAMESPACE: &str = "kaizen-loadtest";
/// Kept two days, like the original's nightly Jobs: long enough to read the logs of a weekend's
/// runs; the run folders themselves stay on the volume.
const TTL_SECONDS: u32 = 172_800;

/// The YAML documents for the plan, with a comment block on what they are and what to do next.
pub fn render(plan: &Plan) -> String {
    let mut out = Out::default();
    match plan.what {
        What::Run { suite, segments } => run_job(&mut out, plan, suite, segments),
        What::Merge { suite, segments } => merge_job(&mut out, plan, suite, segments),
        What::Nightly => nightly(&mut out, plan),
    }
    out.text
}

fn run_job(out: &mut Out, plan: &Plan, suite: Suite, n: u32) {
    let job = plan.job_name();
    let shape = if n > 1 {
        format!("in {n} segments (an Indexed Job)")
    } else {
        "as one pod".into()
    };
    out.comment(&format!(
        "Kaizen Studio load test: {suite} on {}, {shape}; run {}.",
        plan.env, plan.run_id
    ));
    if let Some(at) = plan.start_at {
        out.comment(&format!(
            "Every pod waits after its setup for the common start {} (LOADTEST_START_AT): apply \
             this before then.",
            harness::clock::rfc3339(at)
        ));
    }
    let folder = if n > 1 {
        format!("/reports/{}/{suite}-seg-<i>-of-{n}/", plan.run_id)
    } else {
        format!("/reports/{}/{suite}/", plan.run_id)
    };
    out.comment(&format!(
        "Its run folder: {folder} on the volume loadtest-reports."
    ));
    next_steps(out, plan, &job, n > 1);
    sizing_comment(out, &plan.resources, n);
    job_head(out, plan, &job, "run");
    if n > 1 {
        out.line(2, "completionMode: Indexed");
        out.line(2, &format!("completions: {n}"));
        out.line(2, &format!("parallelism: {n}"));
        never_twice(out, 2, "segment");
    } else {
        out.line(2, "completions: 1");
        out.line(2, "parallelism: 1");
        out.line(
            2,
            "# One pod, never retried: a second attempt would load the target again.",
        );
        out.line(2, "backoffLimit: 0");
        failure_policy(out, 2, "FailJob");
    }
    out.line(
        2,
        &format!("activeDeadlineSeconds: {}", plan.deadline.as_secs()),
    );
    out.line(2, &format!("ttlSecondsAfterFinished: {TTL_SECONDS}"));
    let mut env = vec![
        Var::value("LOADTEST_ENV", &plan.env),
        Var::value("LOADTEST_REPORT_DIR", &format!("/reports/{}", plan.run_id)),
    ];
    if n > 1 {
        // The Job controller sets JOB_COMPLETION_INDEX: with this, pod i runs segment i/N.
        env.push(Var::value("LOADTEST_SEGMENTS", &n.to_string()));
    }
    if let Some(at) = plan.start_at {
        env.push(Var::value(
            "LOADTEST_START_AT",
            &harness::clock::rfc3339(at),
        ));
    }
    run_settings(&mut env, plan);
    pod(
        out,
        2,
        plan,
        &Container {
            component: "run",
            command: None,
            args: vec!["run".into(), suite.name().into()],
            env,
            resources: plan.resources,
            spread: n > 1,
        },
    );
}

fn merge_job(out: &mut Out, plan: &Plan, suite: Suite, n: u32) {
    let job = format!("{}-merge", plan.job_name());
    let base = format!("/reports/{}", plan.run_id);
    out.comment(&format!(
        "The merge of run {} ({suite} on {}, {n} segments): one folder, {base}/{suite}/, whose \
         verdict is the whole run's.",
        plan.run_id, plan.env
    ));
    out.comment(
        "Apply it once the run's Job has ended. Its segments are named one by one: a missing one \
         fails the merge with a sentence saying so.",
    );
    out.comment("It completes when the merged run passed, and fails otherwise. Then:");
    wait_for(out, &job);
    out.comment(&format!("  kubectl -n {NAMESPACE} logs job/{job}"));
    job_head(out, plan, &job, "merge");
    out.line(2, "backoffLimit: 0");
    failure_policy(out, 2, "FailJob");
    out.line(
        2,
        &format!("activeDeadlineSeconds: {}", plan.deadline.as_secs()),
    );
    out.line(2, &format!("ttlSecondsAfterFinished: {TTL_SECONDS}"));
    let mut args = vec!["merge".to_string()];
    args.extend((0..n).map(|i| format!("{base}/{suite}-seg-{i}-of-{n}")));
    args.extend(["--out".into(), format!("{base}/{suite}")]);
    pod(
        out,
        2,
        plan,
        &Container {
            component: "merge",
            command: None,
            args,
            env: Vec::new(),
            resources: plan.resources,
            spread: false,
        },
    );
}

fn nightly(out: &mut Out, plan: &Plan) {
    let suites: Vec<&str> = NIGHTLY.iter().map(|s| s.name()).collect();
    out.comment(&format!(
        "The nightly load test on {}: {} at full length, one after another, every night at \
         02:00 UTC (as the GitHub workflow's nightly).",
        plan.env,
        suites.join(", ")
    ));
    out.comment(
        "Each suite is one index of an Indexed Job run one at a time (parallelism 1), so two \
         never load the target together; a failed suite is not run again and does not stop the \
         next.",
    );
    out.comment(&format!(
        "Run folders: /reports/nightly/<Job name>/<suite>/. Last runs: kubectl -n {NAMESPACE} \
         get jobs -l app.kubernetes.io/component=nightly"
    ));
    sizing_comment(out, &plan.resources, 1);
    out.line(0, "apiVersion: batch/v1");
    out.line(0, "kind: CronJob");
    metadata(out, plan, "loadtest-nightly", "nightly");
    out.line(0, "spec:");
    out.line(2, "schedule: \"0 2 * * *\"");
    out.line(2, "timeZone: Etc/UTC");
    out.line(
        2,
        "# A night still running blocks the next, and a start missed by more than 15",
    );
    out.line(
        2,
        "# minutes is skipped rather than run into the working day.",
    );
    out.line(2, "concurrencyPolicy: Forbid");
    out.line(2, "startingDeadlineSeconds: 900");
    out.line(
        2,
        "# Old nights are removed by these limits (no TTL, which would remove them first).",
    );
    out.line(2, "successfulJobsHistoryLimit: 7");
    out.line(2, "failedJobsHistoryLimit: 7");
    out.line(2, "jobTemplate:");
    out.line(4, "metadata:");
    labels(out, 6, plan, "nightly");
    out.line(4, "spec:");
    out.line(6, "completionMode: Indexed");
    out.line(6, &format!("completions: {}", NIGHTLY.len()));
    out.line(6, "parallelism: 1");
    never_twice(out, 6, "suite");
    out.line(
        6,
        &format!("activeDeadlineSeconds: {}", plan.deadline.as_secs()),
    );
    let mut env = vec![
        Var::value("LOADTEST_ENV", &plan.env),
        Var::field(
            "JOB_NAME",
            "metadata.labels['batch.kubernetes.io/job-name']",
        ),
        Var::value("LOADTEST_REPORT_DIR", "/reports/nightly/$(JOB_NAME)"),
    ];
    run_settings(&mut env, plan);
    // Index i runs the i-th suite; `exec` makes it the container's first process, so the
    // deadline's SIGTERM reaches it and it stops gracefully.
    let script = format!(
        "set -- {}\nshift \"$JOB_COMPLETION_INDEX\"\nexec loadtest run \"$1\"\n",
        suites.join(" ")
    );
    pod(
        out,
        6,
        plan,
        &Container {
            component: "nightly",
            command: Some(&["/bin/sh", "-c"]),
            args: vec![script],
            env,
            resources: plan.resources,
            spread: false,
        },
    );
}

/// The commands that follow `kubectl apply` for this run.
fn next_steps(out: &mut Out, plan: &Plan, job: &str, split: bool) {
    out.comment("");
    out.comment("Next:");
    out.comment("  kubectl apply -f <this file>");
    wait_for(out, job);
    if split {
        out.comment(
            "  # each segment's verdict is about its share only; the merge judges the run:",
        );
        out.comment(&format!(
            "  {} --run-id {} --merge-only | kubectl apply -f -",
            plan.command, plan.run_id
        ));
        wait_for(out, &format!("{job}-merge"));
        out.comment(&format!("  kubectl -n {NAMESPACE} logs job/{job}-merge"));
    } else {
        out.comment(&format!("  kubectl -n {NAMESPACE} logs job/{job}"));
    }
}

/// A wait for a Job's end, passed or failed (`kubectl wait` takes one condition, and a failed
/// Job never becomes complete).
fn wait_for(out: &mut Out, job: &str) {
    out.comment(&format!(
        "  # until {job} has ended, passed (Complete) or not (Failed):"
    ));
    out.comment(&format!(
        "  until kubectl -n {NAMESPACE} get job/{job} -o jsonpath='{{.status.conditions[?(@.status==\"True\")].type}}' | grep -qwE 'Complete|Failed'; do sleep 15; done"
    ));
}

fn sizing_comment(out: &mut Out, r: &Resources, n: u32) {
    let per = if n > 1 {
        " (the peak divided by the segments)"
    } else {
        ""
    };
    out.comment("");
    out.comment(&format!(
        "Per pod: at most {} VUs{per}; memory {}Mi requested = 128 MiB + 64 KiB per VU \
         (docs/BENCHMARKS.md: 23 KB per VU measured, ~3x for TLS and JSON bodies), limit 2x = \
         {}Mi; CPU {}m = 250m + 1m per VU, no CPU limit (throttling would show as generator lag \
         and make the run INVALID).",
        r.vus, r.memory_mib, r.memory_limit_mib, r.cpu_millis
    ));
}

/// Index-by-index failure handling: no index runs twice, the others go on, and the Job ends
/// failed if any index failed.
fn never_twice(out: &mut Out, at: usize, what: &str) {
    out.line(
        at,
        &format!("# A failed {what} is never run again (a second attempt would load the"),
    );
    out.line(
        at,
        "# target again), and the others still run to their end: each pod's verdict is",
    );
    out.line(
        at,
        "# its own. backoffLimit: 0 would end the whole Job at the first failure and kill",
    );
    out.line(
        at,
        "# the others mid-run. (Backoff limit per index: Kubernetes 1.29 or newer.)",
    );
    out.line(at, "backoffLimitPerIndex: 0");
    failure_policy(out, at, "FailIndex");
}

/// Any exit but 0, and any disruption (eviction, preemption, a lost node), ends the pod's part
/// at once — `action` says whether that is the Job's end or its index's.
fn failure_policy(out: &mut Out, at: usize, action: &str) {
    out.line(at, "podFailurePolicy:");
    out.line(at + 2, "rules:");
    out.line(at + 4, &format!("- action: {action}"));
    out.line(at + 6, "onExitCodes:");
    out.line(at + 8, "containerName: loadtest");
    out.line(at + 8, "operator: NotIn");
    out.line(at + 8, "values: [0]");
    out.line(at + 4, &format!("- action: {action}"));
    out.line(at + 6, "onPodConditions:");
    out.line(at + 8, "- type: DisruptionTarget");
    out.line(at + 10, "status: \"True\"");
}

fn job_head(out: &mut Out, plan: &Plan, name: &str, component: &str) {
    out.line(0, "apiVersion: batch/v1");
    out.line(0, "kind: Job");
    metadata(out, plan, name, component);
    out.line(0, "spec:");
}

fn metadata(out: &mut Out, plan: &Plan, name: &str, component: &str) {
    out.line(0, "metadata:");
    out.line(2, &format!("name: {name}"));
    out.line(2, &format!("namespace: {NAMESPACE}"));
    labels(out, 2, plan, component);
}
/// Settings every run pod shares: the time scale, production consent, the target's Secret.
fn run_settings(env: &mut Vec<Var>, plan: &Plan) {
    if let Some(scale) = plan.time_scale {
        env.push(Var::value("LOADTEST_TIME_SCALE", &scale.to_string()));
    }
    if plan.allow_production {
        env.push(Var::value("LOADTEST_ALLOW_PRODUCTION", "1"));
    }
    for name in secret_vars(&plan.env).into_iter().flatten() {
        env.push(Var::Secret(name));
    }
}
