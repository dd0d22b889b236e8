//! Command-line interface.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Coffer: a self-hosted object store that speaks the AWS S3 API.
///
/// Point any AWS SDK, the aws CLI, rclone or Terraform at it with --endpoint-url.
#[derive(Debug, Parser)]
#[command(name = "coffer", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the S3 endpoint on local disk.
    ///
    /// Settings come from (highest first): command-line flags, environment variables,
    /// the --config file, built-in defaults. Root credentials come from
    /// COFFER_ROOT_ACCESS_KEY and COFFER_ROOT_SECRET_KEY when both are set; otherwise
    /// they are generated on first start, saved in the data dir (mode 0600) and printed
    /// once. Logging follows COFFER_LOG (or RUST_LOG), default "info".
    Serve(ServeArgs),

    /// Seal every object's data key with a new master key, then make it the current key.
    ///
    /// Only metadata is rewritten; no object byte is read or written. Stop the server
    /// first: a running server keeps using the old key. The current key is found as
    /// `serve` finds it (COFFER_MASTER_KEY, --master-key-file, <data-dir>/master.key, with
    /// COFFER_PREVIOUS_MASTER_KEYS). When it lives in <data-dir>/master.key, that file is
    /// replaced by the new key (the old one is kept as master.key.previous); otherwise
    /// start the server with the new key afterwards. Back up the new key.
    RotateMasterKey(RotateArgs),

    /// Administer a running server: accounts (tenants) and the built-in key service
    /// (SSE-KMS keys).
    ///
    /// Requests are signed with the deployment root's credentials, from
    /// COFFER_ROOT_ACCESS_KEY/COFFER_ROOT_SECRET_KEY or else
    /// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
    Admin(AdminArgs),

    /// Measure any S3 endpoint: ops/s, MiB/s and latency of one workload.
    ///
    /// Objects are written under a fresh prefix of the bucket (created if missing) and
    /// deleted at the end. GET bodies are checked byte for byte against what was written;
    /// every failed request is counted and shown. Credentials come from --access-key and
    /// --secret-key, else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else
    /// COFFER_ROOT_ACCESS_KEY/COFFER_ROOT_SECRET_KEY.
    Bench(crate::bench::BenchArgs),
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    /// The server's URL, e.g. http://127.0.0.1:9000 [env: COFFER_ENDPOINT or AWS_ENDPOINT_URL].
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    /// Work on a stopped server's data dir instead of a running server (bootstrap and
    /// rescue): `account ...` and `user create`. Takes the data dir's lock.
    #[arg(long, requires = "data_dir")]
    pub offline: bool,

    /// The data dir, with --offline.
    #[arg(long, env = "COFFER_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// File holding the master key, with --offline, when not in the data dir.
    #[arg(long, env = "COFFER_MASTER_KEY_FILE", value_name = "FILE")]
    pub master_key_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Accounts: tenants that own their buckets and IAM identities, as AWS accounts do.
    #[command(subcommand)]
    Account(AccountCommand),
    /// IAM users, for bootstrap and rescue (--offline only; online, use `aws iam`).
    #[command(subcommand)]
    User(UserCommand),
    /// SSE-KMS keys of the built-in key service.
    #[command(subcommand)]
    Kms(KmsCommand),
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account with a 12-digit id and a root access key; prints the key's
    /// secret (shown only once).
    Create {
        /// 1-64 characters of a-z, 0-9, '-', '_' and '.'; unique in the deployment.
        name: String,
        /// Print {"account_id", "access_key_id", "secret_access_key"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the accounts.
    List {
        /// Print the server's JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete an account, its IAM users and keys. Refused while it owns buckets, and for
    /// the deployment's own account.
    Delete { name: String },
    /// A new root access key for the account; its older root keys stop working. For the
    /// deployment's own account (--offline only), new root credentials are written to
    /// <data-dir>/root-credentials.toml.
    RotateRootKey {
        name: String,
        /// Print {"account_id", "access_key_id", "secret_access_key"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set the account-wide Block Public Access, applied on top of each bucket's own
    /// (the account's root and users cannot change it; only the deployment root can).
    PublicAccessBlock {
        name: String,
        #[arg(long, value_name = "true|false", default_value_t = true, action = clap::ArgAction::Set)]
        block_public_acls: bool,
        #[arg(long, value_name = "true|false", default_value_t = true, action = clap::ArgAction::Set)]
        ignore_public_acls: bool,
        #[arg(long, value_name = "true|false", default_value_t = true, action = clap::ArgAction::Set)]
        block_public_policy: bool,
        #[arg(long, value_name = "true|false", default_value_t = true, action = clap::ArgAction::Set)]
        restrict_public_buckets: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an IAM user with an access key, and give it the policy in a file (an inline
    /// policy). Prints the key's secret (shown only once).
    Create {
        name: String,
        /// The account's name or 12-digit id [default: the deployment's own].
        #[arg(long)]
        account: Option<String>,
        /// A JSON policy document.
        #[arg(long, value_name = "FILE")]
        policy_file: Option<PathBuf>,
        /// The inline policy's name.
        #[arg(long, default_value = "coffer-admin")]
        policy_name: String,
        /// Print {"account_id", "user_name", "access_key_id", "secret_access_key"} as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KmsCommand {
    /// Create a key. Use it as NAME, alias/NAME or its ARN in
    /// x-amz-server-side-encryption-aws-kms-key-id and in bucket default encryption.
    CreateKey {
        /// Letters, digits, '/', '_' and '-' (not starting with aws/).
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List the keys.
    ListKeys,
    /// Disable a key: objects under it can no longer be read or written until it is
    /// enabled again.
    DisableKey { key_id: String },
    /// Enable a disabled key.
    EnableKey { key_id: String },
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Directory holding all data [default: ./coffer-data].
    #[arg(long, env = "COFFER_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// File holding the current master key, when not in the data dir.
    #[arg(long, env = "COFFER_MASTER_KEY_FILE", value_name = "FILE")]
    pub master_key_file: Option<PathBuf>,

    /// File holding the new master key (base64 of 32 bytes). Without it a new key is
    /// generated, which needs the current key to live in <data-dir>/master.key.
    #[arg(long, value_name = "FILE")]
    pub new_key_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:9000].
    #[arg(long, env = "COFFER_ADDRESS", value_name = "HOST:PORT")]
    pub address: Option<String>,

    /// Directory holding all data: metadata database, blobs, credentials
    /// [default: ./coffer-data].
    #[arg(long, env = "COFFER_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Region of buckets created without a LocationConstraint [default: us-east-1].
    /// Requests signed for any region are accepted.
    #[arg(long, env = "COFFER_REGION")]
    pub region: Option<String>,

    /// Base domain for virtual-hosted-style requests: with `s3.example.com`, a request to
    /// `photos.s3.example.com` addresses the bucket `photos`. Repeat the flag (or
    /// separate with commas) for several domains. Path style is always served.
    #[arg(long, env = "COFFER_DOMAIN", value_name = "DOMAIN", value_delimiter = ',')]
    pub domain: Vec<String>,

    /// File holding the master key that seals every object's data key (base64 of 32
    /// bytes, e.g. from `openssl rand -base64 32`). COFFER_MASTER_KEY (the key itself)
    /// wins over it; without either, `<data-dir>/master.key` is used, generated on first
    /// start. COFFER_PREVIOUS_MASTER_KEYS (comma-separated) keeps older keys able to read
    /// the objects they sealed.
    #[arg(long, env = "COFFER_MASTER_KEY_FILE", value_name = "FILE")]
    pub master_key_file: Option<PathBuf>,

    /// Accept SSE-C customer keys on plain-HTTP requests. Coffer serves plain HTTP and AWS
    /// refuses SSE-C keys that were not sent over TLS, as they can be read on the wire:
    /// use this only on loopback or behind a TLS proxy that does not set
    /// X-Forwarded-Proto (`X-Forwarded-Proto: https` from a --trusted-proxy is always
    /// accepted).
    #[arg(long, env = "COFFER_ALLOW_SSE_C_OVER_HTTP")]
    pub allow_sse_c_over_http: bool,

    /// TOML file with any of the keys: address, data-dir, region, domain, master-key-file,
    /// allow-sse-c-over-http, inline-threshold, gc-grace-secs, no-fsync, no-encryption,
    /// trusted-proxies (one address or a list).
    #[arg(long, env = "COFFER_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Objects up to this many bytes are stored inside the metadata database
    /// [default: 65536].
    #[arg(long, env = "COFFER_INLINE_THRESHOLD", value_name = "BYTES")]
    pub inline_threshold: Option<usize>,

    /// Unreferenced blobs younger than this are never garbage-collected; it must exceed
    /// the longest time between a write's last byte and its commit [default: 3600].
    #[arg(long, env = "COFFER_GC_GRACE_SECS", value_name = "SECONDS")]
    pub gc_grace_secs: Option<u64>,

    /// UNSAFE, for benchmarks and scratch data only: never fsync on the write path (blob
    /// files and their directories are not fsynced; SQLite runs with synchronous=OFF
    /// instead of FULL). Writes are acknowledged once the OS has them, so a power failure
    /// or an OS crash can lose acknowledged writes and can corrupt the metadata database.
    /// A killed Coffer process alone loses nothing: the data is in the OS page cache.
    #[arg(long, env = "COFFER_NO_FSYNC")]
    pub no_fsync: bool,

    /// For benchmarks and scratch data: store a new object in plaintext when its request
    /// names no encryption (no x-amz-server-side-encryption header, no SSE-C key) and its
    /// bucket has no default-encryption configuration; it is answered without
    /// x-amz-server-side-encryption, as by an S3 server without default encryption.
    /// Explicit SSE-S3, SSE-KMS and SSE-C requests and bucket configurations still
    /// encrypt, and objects already stored read as before (the master key is still used).
    #[arg(long, env = "COFFER_NO_ENCRYPTION")]
    pub no_encryption: bool,

    /// TCP peer addresses (IP; repeat the flag or separate with commas) of the
    /// TLS-terminating proxies whose `X-Forwarded-Proto: https` is believed. From any other
    /// client the header is ignored and the request counts as plain HTTP: aws:SecureTransport
    /// is false and SSE-C keys are refused (unless --allow-sse-c-over-http). `none` trusts no
    /// one [default: 127.0.0.1,::1, a proxy on the same host].
    #[arg(
        long = "trusted-proxy",
        env = "COFFER_TRUSTED_PROXIES",
        value_name = "IP",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
}
