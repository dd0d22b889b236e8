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
    /// `domains` without ports, any case.
    pub(crate) fn new(domains: &[String]) -> Self {
        Self {
            domains: domains
                .iter()
                .map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
        }
    }

    /// The bucket a host names, if any.
    fn bucket_of<'h>(&self, host: &'h str) -> Option<&'h str> {
        let name = strip_port(host).trim_end_matches('.');
        self.domains.iter().find_map(|base| {
            let cut = name.len().checked_sub(base.len() + 1)?;
            let (bucket, rest) = name.split_at(cut);
            (rest.len() == base.len() + 1
                && rest.as_bytes()[0] == b'.'
                && rest[1..].eq_ignore_ascii_case(base)
                && !bucket.is_empty())
            .then_some(bucket)
        })
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
        Ok(match self.bucket_of(host) {
            Some(bucket) => VirtualHost::new(host).with_bucket(bucket),
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
}
