//! Reading encrypted bodies: whole chunks from disk (or memory), decrypted off the async
//! threads, trimmed to the requested range.

use std::io;
use std::sync::Arc;

use bytes::Bytes;
use coffer_meta::BlobId;
use futures::StreamExt as _;
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

use crate::crypt::{self, CHUNK_SIZE, SecretKey};
use crate::store::{BlobReader, BlobStore};

/// Chunks decrypted per read: 16 × 64 KiB = 1 MiB of plaintext per blocking-pool hop.
const CHUNKS_PER_READ: u64 = 16;

/// The key and stream number a body was encrypted with.
#[derive(Clone, Debug)]
pub struct Encryption {
    pub key: SecretKey,
    /// 0 for a single PUT; the part number for a part of a multipart upload.
    pub part: u32,
}

/// The key a blob file is sealed with: the body's key bound to the blob's id, so the
/// bytes of one blob put in another's place (a superseded part of the same upload,
/// which shares its data key) fail to authenticate instead of reading as stale data.
pub(crate) fn bound_to_blob(enc: &Encryption, id: &BlobId) -> Encryption {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(b"coffer-blob-id-v1\0");
    h.update(enc.key.as_bytes());
    h.update(id.0.as_bytes());
    Encryption {
        key: SecretKey::from_bytes(h.finalize().into()),
        part: enc.part,
    }
}

fn tampered(e: crypt::CryptError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// Decrypts `[start, start + len)` of an encrypted body held in memory (inline objects).
pub fn open_inline(enc: &Encryption, size: u64, sealed: &[u8], start: u64, len: u64) -> io::Result<Bytes> {
    if usize::try_from(crypt::encrypted_len(size)).ok() != Some(sealed.len()) {
        return Err(tampered(crypt::CryptError::Tampered("inline length")));
    }
    let header = crypt::check_header(sealed).map_err(tampered)?;
    if len == 0 {
        if size == 0 {
            // An empty body is one tag: authenticate it too.
            crypt::decrypt_chunks(&enc.key, enc.part, &header, 0, 0, &sealed[crypt::HEADER_LEN..])
                .map_err(tampered)?;
        }
        return Ok(Bytes::new());
    }
    let (first, offset, flen) = crypt::chunk_span(size, start, len);
    let from = usize::try_from(offset).map_err(io::Error::other)?;
    let to = usize::try_from(offset + flen).map_err(io::Error::other)?;
    let bytes = sealed
        .get(from..to)
        .ok_or_else(|| tampered(crypt::CryptError::Tampered("inline length")))?;
    let plain = crypt::decrypt_chunks(&enc.key, enc.part, &header, size, first, bytes).map_err(tampered)?;
    let skip = usize::try_from(start - first * CHUNK_SIZE as u64).map_err(io::Error::other)?;
    let take = usize::try_from(len).map_err(io::Error::other)?;
    Ok(Bytes::copy_from_slice(&plain[skip..skip + take]))
}

impl BlobStore {
    /// Streams plaintext `[start, start + len)` of encrypted blob `id`, whose body is
    /// `size` plaintext bytes. Only the chunks the range touches are read; any chunk that
    /// fails to authenticate ends the stream with an `InvalidData` error.
    pub async fn read_sealed(
        &self,
        id: &BlobId,
        enc: &Encryption,
        size: u64,
        start: u64,
        len: u64,
    ) -> io::Result<BlobReader> {
        let enc = bound_to_blob(enc, id);
        let enc = &enc;
        let path = self.path_of(id)?;
        let mut file = tokio::fs::File::open(&path).await?;
        let on_disk = file.metadata().await?.len();
        if on_disk != crypt::encrypted_len(size) {
            return Err(tampered(crypt::CryptError::Tampered("blob length")));
        }
        let mut header = [0u8; crypt::HEADER_LEN];
        file.read_exact(&mut header).await?;
        let header = crypt::check_header(&header).map_err(tampered)?;
        if len == 0 {
            if size == 0 {
                // An empty body is one tag: authenticate it too.
                let mut tag = [0u8; crypt::TAG_LEN];
                file.read_exact(&mut tag).await?;
                crypt::decrypt_chunks(&enc.key, enc.part, &header, 0, 0, &tag).map_err(tampered)?;
            }
            return Ok(Box::pin(futures::stream::empty()));
        }
        let (first, _, _) = crypt::chunk_span(size, start, len);
        let last = (start + len - 1) / CHUNK_SIZE as u64;
        let enc = Arc::new(enc.clone());
        let state = (file, first, start, len);
        let stream = futures::stream::try_unfold(state, move |(mut file, next, start, remaining)| {
            let enc = enc.clone();
            async move {
                if remaining == 0 || next > last {
                    return Ok(None);
                }
                let upto = (next + CHUNKS_PER_READ - 1).min(last);
                let (_, offset, flen) = crypt::chunk_span(
                    size,
                    next * CHUNK_SIZE as u64,
                    ((upto + 1) * CHUNK_SIZE as u64).min(size) - next * CHUNK_SIZE as u64,
                );
                file.seek(io::SeekFrom::Start(offset)).await?;
                let mut sealed = vec![0u8; usize::try_from(flen).map_err(io::Error::other)?];
                file.read_exact(&mut sealed).await?;
                let plain = tokio::task::spawn_blocking(move || {
                    crypt::decrypt_chunks(&enc.key, enc.part, &header, size, next, &sealed).map_err(tampered)
                })
                .await
                .map_err(io::Error::other)??;
                let base = next * CHUNK_SIZE as u64;
                let skip = usize::try_from(start.saturating_sub(base)).map_err(io::Error::other)?;
                let take = usize::try_from(remaining)
                    .unwrap_or(usize::MAX)
                    .min(plain.len().saturating_sub(skip));
                let piece = Bytes::copy_from_slice(&plain[skip..skip + take]);
                let consumed = piece.len() as u64;
                Ok(Some((
                    piece,
                    (file, upto + 1, start + consumed, remaining - consumed),
                )))
            }
        });
        Ok(Box::pin(stream.boxed()))
    }
}
