//! What `cargo xtask k8s render` is asked for, checked and sized before anything is printed: the
//! environment and suite exist, the image is pinned, the segments, start and run id are sane;
//! then each pod's VUs, memory and CPU and each Job's deadline, from the suite's own plan. Pure
//! over the config and the clock reading it is given, so it is tested as tables.

use std::time::{Duration, SystemTime};

use loadtests::Suite;
use loadtests::config::Config;
use loadtests::target::{HEAVY, env_var};

use crate::resolve::names;

/// The suites the nightly runs, one after another: the GitHub workflow's nightly matrix.
pub const NIGHTLY: [Suite; 3] = [Suite::Stress, Suite::Spike, Suite::Capacity];
/// The most segments a run may have: more pods than this is a cluster of its own to plan.
pub const MAX_SEGMENTS: u32 = 100;
/// The wait before a split run's common start when none is given: time to pull the image,
/// schedule every pod and run setup.
pub const DEFAULT_LEAD: Duration = Duration::from_secs(120);
/// The bound the runner gives setup, and again teardown (loadtests' `HOOK_TIMEOUT`, not scaled).
const HOOK_BOUND: Duration = Duration::from_secs(600);
/// An executor's graceful stop (k6's default `gracefulStop`/`gracefulRampDown`).
const GRACEFUL: Duration = Duration::from_secs(30);
/// Starting the pod, writing the reports, and a margin.
const SLACK: Duration = Duration::from_secs(300);
/// How long a merge may take (it reads N summaries and writes one folder).
const MERGE_DEADLINE: Duration = Duration::from_secs(900);

/// The command line, as given.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub env: String,
    pub suite: Option<String>,
    pub segments: u32,
    pub image: Option<String>,
    pub start_at: Option<String>,
    pub start_in: Option<String>,
    pub run_id: Option<String>,
    pub time_scale: Option<f64>,
    pub allow_production: bool,
    pub merge_only: bool,
    pub nightly: bool,
}

/// Which objects to print.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum What {
    /// A Job for the run: one pod, or an Indexed Job of `segments` pods.
    Run { suite: Suite, segments: u32 },
    /// The Job that merges a split run's segment folders.
    Merge { suite: Suite, segments: u32 },
    /// The CronJob running [`NIGHTLY`] one after another.
    Nightly,
}

/// What a pod asks the scheduler for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resources {
    /// The most VUs one pod runs at once.
    pub vus: u64,
    pub cpu_millis: u64,
    pub memory_mib: u64,
    pub memory_limit_mib: u64,
}

/// A checked request: everything the YAML needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub what: What,
    pub env: String,
    pub image: String,
    /// Names the Jobs and the run's folder on the volume (`/reports/<run id>/`).
    pub run_id: String,
    pub start_at: Option<SystemTime>,
    pub time_scale: Option<f64>,
    pub allow_production: bool,
    pub resources: Resources,
    /// The Job's `activeDeadlineSeconds`.
    pub deadline: Duration,
    /// How the command that rendered this was spelled, for the next steps it prints.
    pub command: String,
}

impl Plan {
    /// `loadtest-<run id>`: the run's Job; the merge Job adds `-merge`.
    pub fn job_name(&self) -> String {
        format!("loadtest-{}", self.run_id)
    }
}

/// Memory for a run pod: 128 MiB for the runtime, the metrics store, the reports written whole
/// and, on `mock`, the embedded mock; plus 64 KiB per VU, about three times the 22.6 KB per VU
/// docs/BENCHMARKS.md measured with per-VU connections (plain HTTP, `GET /health`), for TLS
/// sessions and the API's JSON bodies. The limit is twice the request. CPU: 250m plus 1m per
/// VU — the suites' VUs think 1–3 s between requests, so 1,000 VUs make some hundreds of
/// requests a second, a small part of the tens of thousands one core sends; the headroom
/// keeps the generator's own lag (which would make the run INVALID) out of the figures.
pub fn run_resources(vus: u64) -> Resources {
    let memory_mib = 128 + (vus * 64).div_ceil(1024);
    Resources {
        vus,
        cpu_millis: 250 + vus,
        memory_mib,
        memory_limit_mib: 2 * memory_mib,
    }
}

/// Memory for the merge: 128 MiB plus 16 MiB per segment summary (its HDR histograms and
/// windows, parsed); the limit twice that.
pub fn merge_resources(segments: u32) -> Resources {
    let memory_mib = 128 + 16 * u64::from(segments);
    Resources {
        vus: 0,
        cpu_millis: 250,
        memory_mib,
        memory_limit_mib: 2 * memory_mib,
    }
}

/// Checks the request against the config and `now`; every problem at once, each a sentence.
pub fn plan(req: &Request, config: &Config, now: SystemTime) -> Result<Plan, Vec<String>> {
    let mut problems = Vec::new();
    let known: Vec<&str> = config.environments.keys().map(String::as_str).collect();
    if !config.environments.contains_key(&req.env) {
        problems.push(format!(
            "unknown environment {:?}: one of {} (loadtests/environments.toml)",
            req.env,
            known.join(", ")
        ));
    }
    let suite = match (&req.suite, req.nightly) {
        (Some(s), true) => {
            problems.push(format!(
                "--nightly runs {} one after another: name no suite (got {s:?})",
                names(&NIGHTLY)
            ));
            None
        }
        (None, true) => None,
        (None, false) => {
            problems.push(format!("name a suite: one of {}", names(&Suite::ALL)));
            None
        }
        (Some(s), false) => {
            let found = Suite::ALL.iter().copied().find(|k| k.name() == s);
            if found.is_none() {
                problems.push(format!(
                    "unknown suite {s:?}: one of {}",
                    names(&Suite::ALL)
                ));
            }
            found
        }
    };
    let n = req.segments;
    if !(1..=MAX_SEGMENTS).contains(&n) {
        problems.push(format!(
            "--segments {n}: a run has 1 to {MAX_SEGMENTS} segments"
        ));
    }
    if req.nightly && n != 1 {
        problems.push("--nightly runs each suite whole: give no --segments".into());
    }
    if suite == Some(Suite::Capacity) && n > 1 {
        problems.push(
            "capacity is a capacity search, which cannot be split: each step's verdict needs \
             every instance's data at once (use --segments 1)"
                .into(),
        );
    }
    if req.merge_only && n < 2 {
        problems.push(
            "--merge-only is for a split run (--segments 2 or more): a single run's folder is \
             already its result"
                .into(),
        );
    }
    if req.merge_only && req.run_id.is_none() {
        problems.push(
            "--merge-only needs the --run-id of the run it merges (the run's render printed it)"
                .into(),
        );
    }
    let image = req.image.clone().unwrap_or_else(default_image);
    if let Err(e) = check_image(&image) {
        problems.push(format!("--image {image:?}: {e}"));
    }
    let start_at = match start(req, now) {
        Ok(at) => at,
        Err(e) => {
            problems.push(e);
            None
        }
    };
    // A split run always has a common start: without one, each segment would start when its
    // pod happens to, and their loads would not add up moment by moment.
    let start_at = match start_at {
        None if n > 1 && !req.merge_only => Some(now + DEFAULT_LEAD),
        at => at,
    };
    let run_id = match (&req.run_id, suite) {
        (Some(id), _) => id.clone(),
        (None, Some(s)) => format!(
            "{s}-{}",
            harness::clock::compact(start_at.unwrap_or(now)).to_lowercase()
        ),
        (None, None) => "nightly".into(),
    };
    if let Err(e) = check_run_id(&run_id) {
        problems.push(format!("--run-id {run_id:?}: {e}"));
    }
    if let Some(reason) = req
        .time_scale
        .and_then(harness::settings::time_scale_problem)
    {
        problems.push(format!(
            "--time-scale {}: {reason}",
            req.time_scale.unwrap_or_default()
        ));
    }
    let heavy: Vec<Suite> = match suite {
        Some(s) => vec![s],
        None => NIGHTLY.to_vec(),
    }
    .into_iter()
    .filter(|s| HEAVY.contains(s))
    .collect();
    // The merge sends no load: it needs no consent.
    if req.env == "production" && !heavy.is_empty() && !req.allow_production && !req.merge_only {
        problems.push(format!(
            "{} would put production under heavy load: pass --allow-production if that is \
             really meant",
            names(&heavy)
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let scale = req.time_scale.unwrap_or(1.0);
    let lead = start_at
        .and_then(|at| at.duration_since(now).ok())
        .unwrap_or_default();
    let (what, resources, deadline) = match suite {
        Some(suite) if req.merge_only => (
            What::Merge { suite, segments: n },
            merge_resources(n),
            MERGE_DEADLINE,
        ),
        Some(suite) => (
            What::Run { suite, segments: n },
            run_resources(peak_vus(suite).div_ceil(u64::from(n))),
            lead + run_bound(suite, scale),
        ),
        None => (
            What::Nightly,
            run_resources(NIGHTLY.iter().map(|s| peak_vus(*s)).max().unwrap_or(0)),
            NIGHTLY.iter().map(|s| run_bound(*s, scale)).sum(),
        ),
    };
    Ok(Plan {
        what,
        env: req.env.clone(),
        image,
        run_id,
        start_at,
        time_scale: req.time_scale,
        allow_production: req.allow_production,
        resources,
        deadline,
        command: command_line(req),
    })
}

/// The variable holding an environment's URL, and the one holding its CA file, which the pods
/// read from the Secret; none for the embedded mock.
pub fn secret_vars(env: &str) -> Option<[String; 2]> {
    (env != "mock").then(|| [env_var(env, "URL"), env_var(env, "CA_FILE")])
}

/// The most VUs the suite's scenario runs at once (a capacity search: its VU pool's bound).
pub fn peak_vus(suite: Suite) -> u64 {
    suite.scenario().executor().max_vus()
}

/// How long one run of the suite may take at most, from its pod's start: setup and teardown at
/// their bounds, the scaled schedule, its graceful stop, and slack.
pub fn run_bound(suite: Suite, scale: f64) -> Duration {
    let scheduled = suite.scenario().executor().scaled(scale).duration();
    HOOK_BOUND * 2 + scheduled + GRACEFUL + SLACK
}

/// `kaizen-loadtest:<workspace version>`, as the README's build step tags it.
pub fn default_image() -> String {
    format!("kaizen-loadtest:{}", env!("CARGO_PKG_VERSION"))
}

/// `--start-at` (RFC 3339 UTC) or `--start-in` (`90s`, `2m`, `1h`), never in the past.
fn start(req: &Request, now: SystemTime) -> Result<Option<SystemTime>, String> {
    let at = match (&req.start_at, &req.start_in) {
        (Some(_), Some(_)) => return Err("give --start-at or --start-in, not both".into()),
        (Some(t), None) => {
            harness::clock::parse_rfc3339(t).map_err(|e| format!("--start-at: {e}"))?
        }
        (None, Some(d)) => now + parse_lead(d).map_err(|e| format!("--start-in: {e}"))?,
        (None, None) => return Ok(None),
    };
    if at < now {
        return Err(format!(
            "--start-at {} is in the past: every pod would refuse to start that late",
            harness::clock::rfc3339(at)
        ));
    }
    Ok(Some(at))
}

/// `90s`, `2m`, `1h`.
fn parse_lead(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a wait such as 90s, 2m or 1h");
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = text.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(bad()),
    };
    Ok(Duration::from_secs(n * unit))
}

/// An image reference every pod resolves to the same build: `[host[:port]/]path:tag` or
/// `…@sha256:<64 hex>`, lower-case path, and a tag other than `latest`.
pub fn check_image(image: &str) -> Result<(), String> {
    if image.is_empty() || image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("an image reference has no spaces and is not empty".into());
    }
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    if let Some(d) = digest {
        let hex = d.strip_prefix("sha256:").unwrap_or("");
        if hex.len() != 64 || !hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
            return Err(format!(
                "{d:?} is not a digest such as sha256:<64 hex digits>"
            ));
        }
    }
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (path, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    let mut parts: Vec<&str> = path.split('/').collect();
    let host = parts.len() > 1
        && (parts[0].contains(['.', ':']) || parts[0] == "localhost")
        && parts[0]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c));
    if host {
        parts.remove(0);
    }
    let component_ok = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
            && p.starts_with(|c: char| c.is_ascii_alphanumeric())
            && p.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    if !parts.iter().all(|p| component_ok(p)) {
        return Err(
            "the repository is lower-case letters, digits and . _ - between slashes, after an \
             optional registry host"
                .into(),
        );
    }
    match (tag, digest) {
        (Some(t), _)
            if t.is_empty()
                || t.len() > 128
                || t.starts_with(['.', '-'])
                || !t
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) =>
        {
            Err(format!(
                "{t:?} is not a tag (letters, digits, . _ -, at most 128)"
            ))
        }
        (Some("latest"), None) | (None, None) => Err(
            "name a tag or a digest other than latest: every pod of a run must run the same build"
                .into(),
        ),
        _ => Ok(()),
    }
}

/// A run id names Jobs and a folder: lower-case letters, digits and `-`, starting and ending
/// with a letter or digit, at most 40 characters (so `loadtest-<id>-merge` stays a valid name).
pub fn check_run_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 40
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-');
    ok.then_some(()).ok_or_else(|| {
        "a run id is 1 to 40 lower-case letters, digits and -, starting and ending with a \
         letter or digit"
            .into()
    })
}

/// The render command, as a person would type it again (for the merge step it prints).
fn command_line(req: &Request) -> String {
    let mut words = vec!["cargo xtask k8s render".to_string(), req.env.clone()];
    words.extend(req.suite.clone());
    if req.segments != 1 {
        words.push(format!("--segments {}", req.segments));
    }
    if let Some(image) = &req.image {
        words.push(format!("--image {image}"));
    }
    words.join(" ")
}
