//! What the client declared about a body's digests, and the check of it.

use coffer_blob::{ChecksumAlgorithm, Digests};

use crate::error::{CoreError, CoreResult};

/// Where a declared checksum value comes from.
pub enum ExpectedValue {
    /// Sent up front (`x-amz-checksum-*` header).
    Header(String),
    /// Sent in the body's trailer; readable once the body has ended.
    Trailer(Box<dyn FnOnce() -> Option<String> + Send>),
    /// The client named the algorithm but sent no value: compute and store it.
    ComputeOnly,
}

/// A declared S3 checksum.
pub struct ExpectedChecksum {
    pub algorithm: ChecksumAlgorithm,
    pub value: ExpectedValue,
}

/// Everything the client declared about a body.
#[derive(Default)]
pub struct Integrity {
    /// The decoded `Content-MD5`.
    pub content_md5: Option<[u8; 16]>,
    pub checksum: Option<ExpectedChecksum>,
}

impl Integrity {
    /// The checksum algorithms to compute while ingesting.
    #[must_use]
    pub fn algorithms(&self) -> Vec<ChecksumAlgorithm> {
        self.checksum.iter().map(|c| c.algorithm).collect()
    }

    /// Compares what was computed with what was declared. Called after the body ended
    /// and before anything is committed.
    pub fn verify(self, digests: &Digests) -> CoreResult<()> {
        if let Some(md5) = self.content_md5
            && md5 != digests.md5
        {
            return Err(CoreError::BadDigest(
                "The Content-MD5 you specified did not match what we received.".into(),
            ));
        }
        let Some(expected) = self.checksum else {
            return Ok(());
        };
        let name = expected.algorithm.as_str();
        let declared = match expected.value {
            ExpectedValue::Header(v) => v,
            ExpectedValue::Trailer(read) => read().ok_or_else(|| {
                CoreError::InvalidRequest(format!(
                    "The x-amz-checksum-{} trailer declared in x-amz-trailer was not sent.",
                    name.to_ascii_lowercase()
                ))
            })?,
            ExpectedValue::ComputeOnly => return Ok(()),
        };
        let computed = expected.algorithm.get(&digests.checksums).unwrap_or_default();
        if declared.trim() != computed {
            return Err(CoreError::BadDigest(format!(
                "The {name} you specified did not match the calculated checksum."
            )));
        }
        Ok(())
    }
}
