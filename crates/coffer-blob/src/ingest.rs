//! Streaming a request body into a durable blob (or into memory when it is small).

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use coffer_meta::BlobId;
use futures::{Stream, StreamExt as _};
use thiserror::Error;
use tokio::sync::mpsc;

use crate::crypt::Encryptor;
use crate::digest::{ChecksumAlgorithm, Digests, Hasher};
use crate::direct::BlobWriter;
use crate::sealed::Encryption;
use crate::store::BlobStore;

/// Writes move in large buffers: fewer syscalls and channel hops per byte.
const WRITE_BUFFER: usize = 1024 * 1024;
/// Buffers in flight between the request task and the writer thread. With
/// [`WRITE_BUFFER`] this bounds the memory of one upload to a few MiB.
const CHANNEL_DEPTH: usize = 4;

/// Why the client's body stream failed. The protocol layer maps each to its wire code.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// The body ended before the length the client declared.
    #[error("the request body ended before its declared length")]
    Incomplete,
    /// A streaming chunk's signature (or the payload hash) did not verify.
    #[error("the request body's signature does not match")]
    SignatureMismatch,
    /// The body's SHA-256 differs from the signed `x-amz-content-sha256`.
    #[error("the request body does not match x-amz-content-sha256")]
    PayloadHashMismatch,
    /// The body's framing (aws-chunked) was malformed.
    #[error("malformed request body: {0}")]
    Malformed(String),
    /// The connection failed while reading.
    #[error("reading the request body failed: {0}")]
    Io(String),
}

/// A request body as the storage layers see it.
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, BodyError>> + Send>>;

/// Why an ingest failed. Nothing is left behind in any case.
#[derive(Debug, Error)]
pub enum IngestError {
    /// The client's body failed.
    #[error(transparent)]
    Body(#[from] BodyError),
    /// The body exceeded the size limit.
    #[error("the body is larger than the limit of {max} bytes")]
    TooLarge { max: u64 },
    /// The disk failed.
    #[error("blob I/O: {0}")]
    Io(#[from] io::Error),
}

/// How to ingest one body.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// Checksums to compute besides MD5.
    pub algorithms: Vec<ChecksumAlgorithm>,
    /// Bodies of at most this many bytes stay in memory (to be stored inline); 0 always
    /// writes a blob.
    pub inline_threshold: usize,
    /// Bodies larger than this fail with [`IngestError::TooLarge`].
    pub max_size: u64,
    /// Encrypt the stored bytes (blob or inline) with this key; digests are always of
    /// the plaintext.
    pub encryption: Option<Encryption>,
}

/// Where an ingested body went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stored {
    Inline(Bytes),
    /// A complete blob file, fsynced unless the store is `NoFsync`.
    Blob(BlobId),
}

/// An ingested body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ingested {
    pub stored: Stored,
    pub digests: Digests,
}

enum Msg {
    /// The body's next chunks, as the client sent them (about [`WRITE_BUFFER`] bytes).
    Data(Arc<Vec<Bytes>>),
    /// The body ended cleanly: make it durable.
    Commit,
}

impl BlobStore {
    /// Reads `body` to its end, hashing as it goes. Small bodies come back in memory;
    /// larger ones are written to a new blob that is durable before this returns. On any
    /// error the partial blob is removed.
    pub async fn ingest(&self, mut body: BodyStream, opts: &IngestOptions) -> Result<Ingested, IngestError> {
        let mut head = BytesMut::new();
        let mut size: u64 = 0;
        let mut overflow = None;
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            if size > opts.max_size {
                return Err(IngestError::TooLarge { max: opts.max_size });
            }
            if head.len() + chunk.len() <= opts.inline_threshold {
                head.extend_from_slice(&chunk);
            } else {
                overflow = Some(chunk);
                break;
            }
        }
        // A threshold of 0 means "always a blob", even for an empty body (parts need one).
        let overflow = match overflow {
            Some(chunk) => chunk,
            None if opts.inline_threshold == 0 => Bytes::new(),
            None => {
                let mut hasher = Hasher::new(&opts.algorithms);
                hasher.update(&head);
                let digests = hasher.finish(size);
                let stored = match &opts.encryption {
                    Some(enc) => {
                        let mut sealed = Vec::with_capacity(head.len() + 64);
                        let mut e = Encryptor::new(&enc.key, enc.part);
                        e.push(&head, &mut sealed);
                        e.finish(&mut sealed);
                        Bytes::from(sealed)
                    }
                    None => head.freeze(),
                };
                return Ok(Ingested {
                    stored: Stored::Inline(stored),
                    digests,
                });
            }
        };

        let store = self.clone();
        let (id, path, file, direct) = tokio::task::spawn_blocking(move || store.create())
            .await
            .map_err(io::Error::other)??;
        let (tx, rx) = mpsc::channel::<Msg>(CHANNEL_DEPTH);
        let encryptor = opts.encryption.as_ref().map(|e| {
            let bound = crate::sealed::bound_to_blob(e, &id);
            Encryptor::new(&bound.key, bound.part)
        });
        let store = self.clone();
        let writer = tokio::task::spawn_blocking(move || {
            write_blob(
                &store,
                BlobWriter::new(file, direct, 2 * WRITE_BUFFER),
                path,
                rx,
                encryptor,
            )
        });
        // Hashing (MD5 above all) runs on its own thread, beside encryption and writing:
        // one upload uses two cores.
        let (hash_tx, mut hash_rx) = mpsc::channel::<Arc<Vec<Bytes>>>(CHANNEL_DEPTH);
        let algorithms = opts.algorithms.clone();
        let hashing = tokio::task::spawn_blocking(move || {
            let mut hasher = Hasher::new(&algorithms);
            while let Some(chunks) = hash_rx.blocking_recv() {
                for chunk in chunks.iter() {
                    hasher.update(chunk);
                }
            }
            hasher
        });

        // Chunks are passed on as they came, not copied into one buffer.
        let mut pending: Vec<Bytes> = vec![head.freeze(), overflow];
        let mut pending_len: usize = pending.iter().map(Bytes::len).sum();
        let send = |chunks: Vec<Bytes>| {
            let chunks = Arc::new(chunks);
            let (tx, hash_tx) = (&tx, &hash_tx);
            async move {
                // Either thread failing ends the upload; the writer reports its own error.
                tx.send(Msg::Data(Arc::clone(&chunks))).await.is_ok() && hash_tx.send(chunks).await.is_ok()
            }
        };
        let fed: Result<(), IngestError> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk?;
                size += chunk.len() as u64;
                if size > opts.max_size {
                    return Err(IngestError::TooLarge { max: opts.max_size });
                }
                pending_len += chunk.len();
                pending.push(chunk);
                if pending_len >= WRITE_BUFFER {
                    pending_len = 0;
                    if !send(std::mem::take(&mut pending)).await {
                        return Ok(());
                    }
                }
            }
            if pending_len > 0 && !send(std::mem::take(&mut pending)).await {
                return Ok(());
            }
            // Ignored error: a writer that already stopped reports its own failure.
            let _ = tx.send(Msg::Commit).await;
            Ok(())
        }
        .await;
        drop(tx);
        drop(hash_tx);
        let written = writer.await.map_err(io::Error::other)?;
        let hasher = hashing.await.map_err(io::Error::other)?;
        match (fed, written) {
            (Ok(()), Ok(Some(stored))) => {
                debug_assert_eq!(stored, size);
                let digests = hasher.finish(size);
                Ok(Ingested {
                    stored: Stored::Blob(id),
                    digests,
                })
            }
            (Err(e), _) => Err(e),
            (Ok(()), Err(e)) => Err(e.into()),
            (Ok(()), Ok(None)) => Err(io::Error::other("blob writer stopped before the commit").into()),
        }
    }
}

/// The writer thread: encrypts and appends, and on `Commit` makes the file durable
/// (unless the store is [`coffer_meta::Durability::NoFsync`]). Returns the bytes written
/// (plaintext), or `None` (and removes the file) when the channel closes without a commit.
fn write_blob(
    store: &BlobStore,
    mut writer: BlobWriter,
    path: PathBuf,
    mut rx: mpsc::Receiver<Msg>,
    mut encryptor: Option<Encryptor>,
) -> io::Result<Option<u64>> {
    let mut size = 0u64;
    let result = (|| {
        while let Some(msg) = rx.blocking_recv() {
            match msg {
                Msg::Data(chunks) => {
                    for chunk in chunks.iter() {
                        match &mut encryptor {
                            Some(e) => e.push(chunk, writer.buffer()),
                            None => writer.buffer().extend_from_slice(chunk),
                        }
                        size += chunk.len() as u64;
                    }
                    writer.flush()?;
                }
                Msg::Commit => {
                    if let Some(e) = encryptor.take() {
                        e.finish(writer.buffer());
                    }
                    let file = writer.finish()?;
                    // The data must be on stable storage before any metadata points at it.
                    // (Not under NoFsync: the operator traded that away for speed.)
                    if store.durability().fsyncs() {
                        file.sync_all()?;
                    }
                    // And the file's directory entry, or a crash could lose the name.
                    if let Some(dir) = path.parent() {
                        store.sync_dir(dir)?;
                    }
                    return Ok(true);
                }
            }
        }
        Ok(false)
    })();
    match result {
        Ok(true) => Ok(Some(size)),
        other => {
            if let Err(e) = std::fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), error = %e, "could not remove an abandoned blob; the GC will");
            }
            other.map(|_| None)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn body(chunks: Vec<Result<Bytes, BodyError>>) -> BodyStream {
        Box::pin(futures::stream::iter(chunks))
    }

    fn opts(inline: usize) -> IngestOptions {
        IngestOptions {
            algorithms: vec![ChecksumAlgorithm::Crc32c],
            inline_threshold: inline,
            max_size: 1 << 40,
            encryption: None,
        }
    }

    async fn read_all(store: &BlobStore, id: &BlobId, len: u64) -> Vec<u8> {
        let mut r = store.read(id, 0, len).await.unwrap();
        let mut out = Vec::new();
        while let Some(c) = r.next().await {
            out.extend_from_slice(&c.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn small_body_stays_inline() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().join("blobs")).unwrap();
        let got = store
            .ingest(body(vec![Ok(Bytes::from_static(b"hello"))]), &opts(16))
            .await
            .unwrap();
        assert_eq!(got.stored, Stored::Inline(Bytes::from_static(b"hello")));
        assert_eq!(got.digests.size, 5);
        assert!(got.digests.checksums.crc32c.is_some());
    }

    #[tokio::test]
    async fn large_body_becomes_a_durable_blob_with_exact_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().join("blobs")).unwrap();
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let chunks = data
            .chunks(65_536)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let got = store.ingest(body(chunks), &opts(1024)).await.unwrap();
        let Stored::Blob(id) = &got.stored else {
            panic!("expected a blob")
        };
        assert_eq!(got.digests.size, data.len() as u64);
        let mut h = Hasher::new(&[]);
        h.update(&data);
        assert_eq!(got.digests.md5, h.finish(0).md5);
        assert_eq!(read_all(&store, id, data.len() as u64).await, data);
        let mut tail = store.read(id, 2_999_990, 10).await.unwrap();
        assert_eq!(tail.next().await.unwrap().unwrap().as_ref(), &data[2_999_990..]);
    }

    #[tokio::test]
    async fn no_fsync_store_writes_the_same_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open_with(dir.path().join("blobs"), coffer_meta::Durability::NoFsync).unwrap();
        assert_eq!(store.durability(), coffer_meta::Durability::NoFsync);
        let data: Vec<u8> = (0..2_500_000u32).map(|i| (i % 253) as u8).collect();
        let chunks = data
            .chunks(100_000)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let got = store.ingest(body(chunks), &opts(1024)).await.unwrap();
        let Stored::Blob(id) = &got.stored else {
            panic!("expected a blob")
        };
        assert_eq!(got.digests.size, data.len() as u64);
        assert_eq!(read_all(&store, id, data.len() as u64).await, data);
    }

    #[tokio::test]
    async fn encrypted_bodies_hold_no_plaintext_and_read_back_in_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().join("blobs")).unwrap();
        let enc = Encryption {
            key: crate::crypt::SecretKey::generate(),
            part: 7,
        };
        let pattern = b"PLAINTEXT-PATTERN-";
        let data: Vec<u8> = pattern.iter().copied().cycle().take(1_000_003).collect();
        let o = IngestOptions {
            encryption: Some(enc.clone()),
            ..opts(1024)
        };
        let chunks = data
            .chunks(100_000)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let got = store.ingest(body(chunks), &o).await.unwrap();
        let Stored::Blob(id) = &got.stored else {
            panic!("expected a blob")
        };
        assert_eq!(got.digests.size, data.len() as u64);
        let on_disk = std::fs::read(store.path_of(id).unwrap()).unwrap();
        assert_eq!(
            on_disk.len() as u64,
            crate::crypt::encrypted_len(data.len() as u64)
        );
        assert!(
            !on_disk.windows(pattern.len()).any(|w| w == pattern),
            "plaintext on disk"
        );
        for (start, len) in [(0u64, 1_000_003u64), (65_530, 20), (999_000, 1003), (5, 0)] {
            let mut r = store
                .read_sealed(id, &enc, data.len() as u64, start, len)
                .await
                .unwrap();
            let mut out = Vec::new();
            while let Some(c) = r.next().await {
                out.extend_from_slice(&c.unwrap());
            }
            let (s0, l0) = (usize::try_from(start).unwrap(), usize::try_from(len).unwrap());
            assert!(out == data[s0..s0 + l0], "range {start}+{len}");
        }
        // Inline bodies are sealed too.
        let small = store
            .ingest(body(vec![Ok(Bytes::from_static(b"PLAINTEXT-PATTERN-small"))]), &o)
            .await
            .unwrap();
        let Stored::Inline(sealed) = &small.stored else {
            panic!("expected inline")
        };
        assert!(!sealed.windows(pattern.len()).any(|w| w == pattern));
        let plain = crate::open_inline(&enc, 23, sealed, 0, 23).unwrap();
        assert_eq!(plain.as_ref(), b"PLAINTEXT-PATTERN-small");
        // A flipped byte on disk fails the read instead of returning wrong bytes.
        let mut bad = on_disk.clone();
        bad[200_000] ^= 0x40;
        std::fs::write(store.path_of(id).unwrap(), &bad).unwrap();
        let mut r = store
            .read_sealed(id, &enc, data.len() as u64, 0, data.len() as u64)
            .await
            .unwrap();
        let mut failed = false;
        while let Some(c) = r.next().await {
            if c.is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed, "tampering must surface as an error");

        // A superseded blob of the same part (same data key and part number) put in the
        // current blob's place does not authenticate: blobs are bound to their ids.
        let first = store
            .ingest(body(vec![Ok(Bytes::from(vec![1u8; 100_000]))]), &o)
            .await
            .unwrap();
        let second = store
            .ingest(body(vec![Ok(Bytes::from(vec![2u8; 100_000]))]), &o)
            .await
            .unwrap();
        let (Stored::Blob(a), Stored::Blob(b)) = (&first.stored, &second.stored) else {
            panic!("expected blobs")
        };
        std::fs::copy(store.path_of(a).unwrap(), store.path_of(b).unwrap()).unwrap();
        let mut r = store.read_sealed(b, &enc, 100_000, 0, 100_000).await.unwrap();
        let mut swapped_failed = false;
        while let Some(c) = r.next().await {
            match c {
                Err(_) => swapped_failed = true,
                Ok(bytes) => assert!(bytes.iter().all(|&x| x == 2), "stale bytes were returned"),
            }
        }
        assert!(swapped_failed, "a swapped-in blob must not authenticate");
    }

    #[tokio::test]
    async fn body_error_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().join("blobs")).unwrap();
        let chunks = vec![
            Ok(Bytes::from(vec![1u8; 2 * WRITE_BUFFER])),
            Err(BodyError::Incomplete),
        ];
        let err = store.ingest(body(chunks), &opts(10)).await.unwrap_err();
        assert!(matches!(err, IngestError::Body(BodyError::Incomplete)));
        assert!(
            store
                .older_than(std::time::Duration::ZERO)
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn too_large_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().join("blobs")).unwrap();
        let o = IngestOptions {
            max_size: 100,
            ..opts(10)
        };
        let err = store
            .ingest(body(vec![Ok(Bytes::from(vec![0u8; 101]))]), &o)
            .await
            .unwrap_err();
        assert!(matches!(err, IngestError::TooLarge { max: 100 }));
        assert!(
            store
                .older_than(std::time::Duration::ZERO)
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn gc_candidates_respect_grace_and_delete_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().join("blobs")).unwrap();
        let got = store
            .ingest(body(vec![Ok(Bytes::from(vec![7u8; 100]))]), &opts(10))
            .await
            .unwrap();
        let Stored::Blob(id) = got.stored else { panic!() };
        assert!(
            store
                .older_than(std::time::Duration::from_secs(3600))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.older_than(std::time::Duration::ZERO).await.unwrap(),
            vec![id.clone()]
        );
        store.delete(&id).await.unwrap();
        store.delete(&id).await.unwrap();
        assert!(
            store
                .read(&BlobId("../../etc/passwd".into()), 0, 1)
                .await
                .is_err()
        );
    }
}
