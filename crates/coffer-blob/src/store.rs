//! Blob files on disk: naming, durable creation, ranged reads, deletion, and the listing
//! the garbage collector walks.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use coffer_meta::{BlobId, Durability};
use futures::Stream;

use crate::read_buffer::ReadBuffer;

/// Reads move in large buffers so a big GET costs few blocking-pool round trips.
const READ_BATCH: u64 = 1024 * 1024;
/// Batches of one read in flight: the next is read (and decrypted) on the blocking pool
/// while the current one is sent, so a large GET keeps both the disk and the socket busy.
const READ_AHEAD: usize = 2;

/// A stream of a blob's bytes.
pub type BlobReader = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// The blob directory of one Coffer data dir.
#[derive(Clone, Debug)]
pub struct BlobStore {
    root: PathBuf,
    durability: Durability,
}

impl BlobStore {
    /// Opens (creating if needed) the blob directory `root`; every write is fsynced.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        Self::open_with(root, Durability::Fsync)
    }

    /// Opens (creating if needed) the blob directory `root`. With
    /// [`Durability::NoFsync`] no file or directory is ever fsynced: a blob is complete
    /// in the page cache when [`BlobStore::ingest`] returns, not on stable storage.
    pub fn open_with(root: impl Into<PathBuf>, durability: Durability) -> io::Result<Self> {
        let root = root.into();
        let store = Self { root, durability };
        fs::create_dir_all(&store.root)?;
        if let Some(parent) = store.root.parent() {
            store.sync_dir(parent)?;
        }
        Ok(store)
    }

    /// Whether writes are fsynced.
    #[must_use]
    pub fn durability(&self) -> Durability {
        self.durability
    }

    /// The directory blobs live under.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn path_of(&self, id: &BlobId) -> io::Result<PathBuf> {
        let s = id.0.as_str();
        // Ids are ours (32 hex digits); anything else must never reach the filesystem.
        if s.len() < 8 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid blob id {s:?}"),
            ));
        }
        Ok(self.root.join(&s[0..2]).join(&s[2..4]).join(s))
    }

    /// Creates a new empty blob file and its fan-out directories (made durable at once, so
    /// the later fsync of the file's own directory is enough).
    /// The flag says whether the file was opened with `O_DIRECT` (see `direct.rs`).
    pub(crate) fn create(&self) -> io::Result<(BlobId, PathBuf, File, bool)> {
        let id = BlobId(uuid::Uuid::new_v4().simple().to_string());
        let path = self.path_of(&id)?;
        let dir = path
            .parent()
            .ok_or_else(|| io::Error::other("blob path has no parent"))?;
        if !dir.exists() {
            fs::create_dir_all(dir)?;
            let mid = dir
                .parent()
                .ok_or_else(|| io::Error::other("blob dir has no parent"))?;
            self.sync_dir(mid)?;
            self.sync_dir(&self.root)?;
        }
        let (file, direct) = crate::direct::create_new(&path)?;
        Ok((id, path, file, direct))
    }

    /// Streams `len` bytes of blob `id` from `offset`.
    pub async fn read(&self, id: &BlobId, offset: u64, len: u64) -> io::Result<BlobReader> {
        let path = self.path_of(id)?;
        let file = Arc::new(
            tokio::task::spawn_blocking(move || File::open(path))
                .await
                .map_err(io::Error::other)??,
        );
        let batches = (0..len.div_ceil(READ_BATCH)).map(move |i| {
            let at = i * READ_BATCH;
            (offset + at, READ_BATCH.min(len - at))
        });
        Ok(batched_reader(batches, move |(at, n)| {
            let mut buf = ReadBuffer::new(usize::try_from(n).map_err(io::Error::other)?);
            // A file shorter than its metadata says is an error, never a short body.
            file.read_exact_at(buf.as_mut_slice(), at)?;
            Ok(vec![buf.freeze()])
        }))
    }

    /// Removes blob `id`. A blob already gone is not an error: deletion may race the GC.
    pub async fn delete(&self, id: &BlobId) -> io::Result<()> {
        let path = self.path_of(id)?;
        match tokio::fs::remove_file(&path).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Ids of blob files not modified for at least `grace`: the candidates for garbage
    /// collection. The grace period protects writes still in flight.
    pub async fn older_than(&self, grace: Duration) -> io::Result<Vec<BlobId>> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || walk_older_than(&root, grace))
            .await
            .map_err(io::Error::other)?
    }
}

fn walk_older_than(root: &Path, grace: Duration) -> io::Result<Vec<BlobId>> {
    let now = SystemTime::now();
    let mut out = Vec::new();
    for level1 in fs::read_dir(root)? {
        let level1 = level1?;
        if !level1.file_type()?.is_dir() {
            continue;
        }
        for level2 in fs::read_dir(level1.path())? {
            let level2 = level2?;
            if !level2.file_type()?.is_dir() {
                continue;
            }
            for entry in fs::read_dir(level2.path())? {
                let entry = entry?;
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                let meta = match entry.metadata() {
                    Ok(m) => m,
                    // Deleted while we walked.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                let age = meta.modified().ok().and_then(|m| now.duration_since(m).ok());
                if age.is_some_and(|age| age >= grace) {
                    out.push(BlobId(name));
                }
            }
        }
    }
    Ok(out)
}

impl BlobStore {
    /// Makes a directory's entries durable (a created or renamed file is only durable
    /// once its directory is). Does nothing under [`Durability::NoFsync`].
    pub(crate) fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        if self.durability.fsyncs() {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

/// Runs `work` for each batch on the blocking pool, [`READ_AHEAD`] at a time, and streams
/// the pieces each returns, in order.
pub(crate) fn batched_reader<B, F>(batches: impl Iterator<Item = B> + Send + 'static, work: F) -> BlobReader
where
    B: Send + 'static,
    F: Fn(B) -> io::Result<Vec<Bytes>> + Send + Sync + 'static,
{
    use futures::{StreamExt as _, TryStreamExt as _};
    let work = Arc::new(work);
    let stream = futures::stream::iter(batches)
        .map(move |batch| {
            let work = Arc::clone(&work);
            async move {
                tokio::task::spawn_blocking(move || work(batch))
                    .await
                    .map_err(io::Error::other)?
            }
        })
        .buffered(READ_AHEAD)
        .map_ok(|pieces| futures::stream::iter(pieces.into_iter().map(Ok)))
        .try_flatten();
    Box::pin(stream)
}
