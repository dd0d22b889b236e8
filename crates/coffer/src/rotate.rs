//! `coffer rotate-master-key`: re-seal every data key under a new master key.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use coffer_core::{BlobStore, Keyring, SecretKey, Store, StoreConfig, key_id};
use coffer_meta_sqlite::SqliteMetaStore;

use crate::cli::RotateArgs;
use crate::master_key::{self, KeyOrigin};

pub async fn rotate(args: RotateArgs) -> anyhow::Result<()> {
    let data_dir = args.data_dir.unwrap_or_else(|| PathBuf::from("./coffer-data"));
    crate::datadir::prepare(&data_dir)?;
    let _lock = crate::datadir::lock(&data_dir)?;
    let Some(keys) = master_key::load(&data_dir, args.master_key_file.as_deref())? else {
        bail!(
            "no current master key: none in COFFER_MASTER_KEY, --master-key-file or {}",
            data_dir.join(master_key::FILE_NAME).display()
        );
    };
    let in_data_dir =
        matches!(&keys.origin, KeyOrigin::File(p) if *p == data_dir.join(master_key::FILE_NAME));
    let staged = data_dir.join(format!("{}.new", master_key::FILE_NAME));
    let new_key = match &args.new_key_file {
        Some(path) => master_key::read_key_file(path)?,
        // An interrupted rotation left its new key: finish with it, since some data
        // keys may already be sealed by it.
        None if in_data_dir && staged.exists() => {
            println!("Resuming the rotation to the key in {}.", staged.display());
            master_key::read_key_file(&staged)?
        }
        None if in_data_dir => SecretKey::generate(),
        None => bail!(
            "the current master key does not live in the data dir: pass the new one with --new-key-file"
        ),
    };
    if key_id(&new_key) == key_id(&keys.current) {
        bail!("the new master key is the current one");
    }
    // The new key is durable in the data dir before any data key depends on it, and a
    // start-up finds it there (`master_key::load` adds master.key.new and
    // master.key.previous as previous keys): a crash at any point leaves every object
    // readable.
    let current = data_dir.join(master_key::FILE_NAME);
    let kept = data_dir.join(format!("{}.previous", master_key::FILE_NAME));
    let resuming = staged.exists() && master_key::read_key_file(&staged).is_ok_and(|k| k == new_key);
    if in_data_dir && !resuming {
        if staged.exists() {
            bail!(
                "{} holds the new key of an interrupted rotation: run the command again without --new-key-file to finish it",
                staged.display()
            );
        }
        crate::private_file::create_private(&staged, &master_key::key_file_text(&new_key))?;
        std::fs::File::open(&data_dir)?.sync_all()?;
    }
    let old = keys.current.clone();
    let mut previous = keys.previous.clone();
    previous.push(old.clone());
    let keyring = Keyring::new(new_key.clone(), previous);

    let meta_path = data_dir.join("meta.sqlite");
    let meta = SqliteMetaStore::open(&meta_path)
        .with_context(|| format!("cannot open the metadata database {}", meta_path.display()))?;
    let blobs = BlobStore::open(data_dir.join("blobs")).context("cannot open the blob directory")?;
    let store = Store::new(Arc::new(meta), blobs, StoreConfig::default()).with_keyring(keyring);
    println!(
        "Re-sealing data keys from {} (and earlier keys) to {} ...",
        key_id(&old),
        key_id(&new_key)
    );
    let report = store
        .reseal_data_keys(|r| eprintln!("  {} records visited, {} re-sealed", r.visited, r.resealed))
        .await
        .context(
            "re-sealing failed part way; nothing is lost: run the command again with the same new key",
        )?;
    store.close().await?;
    println!(
        "Done: {} records visited, {} data keys re-sealed, {} KMS keys and {} access-key secrets re-sealed, \
         {} SSE-C objects left to their customers' keys.",
        report.visited, report.resealed, report.kms_keys, report.access_keys, report.customer_keyed
    );

    if in_data_dir {
        // Keep the old key, then put the new one in place in one atomic rename: at every
        // moment master.key holds a key that opens everything (with the others loaded).
        let _ = std::fs::remove_file(&kept);
        crate::private_file::create_private(&kept, &master_key::key_file_text(&old))?;
        std::fs::rename(&staged, &current)
            .with_context(|| format!("cannot install {}", current.display()))?;
        std::fs::File::open(&data_dir)?.sync_all()?;
        println!(
            "The new master key is in {} (the old one in {}). BACK UP THE NEW KEY, then delete the old one.",
            current.display(),
            kept.display()
        );
    } else {
        println!(
            "Start Coffer with the new master key (COFFER_MASTER_KEY or --master-key-file). \
             The old key is no longer needed once you have backed up the new one."
        );
    }
    Ok(())
}
