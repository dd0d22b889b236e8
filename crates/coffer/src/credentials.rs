//! Root credentials: from the environment, or generated once and kept in the data dir.

use std::path::Path;

use anyhow::{Context as _, bail};
use rand::Rng as _;
use serde::Deserialize;

const FILE_NAME: &str = "root-credentials.toml";

/// The root access key pair.
#[derive(Clone, Debug, Deserialize)]
pub struct RootCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// Where the credentials came from, for the start-up message.
pub enum Origin {
    Environment,
    Stored,
    Generated,
}

fn random_string(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// The root credentials: `COFFER_ROOT_ACCESS_KEY`/`COFFER_ROOT_SECRET_KEY` when both are
/// set, else the stored pair, else a new pair saved with mode 0600.
pub fn load_or_create(data_dir: &Path) -> anyhow::Result<(RootCredentials, Origin)> {
    let env_key = std::env::var("COFFER_ROOT_ACCESS_KEY")
        .ok()
        .filter(|v| !v.is_empty());
    let env_secret = std::env::var("COFFER_ROOT_SECRET_KEY")
        .ok()
        .filter(|v| !v.is_empty());
    match (env_key, env_secret) {
        (Some(access_key_id), Some(secret_access_key)) => {
            return Ok((
                RootCredentials {
                    access_key_id,
                    secret_access_key,
                },
                Origin::Environment,
            ));
        }
        (None, None) => {}
        _ => bail!("set both COFFER_ROOT_ACCESS_KEY and COFFER_ROOT_SECRET_KEY, or neither"),
    }
    let path = data_dir.join(FILE_NAME);
    if path.exists() {
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let creds: RootCredentials = toml::from_str(&text).with_context(|| {
            format!(
                "{} is damaged; delete it to generate new root credentials",
                path.display()
            )
        })?;
        return Ok((creds, Origin::Stored));
    }
    let creds = RootCredentials {
        access_key_id: format!("CF{}", random_string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 18)),
        secret_access_key: random_string(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            40,
        ),
    };
    crate::private_file::create_private(
        &path,
        &format!(
            "# Coffer root credentials. Keep this file private.\naccess_key_id = \"{}\"\nsecret_access_key = \"{}\"\n",
            creds.access_key_id, creds.secret_access_key
        ),
    )?;
    Ok((creds, Origin::Generated))
}

/// The path the generated credentials are stored at.
pub fn stored_path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join(FILE_NAME)
}
