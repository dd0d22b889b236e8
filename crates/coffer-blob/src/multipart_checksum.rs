//! Whole-object checksums of multipart objects, from their parts' checksums alone: no
//! byte is re-read at completion.
//!
//! - COMPOSITE (any algorithm but CRC64NVME): the checksum of the concatenated binary
//!   part checksums, written `<base64>-<part count>`.
//! - FULL_OBJECT (CRCs only): the CRC of the whole object, obtained by combining the
//!   parts' CRCs with their lengths.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crc_fast::CrcAlgorithm;
use sha1::Digest as _;
use thiserror::Error;

use crate::ChecksumAlgorithm;

/// How a multipart object's checksum covers it (`x-amz-checksum-type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecksumType {
    Composite,
    FullObject,
}

impl ChecksumType {
    /// Parses S3's name for it, any case.
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "COMPOSITE" => Some(Self::Composite),
            "FULL_OBJECT" => Some(Self::FullObject),
            _ => None,
        }
    }

    /// S3's name for it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Composite => "COMPOSITE",
            Self::FullObject => "FULL_OBJECT",
        }
    }

    /// The type S3 uses for an algorithm when the client names none.
    #[must_use]
    pub fn default_for(algorithm: ChecksumAlgorithm) -> Self {
        match algorithm {
            ChecksumAlgorithm::Crc64Nvme => Self::FullObject,
            _ => Self::Composite,
        }
    }

    /// Whether S3 allows this type with this algorithm.
    #[must_use]
    pub fn supports(self, algorithm: ChecksumAlgorithm) -> bool {
        match self {
            Self::Composite => algorithm != ChecksumAlgorithm::Crc64Nvme,
            Self::FullObject => matches!(
                algorithm,
                ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c | ChecksumAlgorithm::Crc64Nvme
            ),
        }
    }
}

/// A stored part checksum that cannot be combined.
#[derive(Debug, Error)]
pub enum CombineError {
    #[error("part checksum {0:?} is not valid base64 of the algorithm's digest")]
    BadPartChecksum(String),
    #[error("{0} checksums cannot be combined into a FULL_OBJECT checksum")]
    NotCombinable(&'static str),
}

fn decode(value: &str, len: usize) -> Result<Vec<u8>, CombineError> {
    match STANDARD.decode(value) {
        Ok(raw) if raw.len() == len => Ok(raw),
        _ => Err(CombineError::BadPartChecksum(value.to_owned())),
    }
}

fn digest_len(algorithm: ChecksumAlgorithm) -> usize {
    match algorithm {
        ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c => 4,
        ChecksumAlgorithm::Crc64Nvme => 8,
        ChecksumAlgorithm::Sha1 => 20,
        ChecksumAlgorithm::Sha256 => 32,
    }
}

/// The COMPOSITE checksum of parts whose checksums (base64) are given in order.
pub fn composite(algorithm: ChecksumAlgorithm, parts: &[&str]) -> Result<String, CombineError> {
    let mut joined = Vec::with_capacity(parts.len() * digest_len(algorithm));
    for part in parts {
        joined.extend(decode(part, digest_len(algorithm))?);
    }
    let raw: Vec<u8> = match algorithm {
        ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c | ChecksumAlgorithm::Crc64Nvme => {
            let crc = crc_fast::checksum(crc_algorithm(algorithm), &joined);
            crc_bytes(algorithm, crc)
        }
        ChecksumAlgorithm::Sha1 => sha1::Sha1::digest(&joined).to_vec(),
        ChecksumAlgorithm::Sha256 => sha2::Sha256::digest(&joined).to_vec(),
    };
    Ok(format!("{}-{}", STANDARD.encode(raw), parts.len()))
}

/// The FULL_OBJECT checksum of parts given in order as `(checksum base64, length)`.
pub fn full_object(algorithm: ChecksumAlgorithm, parts: &[(&str, u64)]) -> Result<String, CombineError> {
    if !ChecksumType::FullObject.supports(algorithm) {
        return Err(CombineError::NotCombinable(algorithm.as_str()));
    }
    let crc = crc_algorithm(algorithm);
    let len = digest_len(algorithm);
    let mut combined: Option<u64> = None;
    for (value, part_len) in parts {
        let raw = decode(value, len)?;
        let mut be = [0u8; 8];
        be[8 - len..].copy_from_slice(&raw);
        let part = u64::from_be_bytes(be);
        combined = Some(match combined {
            None => part,
            Some(acc) => crc_fast::checksum_combine(crc, acc, part, *part_len),
        });
    }
    let value = combined.unwrap_or_else(|| crc_fast::checksum(crc, b""));
    Ok(STANDARD.encode(crc_bytes(algorithm, value)))
}

fn crc_algorithm(algorithm: ChecksumAlgorithm) -> CrcAlgorithm {
    match algorithm {
        ChecksumAlgorithm::Crc32c => CrcAlgorithm::Crc32Iscsi,
        ChecksumAlgorithm::Crc64Nvme => CrcAlgorithm::Crc64Nvme,
        _ => CrcAlgorithm::Crc32IsoHdlc,
    }
}

/// A CRC value as S3 sends it: big-endian, 4 bytes for CRC32s, 8 for CRC64.
fn crc_bytes(algorithm: ChecksumAlgorithm, crc: u64) -> Vec<u8> {
    match algorithm {
        ChecksumAlgorithm::Crc64Nvme => crc.to_be_bytes().to_vec(),
        _ => crc.to_be_bytes()[4..].to_vec(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::cast_possible_truncation)]
    use super::*;
    use crate::Hasher;

    fn sum(algorithm: ChecksumAlgorithm, data: &[u8]) -> String {
        let mut h = Hasher::new(&[algorithm]);
        h.update(data);
        let d = h.finish(data.len() as u64);
        algorithm.get(&d.checksums).map(str::to_owned).unwrap_or_default()
    }

    #[test]
    fn full_object_equals_the_checksum_of_the_whole() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let (a, rest) = data.split_at(40_000);
        let (b, c) = rest.split_at(33_333);
        for algorithm in [
            ChecksumAlgorithm::Crc32,
            ChecksumAlgorithm::Crc32c,
            ChecksumAlgorithm::Crc64Nvme,
        ] {
            let parts = [
                (sum(algorithm, a), a.len() as u64),
                (sum(algorithm, b), b.len() as u64),
                (sum(algorithm, c), c.len() as u64),
            ];
            let refs: Vec<(&str, u64)> = parts.iter().map(|(s, l)| (s.as_str(), *l)).collect();
            assert_eq!(
                full_object(algorithm, &refs).unwrap(),
                sum(algorithm, &data),
                "{algorithm:?}"
            );
        }
        assert!(full_object(ChecksumAlgorithm::Sha256, &[]).is_err());
    }

    #[test]
    fn composite_is_the_checksum_of_the_part_checksums() {
        let parts = [
            sum(ChecksumAlgorithm::Sha256, b"one"),
            sum(ChecksumAlgorithm::Sha256, b"two"),
        ];
        let mut joined = STANDARD.decode(&parts[0]).unwrap();
        joined.extend(STANDARD.decode(&parts[1]).unwrap());
        let expected = format!("{}-2", sum(ChecksumAlgorithm::Sha256, &joined));
        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
        assert_eq!(composite(ChecksumAlgorithm::Sha256, &refs).unwrap(), expected);
        let crc_parts = [
            sum(ChecksumAlgorithm::Crc32, b"one"),
            sum(ChecksumAlgorithm::Crc32, b"two"),
        ];
        let mut joined = STANDARD.decode(&crc_parts[0]).unwrap();
        joined.extend(STANDARD.decode(&crc_parts[1]).unwrap());
        let refs: Vec<&str> = crc_parts.iter().map(String::as_str).collect();
        assert_eq!(
            composite(ChecksumAlgorithm::Crc32, &refs).unwrap(),
            format!("{}-2", sum(ChecksumAlgorithm::Crc32, &joined))
        );
        assert!(composite(ChecksumAlgorithm::Sha256, &["bad"]).is_err());
    }
}
