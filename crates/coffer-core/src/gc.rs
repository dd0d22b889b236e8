//! The blob garbage collector.
//!
//! A blob is garbage when no metadata row references it: its write failed, its commit
//! never happened (a crash), or the delete after a release did not. It is collected only
//! once it is older than the grace period, which covers every write still between its
//! last byte and its commit.

use crate::Store;
use crate::error::CoreResult;

/// Referenced-check batch: one metadata query per this many candidates.
const BATCH: usize = 512;

/// What one collection found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Blobs older than the grace period.
    pub candidates: usize,
    /// Of those, unreferenced and deleted.
    pub deleted: usize,
}

impl Store {
    /// Deletes unreferenced blobs older than the grace period.
    pub async fn collect_garbage(&self) -> CoreResult<GcReport> {
        let candidates = self.blobs.older_than(self.config.gc_grace).await?;
        let mut report = GcReport {
            candidates: candidates.len(),
            deleted: 0,
        };
        for batch in candidates.chunks(BATCH) {
            let referenced = self.meta.referenced_blobs(batch).await?;
            for id in batch.iter().filter(|id| !referenced.contains(*id)) {
                self.blobs.delete(id).await?;
                report.deleted += 1;
            }
        }
        Ok(report)
    }
}
