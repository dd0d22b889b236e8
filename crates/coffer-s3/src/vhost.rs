//! Virtual-hosted-style addressing (`bucket.s3.example.com`) beside path style.

use s3s::S3Result;
use s3s::host::{S3Host, VirtualHost};

/// Reads the bucket from the Host header when it is a subdomain of one of the configured
/// base domains. Any other host (an IP address, `localhost`, an unlisted name) is path
/// style: unlike s3s's own parsers, an unknown host never becomes a bucket name, so a
/// configured domain cannot change what a path-style request means.
pub(crate) struct BaseDomains {
    domains: Vec<String>,
}

impl BaseDomains {
    /// `domains` in any case, with or without a port (ports are ignored).
    pub(crate) fn new(domains: &[String]) -> Self {
        Self {
            domains: domains
                .iter()
                .map(|d| strip_port(d.trim()).trim_end_matches('.').to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
        }
    }

    /// The bucket a host names, if any: the labels before the longest configured domain
    /// the host ends with. A host that is itself a configured domain names none, even
    /// when it lies under another configured domain (`s3.example.com` beside
    /// `example.com`).
    fn bucket_of<'h>(&self, host: &'h str) -> Option<&'h str> {
        let name = strip_port(host).trim_end_matches('.');
        if self.domains.iter().any(|d| name.eq_ignore_ascii_case(d)) {
            return None;
        }
        self.domains
            .iter()
            .filter_map(|base| {
                let cut = name.len().checked_sub(base.len() + 1)?;
                let (bucket, rest) = name.split_at_checked(cut)?;
                (rest.as_bytes().first() == Some(&b'.')
                    && rest[1..].eq_ignore_ascii_case(base)
                    && !bucket.is_empty())
                .then_some((base.len(), bucket))
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, bucket)| bucket)
    }
}

/// `host` without a `:port` (IPv6 literals keep their brackets).
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.split_once(':') {
        Some((name, _)) => name,
        None => host,
    }
}

impl S3Host for BaseDomains {
    fn parse_host_header<'a>(&'a self, host: &'a str) -> S3Result<VirtualHost<'a>> {
        // Host names are case-insensitive; bucket names are lower case.
        Ok(match self.bucket_of(host) {
            Some(bucket) => VirtualHost::new(host).with_bucket(bucket.to_ascii_lowercase()),
            None => VirtualHost::new(host),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_come_only_from_configured_domains() {
        let d = BaseDomains::new(&["s3.example.com".into(), "S3.Local".into()]);
        assert_eq!(d.bucket_of("photos.s3.example.com"), Some("photos"));
        assert_eq!(d.bucket_of("photos.s3.example.com:9000"), Some("photos"));
        assert_eq!(
            d.bucket_of("my.dotted.bucket.s3.local:80"),
            Some("my.dotted.bucket")
        );
        assert_eq!(d.bucket_of("s3.example.com"), None);
        assert_eq!(d.bucket_of("s3.example.com:9000"), None);
        assert_eq!(d.bucket_of("xs3.example.com"), None);
        assert_eq!(d.bucket_of("localhost:9000"), None);
        assert_eq!(d.bucket_of("127.0.0.1:9000"), None);
        assert_eq!(d.bucket_of("[::1]:9000"), None);
        assert_eq!(d.bucket_of("bucket.other.com"), None);
    }

    #[test]
    fn the_longest_domain_wins_and_domains_themselves_are_never_buckets() {
        let d = BaseDomains::new(&["example.com".into(), "s3.example.com:9000".into()]);
        assert_eq!(d.bucket_of("s3.example.com:9000"), None);
        assert_eq!(d.bucket_of("photos.s3.example.com"), Some("photos"));
        assert_eq!(d.bucket_of("photos.example.com"), Some("photos"));
        assert_eq!(d.bucket_of("Photos.S3.Example.com."), Some("Photos"));
    }
}
