//! Byte ranges of GetObject.

use crate::error::{CoreError, CoreResult};

/// A requested byte range, as in the HTTP `Range` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeSpec {
    /// `bytes=first-last` or, without `last`, `bytes=first-`.
    FromTo { first: u64, last: Option<u64> },
    /// `bytes=-length`: the last `length` bytes.
    Suffix { length: u64 },
}

impl RangeSpec {
    /// The `(start, length)` this range selects from an object of `size` bytes, or
    /// `InvalidRange` when it selects nothing.
    pub fn resolve(self, size: u64) -> CoreResult<(u64, u64)> {
        match self {
            Self::FromTo { first, last } => {
                if first >= size {
                    return Err(CoreError::InvalidRange);
                }
                let last = last.map_or(size - 1, |l| l.min(size - 1));
                if last < first {
                    return Err(CoreError::InvalidRange);
                }
                Ok((first, last - first + 1))
            }
            Self::Suffix { length } => {
                if length == 0 || size == 0 {
                    return Err(CoreError::InvalidRange);
                }
                let length = length.min(size);
                Ok((size - length, length))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn resolves_like_s3() {
        let r = |first, last| RangeSpec::FromTo { first, last };
        assert_eq!(r(0, Some(9)).resolve(100).unwrap(), (0, 10));
        assert_eq!(r(10, None).resolve(100).unwrap(), (10, 90));
        assert_eq!(r(90, Some(500)).resolve(100).unwrap(), (90, 10));
        assert!(r(100, None).resolve(100).is_err());
        assert_eq!(RangeSpec::Suffix { length: 5 }.resolve(100).unwrap(), (95, 5));
        assert_eq!(RangeSpec::Suffix { length: 500 }.resolve(100).unwrap(), (0, 100));
        assert!(RangeSpec::Suffix { length: 5 }.resolve(0).is_err());
    }
}
