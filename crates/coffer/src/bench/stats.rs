//! What each worker measured, merged into the report: per operation the latencies, bytes,
//! items (keys listed, objects deleted) and every failure by kind.

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::units::human_bytes;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    Put,
    Get,
    Stat,
    Delete,
    List,
    Multipart,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Self::Put => "PUT",
            Self::Get => "GET",
            Self::Stat => "STAT",
            Self::Delete => "DELETE",
            Self::List => "LIST",
            Self::Multipart => "MULTIPART",
        }
    }
}

#[derive(Default)]
struct OpRecord {
    /// Microseconds of each completed request, failed ones included.
    latencies: Vec<u32>,
    bytes: u64,
    items: u64,
    errors: BTreeMap<String, u64>,
}

/// One worker's measurements; merged once the workers are done.
#[derive(Default)]
pub struct Recorder {
    ops: BTreeMap<Op, OpRecord>,
}

impl Recorder {
    pub fn record(&mut self, progress: &Progress, op: Op, took: Duration, outcome: Result<Done, String>) {
        let rec = self.ops.entry(op).or_default();
        rec.latencies
            .push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
        progress.ops.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Ok(done) => {
                rec.bytes += done.bytes;
                rec.items += done.items;
                progress.bytes.fetch_add(done.bytes, Ordering::Relaxed);
                progress.items.fetch_add(done.items, Ordering::Relaxed);
            }
            Err(kind) => {
                *rec.errors.entry(kind).or_default() += 1;
                progress.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// A failure found after the requests, such as a listing that missed keys.
    pub fn fail(&mut self, progress: &Progress, op: Op, kind: String) {
        *self.ops.entry(op).or_default().errors.entry(kind).or_default() += 1;
        progress.errors.fetch_add(1, Ordering::Relaxed);
    }

    pub fn merge(&mut self, other: Recorder) {
        for (op, rec) in other.ops {
            let mine = self.ops.entry(op).or_default();
            mine.latencies.extend(rec.latencies);
            mine.bytes += rec.bytes;
            mine.items += rec.items;
            for (kind, n) in rec.errors {
                *mine.errors.entry(kind).or_default() += n;
            }
        }
    }

    /// The first failures, for a preparation step that must not fail.
    pub fn failures(&self) -> Vec<String> {
        self.ops
            .iter()
            .flat_map(|(op, r)| {
                r.errors
                    .iter()
                    .map(move |(k, n)| format!("{} {k} (x{n})", op.name()))
            })
            .collect()
    }

    pub fn summarize(self, elapsed: Duration) -> Summary {
        let secs = elapsed.as_secs_f64().max(1e-9);
        let mut all = Vec::new();
        let mut total = OpSummary::default();
        let mut per_op = BTreeMap::new();
        for (op, mut rec) in self.ops {
            all.extend_from_slice(&rec.latencies);
            let s = OpSummary::of(&mut rec, secs);
            total.ops += s.ops;
            total.bytes += s.bytes;
            total.items += s.items;
            total.errors += s.errors;
            for (k, n) in &rec.errors {
                *total.error_kinds.entry(format!("{} {k}", op.name())).or_default() += n;
            }
            per_op.insert(op.name(), s);
        }
        total.latency_ms = Latency::of(&mut all);
        total.ops_per_s = total.ops as f64 / secs;
        total.mib_per_s = total.bytes as f64 / secs / f64::from(1 << 20);
        Summary {
            duration_s: secs,
            client_cpu_s: None,
            total,
            per_op,
        }
    }
}

/// A successful request: bytes moved and items (keys listed, objects deleted).
#[derive(Default)]
pub struct Done {
    pub bytes: u64,
    pub items: u64,
}

impl Done {
    pub fn bytes(bytes: u64) -> Self {
        Self { bytes, items: 0 }
    }
    pub fn items(items: u64) -> Self {
        Self { bytes: 0, items }
    }
}

#[derive(Default, Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Latency {
    fn of(micros: &mut [u32]) -> Self {
        if micros.is_empty() {
            return Self::default();
        }
        micros.sort_unstable();
        let at = |q: f64| {
            // Nearest rank: the smallest latency that q of the requests did not exceed.
            let rank = (q * micros.len() as f64).ceil() as usize;
            f64::from(micros[rank.clamp(1, micros.len()) - 1]) / 1000.0
        };
        Self {
            p50: at(0.50),
            p99: at(0.99),
            p999: at(0.999),
            max: f64::from(micros[micros.len() - 1]) / 1000.0,
        }
    }
}

#[derive(Default, Serialize)]
pub struct OpSummary {
    pub ops: u64,
    pub ops_per_s: f64,
    pub bytes: u64,
    pub mib_per_s: f64,
    pub items: u64,
    pub errors: u64,
    pub error_kinds: BTreeMap<String, u64>,
    pub latency_ms: Latency,
}

impl OpSummary {
    fn of(rec: &mut OpRecord, secs: f64) -> Self {
        let ops = rec.latencies.len() as u64;
        Self {
            ops,
            ops_per_s: ops as f64 / secs,
            bytes: rec.bytes,
            mib_per_s: rec.bytes as f64 / secs / f64::from(1 << 20),
            items: rec.items,
            errors: rec.errors.values().sum(),
            error_kinds: rec.errors.clone(),
            latency_ms: Latency::of(&mut rec.latencies),
        }
    }
}

pub struct Summary {
    pub duration_s: f64,
    /// CPU seconds (user + system) this process spent in the timed phase, where the OS
    /// tells (Linux): the load generator's own cost, which shares the machine.
    pub client_cpu_s: Option<f64>,
    pub total: OpSummary,
    pub per_op: BTreeMap<&'static str, OpSummary>,
}

/// Counters the workers bump and the progress line reads.
#[derive(Default)]
pub struct Progress {
    ops: AtomicU64,
    bytes: AtomicU64,
    items: AtomicU64,
    errors: AtomicU64,
    stop: AtomicBool,
}

impl Progress {
    /// Prints a progress line to stderr every second (every five when stderr is not a
    /// terminal) until [`Progress::finish`].
    pub fn start(self: &Arc<Self>, label: String, planned: Option<Duration>) -> tokio::task::JoinHandle<()> {
        let progress = Arc::clone(self);
        tokio::spawn(async move {
            let tty = std::io::stderr().is_terminal();
            let every = if tty {
                Duration::from_secs(1)
            } else {
                Duration::from_secs(5)
            };
            let began = Instant::now();
            let mut last = (0u64, 0u64, 0u64);
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                tick.tick().await;
                if progress.stop.load(Ordering::Relaxed) {
                    break;
                }
                let now = (
                    progress.ops.load(Ordering::Relaxed),
                    progress.bytes.load(Ordering::Relaxed),
                    progress.items.load(Ordering::Relaxed),
                );
                let secs = every.as_secs_f64();
                let of = planned.map_or(String::new(), |p| format!("/{}s", p.as_secs()));
                let mut line = format!(
                    "{label} {}s{of}  {} ops  {:.0} ops/s  {}/s",
                    began.elapsed().as_secs(),
                    now.0,
                    (now.0 - last.0) as f64 / secs,
                    human_bytes(((now.1 - last.1) as f64 / secs) as u64),
                );
                if now.2 > 0 {
                    line.push_str(&format!("  {} items", now.2));
                }
                line.push_str(&format!("  errors {}", progress.errors.load(Ordering::Relaxed)));
                let mut err = std::io::stderr().lock();
                let _ = if tty {
                    write!(err, "\r\x1b[K{line}")
                } else {
                    writeln!(err, "{line}")
                };
                let _ = err.flush();
                last = now;
            }
        })
    }

    pub fn finish(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// CPU seconds (user + system) this process has used, from `/proc/self/stat`.
pub fn process_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesized command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // The kernel reports in USER_HZ, which is 100 on every Linux ABI.
    Some(ticks / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let mut v: Vec<u32> = (1..=1000).map(|i| i * 1000).collect();
        let l = Latency::of(&mut v);
        assert_eq!((l.p50, l.p99, l.p999, l.max), (500.0, 990.0, 999.0, 1000.0));
        let mut one = vec![7000];
        assert_eq!(Latency::of(&mut one).p999, 7.0);
    }
}
