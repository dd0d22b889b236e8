//! The result: a table on stdout, or one JSON object with `--json`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::stats::{Latency, OpSummary, Summary};
use super::units::human_bytes;
use super::workload::Plan;
use super::{BenchArgs, Workload};

#[derive(Serialize)]
struct Json<'a> {
    workload: String,
    endpoint: &'a str,
    bucket: &'a str,
    size: u64,
    concurrency: usize,
    objects: u64,
    duration_s: f64,
    /// Requests, except for delete: objects deleted.
    ops: u64,
    ops_per_s: f64,
    mib_per_s: f64,
    errors: u64,
    error_kinds: &'a BTreeMap<String, u64>,
    latency_ms: &'a Latency,
    /// list: keys listed per second.
    keys_per_s: Option<f64>,
    /// CPU seconds the load generator itself used in the timed phase.
    client_cpu_s: Option<f64>,
    per_op: &'a BTreeMap<&'static str, OpSummary>,
}

pub fn print(args: &BenchArgs, endpoint: &str, plan: &Plan, summary: &Summary) -> anyhow::Result<()> {
    let total = &summary.total;
    let secs = summary.duration_s;
    let items_per_s = total.items as f64 / secs;
    let (ops, ops_per_s) = match plan.workload {
        Workload::Delete => (total.items, items_per_s),
        _ => (total.ops, total.ops_per_s),
    };
    let keys_per_s = (plan.workload == Workload::List).then_some(items_per_s);
    let workload = format!("{:?}", plan.workload).to_lowercase();
    if args.json {
        let json = Json {
            workload,
            endpoint,
            bucket: &args.bucket,
            size: plan.size,
            concurrency: args.concurrency,
            objects: plan.objects,
            duration_s: secs,
            ops,
            ops_per_s,
            mib_per_s: total.mib_per_s,
            errors: total.errors,
            error_kinds: &total.error_kinds,
            latency_ms: &total.latency_ms,
            keys_per_s,
            client_cpu_s: summary.client_cpu_s,
            per_op: &summary.per_op,
        };
        println!("{}", serde_json::to_string(&json)?);
        return Ok(());
    }

    println!(
        "{workload} against {endpoint}: {} workers, {} objects, {secs:.1} s",
        args.concurrency,
        human_bytes(plan.size)
    );
    println!(
        "{:<10} {:>9} {:>10} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7}",
        "op", "requests", "req/s", "MiB/s", "p50 ms", "p99 ms", "p999 ms", "max ms", "errors"
    );
    let row = |name: &str, s: &OpSummary| {
        println!(
            "{name:<10} {:>9} {:>10.1} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7}",
            s.ops,
            s.ops_per_s,
            s.mib_per_s,
            s.latency_ms.p50,
            s.latency_ms.p99,
            s.latency_ms.p999,
            s.latency_ms.max,
            s.errors
        );
    };
    for (name, s) in &summary.per_op {
        row(name, s);
    }
    if summary.per_op.len() > 1 {
        row("total", total);
    }
    match plan.workload {
        Workload::List => println!("keys listed: {} ({items_per_s:.0} keys/s)", total.items),
        Workload::Delete => println!("objects deleted: {} ({items_per_s:.0} objects/s)", total.items),
        _ => {}
    }
    if let Some(cpu) = summary.client_cpu_s {
        println!(
            "client CPU: {cpu:.2} s in {secs:.1} s ({:.0}% of one core)",
            cpu / secs * 100.0
        );
    }
    if total.errors > 0 {
        println!("errors:");
        for (kind, n) in &total.error_kinds {
            println!("  {n:>8} x {kind}");
        }
    }
    Ok(())
}
