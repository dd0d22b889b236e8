//! Reading encrypted bodies: whole chunks from disk (or memory), decrypted off the async
//! threads, trimmed to the requested range.

use std::io;
use std::os::unix::fs::FileExt as _;

use bytes::Bytes;
use coffer_meta::BlobId;

use crate::crypt::{self, CHUNK_SIZE, SecretKey};
use crate::read_buffer::ReadBuffer;
use crate::store::{BlobReader, BlobStore, batched_reader};

/// Chunks read and decrypted per blocking-pool hop: 16 × 64 KiB = 1 MiB of plaintext.
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
        let path = self.path_of(id)?;
        let opened = tokio::task::spawn_blocking(move || -> io::Result<_> {
            let file = std::fs::File::open(&path)?;
            if file.metadata()?.len() != crypt::encrypted_len(size) {
                return Err(tampered(crypt::CryptError::Tampered("blob length")));
            }
            let mut header = [0u8; crypt::HEADER_LEN];
            file.read_exact_at(&mut header, 0)?;
            let header = crypt::check_header(&header).map_err(tampered)?;
            if size == 0 {
                // An empty body is one tag: authenticate it too.
                let mut tag = [0u8; crypt::TAG_LEN];
                file.read_exact_at(&mut tag, crypt::HEADER_LEN as u64)?;
                crypt::decrypt_chunks(&enc.key, enc.part, &header, 0, 0, &tag).map_err(tampered)?;
            }
            Ok((file, header, enc))
        });
        let (file, header, enc) = opened.await.map_err(io::Error::other)??;
        if len == 0 {
            return Ok(Box::pin(futures::stream::empty()));
        }
        let chunk = CHUNK_SIZE as u64;
        let first = start / chunk;
        let last = (start + len - 1) / chunk;
        let end = start + len;
        let batches = (first..=last)
            .step_by(CHUNKS_PER_READ as usize)
            .map(move |from| (from, (from + CHUNKS_PER_READ - 1).min(last)));
        Ok(batched_reader(batches, move |(from, upto)| {
            let plain_from = from * chunk;
            let plain_to = ((upto + 1) * chunk).min(size);
            let (_, offset, flen) = crypt::chunk_span(size, plain_from, plain_to - plain_from);
            let mut buf = ReadBuffer::new(usize::try_from(flen).map_err(io::Error::other)?);
            file.read_exact_at(buf.as_mut_slice(), offset)?;
            let spans = crypt::decrypt_in_place(&enc.key, enc.part, &header, size, from, buf.as_mut_slice())
                .map_err(tampered)?;
            // Each chunk's plaintext is sent as a slice of the buffer it was decrypted in,
            // trimmed to the range.
            let buf = buf.freeze();
            let mut pieces = Vec::with_capacity(spans.len());
            for (i, span) in spans.into_iter().enumerate() {
                let at = plain_from + i as u64 * chunk;
                let skip = usize::try_from(start.saturating_sub(at)).map_err(io::Error::other)?;
                let keep = usize::try_from((end.min(at + span.len() as u64)).saturating_sub(at))
                    .map_err(io::Error::other)?;
                if keep > skip {
                    pieces.push(buf.slice(span.start + skip..span.start + keep));
                }
            }
            Ok(pieces)
        }))
    }
}
