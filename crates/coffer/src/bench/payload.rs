//! Object bodies: a 1 MiB random block, read from an offset that depends on the object, so
//! every object has its own bytes, a body is sliced without copying, and a GET is checked
//! with a memcmp per chunk instead of a hash or a stored copy.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use rand::{RngCore as _, SeedableRng as _};

const BLOCK: usize = 1 << 20;
/// The frame size of a PUT body: large enough that a frame costs little, small enough
/// that a 5 GiB body is never held.
const FRAME: usize = 256 << 10;

/// The block twice over, so any `BLOCK`-long window starting inside the first copy is one
/// contiguous slice.
#[derive(Clone)]
pub struct Pattern {
    doubled: Bytes,
}

impl Pattern {
    pub fn new(seed: u64) -> Self {
        let mut block = vec![0u8; BLOCK];
        rand::rngs::StdRng::seed_from_u64(seed).fill_bytes(&mut block);
        let mut doubled = Vec::with_capacity(2 * BLOCK);
        doubled.extend_from_slice(&block);
        doubled.extend_from_slice(&block);
        Self {
            doubled: doubled.into(),
        }
    }

    fn start(id: u64, offset: u64) -> usize {
        let shift = (id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize;
        ((shift as u64 + offset) % BLOCK as u64) as usize
    }

    /// Bytes `offset..offset + len` of object `id`.
    pub fn body(&self, id: u64, offset: u64, len: u64) -> PatternBody {
        PatternBody {
            doubled: self.doubled.clone(),
            start: Self::start(id, offset),
            sent: 0,
            len,
        }
    }

    /// Checks a whole object `id` of `len` bytes, chunk by chunk as it arrives.
    pub fn verifier(&self, id: u64, len: u64) -> Verifier {
        Verifier {
            doubled: self.doubled.clone(),
            start: Self::start(id, 0),
            seen: 0,
            len,
        }
    }
}

pub struct PatternBody {
    doubled: Bytes,
    start: usize,
    sent: u64,
    len: u64,
}

impl http_body::Body for PatternBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.sent >= this.len {
            return Poll::Ready(None);
        }
        let at = (this.start + (this.sent % BLOCK as u64) as usize) % BLOCK;
        let n = FRAME.min((this.len - this.sent) as usize);
        this.sent += n as u64;
        Poll::Ready(Some(Ok(Frame::data(this.doubled.slice(at..at + n)))))
    }

    fn is_end_stream(&self) -> bool {
        self.sent >= self.len
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len - self.sent)
    }
}

pub struct Verifier {
    doubled: Bytes,
    start: usize,
    seen: u64,
    len: u64,
}

impl Verifier {
    /// False once any byte differs or the body runs past its length.
    pub fn check(&mut self, mut chunk: &[u8]) -> bool {
        if self.seen + chunk.len() as u64 > self.len {
            return false;
        }
        while !chunk.is_empty() {
            let at = (self.start + (self.seen % BLOCK as u64) as usize) % BLOCK;
            let n = chunk.len().min(BLOCK);
            if chunk[..n] != self.doubled[at..at + n] {
                return false;
            }
            self.seen += n as u64;
            chunk = &chunk[n..];
        }
        true
    }

    pub fn complete(&self) -> bool {
        self.seen == self.len
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use http_body_util::BodyExt as _;

    async fn collect(body: PatternBody) -> Vec<u8> {
        body.collect().await.unwrap().to_bytes().to_vec()
    }

    #[tokio::test]
    async fn bodies_verify_and_differ() {
        let p = Pattern::new(7);
        let len = 3 * BLOCK as u64 + 12345;
        let whole = collect(p.body(42, 0, len)).await;
        assert_eq!(whole.len() as u64, len);
        // A body made of two ranges is the same object.
        let split = 1_500_000;
        let mut joined = collect(p.body(42, 0, split)).await;
        joined.extend(collect(p.body(42, split, len - split)).await);
        assert_eq!(joined, whole);

        let mut v = p.verifier(42, len);
        for chunk in whole.chunks(70_000) {
            assert!(v.check(chunk));
        }
        assert!(v.complete());

        let mut other = p.verifier(43, len);
        assert!(!other.check(&whole[..4096]));
        let mut tampered = whole.clone();
        tampered[2_000_000] ^= 1;
        let mut v = p.verifier(42, len);
        assert!(!tampered.chunks(1 << 21).all(|c| v.check(c)));
        let mut short = p.verifier(42, len);
        assert!(short.check(&whole[..100]));
        assert!(!short.complete());
    }
}
