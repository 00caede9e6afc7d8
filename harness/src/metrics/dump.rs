//! A store as plain data, and back: every metric, every tag set's sink (trends with their HDR
//! histogram, V2 + DEFLATE, base64) and every window of the time series (trends with their
//! sketch). What a run writes so that runs on several machines merge exactly
//! ([`Store::merge_at`]): nothing is summarised away.

use std::collections::BTreeMap;

use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use serde::{Deserialize, Serialize};

use super::{Bucket, MetricKind, Sink, Sketch, Store, Tags, TrendSink};

/// Every metric of a store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoreDump {
    pub metrics: BTreeMap<String, SeriesDump>,
}

/// One metric: its sinks by tag set, and its windows oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesDump {
    #[serde(rename = "type")]
    pub kind: MetricKind,
    /// Samples merged under `overflow:true` past the tag-set cap.
    pub overflowed: u64,
    pub sinks: Vec<SinkDump>,
    pub windows: Vec<WindowDump>,
}

/// One tag set's aggregate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SinkDump {
    pub tags: BTreeMap<String, String>,
    #[serde(flatten)]
    pub data: SinkData,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "sink", rename_all = "snake_case")]
pub enum SinkData {
    Counter {
        sum: f64,
        count: u64,
    },
    Gauge {
        value: f64,
        min: Option<f64>,
        max: Option<f64>,
        count: u64,
    },
    Rate {
        trues: u64,
        total: u64,
    },
    Trend {
        count: u64,
        sum: f64,
        min: Option<f64>,
        max: Option<f64>,
        out_of_range: u64,
        /// The HDR histogram of the values times [`super::TREND_SCALE`].
        hdr: String,
    },
}

/// One window of the time series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowDump {
    /// Its first second, from the run's start.
    pub t: u64,
    pub seconds: u64,
    pub count: u64,
    pub sum: f64,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub trues: u64,
    /// A trend's sketch: the first bin and the counts from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sketch: Option<(u16, Vec<u32>)>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// An HDR histogram as base64 of its V2 + DEFLATE encoding.
pub fn encode_histogram(h: &Histogram<u64>) -> Option<String> {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new().serialize(h, &mut bytes).ok()?;
    Some(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The histogram [`encode_histogram`] wrote; a sentence when it is not one.
pub fn decode_histogram(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("histogram: not base64: {e}"))?;
    let mut h: Histogram<u64> = Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("histogram: not an HDR V2 histogram: {e:?}"))?;
    h.auto(true);
    Ok(h)
}

impl Store {
    /// Everything this store holds, as plain data.
    pub fn dump(&self) -> StoreDump {
        let metrics = self
            .iter()
            .map(|(name, series)| {
                let mut sinks: Vec<SinkDump> = series
                    .by_tags()
                    .map(|(tags, sink)| SinkDump {
                        tags: tags
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect(),
                        data: sink_data(sink),
                    })
                    .collect();
                sinks.sort_by(|a, b| a.tags.cmp(&b.tags));
                let windows = series
                    .timeline()
                    .windows()
                    .map(|w| window_dump(w.start, w.seconds, w.bucket))
                    .collect();
                let dump = SeriesDump {
                    kind: series.kind(),
                    overflowed: series.overflowed(),
                    sinks,
                    windows,
                };
                (name.to_string(), dump)
            })
            .collect();
        StoreDump { metrics }
    }

    /// The store a [`Store::dump`] was taken of; a sentence naming the metric when a part of
    /// it does not fit (a histogram that does not decode, a sink of another kind).
    pub fn restore(dump: &StoreDump) -> Result<Store, String> {
        let mut store = Store::new();
        for (name, s) in &dump.metrics {
            let wrong = |what: String| format!("metric {name:?}: {what}");
            store.declare(name, s.kind);
            for sink in &s.sinks {
                let tags = Tags::from_pairs(sink.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
                let restored = restore_sink(&sink.data).map_err(wrong)?;
                if restored.kind() != s.kind {
                    return Err(wrong(format!(
                        "a {:?} sink in a {:?} metric",
                        restored.kind(),
                        s.kind
                    )));
                }
                store.merge_sink(name, &tags, &restored);
            }
            for w in &s.windows {
                let bucket = restore_bucket(s.kind, w);
                store.merge_window(name, s.kind, w.t, &bucket);
            }
            store.add_overflowed(name, s.overflowed);
        }
        Ok(store)
    }
}

fn sink_data(sink: &Sink) -> SinkData {
    match sink {
        Sink::Counter { sum, count } => SinkData::Counter {
            sum: *sum,
            count: *count,
        },
        Sink::Gauge {
            value,
            min,
            max,
            count,
        } => SinkData::Gauge {
            value: *value,
            min: finite(*min),
            max: finite(*max),
            count: *count,
        },
        Sink::Rate { trues, total } => SinkData::Rate {
            trues: *trues,
            total: *total,
        },
        Sink::Trend(t) => SinkData::Trend {
            count: t.count,
            sum: t.sum,
            min: finite(t.min),
            max: finite(t.max),
            out_of_range: t.out_of_range,
            hdr: encode_histogram(&t.hist).unwrap_or_default(),
        },
    }
}

fn restore_sink(data: &SinkData) -> Result<Sink, String> {
    Ok(match data {
        SinkData::Counter { sum, count } => Sink::Counter {
            sum: *sum,
            count: *count,
        },
        SinkData::Gauge {
            value,
            min,
            max,
            count,
        } => Sink::Gauge {
            value: *value,
            min: min.unwrap_or(f64::INFINITY),
            max: max.unwrap_or(f64::NEG_INFINITY),
            count: *count,
        },
        SinkData::Rate { trues, total } => Sink::Rate {
            trues: *trues,
            total: *total,
        },
        SinkData::Trend {
            count,
            sum,
            min,
            max,
            out_of_range,
            hdr,
        } => {
            let mut t = TrendSink::new();
            t.hist = decode_histogram(hdr)?;
            if t.hist.len() != *count {
                return Err(format!(
                    "its histogram holds {} values, its count says {count}",
                    t.hist.len()
                ));
            }
            t.count = *count;
            t.sum = *sum;
            t.min = min.unwrap_or(f64::INFINITY);
            t.max = max.unwrap_or(f64::NEG_INFINITY);
            t.out_of_range = *out_of_range;
            Sink::Trend(Box::new(t))
        }
    })
}

fn window_dump(t: u64, seconds: u64, b: &Bucket) -> WindowDump {
    WindowDump {
        t,
        seconds,
        count: b.count,
        sum: b.sum,
        min: finite(b.min),
        max: finite(b.max),
        trues: b.trues,
        sketch: (b.sketch.count() > 0).then(|| b.sketch.parts()),
    }
}

fn restore_bucket(kind: MetricKind, w: &WindowDump) -> Bucket {
    let mut b = Bucket::empty(kind);
    b.count = w.count;
    b.sum = w.sum;
    b.min = w.min.unwrap_or(f64::INFINITY);
    b.max = w.max.unwrap_or(f64::NEG_INFINITY);
    b.trues = w.trues;
    if let Some((first, counts)) = &w.sketch {
        b.sketch = Sketch::from_parts(*first, counts.clone());
    }
    b
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::metrics::{Aggregation, Sample, Value};

    fn sample(metric: &'static str, kind: MetricKind, name: &str, v: f64, s: u64) -> Sample {
        Sample {
            metric,
            kind,
            tags: Tags::from_pairs([("name", name)]),
            value: Value::Number(v),
            at: Duration::from_millis(s * 1000 + 300),
        }
    }

    fn fed(seed: u64, seconds: u64) -> Store {
        let mut store = Store::new();
        for s in 0..seconds {
            for i in 0..20 {
                let v = ((s * 31 + i * 17 + seed * 7) % 500) as f64 + 0.25;
                store.add(&sample("t", MetricKind::Trend, "a", v, s));
                store.add(&sample("c", MetricKind::Counter, "b", 1.0, s));
                store.add(&sample(
                    "r",
                    MetricKind::Rate,
                    "a",
                    f64::from(i % 3 == 0),
                    s,
                ));
                store.add(&sample("g", MetricKind::Gauge, "a", v, s));
            }
        }
        store
    }

    #[test]
    fn a_store_survives_json_and_back_unchanged() {
        let store = fed(1, 200);
        let json = serde_json::to_string(&store.dump()).unwrap();
        let back = Store::restore(&serde_json::from_str(&json).unwrap()).unwrap();
        assert_eq!(back.dump(), store.dump());
        let p = |s: &Store| {
            s.sink("t", &[])
                .unwrap()
                .aggregate(Aggregation::Percentile(99.0), Duration::ZERO)
        };
        assert_eq!(p(&back), p(&store));
    }

    #[test]
    fn two_restored_stores_merge_into_what_one_store_fed_both_would_hold() {
        let (a, b) = (fed(1, 90), fed(2, 90));
        let mut both = fed(1, 90);
        both.merge(&b);
        let mut merged = Store::restore(&a.dump()).unwrap();
        merged.merge(&Store::restore(&b.dump()).unwrap());
        assert_eq!(merged.dump(), both.dump());
    }

    #[test]
    fn a_histogram_that_does_not_decode_is_named_in_a_sentence() {
        let mut dump = fed(1, 2).dump();
        let t = dump.metrics.get_mut("t").unwrap();
        if let SinkData::Trend { hdr, .. } = &mut t.sinks[0].data {
            *hdr = "not a histogram".into();
        }
        let e = Store::restore(&dump).unwrap_err();
        assert!(e.contains("\"t\"") && e.contains("histogram"), "{e}");
    }

    #[test]
    fn gauges_of_parallel_instances_add_up_and_other_kinds_merge_as_usual() {
        let gauge = |vus: f64| {
            let mut s = Store::new();
            for second in 0..3 {
                s.add(&sample("vus", MetricKind::Gauge, "", vus, second));
                s.add(&sample("c", MetricKind::Counter, "", 1.0, second));
            }
            s
        };
        let mut whole = gauge(2.0);
        whole.merge_parallel_at(&gauge(3.0), 0);
        let vus = whole.sink("vus", &[]).unwrap();
        assert_eq!(vus.aggregate(Aggregation::Value, Duration::ZERO), Some(5.0));
        assert_eq!(whole.count("c"), 6.0);
        let w = whole
            .get("vus")
            .unwrap()
            .timeline()
            .windows()
            .next()
            .unwrap();
        assert_eq!((w.bucket.min, w.bucket.max), (5.0, 5.0));
        assert_eq!(w.bucket.sum / w.bucket.count as f64, 5.0);
    }
}
