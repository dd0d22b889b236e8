//! The group-commit writer: one thread, one connection, one transaction per batch.
//!
//! Requests arrive on a bounded channel. The thread takes every request waiting (up to
//! [`MAX_BATCH`]), runs each inside its own SAVEPOINT of one transaction, COMMITs once
//! (one fsync for the whole batch), and only then replies. A request that fails
//! logically (`BucketNotEmpty`, `PreconditionFailed`, ...) rolls back its savepoint only;
//! if the COMMIT fails, every request of the batch gets `Backend`, since none is durable.
//!
//! Requests are applied in arrival order, so a batch behaves exactly like the same
//! requests committed one by one; later requests in a batch see earlier ones' writes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use coffer_meta::{
    BlobId, BucketRecord, IdentityChange, KmsKeyRecord, MetaError, MetaTarget, ObjectVersion, PartRecord,
    UploadRecord, WriteCondition,
};
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::codec::db;
use crate::write_ops;

/// Most requests committed in one transaction. Bounds the latency one batch adds to its
/// last request and the work lost to a failed COMMIT.
const MAX_BATCH: usize = 256;

/// Requests that may wait for the writer; senders beyond it wait (backpressure).
const QUEUE_DEPTH: usize = 1024;

/// One write the writer thread applies.
#[derive(Debug)]
pub(crate) enum WriteOp {
    CreateBucket(BucketRecord),
    DeleteBucket(String),
    PutBucketSetting {
        bucket: String,
        name: String,
        document: Option<String>,
    },
    PutObject(ObjectVersion, WriteCondition),
    DeleteObject {
        bucket: String,
        key: String,
        version_id: Option<String>,
    },
    CreateUpload(UploadRecord),
    PutPart(String, PartRecord),
    CompleteUpload(String, ObjectVersion, WriteCondition),
    AbortUpload(String),
    CreateKmsKey(KmsKeyRecord),
    SetKmsKeyEnabled(String, bool),
    ResealKmsKey {
        name: String,
        expected: String,
        sealed_material: String,
        sealed_by: String,
    },
    Identity(IdentityChange),
    SetObjectAcl {
        bucket: String,
        key: String,
        version_id: Option<String>,
        acl: Option<String>,
    },
    Reseal {
        target: MetaTarget,
        expected_sealed_key: String,
        /// The new SSE record, as JSON.
        sse: String,
    },
}

type Reply = oneshot::Sender<Result<Vec<BlobId>, MetaError>>;

struct Request {
    op: WriteOp,
    reply: Reply,
}

/// Counters of the writer's work since the store was opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Transactions committed (each one fsync).
    pub commits: u64,
    /// Requests answered, whatever their outcome.
    pub requests: u64,
}

#[derive(Default)]
struct Counters {
    commits: AtomicU64,
    requests: AtomicU64,
}

/// The handle the store keeps: the sending side of the queue and the thread.
pub(crate) struct Writer {
    tx: Mutex<Option<mpsc::Sender<Request>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    counters: Arc<Counters>,
}

fn closed() -> MetaError {
    MetaError::Backend("closed".into())
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub(crate) fn start(conn: Connection) -> Result<Self, MetaError> {
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let counters = Arc::new(Counters::default());
        let thread_counters = Arc::clone(&counters);
        let thread = std::thread::Builder::new()
            .name("coffer-meta-writer".into())
            .spawn(move || run(conn, rx, &thread_counters))
            .map_err(|e| MetaError::Backend(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            tx: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
            counters,
        })
    }

    /// Queues `op` and waits until it is committed (or failed).
    ///
    /// If the caller stops waiting, the write still happens: it was queued.
    pub(crate) async fn submit(&self, op: WriteOp) -> Result<Vec<BlobId>, MetaError> {
        let tx = self.tx.lock().map_err(|_| closed())?.clone().ok_or_else(closed)?;
        let (reply, answer) = oneshot::channel();
        tx.send(Request { op, reply }).await.map_err(|_| closed())?;
        answer
            .await
            .map_err(|_| MetaError::Backend("the metadata writer stopped".into()))?
    }

    pub(crate) fn stats(&self) -> WriterStats {
        WriterStats {
            commits: self.counters.commits.load(Ordering::Relaxed),
            requests: self.counters.requests.load(Ordering::Relaxed),
        }
    }

    /// Stops taking requests and returns the thread to join, if it is still running.
    /// The thread finishes every request already queued before it exits.
    pub(crate) fn shut_down(&self) -> Option<JoinHandle<()>> {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
        self.thread.lock().ok().and_then(|mut t| t.take())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let Some(thread) = self.shut_down()
            && thread.join().is_err()
        {
            tracing::error!("the metadata writer thread panicked");
        }
    }
}

/// The writer thread: batch, apply, commit, reply; until every sender is gone.
fn run(conn: Connection, mut rx: mpsc::Receiver<Request>, counters: &Counters) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        commit_batch(&conn, batch, counters);
    }
}

/// Applies `batch` in one transaction and replies to each request. The counters move
/// before the replies go out, so a caller that got its answer sees its request counted.
fn commit_batch(conn: &Connection, batch: Vec<Request>, counters: &Counters) {
    counters.requests.fetch_add(batch.len() as u64, Ordering::Relaxed);
    if !conn.is_autocommit() {
        // A failed ROLLBACK left a transaction open; never build on its state.
        if let Err(e) = conn.execute_batch("ROLLBACK") {
            fail_all(batch.into_iter().map(|r| r.reply), &db(e));
            return;
        }
    }
    // IMMEDIATE takes the write lock now rather than at the first write.
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        fail_all(batch.into_iter().map(|r| r.reply), &db(e));
        return;
    }
    let mut answers = Vec::with_capacity(batch.len());
    let mut broken = None;
    for Request { op, reply } in batch {
        if broken.is_some() {
            answers.push((reply, Err(closed())));
            continue;
        }
        match apply_in_savepoint(conn, op) {
            Ok(result) => answers.push((reply, result)),
            Err(e) => {
                // The transaction is in an unknown state: give up on the whole batch.
                broken = Some(e);
                answers.push((reply, Err(closed())));
            }
        }
    }
    let outcome = match broken {
        Some(e) => Err(e),
        None => conn.execute_batch("COMMIT").map_err(db),
    };
    match outcome {
        Ok(()) => {
            counters.commits.fetch_add(1, Ordering::Relaxed);
            for (reply, result) in answers {
                // The caller may have stopped waiting; its write is committed regardless.
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, requests = answers.len(), "metadata batch failed to commit");
            if let Err(rollback) = conn.execute_batch("ROLLBACK") {
                tracing::error!(error = %rollback, "metadata batch rollback failed");
            }
            fail_all(answers.into_iter().map(|(reply, _)| reply), &e);
        }
    }
}

fn fail_all(replies: impl Iterator<Item = Reply>, e: &MetaError) {
    let message = match e {
        MetaError::Backend(m) => m.clone(),
        other => other.to_string(),
    };
    for reply in replies {
        let _ = reply.send(Err(MetaError::Backend(message.clone())));
    }
}

/// Runs one request inside a savepoint. The outer `Err` means the savepoint itself could
/// not be managed (the batch must be abandoned); the inner result is the request's own.
#[allow(clippy::type_complexity)]
fn apply_in_savepoint(conn: &Connection, op: WriteOp) -> Result<Result<Vec<BlobId>, MetaError>, MetaError> {
    conn.execute_batch("SAVEPOINT request").map_err(db)?;
    let result = write_ops::apply(conn, op);
    if result.is_ok() {
        conn.execute_batch("RELEASE request").map_err(db)?;
    } else {
        conn.execute_batch("ROLLBACK TO request; RELEASE request")
            .map_err(db)?;
    }
    Ok(result)
}
