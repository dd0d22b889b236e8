//! The `coffer` binary: command line, configuration, wiring, and the HTTP server.

mod admin;
mod bench;
mod cli;
mod config;
mod credentials;
mod datadir;
mod master_key;
mod offline;
mod private_file;
mod rotate;
mod server;

use std::io::IsTerminal as _;

use clap::Parser as _;
use tracing_subscriber::EnvFilter;

/// The log filter when neither `COFFER_LOG` nor `RUST_LOG` is set.
const DEFAULT_LOG: &str = "info";
/// s3s logs every client error (NoSuchKey, InvalidBucketName...) at ERROR; our access log
/// already reports each request, so s3s is silenced unless a filter names it.
const QUIET_DEPENDENCIES: &str = "s3s=off,hyper=warn,h2=warn";

fn log_filter() -> EnvFilter {
    let wanted = std::env::var("COFFER_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| DEFAULT_LOG.to_owned());
    if wanted.contains("s3s") {
        EnvFilter::new(wanted)
    } else {
        EnvFilter::new(format!("{wanted},{QUIET_DEPENDENCIES}"))
    }
}

fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();

    match cli.command {
        cli::Command::Serve(args) => {
            let config = config::ServeConfig::resolve(args)?;
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(server::serve(config))
        }
        cli::Command::Admin(args) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(admin::run(args))
        }
        cli::Command::Bench(args) => {
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(bench::run(args))
        }
        cli::Command::RotateMasterKey(args) => {
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(rotate::rotate(args))
        }
    }
}
