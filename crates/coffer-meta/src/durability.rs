//! Whether a storage backend makes each acknowledged write durable.

/// How far a backend goes before it reports a write done. Every backend (metadata and
/// blobs) of one deployment is opened with the same setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// A write returns only once it is on stable storage (fsync): it survives a process
    /// kill, an OS crash and a power failure. The default.
    #[default]
    Fsync,
    /// No fsync at all: a write returns once the OS has it (page cache). It survives a
    /// process kill, but an OS crash or power failure can lose acknowledged writes (and
    /// can leave the metadata database corrupted). Only for benchmarks and scratch data.
    NoFsync,
}

impl Durability {
    /// Whether writes are fsynced.
    #[must_use]
    pub fn fsyncs(self) -> bool {
        self == Self::Fsync
    }
}
