//! Encryption at rest benchmark: what the default SSE-S3 encryption costs. Not a timed
//! test: it prints a Markdown table for `docs/benchmarks.md`.
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/bench-target cargo bench -j1 -p coffer-blob --bench crypt
//! ```
//!
//! Three parts, all over the same pseudo-random body (256 MiB by default):
//!
//! 1. The raw format, in memory on one thread: [`Encryptor`] fed 1 MiB pieces, and
//!    [`decrypt_chunks`] over spans of 16 chunks as `src/sealed.rs` reads them, next to
//!    the digests every ingest computes (MD5 always, CRC32C when the client asks) through
//!    [`Hasher`].
//! 2. End to end through [`BlobStore`]: `ingest` (inline threshold 0, no extra checksums,
//!    the file and its directory fsynced before it returns) of the body streamed as 1 MiB
//!    `Bytes` pieces, then a full read back with `read` or `read_sealed`, with and without
//!    encryption, and the size of the blob file.
//! 3. A 1 KiB range read at random offsets of the encrypted blob and of the plain one.
//!
//! Environment: `COFFER_BENCH_MIB` (body size in MiB, default 256; 16 is a quick smoke
//! run), `COFFER_BENCH_RUNS` (timed runs per throughput case after one untimed warm-up,
//! default 5), `COFFER_BENCH_RANGES` (range reads per case, default 200). Per-run figures
//! go to stderr, the table to stdout. MB is 10^6 bytes, always of plaintext.

use std::error::Error;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use coffer_blob::crypt::{self, CHUNK_SIZE, Encryptor, SecretKey};
use coffer_blob::{
    BlobReader, BlobStore, BodyStream, ChecksumAlgorithm, Encryption, Hasher, IngestOptions, Stored,
};
use coffer_meta::BlobId;
use futures::StreamExt as _;
use rand::{Rng as _, RngCore as _};

type BenchResult<T> = Result<T, Box<dyn Error>>;

const MIB: usize = 1024 * 1024;
/// Pieces fed to the encryptor, the hasher and `ingest`, as a request body arrives.
const PIECE: usize = MIB;
/// Chunks decrypted per call, as `src/sealed.rs` (`CHUNKS_PER_READ`) does.
const CHUNKS_PER_READ: u64 = 16;
const RANGE_LEN: u64 = 1024;

fn env_usize(name: &str, default: usize) -> BenchResult<usize> {
    match std::env::var(name) {
        Ok(v) => Ok(v.parse().map_err(|e| format!("{name}={v}: {e}"))?),
        Err(_) => Ok(default),
    }
}

fn median(times: &[Duration]) -> Duration {
    let mut t = times.to_vec();
    t.sort();
    t[t.len() / 2]
}

fn percentile(times: &[Duration], p: f64) -> Duration {
    let mut t = times.to_vec();
    t.sort();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((t.len() as f64 * p).ceil() as usize).clamp(1, t.len()) - 1;
    t[i]
}

#[allow(clippy::cast_precision_loss)]
fn mb_per_s(bytes: u64, t: Duration) -> f64 {
    bytes as f64 / 1e6 / t.as_secs_f64()
}

/// One row of the output table.
struct Row {
    part: &'static str,
    operation: String,
    median: String,
    rate: String,
    spread: String,
    notes: String,
}

/// A throughput row: median time and MB/s, and the MB/s range over the runs.
fn throughput_row(
    part: &'static str,
    operation: impl Into<String>,
    bytes: u64,
    times: &[Duration],
    notes: impl Into<String>,
) -> Row {
    let operation = operation.into();
    let rates: Vec<f64> = times.iter().map(|&t| mb_per_s(bytes, t)).collect();
    let lo = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = rates.iter().copied().fold(0.0, f64::max);
    let m = median(times);
    eprintln!(
        "{operation}: runs {:?} MB/s",
        rates.iter().map(|r| format!("{r:.0}")).collect::<Vec<_>>()
    );
    Row {
        part,
        operation,
        median: format!("{:.3} s", m.as_secs_f64()),
        rate: format!("{:.0}", mb_per_s(bytes, m)),
        spread: format!("{lo:.0}–{hi:.0}"),
        notes: notes.into(),
    }
}

/// Times `runs` calls of `f` after one untimed warm-up.
fn time_runs(runs: usize, mut f: impl FnMut() -> BenchResult<()>) -> BenchResult<Vec<Duration>> {
    f()?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f()?;
        times.push(started.elapsed());
    }
    Ok(times)
}

/// Encrypts `data` as ingest does: 1 MiB pieces, then `finish`. `out` is reused, so after
/// the first call no time goes to faulting in fresh pages.
fn encrypt(key: &SecretKey, data: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut e = Encryptor::new(key, 0);
    for piece in data.chunks(PIECE) {
        e.push(piece, out);
    }
    e.finish(out);
}

/// Decrypts a whole encrypted body in spans of [`CHUNKS_PER_READ`] chunks, handing each
/// span's plaintext to `sink`.
fn decrypt(
    key: &SecretKey,
    sealed: &[u8],
    size: u64,
    mut sink: impl FnMut(u64, &[u8]) -> BenchResult<()>,
) -> BenchResult<()> {
    let header = crypt::check_header(sealed)?;
    let total = crypt::chunk_count(size);
    let chunk = CHUNK_SIZE as u64;
    let mut next = 0;
    while next < total {
        let upto = (next + CHUNKS_PER_READ - 1).min(total - 1);
        let start = next * chunk;
        let len = ((upto + 1) * chunk).min(size) - start;
        let (first, offset, flen) = crypt::chunk_span(size, start, len);
        let from = usize::try_from(offset)?;
        let to = usize::try_from(offset + flen)?;
        let plain = crypt::decrypt_chunks(key, 0, &header, size, first, &sealed[from..to])?;
        sink(start, &plain)?;
        next = upto + 1;
    }
    Ok(())
}

fn body(data: &Bytes) -> BodyStream {
    let pieces: Vec<_> = (0..data.len())
        .step_by(PIECE)
        .map(|at| Ok(data.slice(at..(at + PIECE).min(data.len()))))
        .collect();
    Box::pin(futures::stream::iter(pieces))
}

/// The blob file's path (the fan-out of `src/store.rs`, `blobs/ab/cd/<id>`).
fn blob_path(store: &BlobStore, id: &BlobId) -> PathBuf {
    let s = id.0.as_str();
    store.root().join(&s[0..2]).join(&s[2..4]).join(s)
}

/// Drains a reader, returning the bytes it gave (and checking them against `expect` when
/// given).
async fn drain(mut r: BlobReader, expect: Option<&[u8]>) -> BenchResult<u64> {
    let mut n = 0usize;
    while let Some(piece) = r.next().await {
        let piece = piece?;
        if let Some(expect) = expect
            && expect.get(n..n + piece.len()) != Some(piece.as_ref())
        {
            return Err(format!("read back differs at byte {n}").into());
        }
        n += piece.len();
    }
    Ok(n as u64)
}

async fn ingest(store: &BlobStore, data: &Bytes, enc: Option<&Encryption>) -> BenchResult<BlobId> {
    let opts = IngestOptions {
        algorithms: vec![],
        inline_threshold: 0,
        max_size: u64::MAX,
        encryption: enc.cloned(),
    };
    let got = store.ingest(body(data), &opts).await?;
    if got.digests.size != data.len() as u64 {
        return Err("ingest saw the wrong size".into());
    }
    match got.stored {
        Stored::Blob(id) => Ok(id),
        Stored::Inline(_) => Err("a threshold of 0 must write a blob".into()),
    }
}

async fn read_all(
    store: &BlobStore,
    id: &BlobId,
    enc: Option<&Encryption>,
    size: u64,
    start: u64,
    len: u64,
) -> BenchResult<BlobReader> {
    Ok(match enc {
        Some(enc) => store.read_sealed(id, enc, size, start, len).await?,
        None => store.read(id, start, len).await?,
    })
}

fn main() -> BenchResult<()> {
    let mib = env_usize("COFFER_BENCH_MIB", 256)?.max(1);
    let runs = env_usize("COFFER_BENCH_RUNS", 5)?.max(1);
    let ranges = env_usize("COFFER_BENCH_RANGES", 200)?.max(1);
    let size = (mib * MIB) as u64;
    let mut raw = vec![0u8; mib * MIB];
    rand::rng().fill_bytes(&mut raw);
    let data = Bytes::from(raw);
    let key = SecretKey::generate();
    let mut rows = Vec::new();
    let body_note = format!("{mib} MiB");

    // 1. The raw format and the digests, in memory on this thread.
    eprintln!("part 1: raw format over {mib} MiB, {runs} runs each");
    let mut sealed = Vec::with_capacity(usize::try_from(crypt::encrypted_len(size))?);
    let t = time_runs(runs, || {
        encrypt(&key, &data, &mut sealed);
        Ok(())
    })?;
    if sealed.len() as u64 != crypt::encrypted_len(size) {
        return Err("encrypted length differs from encrypted_len".into());
    }
    rows.push(throughput_row(
        "raw",
        "AES-256-GCM encrypt (`Encryptor::push` 1 MiB pieces + `finish`)",
        size,
        &t,
        "one thread, in memory",
    ));
    // Check the round trip once, untimed.
    decrypt(&key, &sealed, size, |start, plain| {
        let at = usize::try_from(start)?;
        if data.get(at..at + plain.len()) == Some(plain) {
            Ok(())
        } else {
            Err(format!("decryption differs at {start}").into())
        }
    })?;
    let t = time_runs(runs, || decrypt(&key, &sealed, size, |_, _| Ok(())))?;
    rows.push(throughput_row(
        "raw",
        "AES-256-GCM decrypt (`check_header` + `decrypt_chunks`, 16-chunk spans)",
        size,
        &t,
        "one thread, in memory",
    ));
    let t = time_runs(runs, || {
        let mut h = Hasher::new(&[]);
        for piece in data.chunks(PIECE) {
            h.update(piece);
        }
        std::hint::black_box(h.finish(size));
        Ok(())
    })?;
    rows.push(throughput_row(
        "raw",
        "MD5 (`Hasher::new(&[])`)",
        size,
        &t,
        "computed on every ingest",
    ));
    let t = time_runs(runs, || {
        let mut h = Hasher::new(&[ChecksumAlgorithm::Crc32c]);
        for piece in data.chunks(PIECE) {
            h.update(piece);
        }
        std::hint::black_box(h.finish(size));
        Ok(())
    })?;
    rows.push(throughput_row(
        "raw",
        "MD5 + CRC32C (`Hasher::new(&[Crc32c])`)",
        size,
        &t,
        "`Hasher` always includes MD5",
    ));
    let t = time_runs(runs, || {
        let mut d = crc_fast::Digest::new(crc_fast::CrcAlgorithm::Crc32Iscsi);
        for piece in data.chunks(PIECE) {
            d.update(piece);
        }
        std::hint::black_box(d.finalize());
        Ok(())
    })?;
    rows.push(throughput_row(
        "raw",
        "CRC32C alone (`crc_fast`, as inside `Hasher`)",
        size,
        &t,
        "for comparison",
    ));
    let mut piece_out = Vec::with_capacity(PIECE + CHUNK_SIZE);
    let t = time_runs(runs, || {
        let mut h = Hasher::new(&[]);
        let mut e = Encryptor::new(&key, 0);
        for piece in data.chunks(PIECE) {
            h.update(piece);
            piece_out.clear();
            e.push(piece, &mut piece_out);
        }
        piece_out.clear();
        e.finish(&mut piece_out);
        std::hint::black_box(h.finish(size));
        Ok(())
    })?;
    rows.push(throughput_row(
        "raw",
        "MD5 + encrypt, 1 MiB output buffer reused",
        size,
        &t,
        "the CPU work of ingest's writer thread",
    ));
    drop(sealed);

    // 2. End to end through the blob store.
    eprintln!("part 2: ingest and read back through BlobStore, {runs} runs each");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let dir = tempfile::tempdir()?;
    let store = BlobStore::open(dir.path().join("blobs"))?;
    let enc = Encryption {
        key: key.clone(),
        part: 0,
    };
    let mut kept: Vec<(&str, Option<&Encryption>, BlobId)> = Vec::new();
    for (name, e) in [("plain", None), ("SSE-S3", Some(&enc))] {
        // Write warm-up + runs blobs, deleting all but the last (which the reads use).
        let mut last = None;
        let t = time_runs(runs, || {
            if let Some(id) = last.take() {
                rt.block_on(store.delete(&id))?;
            }
            last = Some(rt.block_on(ingest(&store, &data, e))?);
            Ok(())
        })?;
        let id = last.ok_or("no blob written")?;
        let on_disk = std::fs::metadata(blob_path(&store, &id))?.len();
        let expected = if e.is_some() {
            crypt::encrypted_len(size)
        } else {
            size
        };
        if on_disk != expected {
            return Err(format!("{name}: {on_disk} bytes on disk, expected {expected}").into());
        }
        let over = on_disk - size;
        #[allow(clippy::cast_precision_loss)]
        let pct = over as f64 * 100.0 / size as f64;
        let api = if e.is_some() {
            "`ingest`, `encryption: Some(..)`"
        } else {
            "`ingest`, `encryption: None`"
        };
        rows.push(throughput_row(
            "end to end",
            format!("write {name} ({api})"),
            size,
            &t,
            format!(
                "{body_note} in 1 MiB `Bytes`; fsync included; {on_disk} bytes on disk (+{over}, {pct:.4}%)"
            ),
        ));
        kept.push((name, e, id));
    }
    for (name, e, id) in &kept {
        // The warm-up run checks every byte; the timed runs only count them.
        let mut check = true;
        let t = time_runs(runs, || {
            let expect = if check { Some(data.as_ref()) } else { None };
            check = false;
            let n = rt.block_on(async {
                let r = read_all(&store, id, *e, size, 0, size).await?;
                drain(r, expect).await
            })?;
            if n == size {
                Ok(())
            } else {
                Err(format!("{name}: read {n} bytes").into())
            }
        })?;
        let api = if e.is_some() { "`read_sealed`" } else { "`read`" };
        rows.push(throughput_row(
            "end to end",
            format!("read {name} ({api}, whole blob)"),
            size,
            &t,
            "file in the page cache (just written)",
        ));
    }

    // 3. Ranged reads: the same random offsets for both blobs, interleaved.
    eprintln!("part 3: {ranges} reads of {RANGE_LEN} bytes at random offsets");
    let mut rng = rand::rng();
    let offsets: Vec<u64> = (0..ranges)
        .map(|_| rng.random_range(0..=size - RANGE_LEN))
        .collect();
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); kept.len()];
    rt.block_on(async {
        // One untimed read of each warms the open path.
        for (_, e, id) in &kept {
            let r = read_all(&store, id, *e, size, offsets[0], RANGE_LEN).await?;
            drain(r, None).await?;
        }
        for &off in &offsets {
            let at = usize::try_from(off)?;
            let expect = &data[at..at + RANGE_LEN as usize];
            for (i, (name, e, id)) in kept.iter().enumerate() {
                let started = Instant::now();
                let r = read_all(&store, id, *e, size, off, RANGE_LEN).await?;
                let n = drain(r, Some(expect)).await?;
                times[i].push(started.elapsed());
                if n != RANGE_LEN {
                    return Err(format!("{name}: range read {n} bytes").into());
                }
            }
        }
        BenchResult::Ok(())
    })?;
    let straddling = offsets
        .iter()
        .filter(|&&o| o / CHUNK_SIZE as u64 != (o + RANGE_LEN - 1) / CHUNK_SIZE as u64)
        .count();
    for ((name, e, _), t) in kept.iter().zip(&times) {
        let read = if e.is_some() {
            let (_, _, one) = crypt::chunk_span(size, 0, RANGE_LEN);
            format!(
                "reads and decrypts {one} bytes (one chunk; two for the {straddling} of {ranges} ranges that straddle a chunk boundary)"
            )
        } else {
            format!("reads {RANGE_LEN} bytes")
        };
        let api = if e.is_some() { "`read_sealed`" } else { "`read`" };
        eprintln!("range {name}: min {:?} max {:?}", t.iter().min(), t.iter().max());
        rows.push(Row {
            part: "range",
            operation: format!("1 KiB at a random offset, {name} ({api})"),
            median: format!("{:.1} µs", median(t).as_secs_f64() * 1e6),
            rate: "—".into(),
            spread: format!("p95 {:.1} µs", percentile(t, 0.95).as_secs_f64() * 1e6),
            notes: format!("median of {ranges}; opens the file each time; {read}"),
        });
    }
    for (_, _, id) in &kept {
        rt.block_on(store.delete(id))?;
    }

    println!("| part | operation | median | MB/s | spread (MB/s min–max, or p95) | notes |");
    println!("|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            r.part, r.operation, r.median, r.rate, r.spread, r.notes
        );
    }
    Ok(())
}
