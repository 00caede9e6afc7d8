//! `cargo xtask report latest|list|open` and `cargo xtask clean --older-than 7d`: the run folders
//! under `reports/<env>/<UTC time>/`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::{Result, bail};

use crate::paths::root;

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// Print the newest run's table (its index.md).
    Latest,
    /// List every run folder, newest first.
    List,
    /// Print the newest run's index.html path (and open it with xdg-open when there is one).
    Open,
}

/// Every run folder (`reports/<env>/<time>/`), newest first by name (UTC time sorts).
pub fn runs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(envs) = std::fs::read_dir(root().join("reports")) else {
        return out;
    };
    for env in envs.flatten().filter(|e| e.path().is_dir()) {
        if let Ok(runs) = std::fs::read_dir(env.path()) {
            out.extend(runs.flatten().map(|r| r.path()).filter(|p| p.is_dir()));
        }
    }
    out.sort_by(|a, b| b.file_name().cmp(&a.file_name()));
    out
}

pub fn report(cmd: &ReportCommand) -> Result<()> {
    let all = runs();
    match cmd {
        ReportCommand::List => {
            for r in &all {
                println!("{}", r.display());
            }
        }
        ReportCommand::Latest | ReportCommand::Open => {
            let Some(latest) = all.first() else {
                bail!("no runs under {}", root().join("reports").display());
            };
            if matches!(cmd, ReportCommand::Latest) {
                let index = latest.join("index.md");
                match std::fs::read_to_string(&index) {
                    Ok(t) => print!("{t}"),
                    Err(_) => println!("{} (a single suite run: no index)", latest.display()),
                }
            } else {
                let page = latest.join("index.html");
                println!("{}", page.display());
                let _ = std::process::Command::new("xdg-open").arg(&page).status();
            }
        }
    }
    Ok(())
}

/// `7d`, `12h`, `30m`.
pub fn parse_age(text: &str) -> Result<Duration> {
    let (n, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = n
        .parse()
        .map_err(|_| anyhow::anyhow!("{text:?}: an age is like 7d, 12h or 30m"))?;
    let secs = match unit {
        "d" => n * 86_400,
        "h" => n * 3_600,
        "m" => n * 60,
        _ => bail!("{text:?}: an age is like 7d, 12h or 30m"),
    };
    Ok(Duration::from_secs(secs))
}

/// Deletes run folders last written longer ago than `older_than`; returns what it deleted.
pub fn clean(older_than: &str) -> Result<()> {
    let age = parse_age(older_than)?;
    let now = SystemTime::now();
    let mut removed = 0;
    for r in runs() {
        let old = std::fs::metadata(&r)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|a| a > age);
        if old {
            std::fs::remove_dir_all(&r)?;
            println!("removed {}", r.display());
            removed += 1;
        }
    }
    println!("{removed} run folders older than {older_than} removed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_days_hours_or_minutes_and_anything_else_is_refused() {
        assert_eq!(parse_age("7d").unwrap(), Duration::from_secs(7 * 86_400));
        assert_eq!(parse_age("12h").unwrap(), Duration::from_secs(12 * 3_600));
        assert_eq!(parse_age("30m").unwrap(), Duration::from_secs(1_800));
        for bad in ["7", "d", "7w", "-1d", ""] {
            assert!(parse_age(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn run_folders_are_under_the_workspace_root_whatever_the_working_directory() {
        let root = root();
        assert!(root.is_absolute());
        assert!(root.join("Cargo.toml").is_file() && root.join("loadtests").is_dir());
        assert_eq!(
            crate::paths::runs_of("mock"),
            root.join("reports").join("mock")
        );
    }
}
