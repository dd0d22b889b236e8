//! The `coffer` binary: command line, configuration, wiring, and the HTTP server.

mod cli;
mod config;
mod credentials;
mod datadir;
mod server;

use std::io::IsTerminal as _;

use clap::Parser as _;
use tracing_subscriber::EnvFilter;

/// s3s logs every client error (NoSuchKey...) at ERROR; our access log already reports
/// each request, so s3s is silenced unless asked for.
const DEFAULT_LOG: &str = "info,s3s=off,hyper=warn,h2=warn";

fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    let filter = std::env::var("COFFER_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .map_or_else(|_| EnvFilter::new(DEFAULT_LOG), EnvFilter::new);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    match cli.command {
        cli::Command::Serve(args) => {
            let config = config::ServeConfig::resolve(args)?;
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(server::serve(config))
        }
    }
}
