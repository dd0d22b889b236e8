//! Listing benchmark (issue 3): page latency at the start, middle and end of a large
//! bucket, with and without a delimiter. Not a timed test: it prints a Markdown table
//! for `docs/benchmarks.md`.
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/bench-target cargo bench -j1 -p coffer-meta-sqlite --bench listing
//! ```
//!
//! Environment: `COFFER_BENCH_KEYS` (default 1,000,000), `COFFER_BENCH_REPEATS` (default
//! 20). The bucket is filled through the `MetaStore` trait with empty inline objects, so
//! the fill measures metadata writes only. Keys are `dir-DDDD/file-FFF`, 250 files per
//! directory: a delimiter listing of the bucket has a common prefix per directory (4,000
//! at 1M keys, enough for full 1,000-entry pages at every position), and a listing under
//! one directory is a run of plain keys.
//!
//! Besides the latency measured through the store, each case is replayed through
//! [`coffer_meta::listing::list_page`] on a separate read-only connection with the same
//! range-scan statement as `src/read.rs`, counting the scans a page issues and the rows
//! they read: the cost model the latencies should follow.

use std::error::Error;
use std::path::Path;
use std::time::{Duration, Instant};

use coffer_meta::listing::list_page;
use coffer_meta::{
    BucketRecord, ListEntry, ListQuery, MetaError, MetaStore, NULL_VERSION, ObjectData, ObjectMeta,
    ObjectSummary, ObjectVersion, Versioning, WriteCondition,
};
use coffer_meta_sqlite::SqliteMetaStore;
use futures::StreamExt;
use rusqlite::{Connection, OpenFlags, params};

type BenchResult<T> = Result<T, Box<dyn Error>>;

const BUCKET: &str = "bench";
const DEFAULT_KEYS: usize = 1_000_000;
const DEFAULT_REPEATS: usize = 20;
const FILES_PER_DIR: usize = 250;
/// Entries per page: S3's maximum `max-keys`.
const PAGE: usize = 1000;
/// `put_object` calls in flight during the fill: enough to keep the group-commit writer's
/// queue (1,024) full so every batch reaches its maximum size.
const IN_FLIGHT: usize = 1024;
const PROGRESS_EVERY: usize = 100_000;
/// MD5 of the empty string.
const EMPTY_ETAG: &str = "d41d8cd98f00b204e9800998ecf8427e";

/// The listing range scans of `src/read.rs` (`SCAN_SQL`, `SCAN_TO_END_SQL`), repeated
/// here because they are private to the crate; only the work counters use them.
const SCAN_SQL: &str = "SELECT key, size, etag, last_modified_ms, storage_class FROM objects \
     WHERE bucket = ?1 AND is_latest = 1 AND delete_marker = 0 AND key >= ?2 AND key < ?3 \
     ORDER BY key LIMIT ?4";
const SCAN_TO_END_SQL: &str = "SELECT key, size, etag, last_modified_ms, storage_class FROM objects \
     WHERE bucket = ?1 AND is_latest = 1 AND delete_marker = 0 AND key >= ?2 \
     ORDER BY key LIMIT ?3";

/// The fixed-width names of the keyspace, so byte order is numeric order.
struct Keyspace {
    keys: usize,
    dirs: usize,
    width: usize,
}

impl Keyspace {
    fn new(keys: usize) -> Self {
        let dirs = keys.div_ceil(FILES_PER_DIR).max(1);
        let width = (dirs - 1).to_string().len().max(4);
        Self { keys, dirs, width }
    }

    fn dir(&self, d: usize) -> String {
        format!("dir-{d:0w$}/", w = self.width)
    }

    /// The `i`-th key in byte order.
    fn key(&self, i: usize) -> String {
        format!("{}file-{:03}", self.dir(i / FILES_PER_DIR), i % FILES_PER_DIR)
    }
}

fn env_usize(name: &str, default: usize) -> BenchResult<usize> {
    match std::env::var(name) {
        Ok(v) => Ok(v.replace('_', "").parse()?),
        Err(_) => Ok(default),
    }
}

fn version(key: String) -> ObjectVersion {
    ObjectVersion {
        bucket: BUCKET.to_owned(),
        key,
        version_id: NULL_VERSION.to_owned(),
        delete_marker: false,
        size: 0,
        etag: EMPTY_ETAG.to_owned(),
        last_modified_ms: 1_767_225_600_000,
        storage_class: "STANDARD".to_owned(),
        meta: ObjectMeta::default(),
        data: ObjectData::Inline(Vec::new()),
    }
}

/// Fills the bucket with `space.keys` keys, `IN_FLIGHT` writes at a time.
async fn fill(store: &SqliteMetaStore, space: &Keyspace) -> BenchResult<Duration> {
    store
        .create_bucket(BucketRecord {
            name: BUCKET.to_owned(),
            region: "us-east-1".to_owned(),
            owner: "bench".to_owned(),
            created_ms: 0,
            versioning: Versioning::Unversioned,
        })
        .await?;
    let started = Instant::now();
    let mut writes = futures::stream::iter(0..space.keys)
        .map(|i| store.put_object(version(space.key(i)), WriteCondition::None))
        .buffer_unordered(IN_FLIGHT);
    let mut done = 0;
    while let Some(result) = writes.next().await {
        result?;
        done += 1;
        if done % PROGRESS_EVERY == 0 {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "filled {done} keys in {secs:.1} s ({:.0} keys/s)",
                done as f64 / secs
            );
        }
    }
    Ok(started.elapsed())
}

/// One measured listing.
struct Case {
    listing: String,
    position: &'static str,
    query: ListQuery,
}

fn query(prefix: &str, delimiter: Option<&str>, after: Option<String>) -> ListQuery {
    ListQuery {
        bucket: BUCKET.to_owned(),
        prefix: prefix.to_owned(),
        delimiter: delimiter.map(str::to_owned),
        after,
        limit: PAGE,
    }
}

/// Start, middle and end of the keyspace for each kind of listing. "End" is the last
/// full page (the marker 1,001 entries before the end), so every page has the same size
/// when the keyspace is large enough.
fn cases(space: &Keyspace) -> Vec<Case> {
    let mut out = Vec::new();
    let flat = [
        ("start", None),
        ("middle", Some(space.key(space.keys / 2))),
        ("end", Some(space.key(space.keys.saturating_sub(PAGE + 1)))),
    ];
    for (position, after) in flat {
        out.push(Case {
            listing: "no delimiter".to_owned(),
            position,
            query: query("", None, after),
        });
    }
    // A marker naming a common prefix skips all of it, as a continuation token would.
    let rolled_up = [
        ("start", None),
        ("middle", Some(space.dir(space.dirs / 2))),
        ("end", Some(space.dir(space.dirs.saturating_sub(PAGE + 1)))),
    ];
    for (position, after) in rolled_up {
        out.push(Case {
            listing: "delimiter `/`".to_owned(),
            position,
            query: query("", Some("/"), after),
        });
    }
    let under = [("start", 0), ("middle", space.dirs / 2), ("end", space.dirs - 1)];
    for (position, d) in under {
        let prefix = space.dir(d);
        out.push(Case {
            listing: format!("prefix `{prefix}`, delimiter `/`"),
            position,
            query: query(&prefix, Some("/"), None),
        });
    }
    out
}

/// The scans a page issues and the rows they read, replaying the backend's listing.
fn count_work(conn: &Connection, query: &ListQuery) -> BenchResult<(usize, usize)> {
    let (mut scans, mut rows) = (0, 0);
    list_page(query, |start, end, n| -> Result<Vec<ObjectSummary>, MetaError> {
        scans += 1;
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        let db = |e: rusqlite::Error| MetaError::Backend(e.to_string());
        let summary = |r: &rusqlite::Row<'_>| -> rusqlite::Result<ObjectSummary> {
            let key: Vec<u8> = r.get(0)?;
            Ok(ObjectSummary {
                key: String::from_utf8_lossy(&key).into_owned(),
                size: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                etag: r.get(2)?,
                last_modified_ms: r.get(3)?,
                storage_class: r.get(4)?,
            })
        };
        let batch: rusqlite::Result<Vec<ObjectSummary>> = match end {
            Some(end) => conn
                .prepare_cached(SCAN_SQL)
                .and_then(|mut s| s.query_map(params![BUCKET, start, end, n], summary)?.collect()),
            None => conn
                .prepare_cached(SCAN_TO_END_SQL)
                .and_then(|mut s| s.query_map(params![BUCKET, start, n], summary)?.collect()),
        };
        let batch = batch.map_err(db)?;
        rows += batch.len();
        Ok(batch)
    })?;
    Ok((scans, rows))
}

/// `EXPLAIN QUERY PLAN` of both scan statements on the filled database.
fn query_plans(conn: &Connection) -> BenchResult<Vec<String>> {
    let mut out = Vec::new();
    for (sql, args) in [(SCAN_SQL, 4), (SCAN_TO_END_SQL, 3)] {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let placeholders: Vec<rusqlite::types::Value> =
            (0..args).map(|_| rusqlite::types::Value::Null).collect();
        let steps: Vec<String> = stmt
            .query_map(rusqlite::params_from_iter(placeholders), |r| r.get(3))?
            .collect::<Result<_, _>>()?;
        out.push(steps.join("; "));
    }
    Ok(out)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let keys = env_usize("COFFER_BENCH_KEYS", DEFAULT_KEYS)?;
    let repeats = env_usize("COFFER_BENCH_REPEATS", DEFAULT_REPEATS)?.max(1);
    let space = Keyspace::new(keys);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("meta.sqlite");
    eprintln!(
        "filling {keys} keys ({} directories) into {}",
        space.dirs,
        path.display()
    );

    let store = SqliteMetaStore::open(&path)?;
    let fill_time = fill(&store, &space).await?;
    let stats = store.writer_stats();
    let db_bytes = file_size(&path);
    let wal_bytes = file_size(&path.with_extension("sqlite-wal"));

    let counter = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    for (name, plan) in ["bounded scan", "scan to end"].iter().zip(query_plans(&counter)?) {
        eprintln!("query plan, {name}: {plan}");
    }

    let mut rows = Vec::new();
    for case in cases(&space) {
        // One untimed run warms the page cache and the prepared statements.
        let page = store.list_objects(&case.query).await?;
        let objects = page
            .entries
            .iter()
            .filter(|e| matches!(e, ListEntry::Object(_)))
            .count();
        let prefixes = page.entries.len() - objects;
        let mut times = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            let started = Instant::now();
            let again = store.list_objects(&case.query).await?;
            times.push(started.elapsed());
            if again.entries.len() != page.entries.len() {
                return Err("a repeated page differs from the first".into());
            }
        }
        times.sort_unstable();
        let (scans, read) = count_work(&counter, &case.query)?;
        eprintln!(
            "{} / {}: median {:.2} ms, {scans} scans, {read} rows",
            case.listing,
            case.position,
            ms(percentile(&times, 0.5))
        );
        rows.push(format!(
            "| {} | {} | {} | {} + {} | {:.2} | {:.2} | {} | {} |",
            case.listing,
            case.position,
            case.query
                .after
                .as_deref()
                .map_or("(none)".to_owned(), |a| format!("`{a}`")),
            objects,
            prefixes,
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            scans,
            read,
        ));
    }
    store.close().await?;

    let secs = fill_time.as_secs_f64();
    println!(
        "Fill: {keys} keys in {secs:.1} s ({:.0} keys/s), {} commits ({:.0} writes per commit)",
        keys as f64 / secs,
        stats.commits,
        stats.requests as f64 / stats.commits.max(1) as f64,
    );
    println!(
        "Database: {:.1} MiB (+ {:.1} MiB WAL)",
        mib(db_bytes),
        mib(wal_bytes)
    );
    println!("Page: limit {PAGE}; {repeats} timed runs per case after one warm-up");
    println!();
    println!(
        "| listing | position | marker (`after`) | objects + prefixes | median ms | p95 ms | scans | rows read |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
    Ok(())
}
