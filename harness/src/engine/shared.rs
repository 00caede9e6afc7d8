//! What every VU of a run shares: the start instant, the collector's channel, live counters,
//! the parsed base URL and request URLs, the connection factory and the iteration error log.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use super::client::ClientFactory;
use super::{Expected, Live, Msg, Recorder};
use crate::metrics::{Tags, TagsHash};
use crate::segment::Segment;

/// How many distinct iteration error messages the report keeps.
const ERROR_KINDS_KEPT: usize = 20;
/// How many distinct request URLs are kept parsed for every VU; past them (URLs holding ids),
/// each VU keeps its own.
const URLS_KEPT: usize = 1_000;

/// The run-wide settings a VU reads.
pub(crate) struct RunSettings {
    pub base: Option<url::Url>,
    pub time_scale: f64,
    pub seed: u64,
    pub expected: Expected,
    pub max_redirects: u32,
    /// This instance's share: VU ids are the whole run's numbers of the units it owns.
    pub segment: Segment,
}

/// Parts shared by every VU of a run.
pub(crate) struct RunShared {
    pub start: Instant,
    pub tx: UnboundedSender<Msg>,
    pub live: Arc<Live>,
    pub settings: RunSettings,
    pub clients: ClientFactory,
    /// The next whole-run VU number to consider (from 0); the segment takes those it owns.
    next_vu_unit: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
    /// Canonical tag sets: VUs share one `Tags` per distinct set, so the collector compares
    /// pointers, not strings, and 10,000 VUs keep one copy. Locked only on a VU's cache miss.
    interned: Mutex<HashSet<Tags, TagsHash>>,
    /// Request URLs as asked for, parsed once for all VUs. Locked only on a VU's cache miss.
    urls: Mutex<HashMap<Arc<str>, Arc<url::Url>>>,
}

impl RunShared {
    pub(crate) fn new(
        start: Instant,
        tx: UnboundedSender<Msg>,
        live: Arc<Live>,
        settings: RunSettings,
        clients: ClientFactory,
    ) -> RunShared {
        RunShared {
            start,
            tx,
            live,
            settings,
            clients,
            next_vu_unit: AtomicU64::new(0),
            errors: Mutex::default(),
            interned: Mutex::default(),
            urls: Mutex::default(),
        }
    }

    /// A new VU's id, from 1: its number in the whole run, so the instances of a split run
    /// never share one (nor what scripts derive from it: client addresses, test users).
    pub(crate) fn next_vu_id(&self) -> u64 {
        let segment = self.settings.segment;
        loop {
            let unit = self.next_vu_unit.fetch_add(1, Ordering::Relaxed);
            if segment.owns(unit) {
                return unit + 1;
            }
        }
    }

    pub(crate) fn recorder(&self) -> Recorder {
        Recorder::new(self.tx.clone(), self.start)
    }

    /// The canonical copy of a tag set.
    pub(crate) fn intern(&self, tags: Tags) -> Tags {
        let mut set = self.interned.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = set.get(&tags) {
            return t.clone();
        }
        set.insert(tags.clone());
        tags
    }

    /// The URL `text` asks for, and `text` itself, shared with every VU that asked before;
    /// `parse` makes it the first time.
    pub(crate) fn url(
        &self,
        text: &str,
        parse: impl FnOnce() -> Result<url::Url, String>,
    ) -> Result<(Arc<str>, Arc<url::Url>), String> {
        let mut urls = self.urls.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((text, url)) = urls.get_key_value(text) {
            return Ok((text.clone(), url.clone()));
        }
        let made = (Arc::<str>::from(text), Arc::new(parse()?));
        if urls.len() < URLS_KEPT {
            urls.insert(made.0.clone(), made.1.clone());
        }
        Ok(made)
    }

    /// Counts an iteration error by message, secrets redacted; only touched when an iteration
    /// fails.
    pub(crate) fn log_error(&self, message: String) {
        let message = crate::redact::redact(&message);
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        let known = errors.contains_key(&message);
        if known || errors.len() < ERROR_KINDS_KEPT {
            *errors.entry(message).or_insert(0) += 1;
        } else {
            *errors.entry("(other errors)".to_string()).or_insert(0) += 1;
        }
    }

    /// The iteration errors logged so far, by message.
    pub(crate) fn errors(&self) -> BTreeMap<String, u64> {
        self.errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
