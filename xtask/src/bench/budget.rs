//! A CPU budget per thread, so a machine with too few cores to give a server cores of its own can
//! still say whether a second generator thread doubles what one sends: every thread of the
//! generator is held to `share` of a core by the kernel's CPU bandwidth control, and the process
//! as a whole to `workers × share`. Two threads then have two such slices and one thread one; a
//! generator that did its work on one thread could not pass `share` however many it had, so the
//! ratio is the generator's own. The rest of the machine is left to the server.
//!
//! Linux's cgroup v1 `cpu` controller (threads go one by one into `tasks`); where it is not
//! mounted and writable, `Budget::open` says why and the set-ups that need it are left out.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The bandwidth period: each thread runs at most `share × PERIOD_US` in every period. Short, so a
/// thread held back waits milliseconds, not a tenth of a second (the kernel's smallest quota is
/// 1 ms, so `share` must be at least `1000 / PERIOD_US`).
pub(super) const PERIOD_US: u64 = 5_000;

/// The mount point of cgroup v1's `cpu` controller, from `/proc/mounts`' text.
pub(super) fn cpu_mount(mounts: &str) -> Option<PathBuf> {
    mounts.lines().find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        let ours = f.get(2) == Some(&"cgroup") && f.get(3)?.split(',').any(|o| o == "cpu");
        ours.then(|| PathBuf::from(f[1]))
    })
}

/// The quota in microseconds per period for `cores` of CPU.
pub(super) fn quota_us(cores: f64) -> u64 {
    (cores * PERIOD_US as f64).round() as u64
}

/// One budget group, removed when dropped (after its process has ended).
#[derive(Debug)]
pub(super) struct Budget {
    dir: PathBuf,
    share: f64,
    /// Threads already given a group of their own.
    split: BTreeSet<u32>,
}

fn write(path: &Path, value: impl ToString) -> Result<()> {
    std::fs::write(path, value.to_string())
        .with_context(|| format!("write {} to {}", value.to_string(), path.display()))
}

fn limit(dir: &Path, cores: f64) -> Result<()> {
    write(&dir.join("cpu.cfs_period_us"), PERIOD_US)?;
    write(&dir.join("cpu.cfs_quota_us"), quota_us(cores))
}

impl Budget {
    /// A group for a generator of `workers` threads of `share` of a core each.
    pub(super) fn open(name: &str, workers: usize, share: f64) -> Result<Budget> {
        if quota_us(share) < 1_000 {
            bail!("a share of {share} of a core is under the kernel's 1 ms quota");
        }
        let mounts = std::fs::read_to_string("/proc/mounts").context("read /proc/mounts")?;
        let Some(root) = cpu_mount(&mounts) else {
            bail!("no cgroup v1 cpu controller is mounted (the CPU budget needs one)");
        };
        let dir = root.join(name);
        if dir.exists() {
            // Left by a run that was killed: its threads are gone, so its groups are empty.
            remove(&dir);
        }
        std::fs::create_dir(&dir)
            .with_context(|| format!("make {} (needs root)", dir.display()))?;
        let budget = Budget {
            dir,
            share,
            split: BTreeSet::new(),
        };
        limit(&budget.dir, workers as f64 * share)?;
        Ok(budget)
    }

    /// `program args`, started inside the group (its threads inherit it), on cores `list`.
    pub(super) fn command(&self, list: &str, program: &str, args: &[&str]) -> Command {
        let mut c = Command::new("sh");
        let tasks = self.dir.join("tasks");
        c.arg("-c")
            .arg(r#"echo $$ > "$0" && exec taskset -c "$@""#)
            .arg(tasks)
            .arg(list)
            .arg(program)
            .args(args);
        c
    }

    /// Gives every thread of `pid` not yet on its own a group capped at `share` of a core.
    /// Returns how many threads the process has now.
    pub(super) fn split(&mut self, pid: u32) -> Result<usize> {
        let tids: Vec<u32> = std::fs::read_dir(format!("/proc/{pid}/task"))
            .with_context(|| format!("list the threads of {pid}"))?
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .collect();
        for &tid in &tids {
            if self.split.contains(&tid) {
                continue;
            }
            let dir = self.dir.join(format!("t{tid}"));
            std::fs::create_dir(&dir).with_context(|| format!("make {}", dir.display()))?;
            limit(&dir, self.share)?;
            write(&dir.join("tasks"), tid)?;
            self.split.insert(tid);
        }
        Ok(tids.len())
    }

    /// Periods in which a thread of the group was held back, over all of them so far.
    pub(super) fn throttled(&self) -> u64 {
        let stat = |dir: &Path| -> u64 {
            let text = std::fs::read_to_string(dir.join("cpu.stat")).unwrap_or_default();
            text.lines()
                .find_map(|l| l.strip_prefix("nr_throttled ")?.trim().parse().ok())
                .unwrap_or(0)
        };
        self.split
            .iter()
            .map(|tid| stat(&self.dir.join(format!("t{tid}"))))
            .sum()
    }
}

/// Removes a group and the groups under it (each must have no threads left).
fn remove(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                remove(&e.path());
            }
        }
    }
    let _ = std::fs::remove_dir(dir);
}

impl Drop for Budget {
    fn drop(&mut self) {
        remove(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_controller_is_found_alone_or_beside_cpuacct() {
        let alone = "cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0\n\
                     cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n";
        assert_eq!(cpu_mount(alone), Some(PathBuf::from("/sys/fs/cgroup/cpu")));
        let joint = "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,cpu,cpuacct 0 0\n";
        assert_eq!(
            cpu_mount(joint),
            Some(PathBuf::from("/sys/fs/cgroup/cpu,cpuacct"))
        );
    }

    #[test]
    fn cgroup_v2_alone_or_no_cpu_controller_finds_nothing() {
        let v2 = "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev 0 0\n\
                  cgroup /sys/fs/cgroup/cpuset cgroup rw,cpuset 0 0\n";
        assert_eq!(cpu_mount(v2), None);
    }

    #[test]
    fn a_share_becomes_microseconds_of_each_period() {
        assert_eq!(quota_us(0.4), 2_000);
        assert_eq!(quota_us(0.8), 4_000);
        assert_eq!(quota_us(1.0), PERIOD_US);
    }
}
