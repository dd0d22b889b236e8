//! The metadata interface of Coffer.
//!
//! This crate owns the [`MetaStore`] trait, the records it stores, and the
//! [`conformance`] suite that every backend must pass. It must not depend on any
//! database driver: backends (`coffer-meta-sqlite`, later PostgreSQL) live in their
//! own crates and implement this trait.
//!
//! Key decision: the trait is shaped around Coffer's operations (put a version, list a
//! page, complete an upload), not around any engine's API. Each write is one atomic
//! step that checks its own preconditions inside the backend's transaction, so the
//! core never has to hold a lock across a read and a write.
//!
//! Invariants every backend keeps:
//! - Keys compare as raw UTF-8 bytes (memcmp), which is S3's listing order.
//! - A write that returns `Ok` is durable (on stable storage) when it returns, unless
//!   the backend was opened with [`Durability::NoFsync`].
//! - Blob ids handed back as "released" are no longer referenced by any row; the
//!   caller may delete them.

mod durability;
mod error;
mod identity;
mod records;
mod store;

pub mod listing;

pub mod conformance;

pub use durability::Durability;
pub use error::MetaError;
pub use identity::*;
pub use records::*;
pub use store::MetaStore;
