//! `coffer serve`: open the store, serve HTTP until a signal, drain, close.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use coffer_blob::BlobStore;
use coffer_core::{Store, StoreConfig};
use coffer_iam::Iam;
use coffer_meta::Durability;
use coffer_meta_sqlite::SqliteMetaStore;
use coffer_query::QueryEndpoint;
use coffer_s3::{EndpointConfig, ResponseBody, S3Endpoint};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::config::ServeConfig;
use crate::credentials::{self, Origin};
use crate::datadir;
use crate::master_key::{self, KeyOrigin};

/// In-flight requests get this long to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// How often the background garbage collector runs.
const GC_INTERVAL: Duration = Duration::from_secs(600);

#[derive(Clone)]
struct App {
    s3: S3Endpoint,
    /// IAM and STS, on the same port (ADR 13).
    query: QueryEndpoint,
    ready: Arc<AtomicBool>,
}

impl App {
    async fn route(self, req: hyper::Request<Incoming>) -> hyper::Response<ResponseBody> {
        // Health checks are unauthenticated; a signed request for a bucket named
        // "health" still reaches S3.
        if req.method() == hyper::Method::GET && !is_signed(&req) {
            match req.uri().path() {
                "/health/live" => return plain(hyper::StatusCode::OK, "live\n"),
                "/health/ready" => {
                    return if self.ready.load(Ordering::Acquire) {
                        plain(hyper::StatusCode::OK, "ready\n")
                    } else {
                        plain(hyper::StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
                    };
                }
                _ => {}
            }
        }
        if coffer_query::is_query_request(&req) {
            return self
                .query
                .handle(req)
                .await
                .map(|b| Full::new(b).map_err(|never| match never {}).boxed_unsync());
        }
        self.s3.handle(req).await
    }
}

fn is_signed<B>(req: &hyper::Request<B>) -> bool {
    req.headers().contains_key(hyper::header::AUTHORIZATION)
        || req
            .uri()
            .query()
            .is_some_and(|q| q.contains("X-Amz-Signature") || q.contains("Signature="))
}

fn plain(status: hyper::StatusCode, text: &'static str) -> hyper::Response<ResponseBody> {
    let body = Full::new(Bytes::from_static(text.as_bytes()))
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut resp = hyper::Response::new(body);
    *resp.status_mut() = status;
    resp
}

/// `COFFER_STS_MAX_SESSION_SECS`: caps the lifetime of every STS session, for tests of
/// expiry (AWS's shortest session is 15 minutes). Unset in production.
fn session_cap() -> anyhow::Result<Option<i64>> {
    match std::env::var("COFFER_STS_MAX_SESSION_SECS") {
        Ok(v) if !v.is_empty() => {
            let secs: i64 = v.parse().ok().filter(|s| *s > 0).with_context(|| {
                format!("COFFER_STS_MAX_SESSION_SECS must be a positive number of seconds, not {v:?}")
            })?;
            tracing::warn!(
                secs,
                "COFFER_STS_MAX_SESSION_SECS: every STS session ends after at most this long (testing only)"
            );
            Ok(Some(secs))
        }
        _ => Ok(None),
    }
}

/// Opens the store in `config.data_dir`, encrypting at rest with the master key.
pub fn open_store(config: &ServeConfig) -> anyhow::Result<(Store, KeyOrigin)> {
    datadir::prepare(&config.data_dir)?;
    let (keyring, key_origin) =
        master_key::load_or_create(&config.data_dir, config.master_key_file.as_deref())?;
    let meta_path = config.data_dir.join("meta.sqlite");
    let meta = SqliteMetaStore::open_with(&meta_path, config.durability)
        .with_context(|| format!("cannot open the metadata database {}", meta_path.display()))?;
    let blobs = BlobStore::open_with(config.data_dir.join("blobs"), config.durability)
        .context("cannot open the blob directory")?;
    let store_config = StoreConfig {
        inline_threshold: config.inline_threshold,
        gc_grace: config.gc_grace,
        region: config.region.clone(),
        sse_s3_by_default: config.sse_s3_by_default,
        ..StoreConfig::default()
    };
    let store = Store::new(Arc::new(meta), blobs, store_config).with_keyring(keyring);
    Ok((store, key_origin))
}

async fn collect_garbage(store: &Store) {
    match store.collect_garbage().await {
        Ok(r) if r.deleted > 0 => tracing::info!(
            deleted = r.deleted,
            candidates = r.candidates,
            "garbage collected"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "garbage collection failed; it will retry"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    if config.durability == Durability::NoFsync {
        tracing::warn!(
            "--no-fsync: nothing on the write path is fsynced; a power failure or OS crash can \
             lose acknowledged writes and corrupt the metadata database (benchmarks and scratch data only)"
        );
    }
    if !config.sse_s3_by_default {
        tracing::warn!(
            "--no-encryption: new objects that ask for no encryption, in buckets without a \
             default-encryption configuration, are stored in plaintext (explicit SSE requests still encrypt)"
        );
    }
    datadir::prepare(&config.data_dir)?;
    let _lock = datadir::lock(&config.data_dir)?;
    let (store, key_origin) = open_store(&config)?;
    let (creds, origin) = credentials::load_or_create(&config.data_dir)?;
    let keyring = store
        .keyring()
        .context("the store has no master key, which seals access-key secrets")?;
    let iam = Iam::open(
        store.meta(),
        keyring,
        &creds.access_key_id,
        &creds.secret_access_key,
    )
    .await
    .context("cannot load the accounts and access keys")?
    .with_session_cap(session_cap()?);
    collect_garbage(&store).await;

    let listener = TcpListener::bind(&config.address).await.with_context(|| {
        format!(
            "cannot listen on {} (is another server running there?)",
            config.address
        )
    })?;
    let local = listener.local_addr()?;
    let endpoint_url = format!("http://{local}");
    match origin {
        Origin::Generated => println!(
            "Coffer generated root credentials and saved them to {} (mode 0600).\n\
             Use them with the aws CLI or any AWS SDK:\n\n  \
             export AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_ENDPOINT_URL={endpoint_url} AWS_DEFAULT_REGION={}\n",
            credentials::stored_path(&config.data_dir).display(),
            creds.access_key_id,
            creds.secret_access_key,
            config.region,
        ),
        Origin::Stored => println!(
            "Coffer root credentials are in {}.",
            credentials::stored_path(&config.data_dir).display()
        ),
        Origin::Environment => {}
    }
    // Under --no-encryption the master key still seals what asks for encryption.
    let (sealed, subject, lost) = if config.sse_s3_by_default {
        ("every object", "Objects are", "no object")
    } else {
        (
            "the objects that ask for encryption",
            "Objects that ask for encryption are",
            "no encrypted object",
        )
    };
    match &key_origin {
        KeyOrigin::Generated(path) => println!(
            "\n!! Coffer generated the master key that encrypts {sealed} at rest: {}\n\
             !! BACK IT UP NOW, somewhere other than this disk. Without it {lost} can be read.\n\
             !! (Or run with COFFER_MASTER_KEY set to a key you keep elsewhere.)\n",
            path.display()
        ),
        KeyOrigin::File(path) => println!(
            "{subject} encrypted at rest with the master key in {}.",
            path.display()
        ),
        KeyOrigin::Environment => {
            println!("{subject} encrypted at rest with the master key from COFFER_MASTER_KEY.")
        }
    }
    println!(
        "Coffer is serving S3 at {endpoint_url} (data in {})",
        config.data_dir.display()
    );
    if !config.domains.is_empty() {
        println!(
            "Virtual-hosted-style buckets are served under: {}",
            config.domains.join(", ")
        );
    }

    let ready = Arc::new(AtomicBool::new(true));
    let app = App {
        s3: S3Endpoint::new(
            store.clone(),
            iam.clone(),
            &EndpointConfig {
                region: config.region.clone(),
                domains: config.domains.clone(),
                allow_sse_c_over_http: config.allow_sse_c_over_http,
            },
        ),
        query: QueryEndpoint::new(iam),
        ready: ready.clone(),
    };
    tracing::info!(address = %local, data_dir = %config.data_dir.display(), "serving");

    let gc_store = store.clone();
    let gc = tokio::spawn(async move {
        let mut tick = tokio::time::interval(GC_INTERVAL);
        tick.tick().await;
        loop {
            tick.tick().await;
            collect_garbage(&gc_store).await;
        }
    });

    let trusted_proxies = config.trusted_proxies.clone();
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    let signal = shutdown_signal();
    tokio::pin!(signal);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // A response's last segment must not wait for the client's delayed ACK
                // (Nagle); hyper already coalesces what it writes.
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::debug!(%peer, error = %e, "cannot set TCP_NODELAY");
                }
                let app = app.clone();
                let from_proxy = trusted_proxies.contains(&peer.ip().to_canonical());
                let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                    let app = app.clone();
                    // aws:SourceIp of policy conditions.
                    req.extensions_mut().insert(coffer_iam::PeerAddr(peer));
                    let secure = from_proxy && forwarded_https(req.headers());
                    req.extensions_mut().insert(coffer_iam::SecureTransport(secure));
                    async move { Ok::<_, Infallible>(app.route(req).await) }
                });
                let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut signal => break,
        }
    }

    tracing::info!("shutting down: no new connections; draining requests in flight");
    ready.store(false, Ordering::Release);
    drop(listener);
    gc.abort();
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after {DRAIN_TIMEOUT:?}; closing anyway");
    }
    store.close().await.context("closing the metadata store")?;
    tracing::info!("stopped");
    Ok(())
}

/// Whether a proxy says the client spoke TLS to it (`X-Forwarded-Proto: https`; with
/// several proxies in a row the first, the client's, counts).
fn forwarded_https(headers: &http::HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}
