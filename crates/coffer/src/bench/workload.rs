//! The workloads: a preparation phase that writes the objects a workload reads, the timed
//! phase run by `--concurrency` workers, and the clean-up.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use super::client::S3;
use super::ops;
use super::payload::Pattern;
use super::stats::{Done, Op, Progress, Recorder, Summary};
use super::{BenchArgs, Workload};

/// Weights of the mixed workload's operations.
#[derive(Clone, Copy, Debug)]
pub struct Mix {
    pub get: u32,
    pub stat: u32,
    pub put: u32,
    pub delete: u32,
}

impl Mix {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut mix = Self {
            get: 0,
            stat: 0,
            put: 0,
            delete: 0,
        };
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, weight) = part.split_once('=').ok_or_else(|| {
                format!("--mix {text:?}: write op=weight pairs, e.g. get=45,stat=30,put=15,delete=10")
            })?;
            let weight: u32 = weight
                .trim()
                .parse()
                .map_err(|_| format!("--mix: {weight:?} is not a whole number"))?;
            match name.trim().to_ascii_lowercase().as_str() {
                "get" => mix.get = weight,
                "stat" | "head" => mix.stat = weight,
                "put" => mix.put = weight,
                "delete" => mix.delete = weight,
                other => {
                    return Err(format!(
                        "--mix: unknown operation {other:?} (get, stat, put, delete)"
                    ));
                }
            }
        }
        if mix.total() == 0 {
            return Err("--mix: at least one weight must be above 0".to_owned());
        }
        Ok(mix)
    }

    fn total(self) -> u32 {
        self.get + self.stat + self.put + self.delete
    }
}

/// What the run does, settled from the arguments and the workload's defaults.
#[derive(Clone, Debug)]
pub struct Plan {
    pub workload: Workload,
    pub size: u64,
    /// Objects written before the timed phase and read during it.
    pub objects: u64,
    /// Extra objects written for the mixed workload's DELETEs to take.
    pub deletable: u64,
    /// The most operations of the timed phase (put: `--objects`).
    pub limit: Option<u64>,
    pub mix: Mix,
}

impl Plan {
    pub fn new(args: &BenchArgs, mix: Mix) -> Self {
        let workload = args.workload;
        let size = args.size.unwrap_or(match workload {
            Workload::Multipart => 64 << 20,
            _ => 4 << 10,
        });
        let objects = match workload {
            Workload::Put | Workload::Multipart => 0,
            Workload::List | Workload::Delete => args.objects.unwrap_or(10_000),
            Workload::Get | Workload::Mixed => args.objects.unwrap_or(1_000).max(1),
        };
        let deletable = if workload == Workload::Mixed && mix.delete > 0 {
            (objects / 4).max(args.concurrency as u64 * 4)
        } else {
            0
        };
        let limit = match workload {
            Workload::Put | Workload::Multipart => args.objects,
            _ => None,
        };
        Self {
            workload,
            size,
            objects,
            deletable,
            limit,
            mix,
        }
    }
}

/// State shared by the workers.
pub struct Run {
    s3: S3,
    bucket: String,
    prefix: String,
    pattern: Pattern,
    plan: Plan,
    part_size: u64,
    delimiter: Option<String>,
    batch: u64,
    /// The next object id to write (or, for delete, to delete).
    next: AtomicU64,
    /// Objects the mixed workload may delete: written in preparation or by its PUTs.
    deletable: Mutex<Vec<u64>>,
}

impl Run {
    pub fn new(s3: S3, args: &BenchArgs, plan: Plan) -> Self {
        let run_id: u32 = rand::random();
        Self {
            s3,
            bucket: args.bucket.clone(),
            prefix: format!("bench-{run_id:08x}/"),
            pattern: Pattern::new(u64::from(run_id)),
            part_size: args.part_size.max(1),
            delimiter: args.delimiter.clone().filter(|d| !d.is_empty()),
            batch: u64::from(args.batch),
            next: AtomicU64::new(0),
            deletable: Mutex::new(Vec::new()),
            plan,
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A thousand objects per directory, so a delimiter listing has a tree to walk.
    fn key(&self, id: u64) -> String {
        format!("{}{:05}/{:09}", self.prefix, id / 1000, id)
    }

    async fn put(&self, id: u64) -> Result<Done, String> {
        ops::put(
            &self.s3,
            &self.bucket,
            &self.key(id),
            &self.pattern,
            id,
            self.plan.size,
        )
        .await
        .map_err(|f| f.0)
    }

    /// GETs object `id` and checks its bytes.
    async fn get(&self, id: u64) -> Result<Done, String> {
        ops::get(
            &self.s3,
            &self.bucket,
            &self.key(id),
            &self.pattern,
            id,
            self.plan.size,
        )
        .await
        .map_err(|f| f.0)
    }

    /// One operation (a whole listing or upload for list and multipart) of `phase`;
    /// false once the phase has nothing left to do.
    async fn step(&self, phase: Phase, rng: &mut StdRng, rec: &mut Recorder, p: &Progress) -> bool {
        let started = Instant::now();
        match phase {
            Phase::Prepare { upto } => {
                let id = self.next.fetch_add(1, Ordering::Relaxed);
                if id >= upto {
                    return false;
                }
                let outcome = self.put(id).await;
                rec.record(p, Op::Put, started.elapsed(), outcome);
            }
            Phase::Timed => match self.plan.workload {
                Workload::Put => {
                    let id = self.next.fetch_add(1, Ordering::Relaxed);
                    if self.plan.limit.is_some_and(|l| id >= l) {
                        return false;
                    }
                    let outcome = self.put(id).await;
                    rec.record(p, Op::Put, started.elapsed(), outcome);
                }
                Workload::Get => {
                    let id = rng.random_range(0..self.plan.objects);
                    let outcome = self.get(id).await;
                    rec.record(p, Op::Get, started.elapsed(), outcome);
                }
                Workload::Mixed => self.mixed(rng, rec, p).await,
                Workload::List => self.list(rec, p).await,
                Workload::Multipart => {
                    let id = self.next.fetch_add(1, Ordering::Relaxed);
                    if self.plan.limit.is_some_and(|l| id >= l) {
                        return false;
                    }
                    let outcome = self.multipart(id).await;
                    rec.record(p, Op::Multipart, started.elapsed(), outcome);
                }
                Workload::Delete => {
                    let first = self.next.fetch_add(self.batch, Ordering::Relaxed);
                    if first >= self.plan.objects {
                        return false;
                    }
                    let last = (first + self.batch).min(self.plan.objects);
                    let outcome = if self.batch == 1 {
                        ops::delete(&self.s3, &self.bucket, &self.key(first)).await
                    } else {
                        let keys: Vec<String> = (first..last).map(|id| self.key(id)).collect();
                        ops::delete_batch(&self.s3, &self.bucket, &keys).await
                    };
                    rec.record(p, Op::Delete, started.elapsed(), outcome.map_err(|f| f.0));
                }
            },
        }
        true
    }

    async fn mixed(&self, rng: &mut StdRng, rec: &mut Recorder, p: &Progress) {
        let mix = self.plan.mix;
        let mut roll = rng.random_range(0..mix.total());
        let started = Instant::now();
        if roll < mix.get {
            let id = rng.random_range(0..self.plan.objects);
            let outcome = self.get(id).await;
            return rec.record(p, Op::Get, started.elapsed(), outcome);
        }
        roll -= mix.get;
        if roll >= mix.stat {
            roll -= mix.stat;
            if roll < mix.put {
                let id = self.next.fetch_add(1, Ordering::Relaxed);
                let outcome = self.put(id).await;
                if outcome.is_ok() {
                    self.lock_deletable().push(id);
                }
                return rec.record(p, Op::Put, started.elapsed(), outcome);
            }
            // Taken out of the pool before the request, so no other worker reads or
            // deletes it meanwhile; the readable objects are never deleted.
            let victim = {
                let mut pool = self.lock_deletable();
                if pool.is_empty() {
                    None
                } else {
                    let at = rng.random_range(0..pool.len());
                    Some(pool.swap_remove(at))
                }
            };
            if let Some(id) = victim {
                let outcome = ops::delete(&self.s3, &self.bucket, &self.key(id)).await;
                return rec.record(p, Op::Delete, started.elapsed(), outcome.map_err(|f| f.0));
            }
        }
        let id = rng.random_range(0..self.plan.objects);
        let outcome = ops::stat(&self.s3, &self.bucket, &self.key(id), self.plan.size).await;
        rec.record(p, Op::Stat, started.elapsed(), outcome.map_err(|f| f.0));
    }

    fn lock_deletable(&self) -> std::sync::MutexGuard<'_, Vec<u64>> {
        self.deletable
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One full listing of the run's objects; each page is timed as one LIST request,
    /// and a listing that misses or invents keys counts as a failure.
    async fn list(&self, rec: &mut Recorder, p: &Progress) {
        let mut dirs = vec![self.prefix.clone()];
        let mut seen = 0u64;
        while let Some(dir) = dirs.pop() {
            let mut token: Option<String> = None;
            loop {
                let started = Instant::now();
                let page = ops::list_page(
                    &self.s3,
                    &self.bucket,
                    &dir,
                    self.delimiter.as_deref(),
                    token.as_deref(),
                )
                .await;
                match page {
                    Ok(page) => {
                        seen += page.keys.len() as u64;
                        rec.record(
                            p,
                            Op::List,
                            started.elapsed(),
                            Ok(Done::items(page.keys.len() as u64)),
                        );
                        dirs.extend(page.prefixes.into_iter().rev());
                        match page.next {
                            Some(next) => token = Some(next),
                            None => break,
                        }
                    }
                    Err(f) => {
                        rec.record(p, Op::List, started.elapsed(), Err(f.0));
                        return;
                    }
                }
            }
        }
        if seen != self.plan.objects {
            rec.fail(
                p,
                Op::List,
                format!("a full listing saw {seen} keys, not {}", self.plan.objects),
            );
        }
    }

    async fn multipart(&self, id: u64) -> Result<Done, String> {
        let key = self.key(id);
        let size = self.plan.size;
        let upload = ops::create_multipart(&self.s3, &self.bucket, &key)
            .await
            .map_err(|f| format!("CreateMultipartUpload {}", f.0))?;
        let mut etags = Vec::new();
        let mut offset = 0;
        // An empty object is still one (empty) part.
        while offset < size || etags.is_empty() {
            let len = self.part_size.min(size - offset);
            let number = u32::try_from(etags.len() + 1).map_err(|_| "too many parts".to_owned())?;
            let etag = ops::upload_part(
                &self.s3,
                &self.bucket,
                &key,
                &upload,
                number,
                &self.pattern,
                id,
                offset,
                len,
            )
            .await
            .map_err(|f| format!("UploadPart {}", f.0))?;
            etags.push(etag);
            offset += len;
        }
        ops::complete_multipart(&self.s3, &self.bucket, &key, &upload, &etags)
            .await
            .map_err(|f| format!("CompleteMultipartUpload {}", f.0))?;
        Ok(Done::bytes(size))
    }
}

#[derive(Clone, Copy)]
enum Phase {
    Prepare { upto: u64 },
    Timed,
}

/// Runs `phase` on `workers` tasks until each has nothing left or `deadline` passed.
async fn drive(
    run: &Arc<Run>,
    phase: Phase,
    workers: usize,
    deadline: Option<Instant>,
    progress: &Arc<Progress>,
) -> anyhow::Result<Recorder> {
    let mut tasks = Vec::with_capacity(workers);
    for _ in 0..workers {
        let run = Arc::clone(run);
        let progress = Arc::clone(progress);
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(rand::random());
            let mut rec = Recorder::default();
            while deadline.is_none_or(|d| Instant::now() < d)
                && run.step(phase, &mut rng, &mut rec, &progress).await
            {}
            rec
        }));
    }
    let mut merged = Recorder::default();
    for task in tasks {
        merged.merge(task.await?);
    }
    Ok(merged)
}

/// The preparation phase, then the timed phase; returns the timed phase's summary.
pub async fn execute(run: &Arc<Run>, args: &BenchArgs) -> anyhow::Result<Summary> {
    let plan = &run.plan;
    let to_write = plan.objects + plan.deletable;
    if to_write > 0 {
        let progress = Arc::new(Progress::default());
        let ticker = progress.start(format!("preparing {to_write} objects:"), None);
        let prepared = drive(
            run,
            Phase::Prepare { upto: to_write },
            args.concurrency,
            None,
            &progress,
        )
        .await;
        stop(&progress, ticker);
        let failures = prepared?.failures();
        if !failures.is_empty() {
            anyhow::bail!(
                "writing the objects to read failed, so nothing was measured: {}",
                failures.join("; ")
            );
        }
        run.lock_deletable().extend(plan.objects..to_write);
    }
    if plan.workload == Workload::Delete {
        run.next.store(0, Ordering::Relaxed);
    }

    let progress = Arc::new(Progress::default());
    let label = format!("{:?}", plan.workload).to_lowercase();
    let ticker = progress.start(format!("{label}:"), Some(args.duration));
    let began = Instant::now();
    let cpu_before = super::stats::process_cpu_s();
    let recorded = drive(
        run,
        Phase::Timed,
        args.concurrency,
        Some(began + args.duration),
        &progress,
    )
    .await;
    let elapsed = began.elapsed();
    let cpu_after = super::stats::process_cpu_s();
    stop(&progress, ticker);
    let mut summary = recorded?.summarize(elapsed);
    summary.client_cpu_s = cpu_before.zip(cpu_after).map(|(b, a)| a - b);
    Ok(summary)
}

fn stop(progress: &Progress, ticker: tokio::task::JoinHandle<()>) {
    progress.finish();
    ticker.abort();
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        eprintln!();
    }
}

/// Deletes every object under the run's prefix, whatever the workload left. Each pass
/// lists from the start again, as the keys it deleted are gone.
pub async fn clean_up(run: &Run) -> anyhow::Result<()> {
    loop {
        let page = ops::list_page(&run.s3, &run.bucket, &run.prefix, None, None)
            .await
            .map_err(|f| anyhow::anyhow!("listing: {}", f.0))?;
        if !page.keys.is_empty() {
            ops::delete_batch(&run.s3, &run.bucket, &page.keys)
                .await
                .map_err(|f| anyhow::anyhow!("deleting: {}", f.0))?;
        }
        if page.next.is_none() {
            return Ok(());
        }
    }
}
