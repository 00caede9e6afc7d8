//! `cargo xtask k8s render <env> <suite> [--segments N] …`: the Kubernetes objects of one run —
//! a Job, an Indexed Job for a split run and (`--merge-only`) its merge Job, or (`--nightly`)
//! the nightly CronJob — printed as YAML for `kubectl apply -f -`, once every input is checked.
//! The objects they use (namespace, service account, settings, volume) are deploy/k8s/'s.

mod plan;
mod pod;
mod render;
#[cfg(test)]
mod tests;
mod text;

use std::time::SystemTime;

use anyhow::{Result, anyhow};

#[derive(Debug, clap::Subcommand)]
pub enum K8sCommand {
    /// Print the manifests of a run (or its merge, or the nightly) for `kubectl apply -f -`.
    Render(RenderArgs),
}

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The environment (loadtests/environments.toml); its URL and CA come from the Secret
    /// kaizen-targets (deploy/k8s/examples/secret.example.yaml).
    env: String,
    /// The suite (none with --nightly).
    suite: Option<String>,
    /// Split the run into N segments, one pod each (an Indexed Job), 1 to 100.
    #[arg(long, default_value_t = 1)]
    segments: u32,
    /// The runner image (deploy/Dockerfile), pinned by a tag or digest.
    #[arg(long)]
    image: Option<String>,
    /// The common start, RFC 3339 UTC (default for a split run: 2 minutes from now).
    #[arg(long, conflicts_with = "start_in")]
    start_at: Option<String>,
    /// The common start as a wait from now: 90s, 2m, 1h.
    #[arg(long)]
    start_in: Option<String>,
    /// Names the Jobs and the run's folder (default: <suite>-<start, UTC>).
    #[arg(long)]
    run_id: Option<String>,
    /// LOADTEST_TIME_SCALE for the pods (0.05 = 20 times shorter, same shape).
    #[arg(long)]
    time_scale: Option<f64>,
    /// Let stress, spike, soak and capacity run against production.
    #[arg(long)]
    allow_production: bool,
    /// Print only the merge Job of a split run (after its Job has ended), for --run-id.
    #[arg(long, conflicts_with_all = ["start_at", "start_in", "time_scale", "nightly"])]
    merge_only: bool,
    /// Print the nightly CronJob: stress, spike and capacity one after another at 02:00 UTC.
    #[arg(long, conflicts_with_all = ["start_at", "start_in", "run_id"])]
    nightly: bool,
}

pub fn run(command: &K8sCommand) -> Result<()> {
    match command {
        K8sCommand::Render(args) => {
            let config = loadtests::config::Config::load(
                loadtests::entry::process_var("LOADTEST_CONFIG").as_deref(),
            )
            .map_err(|e| anyhow!("{e}"))?;
            let request = plan::Request {
                env: args.env.clone(),
                suite: args.suite.clone(),
                segments: args.segments,
                image: args.image.clone(),
                start_at: args.start_at.clone(),
                start_in: args.start_in.clone(),
                run_id: args.run_id.clone(),
                time_scale: args.time_scale,
                allow_production: args.allow_production,
                merge_only: args.merge_only,
                nightly: args.nightly,
            };
            let plan = plan::plan(&request, &config, SystemTime::now()).map_err(|problems| {
                anyhow!("nothing was rendered:\n  - {}", problems.join("\n  - "))
            })?;
            print!("{}", render::render(&plan));
            Ok(())
        }
    }
}
