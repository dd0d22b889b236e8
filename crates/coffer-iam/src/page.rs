//! IAM's list pagination: `MaxItems` (1-1000, default 100), and an opaque `Marker` that
//! names the last item returned.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{IamError, IamResult};

/// What a list call asked for.
#[derive(Clone, Debug, Default)]
pub struct PageRequest {
    pub marker: Option<String>,
    pub max_items: Option<u32>,
}

/// One page of a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Set only when more items follow.
    pub marker: Option<String>,
}

impl PageRequest {
    /// The page of `items` (sorted by `key`) after the marker.
    pub fn apply<T>(&self, items: Vec<T>, key: impl Fn(&T) -> String) -> IamResult<Page<T>> {
        let max = self.max_items.unwrap_or(100);
        if !(1..=1000).contains(&max) {
            return Err(IamError::ValidationError(format!(
                "1 validation error detected: Value '{max}' at 'maxItems' failed to satisfy constraint: \
                 Member must have value between 1 and 1000"
            )));
        }
        let after = match &self.marker {
            None => None,
            Some(m) => Some(
                URL_SAFE_NO_PAD
                    .decode(m)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| IamError::InvalidInput("Invalid Marker.".into()))?,
            ),
        };
        let mut rest = items
            .into_iter()
            .filter(|item| after.as_ref().is_none_or(|a| key(item) > *a));
        let page: Vec<T> = rest.by_ref().take(max as usize).collect();
        let marker = match (rest.next(), page.last()) {
            (Some(_), Some(last)) => Some(URL_SAFE_NO_PAD.encode(key(last))),
            _ => None,
        };
        Ok(Page { items: page, marker })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pages_walk_everything_once() {
        let items: Vec<String> = (0..7).map(|i| format!("u{i}")).collect();
        let mut req = PageRequest {
            marker: None,
            max_items: Some(3),
        };
        let mut seen = Vec::new();
        loop {
            let page = req.apply(items.clone(), Clone::clone).unwrap();
            seen.extend(page.items);
            match page.marker {
                Some(m) => req.marker = Some(m),
                None => break,
            }
        }
        assert_eq!(seen, items);
        let bad = PageRequest {
            marker: None,
            max_items: Some(0),
        };
        assert!(bad.apply(items, Clone::clone).is_err());
    }
}
