//! Local-disk blob storage for Coffer.
//!
//! Owns the bytes of objects and parts: each blob is one file named by a random id
//! (never by the object key), fanned out as `blobs/ab/cd/<id>`. Bodies are written
//! streaming, hashed on the fly (MD5 plus the requested checksums) on a blocking thread,
//! and fsynced, file and directory, before [`BlobStore::ingest`] returns: only then may the
//! caller commit metadata that makes the blob visible. Bodies smaller than the inline
//! threshold never touch a file; they come back in memory to be stored in the metadata
//! row (one durable write instead of three). A store opened with
//! [`coffer_meta::Durability::NoFsync`] (benchmarks, scratch data) skips every fsync.
//!
//! Invariants:
//! - A blob id is returned only for a complete, fsynced file (complete but only in the
//!   page cache under `NoFsync`).
//! - A failed or abandoned write removes its file; a crash may leave one behind, which
//!   the garbage collector removes once it is unreferenced and older than its grace
//!   period.
//! - Memory per write is bounded by the channel depth times the write buffer size,
//!   whatever the object size.

pub mod crypt;
mod digest;
mod direct;
mod ingest;
mod multipart_checksum;
mod read_buffer;
mod sealed;
mod store;

pub use digest::{ChecksumAlgorithm, Digests, Hasher};
pub use ingest::{BodyError, BodyStream, IngestError, IngestOptions, Ingested, Stored};
pub use multipart_checksum::{ChecksumType, CombineError, composite, full_object};
pub use sealed::{Encryption, open_inline};
pub use store::{BlobReader, BlobStore};
