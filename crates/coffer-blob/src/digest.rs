//! On-the-fly digests: MD5 for the ETag, plus any S3 checksum algorithm the client chose.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use coffer_meta::Checksums;
use crc_fast::CrcAlgorithm;
use md5::{Digest as _, Md5};

/// The checksum algorithms S3 defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChecksumAlgorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

impl ChecksumAlgorithm {
    /// All of them, in a fixed order.
    pub const ALL: [Self; 5] = [
        Self::Crc32,
        Self::Crc32c,
        Self::Crc64Nvme,
        Self::Sha1,
        Self::Sha256,
    ];

    /// Parses S3's name for it (`CRC32`, `CRC32C`, `CRC64NVME`, `SHA1`, `SHA256`), any case.
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "CRC32" => Some(Self::Crc32),
            "CRC32C" => Some(Self::Crc32c),
            "CRC64NVME" => Some(Self::Crc64Nvme),
            "SHA1" => Some(Self::Sha1),
            "SHA256" => Some(Self::Sha256),
            _ => None,
        }
    }

    /// S3's name for it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Crc32 => "CRC32",
            Self::Crc32c => "CRC32C",
            Self::Crc64Nvme => "CRC64NVME",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
        }
    }

    /// The recorded value of this algorithm in `sums`.
    #[must_use]
    pub fn get(self, sums: &Checksums) -> Option<&str> {
        match self {
            Self::Crc32 => sums.crc32.as_deref(),
            Self::Crc32c => sums.crc32c.as_deref(),
            Self::Crc64Nvme => sums.crc64nvme.as_deref(),
            Self::Sha1 => sums.sha1.as_deref(),
            Self::Sha256 => sums.sha256.as_deref(),
        }
    }

    /// Records `value` as this algorithm's checksum in `sums`.
    pub fn set(self, sums: &mut Checksums, value: String) {
        let slot = match self {
            Self::Crc32 => &mut sums.crc32,
            Self::Crc32c => &mut sums.crc32c,
            Self::Crc64Nvme => &mut sums.crc64nvme,
            Self::Sha1 => &mut sums.sha1,
            Self::Sha256 => &mut sums.sha256,
        };
        *slot = Some(value);
    }
}

enum Running {
    Crc32(crc_fast::Digest),
    Crc64(crc_fast::Digest),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
}

/// Digests computed over a byte stream as it passes.
pub struct Hasher {
    md5: Md5,
    others: Vec<(ChecksumAlgorithm, Running)>,
}

/// What a [`Hasher`] saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digests {
    /// Bytes hashed.
    pub size: u64,
    pub md5: [u8; 16],
    /// Base64 values of the requested checksum algorithms.
    pub checksums: Checksums,
}

impl Hasher {
    /// MD5 always, plus each of `algorithms`.
    #[must_use]
    pub fn new(algorithms: &[ChecksumAlgorithm]) -> Self {
        let others = algorithms
            .iter()
            .map(|&a| {
                let running = match a {
                    ChecksumAlgorithm::Crc32 => {
                        Running::Crc32(crc_fast::Digest::new(CrcAlgorithm::Crc32IsoHdlc))
                    }
                    ChecksumAlgorithm::Crc32c => {
                        Running::Crc32(crc_fast::Digest::new(CrcAlgorithm::Crc32Iscsi))
                    }
                    ChecksumAlgorithm::Crc64Nvme => {
                        Running::Crc64(crc_fast::Digest::new(CrcAlgorithm::Crc64Nvme))
                    }
                    ChecksumAlgorithm::Sha1 => Running::Sha1(sha1::Sha1::new()),
                    ChecksumAlgorithm::Sha256 => Running::Sha256(sha2::Sha256::new()),
                };
                (a, running)
            })
            .collect();
        Self {
            md5: Md5::new(),
            others,
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        self.md5.update(data);
        for (_, running) in &mut self.others {
            match running {
                Running::Crc32(d) | Running::Crc64(d) => d.update(data),
                Running::Sha1(d) => d.update(data),
                Running::Sha256(d) => d.update(data),
            }
        }
    }

    #[must_use]
    pub fn finish(self, size: u64) -> Digests {
        let mut checksums = Checksums::default();
        for (algorithm, running) in self.others {
            let raw: Vec<u8> = match running {
                // CRC32 values fit in the low 32 bits; S3 sends them big-endian.
                #[allow(clippy::cast_possible_truncation)]
                Running::Crc32(d) => (d.finalize() as u32).to_be_bytes().to_vec(),
                Running::Crc64(d) => d.finalize().to_be_bytes().to_vec(),
                Running::Sha1(d) => d.finalize().to_vec(),
                Running::Sha256(d) => d.finalize().to_vec(),
            };
            algorithm.set(&mut checksums, STANDARD.encode(raw));
        }
        let md5: [u8; 16] = self.md5.finalize().into();
        Digests { size, md5, checksums }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_of_123456789() {
        let mut h = Hasher::new(&ChecksumAlgorithm::ALL);
        h.update(b"1234");
        h.update(b"56789");
        let d = h.finish(9);
        assert_eq!(hex::encode(d.md5), "25f9e794323b453885f5181f1b624d0b");
        // Check values from the CRC catalogue, big-endian, base64.
        assert_eq!(
            d.checksums.crc32.as_deref(),
            Some(STANDARD.encode(0xCBF4_3926_u32.to_be_bytes()).as_str())
        );
        assert_eq!(
            d.checksums.crc32c.as_deref(),
            Some(STANDARD.encode(0xE306_9283_u32.to_be_bytes()).as_str())
        );
        assert_eq!(
            d.checksums.crc64nvme.as_deref(),
            Some(STANDARD.encode(0xAE8B_1486_0A79_9888_u64.to_be_bytes()).as_str())
        );
        assert_eq!(
            d.checksums.sha256.as_deref(),
            Some("FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=")
        );
    }

    #[test]
    fn only_requested_algorithms() {
        let d = Hasher::new(&[ChecksumAlgorithm::Sha1]).finish(0);
        assert!(d.checksums.sha1.is_some());
        assert!(d.checksums.crc32.is_none());
        assert_eq!(hex::encode(d.md5), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
