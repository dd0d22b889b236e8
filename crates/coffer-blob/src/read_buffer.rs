//! Read buffers recycled between the batches of GETs.
//!
//! A fresh megabyte per batch costs a page-faulting memset before the read can overwrite
//! it: about 5% of the CPU of a large GET. A buffer handed out here goes back to a small
//! free list when the last `Bytes` sliced from it is dropped (after the socket took it),
//! so a steady stream of batches reuses the same few buffers. Every byte a caller exposes
//! was read (and, for encrypted blobs, authenticated) into the buffer first: a failed read
//! or decryption returns an error and the buffer goes back unexposed.

use std::sync::Mutex;

use bytes::Bytes;

/// The largest batch a reader asks for: 16 encrypted chunks with their tags.
pub(crate) const POOLED_LEN: usize = 16 * (crate::crypt::CHUNK_SIZE + crate::crypt::TAG_LEN);
/// Below this a read gets a buffer of its own size: small ranges must not pin a megabyte.
const POOLED_MIN: usize = 256 * 1024;
/// Free buffers kept: enough for the batches in flight of a few large GETs at once,
/// bounded so the free list never holds more than a few MiB.
const KEPT: usize = 8;

/// Free buffers, each `POOLED_LEN` long.
struct Pool(Mutex<Vec<Vec<u8>>>);

static POOL: Pool = Pool(Mutex::new(Vec::new()));

/// A buffer of `len` bytes, contents unspecified, to be filled before it is frozen.
pub(crate) struct ReadBuffer {
    buf: Vec<u8>,
    len: usize,
    /// Where the buffer goes back to, if it came from one.
    pool: Option<&'static Pool>,
}

impl ReadBuffer {
    pub(crate) fn new(len: usize) -> Self {
        Self::from_pool(&POOL, len)
    }

    fn from_pool(pool: &'static Pool, len: usize) -> Self {
        if !(POOLED_MIN..=POOLED_LEN).contains(&len) {
            return Self {
                buf: vec![0u8; len],
                len,
                pool: None,
            };
        }
        let reused = pool.0.lock().ok().and_then(|mut free| free.pop());
        Self {
            buf: reused.unwrap_or_else(|| vec![0u8; POOLED_LEN]),
            len,
            pool: Some(pool),
        }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.buf[..self.len]
    }

    /// The filled buffer as shareable bytes; it returns to the free list when the last
    /// slice of it is dropped.
    pub(crate) fn freeze(self) -> Bytes {
        Bytes::from_owner(self)
    }
}

impl AsRef<[u8]> for ReadBuffer {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Drop for ReadBuffer {
    fn drop(&mut self) {
        if let Some(pool) = self.pool
            && let Ok(mut free) = pool.0.lock()
            && free.len() < KEPT
        {
            free.push(std::mem::take(&mut self.buf));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_frozen_buffer_shows_only_its_length_and_is_reused_after_its_last_slice() {
        static TEST_POOL: Pool = Pool(Mutex::new(Vec::new()));
        let mut b = ReadBuffer::from_pool(&TEST_POOL, POOLED_MIN + 10);
        b.as_mut_slice().fill(7);
        let bytes = b.freeze();
        assert_eq!(bytes.len(), POOLED_MIN + 10);
        let slice = bytes.slice(5..9);
        let address = bytes.as_ptr();
        drop(bytes);
        assert!(
            TEST_POOL.0.lock().unwrap().is_empty(),
            "still referenced by a slice"
        );
        assert_eq!(&slice[..], &[7, 7, 7, 7]);
        drop(slice);
        let again = ReadBuffer::from_pool(&TEST_POOL, POOLED_LEN);
        assert_eq!(again.buf.as_ptr(), address);
        assert_eq!(again.as_ref().len(), POOLED_LEN);
    }

    #[test]
    fn the_free_list_is_bounded() {
        static TEST_POOL: Pool = Pool(Mutex::new(Vec::new()));
        let many: Vec<ReadBuffer> = (0..KEPT + 3)
            .map(|_| ReadBuffer::from_pool(&TEST_POOL, POOLED_LEN))
            .collect();
        drop(many);
        assert_eq!(TEST_POOL.0.lock().unwrap().len(), KEPT);
    }

    #[test]
    fn small_reads_get_their_own_buffer() {
        let mut b = ReadBuffer::new(100);
        b.as_mut_slice().fill(1);
        assert_eq!(b.buf.capacity(), 100);
        assert!(b.pool.is_none());
        assert_eq!(b.freeze().len(), 100);
    }
}
