//! `coffer bench`: a load generator for any S3 endpoint, in the spirit of MinIO's warp.
//!
//! Workers share one keep-alive connection pool and sign each request once (SigV4 with an
//! unsigned payload), so the client spends its CPU on the network, not on an SDK or on
//! hashing bodies. Bodies come from a random block sliced without copying
//! ([`payload`]), which is also how GET bodies are verified.

mod client;
mod ops;
mod payload;
mod report;
mod stats;
mod units;
mod workload;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use units::{parse_duration, parse_size};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Workload {
    /// PUT new objects for --duration (or until --objects were written).
    Put,
    /// Write --objects objects, then GET random ones for --duration, checking every byte.
    Get,
    /// Write --objects objects, then a mix of GET, STAT (HEAD), PUT and DELETE (--mix).
    Mixed,
    /// Write --objects objects, then list them all, page by page, for --duration: flat,
    /// or directory by directory with --delimiter.
    List,
    /// Multipart uploads of --size objects in --part-size parts for --duration.
    Multipart,
    /// Write --objects objects, then delete them all: one DeleteObject each, or
    /// DeleteObjects of --batch keys.
    Delete,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// What to measure.
    #[arg(value_enum)]
    pub workload: Workload,

    /// The S3 endpoint [env: COFFER_ENDPOINT or AWS_ENDPOINT_URL; default: http://127.0.0.1:9000].
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    /// Access key id [env: AWS_ACCESS_KEY_ID or COFFER_ROOT_ACCESS_KEY].
    #[arg(long, value_name = "KEY")]
    pub access_key: Option<String>,

    /// Secret access key [env: AWS_SECRET_ACCESS_KEY or COFFER_ROOT_SECRET_KEY].
    #[arg(long, value_name = "SECRET")]
    pub secret_key: Option<String>,

    /// Region the requests are signed for.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,

    /// Bucket to use; created if missing. The run works under its own prefix in it.
    #[arg(long, default_value = "coffer-bench")]
    pub bucket: String,

    /// Objects written before the timed phase (get, mixed, list, delete), or the most
    /// PUTs or uploads to make (put, multipart) [default: 1000; list and delete: 10000;
    /// put and multipart: no limit].
    #[arg(long, value_name = "N")]
    pub objects: Option<u64>,

    /// Object size: bytes or with a unit (4KiB, 1MiB, 64MiB, 5GiB)
    /// [default: 4KiB; multipart: 64MiB].
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    pub size: Option<u64>,

    /// Part size of the multipart workload (the last part may be smaller).
    #[arg(long, value_parser = parse_size, default_value = "8MiB", value_name = "SIZE")]
    pub part_size: u64,

    /// Requests in flight at once.
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub concurrency: usize,

    /// Requests in flight while writing the objects a workload reads [default: --concurrency].
    #[arg(long, value_name = "N")]
    pub prepare_concurrency: Option<usize>,

    /// Length of the timed phase (15s, 2m, 500ms).
    #[arg(long, value_parser = parse_duration, default_value = "15s", value_name = "TIME")]
    pub duration: Duration,

    /// Weights of the mixed workload.
    #[arg(
        long,
        default_value = "get=45,stat=30,put=15,delete=10",
        value_name = "OP=W,..."
    )]
    pub mix: String,

    /// List directory by directory with this delimiter (list workload).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,

    /// Keys per DeleteObjects request; 1 sends one DeleteObject per key (delete workload).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1000), value_name = "N")]
    pub batch: u16,

    /// Print one JSON object with the results on stdout instead of a table.
    #[arg(long)]
    pub json: bool,

    /// Leave the objects in the bucket instead of deleting them at the end.
    #[arg(long)]
    pub keep: bool,
}

fn env(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let endpoint = args
        .endpoint
        .clone()
        .or_else(|| env(&["COFFER_ENDPOINT", "AWS_ENDPOINT_URL"]))
        .unwrap_or_else(|| "http://127.0.0.1:9000".to_owned());
    let access_key = args
        .access_key
        .clone()
        .or_else(|| env(&["AWS_ACCESS_KEY_ID", "COFFER_ROOT_ACCESS_KEY"]))
        .context("pass --access-key (or set AWS_ACCESS_KEY_ID)")?;
    let secret_key = args
        .secret_key
        .clone()
        .or_else(|| env(&["AWS_SECRET_ACCESS_KEY", "COFFER_ROOT_SECRET_KEY"]))
        .context("pass --secret-key (or set AWS_SECRET_ACCESS_KEY)")?;
    if args.concurrency == 0 || args.prepare_concurrency == Some(0) {
        anyhow::bail!("--concurrency and --prepare-concurrency must be at least 1");
    }
    let mix = workload::Mix::parse(&args.mix).map_err(anyhow::Error::msg)?;
    let s3 = client::S3::new(
        &endpoint,
        &access_key,
        &secret_key,
        &args.region,
        args.concurrency.max(args.prepare_concurrency.unwrap_or(0)),
    )?;
    ops::create_bucket(&s3, &args.bucket)
        .await
        .map_err(|f| anyhow::anyhow!("cannot create the bucket {} at {endpoint}: {}", args.bucket, f.0))?;

    let plan = workload::Plan::new(&args, mix);
    let run = Arc::new(workload::Run::new(s3, &args, plan.clone()));
    let outcome = workload::execute(&run, &args).await;
    if !args.keep
        && let Err(e) = workload::clean_up(&run).await
    {
        eprintln!(
            "warning: cleaning up {}/{} failed: {e:#}",
            args.bucket,
            run.prefix()
        );
    }
    let summary = outcome?;
    report::print(&args, &endpoint, &plan, &summary)
}
