//! CPU time from `/proc`, read at two moments of a run: each thread's time on a CPU and time
//! waiting in a run queue (`/proc/PID/task/TID/schedstat`, nanoseconds), and the whole
//! machine's busy time (`/proc/stat`). What a process did between the readings is a `Usage`.

use std::collections::BTreeMap;

/// A thread counts as working when it ran for at least this share of the window; the others
/// (a runtime's main thread parked in `block_on`, idle pools) say nothing about headroom.
const WORKING: f64 = 0.10;

/// One thread's scheduler counters since it started, in nanoseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Sched {
    pub run_ns: u64,
    pub wait_ns: u64,
}

/// A process's threads at one moment, by thread id.
pub(super) type Threads = BTreeMap<u32, Sched>;

/// `schedstat`'s first two fields: time on a CPU, time waiting for one.
pub(super) fn parse_schedstat(text: &str) -> Option<Sched> {
    let mut f = text.split_whitespace().map(|v| v.parse::<u64>().ok());
    Some(Sched {
        run_ns: f.next()??,
        wait_ns: f.next()??,
    })
}

/// Every thread of `pid` now (empty when the process is gone).
pub(super) fn threads(pid: u32) -> Threads {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Threads::new();
    };
    dir.flatten()
        .filter_map(|e| {
            let tid = e.file_name().to_str()?.parse().ok()?;
            let text = std::fs::read_to_string(e.path().join("schedstat")).ok()?;
            Some((tid, parse_schedstat(&text)?))
        })
        .collect()
}

/// Busy jiffies in `/proc/stat`'s `cpu` line: all but idle and iowait.
pub(super) fn parse_stat_busy(line: &str) -> Option<u64> {
    let mut f = line.split_whitespace();
    if f.next()? != "cpu" {
        return None;
    }
    let v: Vec<u64> = f.map(|x| x.parse().ok()).collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal [guest guest_nice, already in user/nice]
    let busy = v
        .iter()
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4);
    Some(busy.map(|(_, x)| x).sum())
}

/// Seconds of CPU the whole machine has been busy, over all cores (USER_HZ is 100 on Linux).
pub(super) fn machine_busy_s() -> f64 {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let jiffies = text.lines().next().and_then(parse_stat_busy).unwrap_or(0);
    jiffies as f64 / 100.0
}

/// What a process's threads did over a window, in cores (seconds per second of the window).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Usage {
    /// Time on a CPU, all threads.
    pub cpu: f64,
    /// Time runnable but waiting for a CPU, all threads.
    pub wait: f64,
    /// Threads that ran for at least a tenth of the window.
    pub working: usize,
    /// The working threads' share of the window spent neither running nor waiting to run:
    /// blocked with nothing to do. Near 0 for a generator that is its own limit.
    pub idle: f64,
}

/// The difference of two readings of one process, over `window_s` seconds. A thread born
/// between them counts from zero.
pub(super) fn usage(before: &Threads, after: &Threads, window_s: f64) -> Usage {
    let window_ns = window_s * 1e9;
    let mut u = Usage::default();
    let mut idle_ns = 0.0;
    for (tid, end) in after {
        let start = before.get(tid).copied().unwrap_or_default();
        let run = end.run_ns.saturating_sub(start.run_ns) as f64;
        let wait = end.wait_ns.saturating_sub(start.wait_ns) as f64;
        u.cpu += run / window_ns;
        u.wait += wait / window_ns;
        if run >= WORKING * window_ns {
            u.working += 1;
            idle_ns += (window_ns - run - wait).max(0.0);
        }
    }
    if u.working > 0 {
        u.idle = idle_ns / (window_ns * u.working as f64);
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedstat_gives_run_and_wait_time() {
        let s = parse_schedstat("123456 7890 42\n");
        assert_eq!(
            s,
            Some(Sched {
                run_ns: 123_456,
                wait_ns: 7_890
            })
        );
        assert_eq!(parse_schedstat("12"), None);
    }

    #[test]
    fn stat_busy_leaves_out_idle_and_iowait() {
        let line = "cpu  100 2 30 5000 40 0 7 1 0 0";
        assert_eq!(parse_stat_busy(line), Some(100 + 2 + 30 + 7 + 1));
        assert_eq!(parse_stat_busy("cpu0 1 2 3 4 5 6 7 8 0 0"), None);
    }

    #[test]
    fn usage_counts_cores_and_the_working_threads_idle_share() {
        let s = |run_ns, wait_ns| Sched { run_ns, wait_ns };
        let before = Threads::from([(1, s(0, 0)), (2, s(1_000, 0)), (3, s(0, 0))]);
        // Over 1 s: thread 1 ran 0.9 s and waited 0.1 s; thread 2 ran 0.5 s, waited 0.2 s;
        // thread 3 ran 1 ms (not working); thread 4 was born and ran 0.2 s.
        let after = Threads::from([
            (1, s(900_000_000, 100_000_000)),
            (2, s(500_001_000, 200_000_000)),
            (3, s(1_000_000, 0)),
            (4, s(200_000_000, 0)),
        ]);
        let u = usage(&before, &after, 1.0);
        assert!((u.cpu - 1.601).abs() < 1e-9, "{u:?}");
        assert!((u.wait - 0.3).abs() < 1e-9, "{u:?}");
        assert_eq!(u.working, 3);
        // Idle: 0 + 0.3 + 0.8 over three working threads.
        assert!((u.idle - 1.1 / 3.0).abs() < 1e-9, "{u:?}");
    }
}
