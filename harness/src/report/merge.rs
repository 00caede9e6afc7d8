//! The exact merge of a split run: the `summary.json` of each segment in, one [`Report`] out,
//! every figure and verdict computed from the combined data — never an average of the parts.
//!
//! - Stores: each part's whole store (in its `segment.store`) is restored and added at its
//!   wall-clock offset: HDR histograms add (percentiles of the union, exactly), counters sum,
//!   rates sum their trues and totals, gauges add (`vus` and `vus_max` of parallel instances
//!   at one moment sum: the whole-run value, min and max each summed — min and max are then
//!   bounds of the whole's; per window the means, minima and maxima summed), checks and
//!   failure classes are their metrics'. Windows land in the merged second holding their
//!   first second.
//! - Scenarios: iterations and interruptions summed; the VU plan is the parts' plans added step
//!   by step, its peak the whole's peak.
//! - Thresholds (windowed too) and analyses are evaluated again on the merged store.
//! - Refused, with a sentence: parts of different tests (suite, plan fingerprint, schema), a
//!   folder that is not a segment's, forms of segment mixed, overlapping segments, and shares
//!   left uncovered unless `partial` (then the report is PARTIAL and never passes). A part that
//!   ended before its load (late for the common start, setup failed) counts as missing.

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use super::summary::{SCHEMA_VERSION, SegmentSummary, Summary};
use crate::Report;
use crate::metrics::{Store, builtin_kind};
use crate::run::{MergeRecord, MergedPart, ScenarioInfo};
use crate::segment::{Fraction, Segment};
use crate::threshold::{self, Threshold};

/// One part: where it was read from, and what it holds.
#[derive(Debug)]
pub struct Part {
    pub source: String,
    pub summary: Summary,
}

impl Part {
    /// Reads a part from a `summary.json`'s text ([`Summary::from_json`]); `source` names it
    /// in every sentence.
    pub fn parse(source: impl Into<String>, json: &str) -> Result<Part, String> {
        let source = source.into();
        let summary = Summary::from_json(json).map_err(|e| format!("{source}: {e}"))?;
        Ok(Part { source, summary })
    }

    fn segment(&self) -> Result<(&SegmentSummary, Segment), String> {
        let s = self.summary.segment.as_ref().ok_or_else(|| {
            format!(
                "{}: not a segment's run (its summary.json has no segment): run each part with \
                 LOADTEST_SEGMENT",
                self.source
            )
        })?;
        let seg = Segment::parse(&s.segment).map_err(|e| format!("{}: {e}", self.source))?;
        Ok((s, seg))
    }
}

/// The shares `segments` leave uncovered, or an overlap as an error.
fn coverage(segments: &[(Segment, &str)]) -> Result<Vec<String>, String> {
    let stripes: Vec<(u64, u64, &str)> = segments
        .iter()
        .filter_map(|(s, src)| match *s {
            Segment::Stripe { index, count } => Some((index, count, *src)),
            Segment::Range { .. } => None,
        })
        .collect();
    if !stripes.is_empty() && stripes.len() != segments.len() {
        return Err(
            "the parts mix the two forms of segment (i/N and from:to): they do not \
                    split one run"
                .into(),
        );
    }
    if let Some(&(_, n, _)) = stripes.first() {
        if let Some((_, m, src)) = stripes.iter().find(|(_, c, _)| *c != n) {
            return Err(format!(
                "{src} is a segment of {m}, the others of {n}: they do not split one run"
            ));
        }
        let mut seen: BTreeMap<u64, &str> = BTreeMap::new();
        for (i, _, src) in &stripes {
            if let Some(other) = seen.insert(*i, src) {
                return Err(format!(
                    "segments overlap: {other} and {src} are both {i}/{n}"
                ));
            }
        }
        return Ok((0..n)
            .filter(|i| !seen.contains_key(i))
            .map(|i| format!("{i}/{n}"))
            .collect());
    }
    let mut ranges: Vec<(Fraction, Fraction, &str)> = segments
        .iter()
        .map(|(s, src)| {
            let (a, b) = s.bounds();
            (a, b, *src)
        })
        .collect();
    ranges.sort_by_key(|r| r.0);
    let mut missing = Vec::new();
    let mut covered = Fraction::ZERO;
    let mut last = "";
    for (from, to, src) in ranges {
        if from < covered {
            return Err(format!(
                "segments overlap: {src} ({from}:{to}) starts before {last} ends ({covered})"
            ));
        }
        if from > covered {
            missing.push(format!("{covered}:{from}"));
        }
        covered = to;
        last = src;
    }
    if covered < Fraction::ONE {
        missing.push(format!("{covered}:1"));
    }
    Ok(missing)
}

/// A part's segment record (every part was checked to have one).
fn info(p: &Part) -> &SegmentSummary {
    p.summary
        .segment
        .as_ref()
        .expect("every part was checked to be a segment's")
}

/// The parts' VU plans added: at every moment, the sum of the parts' VUs.
fn add_plans(plans: &[&[(f64, u64)]]) -> Vec<(f64, u64)> {
    let mut times: Vec<f64> = plans.iter().flat_map(|p| p.iter().map(|s| s.0)).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let at = |plan: &[(f64, u64)], t: f64| {
        plan.iter()
            .take_while(|s| s.0 <= t)
            .last()
            .map_or(0, |s| s.1)
    };
    let mut out: Vec<(f64, u64)> = Vec::new();
    for t in times {
        let vus = plans.iter().map(|p| at(p, t)).sum();
        if out.last().is_none_or(|l| l.1 != vus) {
            out.push((t, vus));
        }
    }
    out
}

/// Merges the parts of one split run into one report (see the module's rules).
pub fn merge(parts: &[Part], partial: bool) -> Result<Report, String> {
    let Some(first) = parts.first() else {
        return Err("nothing to merge: give the run folders of the segments".into());
    };
    let mut segs = Vec::new();
    for p in parts {
        if p.summary.schema_version != SCHEMA_VERSION {
            return Err(format!(
                "{}: summary.json schema version {}, this merge reads {SCHEMA_VERSION}",
                p.source, p.summary.schema_version
            ));
        }
        let (s, seg) = p.segment()?;
        let (f, fs) = (first.segment()?.0, &first.summary);
        let differs = |what: &str| {
            format!(
                "{} and {} are not parts of one run: their {what} differ",
                first.source, p.source
            )
        };
        if p.summary.run.name != fs.run.name
            || p.summary.run.suite != fs.run.suite
            || p.summary.run.environment != fs.run.environment
        {
            return Err(differs("test, suite or environment"));
        }
        if s.fingerprint != f.fingerprint {
            return Err(differs("plans (fingerprints)"));
        }
        segs.push((seg, p.source.as_str()));
    }
    let mut missing = coverage(&segs)?;
    // A part that ended before its load has no share to add: it is missing, and says why.
    let loaded: Vec<&Part> = parts
        .iter()
        .filter(|p| match &p.summary.ended_early {
            Some(e) if e.phase.before_load() => {
                let seg = p.summary.segment.as_ref().map_or("?", |s| &s.segment);
                missing.push(format!("{seg} (ended in {}: {})", e.phase, e.reason));
                false
            }
            _ => true,
        })
        .collect();
    if !missing.is_empty() && !partial {
        return Err(format!(
            "the parts do not cover the whole run: no data for {} (merge with --partial to \
             see what there is: the result is PARTIAL and never passes)",
            missing.join(", ")
        ));
    }
    if loaded.is_empty() {
        return Err("no part ran its load: there is nothing to merge".into());
    }
    // Wall-clock alignment: part i's second t is the merged second t + offset_i, with the
    // merged scenarios starting at second `origin`.
    let wall0 = loaded
        .iter()
        .map(|p| info(p).scenarios_started_at_ms)
        .min()
        .unwrap_or(0);
    let lead = |p: &Part| {
        let s = info(p);
        s.scenarios_start_s - (s.scenarios_started_at_ms - wall0) as f64 / 1000.0
    };
    let origin = loaded.iter().map(|p| lead(p)).fold(0.0, f64::max).ceil();
    let offset = |p: &Part| (origin - lead(p)).round().max(0.0);
    let mut store = Store::new();
    for p in &loaded {
        let restored = Store::restore(&info(p).store).map_err(|e| format!("{}: {e}", p.source))?;
        store.merge_parallel_at(&restored, offset(p) as u64);
    }
    let end = loaded
        .iter()
        .map(|p| offset(p) + info(p).scenarios_end_s)
        .fold(origin, f64::max);
    let duration = loaded
        .iter()
        .map(|p| offset(p) + p.summary.run.duration_s)
        .fold(end, f64::max);
    let scenarios: Vec<ScenarioInfo> = first
        .summary
        .scenarios
        .iter()
        .map(|s| {
            let same: Vec<&ScenarioInfo> = loaded
                .iter()
                .filter_map(|p| p.summary.scenarios.iter().find(|x| x.name == s.name))
                .collect();
            let plans: Vec<&[(f64, u64)]> = same.iter().map(|x| x.plan.as_slice()).collect();
            let plan = add_plans(&plans);
            ScenarioInfo {
                name: s.name.clone(),
                executor: s.executor.clone(),
                max_vus: plan.iter().map(|p| p.1).max().unwrap_or(0),
                start: Duration::from_secs_f64(
                    origin + (s.start.as_secs_f64() - info(first).scenarios_start_s).max(0.0),
                ),
                duration: s.duration,
                plan,
                stage_ends: s.stage_ends.clone(),
                iterations: same.iter().map(|x| x.iterations).sum(),
                interrupted: same.iter().map(|x| x.interrupted).sum(),
            }
        })
        .collect();
    let kind_of = |name: &str| builtin_kind(name).or_else(|| store.kind(name));
    let mut compiled = Vec::new();
    for t in &first.summary.thresholds {
        let mut th = Threshold::new(t.expression.to_string());
        if t.abort_on_fail {
            th = th.abort_on_fail();
        }
        if t.allow_no_data {
            th = th.allow_no_data();
        }
        let selector = t.selector.to_string();
        let mut c = threshold::compile(&selector, &th, kind_of).map_err(|e| e.to_string())?;
        c.sources = t.sources.clone();
        compiled.push(c);
    }
    let elapsed = Duration::from_secs_f64(duration);
    let thresholds = threshold::evaluate(
        &compiled,
        &store,
        elapsed,
        threshold::Span {
            from: origin as u64,
            to: end.ceil() as u64,
            complete_only: false,
        },
    );
    let analyses = crate::run::analyze(
        &info(first).analyses,
        &store,
        &scenarios,
        Duration::from_secs_f64(end),
        first.summary.run.time_scale,
    );
    let mut iteration_errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut problems = store.problems();
    let mut invalid = Vec::new();
    for p in &loaded {
        let seg = &info(p).segment;
        for (k, n) in &p.summary.iteration_errors {
            *iteration_errors.entry(k.clone()).or_default() += n;
        }
        problems.extend(
            p.summary
                .problems
                .iter()
                .map(|x| format!("segment {seg}: {x}")),
        );
        invalid.extend(
            p.summary
                .invalid
                .iter()
                .map(|x| format!("segment {seg}: {x}")),
        );
        if let Some(e) = &p.summary.ended_early {
            problems.push(format!("segment {seg} ended in {}: {}", e.phase, e.reason));
        }
        if let Some(a) = &p.summary.aborted {
            problems.push(format!("segment {seg} was stopped early: {a}"));
        }
    }
    let started_ms = (wall0 as f64 - origin * 1000.0).max(0.0) as u64;
    Ok(Report {
        name: first.summary.run.name.clone(),
        started_at: UNIX_EPOCH + Duration::from_millis(started_ms),
        target: first.summary.run.target.clone(),
        duration: elapsed,
        time_scale: first.summary.run.time_scale,
        scenarios,
        store,
        thresholds,
        aborted: None,
        iteration_errors,
        problems,
        invalid: (!invalid.is_empty()).then(|| invalid.join("; ")),
        analyses,
        ended_early: None,
        segment: None,
        merged: Some(MergeRecord {
            parts: parts
                .iter()
                .map(|p| MergedPart {
                    segment: p
                        .summary
                        .segment
                        .as_ref()
                        .map_or_else(String::new, |s| s.segment.clone()),
                    source: p.source.clone(),
                    passed: p.summary.passed,
                })
                .collect(),
            missing,
        }),
    })
}
