//! Coffer's identity layer (ADR 13): accounts, IAM users and access keys, who signed a
//! request, and whether it may do what it asks. Knows no HTTP: the S3 endpoint
//! (`coffer-s3`) and the IAM/STS Query endpoint (`coffer-query`) call it.
//!
//! Key decision: every identity record is loaded into one in-memory [`Snapshot`] at
//! start and again after each change, so authenticating a request never reads the
//! database. Changes are serialized by one async mutex, committed by the metadata
//! store (which checks their preconditions in the same transaction), then the snapshot
//! is reloaded and swapped before the change is acknowledged: a new key works at once.

mod access_keys;
mod accounts;
pub mod arn;
mod authorize;
pub mod aws_managed;
pub mod bucket_access;
mod error;
mod groups;
pub mod ids;
mod inline;
mod managed;
pub mod names;
mod page;
pub mod policy;
mod roles;
pub mod s3_actions;
pub mod session;
pub mod sigv4;
mod snapshot;
mod sts;
mod users;

use std::sync::{Arc, RwLock};

use coffer_core::Keyring;
use coffer_meta::{IdentityChange, MetaStore};

pub use access_keys::NewAccessKey;
pub use accounts::NewAccount;
pub use authorize::{AuthType, CopySourceFacts, S3Facts, Verdict};
pub use bucket_access::{AccessDocuments, BucketAccess, CannedAcl, Ownership, PublicAccessBlock};
pub use error::{IamError, IamResult};
pub use managed::{PolicyView, Scope, VersionView};
pub use page::{Page, PageRequest};
pub use roles::NewRole;
pub use snapshot::{Account, Caller, KeyEntry, Principal, Secret, Session, Snapshot};
pub use sts::{AssumeRoleRequest, Credentials};

/// The address a request came from (`aws:SourceIp`), put in the request's extensions by
/// the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerAddr(pub std::net::SocketAddr);

/// Whether the client reached Coffer over TLS (`aws:SecureTransport`), put in the
/// request's extensions by the server. Coffer serves plain HTTP, so this is true only when
/// a trusted proxy (`--trusted-proxy`) says `X-Forwarded-Proto: https`; absent means false.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecureTransport(pub bool);

/// The identity layer. Cheap to clone.
#[derive(Clone)]
pub struct Iam {
    inner: Arc<Inner>,
}

struct Inner {
    meta: Arc<dyn MetaStore>,
    keyring: Arc<Keyring>,
    root_access_key: String,
    root_secret: Secret,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Serializes changes, so the snapshot swapped in after a change includes it.
    writes: tokio::sync::Mutex<()>,
    bucket_policies: bucket_access::PolicyCache,
    sessions: session::SessionKeys,
    /// Test-only: the longest a session lives, whatever it asked for.
    session_cap: Option<i64>,
}

impl Iam {
    /// Loads every identity; `root_access_key`/`root_secret` are the deployment root's
    /// configured credentials.
    pub async fn open(
        meta: Arc<dyn MetaStore>,
        keyring: Arc<Keyring>,
        root_access_key: &str,
        root_secret: &str,
    ) -> IamResult<Self> {
        let root_secret = Secret::new(root_secret.to_owned());
        let snapshot = Snapshot::build(
            meta.load_identities().await?,
            &keyring,
            root_access_key,
            &root_secret,
        )?;
        Ok(Self {
            inner: Arc::new(Inner {
                meta,
                root_access_key: root_access_key.to_owned(),
                root_secret,
                snapshot: RwLock::new(Arc::new(snapshot)),
                writes: tokio::sync::Mutex::new(()),
                bucket_policies: bucket_access::PolicyCache::default(),
                sessions: session::SessionKeys::new(&keyring)?,
                session_cap: None,
                keyring,
            }),
        })
    }

    /// Caps every STS session's lifetime (tests of expiry; AWS's minimum is 15 minutes).
    #[must_use]
    pub fn with_session_cap(self, seconds: Option<i64>) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.session_cap = seconds;
                Self {
                    inner: Arc::new(inner),
                }
            }
            Err(inner) => Self { inner },
        }
    }

    /// The identities as of now.
    #[must_use]
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner
            .snapshot
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The caller an access key stands for, and its secret (to check the signature).
    /// `InvalidClientTokenId` for an unknown or inactive key.
    pub fn authenticate(&self, access_key_id: &str) -> IamResult<(Caller, Secret)> {
        self.snapshot().authenticate(access_key_id)
    }

    /// Whether authorizing `caller` on a bucket with `access` may need the object's tags
    /// (`s3:ExistingObjectTag/...` named by a policy in play).
    #[must_use]
    pub fn needs_existing_object_tags(&self, caller: Option<&Caller>, access: Option<&BucketAccess>) -> bool {
        let session = caller
            .and_then(Caller::session)
            .and_then(|s| s.claims.policy.as_deref())
            .is_some_and(snapshot::names_existing_object_tags);
        access.is_some_and(|a| a.policy_names_existing_object_tags)
            || session
            || (caller.is_some_and(|c| !c.is_root()) && self.snapshot().names_existing_object_tags)
    }

    /// The deployment's own account id.
    #[must_use]
    pub fn deployment_account(&self) -> String {
        self.snapshot().deployment_account.clone()
    }

    /// Commits `change`, then reloads the snapshot before returning.
    async fn change(&self, change: IdentityChange) -> IamResult<()> {
        let _serial = self.inner.writes.lock().await;
        let result = self.inner.meta.apply_identity_change(change).await;
        // Reload even after a failure: a failed batch may have been retried meanwhile.
        let reloaded = self.reload().await;
        result?;
        reloaded
    }

    async fn reload(&self) -> IamResult<()> {
        let records = self.inner.meta.load_identities().await?;
        let snapshot = Snapshot::build(
            records,
            &self.inner.keyring,
            &self.inner.root_access_key,
            &self.inner.root_secret,
        )?;
        *self
            .inner
            .snapshot
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(snapshot);
        Ok(())
    }
}

/// A document's size as AWS counts it against policy quotas: characters other than
/// whitespace.
fn aws_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// The current time in Unix milliseconds.
fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}
