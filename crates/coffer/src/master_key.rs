//! The deployment's master key, which seals every object's data key (encryption at
//! rest): from `COFFER_MASTER_KEY`, from a key file, or generated once in the data dir.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use coffer_core::{Keyring, SecretKey};

/// The generated key file inside the data dir.
pub const FILE_NAME: &str = "master.key";

/// Where the master key came from, for the start-up message.
pub enum KeyOrigin {
    Environment,
    File(PathBuf),
    Generated(PathBuf),
}

fn parse(text: &str, what: &str) -> anyhow::Result<SecretKey> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .with_context(|| format!("{what} holds no key"))?;
    let raw = STANDARD
        .decode(line)
        .with_context(|| format!("{what} is not base64"))?;
    let bytes: [u8; 32] = raw
        .try_into()
        .map_err(|_| anyhow::anyhow!("{what} must be 32 bytes of base64 (e.g. `openssl rand -base64 32`)"))?;
    Ok(SecretKey::from_bytes(bytes))
}

/// The master keys found, and where the current one came from.
pub struct LoadedKeys {
    pub current: SecretKey,
    pub previous: Vec<SecretKey>,
    pub origin: KeyOrigin,
}

/// The master keys in use, if any: the current one from (first found)
/// `COFFER_MASTER_KEY`, `key_file`, or `<data-dir>/master.key`, plus the keys in
/// `COFFER_PREVIOUS_MASTER_KEYS` (comma-separated), which still open objects sealed
/// before a key change.
pub fn load(data_dir: &Path, key_file: Option<&Path>) -> anyhow::Result<Option<LoadedKeys>> {
    let previous = match std::env::var("COFFER_PREVIOUS_MASTER_KEYS") {
        Ok(list) => list
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| parse(k, "a key in COFFER_PREVIOUS_MASTER_KEYS"))
            .collect::<anyhow::Result<Vec<_>>>()?,
        Err(_) => Vec::new(),
    };
    let found = |current, origin| {
        Ok(Some(LoadedKeys {
            current,
            previous: previous.clone(),
            origin,
        }))
    };
    if let Ok(value) = std::env::var("COFFER_MASTER_KEY")
        && !value.trim().is_empty()
    {
        return found(parse(&value, "COFFER_MASTER_KEY")?, KeyOrigin::Environment);
    }
    if let Some(path) = key_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the master key file {}", path.display()))?;
        return found(
            parse(&text, &path.display().to_string())?,
            KeyOrigin::File(path.to_path_buf()),
        );
    }
    let path = data_dir.join(FILE_NAME);
    if path.exists() {
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let current = parse(&text, &path.display().to_string())?;
        // A rotation leaves the other key beside it (master.key.new while it runs,
        // master.key.previous after): load both, so no interruption strands data.
        let mut previous = previous.clone();
        for side in ["new", "previous"] {
            let other = data_dir.join(format!("{FILE_NAME}.{side}"));
            if let Ok(text) = std::fs::read_to_string(&other) {
                previous.push(parse(&text, &other.display().to_string())?);
            }
        }
        return Ok(Some(LoadedKeys {
            current,
            previous,
            origin: KeyOrigin::File(path),
        }));
    }
    Ok(None)
}

/// The keyring `coffer serve` runs with: the keys [`load`] finds, or a new master key
/// generated into `<data-dir>/master.key` (mode 0600).
pub fn load_or_create(data_dir: &Path, key_file: Option<&Path>) -> anyhow::Result<(Keyring, KeyOrigin)> {
    if let Some(keys) = load(data_dir, key_file)? {
        return Ok((Keyring::new(keys.current, keys.previous), keys.origin));
    }
    let path = data_dir.join(FILE_NAME);
    let previous = Vec::new();
    if data_has_blobs(data_dir) {
        // Objects stored before encryption at rest stay readable; objects sealed by a
        // lost key do not, and their reads will name the missing key.
        tracing::warn!(
            path = %path.display(),
            "no master key found but this data dir already holds objects: generating a new key; \
             if a master key existed, restore its file from your backup instead"
        );
    }
    let key = SecretKey::generate();
    crate::private_file::create_private(&path, &key_file_text(&key))?;
    Ok((Keyring::new(key, previous), KeyOrigin::Generated(path)))
}

/// Whether a data dir already holds blobs (a missing key may then mean a lost key).
fn data_has_blobs(data_dir: &Path) -> bool {
    std::fs::read_dir(data_dir.join("blobs")).is_ok_and(|mut d| d.next().is_some())
}

/// The text of a master key file.
pub fn key_file_text(key: &SecretKey) -> String {
    format!(
        "# Coffer master key: it seals the key of every object. Without it no object can be read.\n\
         # Back it up somewhere other than this disk. Keep it private.\n{}\n",
        STANDARD.encode(key.as_bytes())
    )
}

/// Reads a master key file (base64 of 32 bytes; `#` lines are comments).
pub fn read_key_file(path: &Path) -> anyhow::Result<SecretKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse(&text, &path.display().to_string())
}
