//! A run that ended before its plan did, for a reason other than a stop: where it ended
//! ([`Phase`]) and the sentence that says why ([`EarlyEnd`]), and the k6-style exit status a
//! runner maps a finished [`Report`](super::Report) to ([`exit_code`]).
//!
//! A report that ended early is still a whole report: the writers give it every file a full
//! run gets, leading with the sentence, and the metrics gathered until then.

/// The part of a run in which it ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The configuration was refused: no request was sent.
    Config,
    /// The target did not answer the preflight request: no load was sent.
    Preflight,
    /// The setup hook failed, timed out, panicked or was stopped: no load was sent.
    Setup,
    /// The instance reached the common start (`Test::start_at`) too late: no load was sent.
    Start,
    /// A scenario panicked: the run was stopped, teardown ran.
    Scenarios,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Config => "config",
            Phase::Preflight => "preflight",
            Phase::Setup => "setup",
            Phase::Start => "start",
            Phase::Scenarios => "scenarios",
        }
    }

    /// Whether the run ended before any scenario started (so no threshold could be judged).
    pub fn before_load(self) -> bool {
        self != Phase::Scenarios
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a run ended early: its phase and one sentence (secrets already redacted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EarlyEnd {
    pub phase: Phase,
    pub reason: String,
}

impl EarlyEnd {
    /// An early end in `phase`; the reason is redacted here, whoever wrote it.
    pub fn new(phase: Phase, reason: impl AsRef<str>) -> EarlyEnd {
        EarlyEnd {
            phase,
            reason: crate::redact::redact(reason.as_ref()),
        }
    }
}

/// "ended in setup: setup failed: …".
impl std::fmt::Display for EarlyEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ended in {}: {}", self.phase, self.reason)
    }
}

/// The exit statuses of [`Report::exit_code`](super::Report::exit_code), k6's where k6 has one.
pub mod exit_code {
    /// The run passed.
    pub const PASSED: i32 = 0;
    /// It ran to its end and failed: a threshold, an analysis, a problem (a scenario that
    /// completed nothing, a failed teardown, litter) or an invalid run (k6's
    /// `ThresholdsHaveFailed`).
    pub const FAILED: i32 = 99;
    /// The configuration was refused before any request (k6's `InvalidConfig`).
    pub const CONFIG: i32 = 104;
    /// An `abort_on_fail` threshold stopped it early. k6 says 99 here too; 105 (its
    /// `ExternalAbort`) lets a pipeline tell a run cut short from one that ran to its end.
    pub const ABORTED: i32 = 105;
    /// The target was unreachable, setup failed or timed out, or a scenario panicked: the
    /// test's own code or its fixture failed (k6's `ScriptException`).
    pub const SCRIPT: i32 = 107;
    /// Ctrl-C or SIGTERM (or the caller's stop), at any phase: as a shell reports SIGINT.
    pub const INTERRUPTED: i32 = 130;
}
