//! The effective configuration: flags and environment over the config file over
//! defaults.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use coffer_meta::Durability;
use serde::Deserialize;

use crate::cli::ServeArgs;

/// The `--config` file. Keys are the flag names; `snake_case` is accepted too.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileConfig {
    address: Option<String>,
    #[serde(alias = "data_dir")]
    data_dir: Option<PathBuf>,
    region: Option<String>,
    /// One domain or a list.
    domain: Option<OneOrMany>,
    #[serde(alias = "master_key_file")]
    master_key_file: Option<PathBuf>,
    #[serde(alias = "allow_sse_c_over_http")]
    allow_sse_c_over_http: Option<bool>,
    #[serde(alias = "inline_threshold")]
    inline_threshold: Option<usize>,
    #[serde(alias = "gc_grace_secs")]
    gc_grace_secs: Option<u64>,
    #[serde(alias = "no_fsync")]
    no_fsync: Option<bool>,
    #[serde(alias = "no_encryption")]
    no_encryption: Option<bool>,
    /// One address or a list.
    #[serde(alias = "trusted_proxies")]
    trusted_proxies: Option<OneOrMany>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(s) => vec![s],
            Self::Many(v) => v,
        }
    }
}

/// Everything `coffer serve` runs with.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub address: String,
    pub data_dir: PathBuf,
    pub region: String,
    /// Base domains of virtual-hosted-style requests.
    pub domains: Vec<String>,
    /// Where the master key is, when not in the data dir.
    pub master_key_file: Option<PathBuf>,
    /// Accept SSE-C keys over plain HTTP.
    pub allow_sse_c_over_http: bool,
    pub inline_threshold: usize,
    pub gc_grace: Duration,
    /// `Fsync` unless `--no-fsync`: then nothing on the write path is fsynced.
    pub durability: Durability,
    /// Encrypt objects that name no encryption (SSE-S3 by default); off with
    /// `--no-encryption`.
    pub sse_s3_by_default: bool,
    /// Peers whose `X-Forwarded-Proto` is believed.
    pub trusted_proxies: Vec<IpAddr>,
}

impl ServeConfig {
    pub fn resolve(args: ServeArgs) -> anyhow::Result<Self> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let defaults = coffer_core::StoreConfig::default();
        Ok(Self {
            address: args
                .address
                .or(file.address)
                .unwrap_or_else(|| "127.0.0.1:9000".to_owned()),
            data_dir: args
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("./coffer-data")),
            region: args
                .region
                .or(file.region)
                .unwrap_or_else(|| "us-east-1".to_owned()),
            domains: if args.domain.is_empty() {
                file.domain.map(OneOrMany::into_vec).unwrap_or_default()
            } else {
                args.domain
            },
            master_key_file: args.master_key_file.or(file.master_key_file),
            allow_sse_c_over_http: args.allow_sse_c_over_http || file.allow_sse_c_over_http.unwrap_or(false),
            inline_threshold: args
                .inline_threshold
                .or(file.inline_threshold)
                .unwrap_or(defaults.inline_threshold),
            gc_grace: args
                .gc_grace_secs
                .or(file.gc_grace_secs)
                .map_or(defaults.gc_grace, Duration::from_secs),
            durability: if args.no_fsync || file.no_fsync.unwrap_or(false) {
                Durability::NoFsync
            } else {
                Durability::Fsync
            },
            sse_s3_by_default: !(args.no_encryption || file.no_encryption.unwrap_or(false)),
            trusted_proxies: trusted_proxies(if args.trusted_proxies.is_empty() {
                file.trusted_proxies.map(OneOrMany::into_vec)
            } else {
                Some(args.trusted_proxies)
            })?,
        })
    }
}

/// The trusted proxies: loopback unless configured; `none` for nobody.
fn trusted_proxies(given: Option<Vec<String>>) -> anyhow::Result<Vec<IpAddr>> {
    let Some(given) = given else {
        return Ok(vec![
            IpAddr::from([127, 0, 0, 1]),
            IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        ]);
    };
    let mut out = Vec::new();
    for item in given.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if item.eq_ignore_ascii_case("none") {
            continue;
        }
        let ip: IpAddr = item.parse().map_err(|_| {
            anyhow::anyhow!(
                "--trusted-proxy {item:?} is not an IP address: give the proxies' addresses (e.g. 127.0.0.1,10.0.0.5), or none to trust no proxy"
            )
        })?;
        out.push(ip.to_canonical());
    }
    Ok(out)
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| {
        format!(
            "{} is not a valid config file (allowed keys: address, data-dir, region, domain, master-key-file, allow-sse-c-over-http, inline-threshold, gc-grace-secs, no-fsync, no-encryption, trusted-proxies)",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn args(config: Option<PathBuf>, region: Option<&str>) -> ServeArgs {
        ServeArgs {
            address: None,
            data_dir: None,
            region: region.map(str::to_owned),
            config,
            domain: Vec::new(),
            master_key_file: None,
            allow_sse_c_over_http: false,
            inline_threshold: None,
            gc_grace_secs: None,
            no_fsync: false,
            no_encryption: false,
            trusted_proxies: Vec::new(),
        }
    }

    #[test]
    fn defaults_file_and_flags_in_order() {
        let c = ServeConfig::resolve(args(None, None)).unwrap();
        assert_eq!(c.address, "127.0.0.1:9000");
        assert_eq!(c.data_dir, PathBuf::from("./coffer-data"));
        assert_eq!(c.region, "us-east-1");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "address = \"127.0.0.1:9100\"\ndata-dir = \"/srv/c\"\nregion = \"eu-west-1\"\n",
        )
        .unwrap();
        let c = ServeConfig::resolve(args(Some(path.clone()), Some("ap-south-1"))).unwrap();
        assert_eq!(c.address, "127.0.0.1:9100");
        assert_eq!(c.data_dir, PathBuf::from("/srv/c"));
        assert_eq!(c.region, "ap-south-1");
        assert!(c.domains.is_empty());

        std::fs::write(&path, "domain = \"s3.example.com\"\n").unwrap();
        let c = ServeConfig::resolve(args(Some(path.clone()), None)).unwrap();
        assert_eq!(c.domains, ["s3.example.com"]);
        std::fs::write(&path, "domain = [\"a.test\", \"b.test\"]\n").unwrap();
        let c = ServeConfig::resolve(args(Some(path.clone()), None)).unwrap();
        assert_eq!(c.domains, ["a.test", "b.test"]);

        std::fs::write(&path, "nope = 1\n").unwrap();
        let err = ServeConfig::resolve(args(Some(path), None)).unwrap_err();
        assert!(format!("{err:#}").contains("allowed keys"));
    }

    #[test]
    fn no_fsync_from_file_or_flag_and_off_by_default() {
        let c = ServeConfig::resolve(args(None, None)).unwrap();
        assert_eq!(c.durability, Durability::Fsync);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        for text in ["no-fsync = true\n", "no_fsync = true\n"] {
            std::fs::write(&path, text).unwrap();
            let c = ServeConfig::resolve(args(Some(path.clone()), None)).unwrap();
            assert_eq!(c.durability, Durability::NoFsync, "{text}");
        }
        std::fs::write(&path, "no-fsync = false\n").unwrap();
        let c = ServeConfig::resolve(args(Some(path.clone()), None)).unwrap();
        assert_eq!(c.durability, Durability::Fsync);
        let c = ServeConfig::resolve(ServeArgs {
            no_fsync: true,
            ..args(Some(path), None)
        })
        .unwrap();
        assert_eq!(c.durability, Durability::NoFsync);
        let c = ServeConfig::resolve(parse_serve(&["--no-fsync"])).unwrap();
        assert_eq!(c.durability, Durability::NoFsync);
    }

    #[test]
    fn no_encryption_from_file_or_flag_and_off_by_default() {
        let c = ServeConfig::resolve(args(None, None)).unwrap();
        assert!(c.sse_s3_by_default);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        for text in ["no-encryption = true\n", "no_encryption = true\n"] {
            std::fs::write(&path, text).unwrap();
            let c = ServeConfig::resolve(args(Some(path.clone()), None)).unwrap();
            assert!(!c.sse_s3_by_default, "{text}");
            assert_eq!(c.durability, Durability::Fsync, "the switches are independent");
        }
        std::fs::write(&path, "no-encryption = false\n").unwrap();
        let c = ServeConfig::resolve(args(Some(path.clone()), None)).unwrap();
        assert!(c.sse_s3_by_default);
        let c = ServeConfig::resolve(ServeArgs {
            no_encryption: true,
            ..args(Some(path.clone()), None)
        })
        .unwrap();
        assert!(!c.sse_s3_by_default);
        let c = ServeConfig::resolve(parse_serve(&["--no-encryption"])).unwrap();
        assert!(!c.sse_s3_by_default);
        assert_eq!(c.durability, Durability::Fsync);

        std::fs::write(&path, "no-encryption = true\nno-fsync = true\n").unwrap();
        let c = ServeConfig::resolve(args(Some(path), None)).unwrap();
        assert!(!c.sse_s3_by_default);
        assert_eq!(c.durability, Durability::NoFsync);
    }

    #[test]
    fn trusted_proxies_default_to_loopback_and_come_from_flag_or_file() {
        let loopback: Vec<IpAddr> = vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()];
        assert_eq!(
            ServeConfig::resolve(args(None, None)).unwrap().trusted_proxies,
            loopback
        );
        let c = ServeConfig::resolve(parse_serve(&["--trusted-proxy", "10.0.0.5,::ffff:10.0.0.6"])).unwrap();
        assert_eq!(
            c.trusted_proxies,
            vec!["10.0.0.5".parse::<IpAddr>().unwrap(), "10.0.0.6".parse().unwrap()]
        );
        let c = ServeConfig::resolve(parse_serve(&["--trusted-proxy", "none"])).unwrap();
        assert!(c.trusted_proxies.is_empty());
        let e = ServeConfig::resolve(parse_serve(&["--trusted-proxy", "proxy.local"])).unwrap_err();
        assert!(e.to_string().contains("is not an IP address"), "{e}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "trusted-proxies = [\"192.0.2.7\"]\n").unwrap();
        let c = ServeConfig::resolve(args(Some(path.clone()), None)).unwrap();
        assert_eq!(c.trusted_proxies, vec!["192.0.2.7".parse::<IpAddr>().unwrap()]);
        std::fs::write(&path, "trusted_proxies = \"none\"\n").unwrap();
        let c = ServeConfig::resolve(args(Some(path), None)).unwrap();
        assert!(c.trusted_proxies.is_empty());
    }

    /// `coffer serve ARGS` as clap parses it.
    fn parse_serve(extra: &[&str]) -> ServeArgs {
        use clap::Parser as _;
        let argv = ["coffer", "serve"].iter().chain(extra);
        match crate::cli::Cli::try_parse_from(argv).unwrap().command {
            crate::cli::Command::Serve(a) => a,
            other => panic!("not serve: {other:?}"),
        }
    }
}
