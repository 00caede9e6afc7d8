//! `cargo xtask merge <run folders...> --out <folder> [--partial]`: the segments of a split run
//! merged exactly into one run folder ([`loadtests::merge::merge_folders`], which `loadtest
//! merge` also runs). Exits 0 when the merged run passed, 1 otherwise.

use std::path::PathBuf;

use anyhow::Result;

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The segments' run folders (each holding a summary.json).
    #[arg(required = true)]
    folders: Vec<PathBuf>,
    /// Where the merged run folder goes (created; must not hold a summary.json yet).
    #[arg(long)]
    out: PathBuf,
    /// Merge even when shares are missing: the result is PARTIAL and never passes.
    #[arg(long)]
    partial: bool,
}

pub fn run(args: &MergeArgs) -> Result<bool> {
    let commit = std::env::var("GITHUB_SHA").ok().filter(|s| !s.is_empty());
    let report = loadtests::merge::merge_folders(&args.folders, &args.out, args.partial, commit)?;
    let mut text = Vec::new();
    report.write_summary(&mut text)?;
    print!("{}", String::from_utf8_lossy(&text));
    println!("  merged run: {}", args.out.display());
    Ok(report.passed())
}
