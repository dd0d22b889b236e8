//! Encryption at rest: object bytes as a sequence of AES-256-GCM chunks.
//!
//! Layout of an encrypted body (a blob file, or an inline object's bytes):
//!
//! ```text
//! header (32 bytes): "CFBE" | version (1) | 0 0 0 | chunk size (u32 BE) | 0 0 0 0 | salt (16)
//! chunk 0:           ciphertext (chunk size bytes) | tag (16 bytes)
//! ...
//! chunk n-1:         ciphertext (1..=chunk size bytes, 0 for an empty body) | tag
//! ```
//!
//! An object has one random data key (a multipart object's parts share the upload's).
//! Each body is encrypted under its own key, SHA-256(data key | salt), with a random salt
//! from its header, so a re-uploaded part never reuses a nonce. The nonce is the part
//! number (u32 BE, 0 for a single PUT) followed by the chunk index (u64 BE). Each chunk
//! authenticates, as associated data, the header and whether it is the last chunk. So a
//! chunk moved to another position, part or blob fails (its nonce or key differs), a file
//! cut at a chunk boundary fails (its new last chunk was not sealed as last), a flipped
//! bit fails, and a changed header fails. A range read decrypts only the chunks it
//! touches.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, Tag, UnboundKey};
use thiserror::Error;

/// Plaintext bytes per chunk.
pub const CHUNK_SIZE: usize = 64 * 1024;
/// Bytes of the GCM tag after each chunk.
pub const TAG_LEN: usize = 16;
/// Bytes of the header.
pub const HEADER_LEN: usize = 32;
const SALT_LEN: usize = 16;
const MAGIC: &[u8; 4] = b"CFBE";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 1;

/// Why encrypted bytes could not be produced or read.
#[derive(Debug, Error)]
pub enum CryptError {
    /// A chunk, the header or a sealed key did not authenticate: the stored bytes were
    /// changed, truncated, reordered, or belong to another object or key.
    #[error("encrypted data failed to authenticate ({0}): it was altered or belongs elsewhere")]
    Tampered(&'static str),
    /// The header names a format this build does not know.
    #[error("unknown encrypted format (magic or version {0})")]
    UnknownFormat(u8),
    /// A sealed key is not valid base64 or has the wrong length.
    #[error("malformed sealed key")]
    MalformedSealedKey,
}

/// A 256-bit key: an object's data key, or a key that seals data keys.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// A fresh random key from the operating system's generator.
    #[must_use]
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::rng().fill_bytes(&mut k);
        Self(k)
    }

    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// AES-256-GCM under this key. ring's implementation uses the CPU's AES and
    /// carry-less multiply instructions (VAES with AVX2 where present): several times
    /// the throughput of the portable crates, and the body of every GET runs through it.
    fn cipher(&self) -> LessSafeKey {
        // A 32-byte key is always valid for AES-256.
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0).unwrap_or_else(|_| unreachable!()))
    }

    /// Seals `data_key` under this key; `context` (e.g. the sealing key's id) must be
    /// given again to open it. Output: base64 of nonce (12) | ciphertext | tag.
    #[must_use]
    pub fn seal(&self, data_key: &SecretKey, context: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let aad = seal_aad(context);
        let mut out = nonce.to_vec();
        out.extend_from_slice(data_key.as_bytes());
        // Sealing 32 bytes cannot fail.
        if let Ok(tag) = self.cipher().seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&aad),
            &mut out[12..],
        ) {
            out.extend_from_slice(tag.as_ref());
        }
        STANDARD.encode(out)
    }

    /// Opens a key sealed by [`SecretKey::seal`] with the same `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<SecretKey, CryptError> {
        let raw = STANDARD
            .decode(sealed)
            .map_err(|_| CryptError::MalformedSealedKey)?;
        if raw.len() != 12 + 32 + TAG_LEN {
            return Err(CryptError::MalformedSealedKey);
        }
        let mut raw = raw;
        let (nonce, body) = raw.split_at_mut(12);
        let nonce: [u8; 12] = (&*nonce).try_into().map_err(|_| CryptError::MalformedSealedKey)?;
        let aad = seal_aad(context);
        let plain = self
            .cipher()
            .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(&aad), body)
            .map_err(|_| CryptError::Tampered("sealed key"))?;
        let key: [u8; 32] = (&*plain).try_into().map_err(|_| CryptError::MalformedSealedKey)?;
        Ok(SecretKey(key))
    }
}

fn seal_aad(context: &str) -> Vec<u8> {
    let mut aad = b"coffer-data-key-v1\0".to_vec();
    aad.extend_from_slice(context.as_bytes());
    aad
}

/// A header; `salt` makes the body's own key.
fn header(salt: &[u8; SALT_LEN]) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..4].copy_from_slice(MAGIC);
    h[4] = FORMAT_VERSION;
    h[8..12].copy_from_slice(&u32::try_from(CHUNK_SIZE).unwrap_or(u32::MAX).to_be_bytes());
    h[16..].copy_from_slice(salt);
    h
}

/// The key of one body: SHA-256(data key | salt). The data key is random and secret, so
/// a hash is a sound key derivation here.
fn body_cipher(key: &SecretKey, header: &[u8; HEADER_LEN]) -> LessSafeKey {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(b"coffer-body-key-v1\0");
    h.update(key.as_bytes());
    h.update(&header[16..]);
    let derived: [u8; 32] = h.finalize().into();
    SecretKey(derived).cipher()
}

/// Unique per body key: the part number and chunk index never repeat within one body,
/// and each body has its own key.
fn nonce(part: u32, index: u64) -> Nonce {
    let mut n = [0u8; 12];
    n[..4].copy_from_slice(&part.to_be_bytes());
    n[4..].copy_from_slice(&index.to_be_bytes());
    Nonce::assume_unique_for_key(n)
}

fn chunk_aad(header: &[u8; HEADER_LEN], last: bool) -> [u8; HEADER_LEN + 1] {
    let mut aad = [0u8; HEADER_LEN + 1];
    aad[..HEADER_LEN].copy_from_slice(header);
    aad[HEADER_LEN] = u8::from(last);
    aad
}

/// Chunks in an encrypted body of `size` plaintext bytes (an empty body has one).
#[must_use]
pub fn chunk_count(size: u64) -> u64 {
    size.div_ceil(CHUNK_SIZE as u64).max(1)
}

/// Bytes an encrypted body of `size` plaintext bytes takes.
#[must_use]
pub fn encrypted_len(size: u64) -> u64 {
    HEADER_LEN as u64 + size + chunk_count(size) * TAG_LEN as u64
}

/// Where the chunks covering plaintext `[start, start + len)` of a `size`-byte body
/// are: `(first chunk, file offset, file length)`. `len` must be at least 1.
#[must_use]
pub fn chunk_span(size: u64, start: u64, len: u64) -> (u64, u64, u64) {
    let chunk = CHUNK_SIZE as u64;
    let first = start / chunk;
    let last = (start + len - 1) / chunk;
    let offset = HEADER_LEN as u64 + first * (chunk + TAG_LEN as u64);
    let end_plain = ((last + 1) * chunk).min(size);
    let length = end_plain - first * chunk + (last - first + 1) * TAG_LEN as u64;
    (first, offset, length)
}

/// Encrypts a body as it streams: feed plaintext with [`Encryptor::push`], then
/// [`Encryptor::finish`]. Holds at most one chunk of plaintext.
pub struct Encryptor {
    cipher: LessSafeKey,
    header: [u8; HEADER_LEN],
    part: u32,
    index: u64,
    held: Vec<u8>,
    started: bool,
}

impl Encryptor {
    /// An encryptor for part `part` (0 for a single PUT) under `key`.
    #[must_use]
    pub fn new(key: &SecretKey, part: u32) -> Self {
        let mut salt = [0u8; SALT_LEN];
        rand::rng().fill_bytes(&mut salt);
        let header = header(&salt);
        Self {
            cipher: body_cipher(key, &header),
            header,
            part,
            index: 0,
            held: Vec::with_capacity(CHUNK_SIZE),
            started: false,
        }
    }

    /// Seals `plain` straight into `out`: the plaintext is copied once, then encrypted
    /// where it lies, and its tag appended.
    fn seal_chunk(&mut self, plain: &[u8], last: bool, out: &mut Vec<u8>) {
        let aad = chunk_aad(&self.header, last);
        let at = out.len();
        out.extend_from_slice(plain);
        // AES-GCM encryption of at most 64 KiB cannot fail.
        if let Ok(tag) = self.cipher.seal_in_place_separate_tag(
            nonce(self.part, self.index),
            Aad::from(&aad),
            &mut out[at..],
        ) {
            out.extend_from_slice(tag.as_ref());
        }
        self.index += 1;
    }

    /// Appends to `out` the encrypted form of every chunk `data` completes, except the
    /// newest: it may be the last, which is only known at [`Encryptor::finish`].
    pub fn push(&mut self, mut data: &[u8], out: &mut Vec<u8>) {
        if !self.started {
            out.extend_from_slice(&self.header);
            self.started = true;
        }
        while !data.is_empty() {
            if self.held.len() == CHUNK_SIZE {
                let full = std::mem::take(&mut self.held);
                self.seal_chunk(&full, false, out);
                self.held = full;
                self.held.clear();
            }
            if self.held.is_empty() && data.len() > CHUNK_SIZE {
                // A whole chunk with more data after it is not the last: seal it without
                // holding it.
                let (chunk, rest) = data.split_at(CHUNK_SIZE);
                self.seal_chunk(chunk, false, out);
                data = rest;
                continue;
            }
            let take = (CHUNK_SIZE - self.held.len()).min(data.len());
            self.held.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
    }

    /// Appends the last chunk (and the header, for an empty body).
    pub fn finish(mut self, out: &mut Vec<u8>) {
        if !self.started {
            out.extend_from_slice(&self.header);
        }
        let held = std::mem::take(&mut self.held);
        self.seal_chunk(&held, true, out);
    }
}

/// Checks the header at the start of an encrypted body and returns it.
pub fn check_header(bytes: &[u8]) -> Result<[u8; HEADER_LEN], CryptError> {
    let h: [u8; HEADER_LEN] = bytes
        .get(..HEADER_LEN)
        .and_then(|h| h.try_into().ok())
        .ok_or(CryptError::Tampered("header"))?;
    if &h[..4] != MAGIC {
        return Err(CryptError::UnknownFormat(0));
    }
    if h[4] != FORMAT_VERSION {
        return Err(CryptError::UnknownFormat(h[4]));
    }
    let salt: [u8; SALT_LEN] = h[16..].try_into().map_err(|_| CryptError::Tampered("header"))?;
    if h != header(&salt) {
        return Err(CryptError::Tampered("header"));
    }
    Ok(h)
}

/// Decrypts consecutive chunks read from an encrypted body of `size` plaintext bytes
/// whose header is `header`, starting at chunk `first`. `bytes` must be exactly the
/// sealed chunks (ciphertext and tag each).
pub fn decrypt_chunks(
    key: &SecretKey,
    part: u32,
    header: &[u8; HEADER_LEN],
    size: u64,
    first: u64,
    bytes: &[u8],
) -> Result<Vec<u8>, CryptError> {
    let mut buf = bytes.to_vec();
    let spans = decrypt_in_place(key, part, header, size, first, &mut buf)?;
    let mut out = Vec::with_capacity(buf.len());
    for span in spans {
        out.extend_from_slice(&buf[span]);
    }
    Ok(out)
}

/// Decrypts sealed chunks (as [`decrypt_chunks`] takes them) where they lie in `buf`, and
/// returns where each chunk's plaintext now is: no allocation and no copy, so a large
/// read costs the decryption alone.
pub fn decrypt_in_place(
    key: &SecretKey,
    part: u32,
    header: &[u8; HEADER_LEN],
    size: u64,
    first: u64,
    buf: &mut [u8],
) -> Result<Vec<std::ops::Range<usize>>, CryptError> {
    let cipher = body_cipher(key, header);
    let total = chunk_count(size);
    let mut spans = Vec::with_capacity(buf.len() / (CHUNK_SIZE + TAG_LEN) + 1);
    let mut at = 0;
    let mut index = first;
    while at < buf.len() {
        let plain_len = usize::try_from(size.saturating_sub(index * CHUNK_SIZE as u64))
            .unwrap_or(usize::MAX)
            .min(CHUNK_SIZE);
        let sealed_len = plain_len + TAG_LEN;
        if buf.len() - at < sealed_len || index >= total {
            return Err(CryptError::Tampered("chunk length"));
        }
        let (text, tag) = buf[at..at + sealed_len].split_at_mut(plain_len);
        let tag = Tag::try_from(&*tag).map_err(|_| CryptError::Tampered("chunk length"))?;
        let aad = chunk_aad(header, index + 1 == total);
        cipher
            .open_in_place_separate_tag(nonce(part, index), Aad::from(&aad), tag, text, 0..)
            .map_err(|_| CryptError::Tampered("chunk"))?;
        spans.push(at..at + plain_len);
        at += sealed_len;
        index += 1;
    }
    Ok(spans)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Bodies and sealed keys written before the switch from the aes-gcm crate to ring
    /// must stay readable: a second, independent AES-256-GCM opens what this module
    /// wrote, chunk by chunk, and this module opens a key it sealed.
    #[test]
    fn format_is_plain_aes_256_gcm_as_another_implementation_reads_it() {
        use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
        use sha2::Digest as _;
        let key = SecretKey::generate();
        let data: Vec<u8> = (0..CHUNK_SIZE * 2 + 99).map(|i| (i % 251) as u8).collect();
        let file = encrypt(&key, 7, &data, 10_000);
        let header: [u8; HEADER_LEN] = file[..HEADER_LEN].try_into().unwrap();
        let mut h = sha2::Sha256::new();
        h.update(b"coffer-body-key-v1\0");
        h.update(key.as_bytes());
        h.update(&header[16..]);
        let derived: [u8; 32] = h.finalize().into();
        let other = aes_gcm::Aes256Gcm::new(&derived.into());
        let mut plain = Vec::new();
        let total = chunk_count(data.len() as u64);
        for (index, sealed) in file[HEADER_LEN..].chunks(CHUNK_SIZE + TAG_LEN).enumerate() {
            let mut n = [0u8; 12];
            n[..4].copy_from_slice(&7u32.to_be_bytes());
            n[4..].copy_from_slice(&(index as u64).to_be_bytes());
            let aad = chunk_aad(&header, index as u64 + 1 == total);
            plain.extend(
                other
                    .decrypt(
                        &n.into(),
                        Payload {
                            msg: sealed,
                            aad: &aad,
                        },
                    )
                    .unwrap(),
            );
        }
        assert_eq!(plain, data);

        let master = SecretKey::generate();
        let mut nonce = [0u8; 12];
        nonce[0] = 9;
        let aad = seal_aad("ctx");
        let sealed = aes_gcm::Aes256Gcm::new(&(*master.as_bytes()).into())
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: key.as_bytes(),
                    aad: &aad,
                },
            )
            .unwrap();
        let mut wire = nonce.to_vec();
        wire.extend(sealed);
        assert_eq!(master.open(&STANDARD.encode(wire), "ctx").unwrap(), key);
    }

    fn encrypt(key: &SecretKey, part: u32, data: &[u8], feed: usize) -> Vec<u8> {
        let mut e = Encryptor::new(key, part);
        let mut out = Vec::new();
        for piece in data.chunks(feed.max(1)) {
            e.push(piece, &mut out);
        }
        e.finish(&mut out);
        out
    }

    fn read(
        key: &SecretKey,
        part: u32,
        size: u64,
        file: &[u8],
        start: u64,
        len: u64,
    ) -> Result<Vec<u8>, CryptError> {
        let header = check_header(file)?;
        let (first, off, flen) = chunk_span(size, start, len);
        let off = usize::try_from(off).unwrap();
        let flen = usize::try_from(flen).unwrap();
        let bytes = file
            .get(off..off + flen)
            .ok_or(CryptError::Tampered("short file"))?;
        let plain = decrypt_chunks(key, part, &header, size, first, bytes)?;
        let skip = usize::try_from(start - first * CHUNK_SIZE as u64).unwrap();
        Ok(plain[skip..skip + usize::try_from(len).unwrap()].to_vec())
    }

    #[test]
    fn round_trips_and_ranges_across_chunks() {
        let key = SecretKey::generate();
        for size in [
            0usize,
            1,
            100,
            CHUNK_SIZE - 1,
            CHUNK_SIZE,
            CHUNK_SIZE + 1,
            3 * CHUNK_SIZE + 17,
        ] {
            let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            for feed in [1000, CHUNK_SIZE, 7 * CHUNK_SIZE] {
                let file = encrypt(&key, 3, &data, feed);
                assert_eq!(file.len() as u64, encrypted_len(size as u64), "size {size}");
                if size == 0 {
                    let header = check_header(&file).unwrap();
                    let (first, off, len) = (0, HEADER_LEN, TAG_LEN);
                    let plain = decrypt_chunks(&key, 3, &header, 0, first, &file[off..off + len]).unwrap();
                    assert!(plain.is_empty());
                    continue;
                }
                assert_eq!(read(&key, 3, size as u64, &file, 0, size as u64).unwrap(), data);
                let (s, l) = (size as u64 / 3, (size as u64 / 2).max(1));
                let l = l.min(size as u64 - s);
                let s_us = usize::try_from(s).unwrap();
                let l_us = usize::try_from(l).unwrap();
                assert_eq!(
                    read(&key, 3, size as u64, &file, s, l).unwrap(),
                    data[s_us..s_us + l_us]
                );
            }
        }
    }

    #[test]
    fn tampering_is_detected() {
        let key = SecretKey::generate();
        let data = vec![7u8; 3 * CHUNK_SIZE + 10];
        let size = data.len() as u64;
        let file = encrypt(&key, 0, &data, 4096);
        // A flipped bit.
        let mut bad = file.clone();
        bad[HEADER_LEN + 100] ^= 1;
        assert!(matches!(
            read(&key, 0, size, &bad, 0, size),
            Err(CryptError::Tampered(_))
        ));
        // Two chunks swapped.
        let step = CHUNK_SIZE + TAG_LEN;
        let mut swapped = file.clone();
        let (a, b) = (HEADER_LEN, HEADER_LEN + step);
        let first: Vec<u8> = swapped[a..a + step].to_vec();
        let second: Vec<u8> = swapped[b..b + step].to_vec();
        swapped[a..a + step].copy_from_slice(&second);
        swapped[b..b + step].copy_from_slice(&first);
        assert!(read(&key, 0, size, &swapped, 0, 10).is_err());
        // Truncated at a chunk boundary and read as the shorter object it would pretend
        // to be: its new last chunk was not sealed as last. (Readers also compare the
        // stored length with the one the metadata implies.)
        let cut = &file[..HEADER_LEN + 3 * step];
        let short = 3 * CHUNK_SIZE as u64;
        assert!(read(&key, 0, short, cut, short - 10, 10).is_err());
        // Truncated mid-chunk.
        assert!(read(&key, 0, size, &file[..file.len() - 5], 0, size).is_err());
        // Another part number, another key.
        assert!(read(&key, 1, size, &file, 0, 10).is_err());
        assert!(read(&SecretKey::generate(), 0, size, &file, 0, 10).is_err());
        // A changed header or salt.
        for at in [9, 20] {
            let mut hdr = file.clone();
            hdr[at] ^= 1;
            assert!(read(&key, 0, size, &hdr, 0, 10).is_err());
        }
        // The same data twice: different salts, different bytes.
        assert_ne!(encrypt(&key, 0, &data, 4096), file);
    }

    #[test]
    fn sealed_keys_open_only_with_their_key_and_context() {
        let master = SecretKey::generate();
        let data_key = SecretKey::generate();
        let sealed = master.seal(&data_key, "master-1");
        assert_eq!(master.open(&sealed, "master-1").unwrap(), data_key);
        assert!(master.open(&sealed, "master-2").is_err());
        assert!(SecretKey::generate().open(&sealed, "master-1").is_err());
        assert!(matches!(
            master.open("bm90IGEga2V5", "master-1"),
            Err(CryptError::MalformedSealedKey)
        ));
    }
}
