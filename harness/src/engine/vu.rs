//! The virtual user: what a scenario function receives. It owns its connections (or a handle on
//! the shared pool), its own state, its random generator and its sample buffer.

use std::any::{Any, TypeId};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use url::Url;

use super::alarm::Alarm;
use super::client::Connections;
use super::request_tags::TagCache;
use super::{Recorder, RunShared};
use crate::BoxError;
use crate::metrics::{Metric, Observation, Tags, builtins};

/// The test's setup value, as the engine carries it (the scenario knows its type).
pub type SetupValue = dyn Any + Send + Sync;

/// A scenario's function: one iteration of one VU, with the setup value.
pub type VuFn = Arc<
    dyn for<'a> Fn(&'a mut Vu, &'a SetupValue) -> BoxFuture<'a, Result<(), BoxError>> + Send + Sync,
>;

/// One virtual user.
pub struct Vu {
    id: u64,
    pub(crate) iteration: u64,
    scenario: Arc<str>,
    pub(crate) shared: Arc<RunShared>,
    pub(crate) conns: Connections,
    pub(crate) rec: Recorder,
    scenario_tags: Tags,
    /// The scenario's tags plus the current group.
    pub(crate) tags: Tags,
    group: Option<Arc<str>>,
    /// One value per type ([`Vu::state`]), found by type id.
    state: Vec<(TypeId, Box<dyn Any + Send>)>,
    rng: SmallRng,
    pub(crate) http_tags: TagCache,
    /// The last URL asked for, and what it resolved to.
    last_url: Option<(Arc<str>, Arc<Url>)>,
    /// The last request's target (path and query), parsed: a VU repeating a URL parses it once.
    /// Boxed: a VU holds it all its life, and a `Uri` is large.
    pub(crate) last_target: Option<Box<http::Uri>>,
    check_tags: Vec<(String, Tags)>,
    /// The request timeout's timer, kept from request to request.
    pub(crate) alarm: Alarm,
}

/// How many distinct check tag sets a VU keeps ready.
const CHECK_TAG_CACHE: usize = 32;

impl Vu {
    pub(crate) fn new(
        id: u64,
        scenario: Arc<str>,
        scenario_tags: Tags,
        shared: Arc<RunShared>,
    ) -> Vu {
        let rec = shared.recorder();
        let conns = shared.clients.connections();
        Vu {
            id,
            iteration: 0,
            scenario,
            rng: SmallRng::seed_from_u64(
                shared.settings.seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            ),
            shared,
            conns,
            rec,
            tags: scenario_tags.clone(),
            scenario_tags,
            group: None,
            state: Vec::new(),
            http_tags: TagCache::default(),
            last_target: None,
            last_url: None,
            check_tags: Vec::new(),
            alarm: Alarm::default(),
        }
    }

    /// A VU outside any scenario (setup, teardown), with id 0.
    pub(crate) fn hook(shared: &Arc<RunShared>, phase: &str) -> Vu {
        let tags = Tags::from_pairs([("scenario", phase), ("group", &format!("::{phase}"))]);
        Vu::new(0, Arc::from(phase), tags, shared.clone())
    }

    /// A VU whose requests record nothing: for a preflight check before the run's clock.
    pub(crate) fn detached(shared: &Arc<RunShared>) -> Vu {
        let mut vu = Vu::hook(shared, "preflight");
        let (tx, _) = tokio::sync::mpsc::unbounded_channel();
        vu.rec = Recorder::new(tx, shared.start);
        vu
    }

    /// A sibling VU with this VU's tags and run, its own connections and an empty state: for
    /// setup and teardown hooks that want to work concurrently (e.g. delete many objects).
    pub fn fork(&self) -> Vu {
        Vu::new(
            self.id,
            self.scenario.clone(),
            self.scenario_tags.clone(),
            self.shared.clone(),
        )
    }

    /// This VU's number, unique in the run and starting at 1 (setup and teardown are 0).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// How many iterations this VU has started before the current one.
    pub fn iteration(&self) -> u64 {
        self.iteration
    }

    pub fn scenario(&self) -> &str {
        &self.scenario
    }

    /// The run's base URL, if one was set.
    pub fn base_url(&self) -> Option<&str> {
        self.shared.settings.base.as_ref().map(Url::as_str)
    }

    /// Records a check (the `checks` rate, tagged `check:<name>`) and returns `ok`.
    pub fn check(&mut self, name: &str, ok: bool) -> bool {
        let tags = match self.check_tags.iter().find(|(n, _)| n == name) {
            Some((_, t)) => t.clone(),
            None => {
                let t = self.shared.intern(self.tags.with([("check", name)]));
                if self.check_tags.len() >= CHECK_TAG_CACHE {
                    self.check_tags.clear();
                }
                super::push_lean(&mut self.check_tags, (name.to_string(), t.clone()));
                t
            }
        };
        self.rec.add(&builtins::CHECKS, ok, &tags);
        ok
    }

    /// Adds an observation to a metric, by its handle (k6's `metric.add(value)`): a number to
    /// a [`Counter`](crate::metrics::Counter) (summed), a [`Gauge`](crate::metrics::Gauge)
    /// (the last value) or a [`Trend`](crate::metrics::Trend) (a duration in ms, or any
    /// number), a `bool` to a [`Rate`](crate::metrics::Rate). Tagged with the scenario and
    /// group. Declare the metric with [`Test::metric`](crate::Test::metric) so thresholds may
    /// name it and reports show it even when nothing was added.
    pub fn add<M: Metric>(&mut self, metric: &M, value: impl Observation<M>) {
        self.rec.add(metric, value, &self.tags);
    }

    /// Enters a group (the `group` tag on every later sample), or leaves it with `None`.
    /// Each iteration starts outside any group.
    pub fn set_group(&mut self, group: Option<&str>) {
        if self.group.as_deref() == group {
            return;
        }
        self.http_tags.clear();
        self.check_tags.clear();
        self.group = group.map(Arc::from);
        self.tags = match &self.group {
            Some(g) => self
                .shared
                .intern(self.scenario_tags.with([("group", g.clone())])),
            None => self.scenario_tags.clone(),
        };
    }

    /// This VU's own state of type `T`, created with `Default` on first use (a token, the ids
    /// it created). Each type is a state of its own; they live as long as the VU.
    pub fn state<T: Default + Send + 'static>(&mut self) -> &mut T {
        let id = TypeId::of::<T>();
        let at = match self.state.iter().position(|(t, _)| *t == id) {
            Some(at) => at,
            None => {
                self.state.push((id, Box::new(T::default())));
                self.state.len() - 1
            }
        };
        // The slot was made for exactly this type id.
        match self.state[at].1.downcast_mut::<T>() {
            Some(t) => t,
            None => unreachable!("a state slot holds the type of its id"),
        }
    }

    /// Takes this VU's state of type `T` out (for handing leftovers to teardown).
    pub fn take_state<T: Send + 'static>(&mut self) -> Option<T> {
        let id = TypeId::of::<T>();
        let at = self.state.iter().position(|(t, _)| *t == id)?;
        let (_, boxed) = self.state.swap_remove(at);
        boxed.downcast::<T>().ok().map(|b| *b)
    }

    /// Sleeps for `d` (think time). Not time-scaled: a scaled run is the same test, shorter —
    /// its stages shrink, each VU keeps its pace, so the load per VU stays the real one.
    ///
    /// What the VU recorded so far goes to the collector first, so samples reach the live
    /// counters and the streamed time series while the VU sleeps.
    pub fn sleep(&mut self, d: Duration) -> tokio::time::Sleep {
        self.rec.flush();
        tokio::time::sleep(d)
    }

    /// Sleeps a random time between `min` and `max` (think time; not time-scaled).
    pub fn think(&mut self, min: Duration, max: Duration) -> tokio::time::Sleep {
        let d = if max > min {
            self.rng.random_range(min..=max)
        } else {
            min
        };
        self.sleep(d)
    }

    /// This VU's random generator, seeded from the run's seed and the VU id.
    pub fn rng(&mut self) -> &mut SmallRng {
        &mut self.rng
    }

    /// The time scale applied to the run's stages and durations (not to think times).
    pub fn time_scale(&self) -> f64 {
        self.shared.settings.time_scale
    }

    /// A request URL, shared: a VU that asks for the URL it asked for last parses nothing and
    /// copies nothing, and VUs asking for the same URL share one. Relative paths are joined to
    /// the run's parsed base URL.
    pub(crate) fn resolve(&mut self, url: &str) -> Result<Arc<Url>, String> {
        if let Some((last, parsed)) = &self.last_url
            && **last == *url
        {
            return Ok(parsed.clone());
        }
        let (text, parsed) = self.shared.url(url, || self.parse_url(url))?;
        self.last_url = Some((text, parsed.clone()));
        Ok(parsed)
    }

    fn parse_url(&self, url: &str) -> Result<Url, String> {
        if url.starts_with("http://") || url.starts_with("https://") {
            return Url::parse(url).map_err(|e| format!("invalid URL {url:?}: {e}"));
        }
        let Some(base) = &self.shared.settings.base else {
            return Err(format!("relative URL {url:?} but the test has no base URL"));
        };
        let mut u = base.clone();
        let (path, query) = match url.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (url, None),
        };
        let prefix = base.path().trim_end_matches('/');
        if prefix.is_empty() {
            u.set_path(path);
        } else {
            u.set_path(&format!("{prefix}{path}"));
        }
        u.set_query(query);
        Ok(u)
    }

    pub(crate) fn iteration_tags(&self) -> &Tags {
        &self.scenario_tags
    }
}
