//! `coffer admin --offline --data-dir DIR ...`: account and user administration on a
//! stopped server's data dir, for bootstrap and rescue. Takes the data dir's lock, opens
//! the store and the identity layer as `serve` does, makes the change, closes.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use coffer_core::{BlobStore, Store, StoreConfig};
use coffer_iam::Iam;
use coffer_meta_sqlite::SqliteMetaStore;

use crate::cli::{AccountCommand, AdminArgs, AdminCommand, UserCommand};
use crate::credentials::{self, Origin};
use crate::{datadir, master_key};

fn print_key(json: bool, what: &str, account_id: &str, user: Option<&str>, key: &str, secret: &str) {
    if json {
        let mut v = serde_json::json!({
            "account_id": account_id,
            "access_key_id": key,
            "secret_access_key": secret,
        });
        if let Some(u) = user {
            v["user_name"] = serde_json::Value::from(u);
        }
        println!("{v}");
    } else {
        println!(
            "{what} (the secret is not shown again):\n\n  export AWS_ACCESS_KEY_ID={key} AWS_SECRET_ACCESS_KEY={secret}"
        );
    }
}

/// New deployment root credentials in the data dir, replacing the old file atomically.
fn rotate_deployment_root(
    data_dir: &Path,
    origin: &Origin,
    json: bool,
    account_id: &str,
) -> anyhow::Result<()> {
    if matches!(origin, Origin::Environment) {
        bail!(
            "the deployment root's credentials come from COFFER_ROOT_ACCESS_KEY/COFFER_ROOT_SECRET_KEY: \
             change them there and restart the server"
        );
    }
    let path = credentials::stored_path(data_dir);
    let staged = path.with_extension("toml.new");
    let _ = std::fs::remove_file(&staged);
    std::fs::remove_file(&path).with_context(|| format!("cannot replace {}", path.display()))?;
    let (creds, _) = credentials::load_or_create(data_dir)?;
    print_key(
        json,
        "New deployment root credentials, saved to root-credentials.toml",
        account_id,
        None,
        &creds.access_key_id,
        &creds.secret_access_key,
    );
    Ok(())
}

pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let data_dir = args.data_dir.context("pass --data-dir DIR with --offline")?;
    datadir::prepare(&data_dir)?;
    let _lock = datadir::lock(&data_dir)?;
    let Some(keys) = master_key::load(&data_dir, args.master_key_file.as_deref())? else {
        bail!(
            "no master key: none in COFFER_MASTER_KEY, --master-key-file or {}",
            data_dir.join(master_key::FILE_NAME).display()
        );
    };
    let keyring = coffer_core::Keyring::new(keys.current.clone(), keys.previous.clone());
    let meta_path = data_dir.join("meta.sqlite");
    let meta = SqliteMetaStore::open(&meta_path)
        .with_context(|| format!("cannot open the metadata database {}", meta_path.display()))?;
    let blobs = BlobStore::open(data_dir.join("blobs")).context("cannot open the blob directory")?;
    let store = Store::new(Arc::new(meta), blobs, StoreConfig::default()).with_keyring(keyring);
    let (creds, origin) = credentials::load_or_create(&data_dir)?;
    let keyring = store.keyring().context("the store has no master key")?;
    let iam = Iam::open(
        store.meta(),
        keyring,
        &creds.access_key_id,
        &creds.secret_access_key,
    )
    .await
    .context("cannot load the accounts and access keys")?;
    let result = apply(&iam, &data_dir, &origin, args.command).await;
    store.close().await.context("closing the metadata store")?;
    result
}

async fn apply(iam: &Iam, data_dir: &Path, origin: &Origin, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::Account(AccountCommand::Create { name, json }) => {
            let new = iam.create_account(&name).await?;
            let what = format!(
                "Account {name} created with id {}; its root credentials",
                new.account.account_id
            );
            print_key(
                json,
                &what,
                &new.account.account_id,
                None,
                &new.access_key_id,
                new.secret.expose(),
            );
        }
        AdminCommand::Account(AccountCommand::List { json: _ }) => {
            println!("{:<14} NAME", "ACCOUNT ID");
            for a in iam.list_accounts() {
                println!("{:<14} {}", a.account_id, a.name);
            }
        }
        AdminCommand::Account(AccountCommand::Delete { name }) => {
            iam.delete_account(&name).await?;
            println!("Account {name} deleted.");
        }
        AdminCommand::Account(AccountCommand::RotateRootKey { name, json }) => {
            let deployment = iam.deployment_account();
            let is_deployment = iam
                .list_accounts()
                .iter()
                .any(|a| a.is_deployment && (a.name == name || a.account_id == name));
            if is_deployment {
                return rotate_deployment_root(data_dir, origin, json, &deployment);
            }
            let key = iam.rotate_root_key(&name).await?;
            let what = format!("A new root key for account {name}; older ones no longer work");
            print_key(
                json,
                &what,
                &key.record.account_id,
                None,
                &key.record.access_key_id,
                key.secret.expose(),
            );
        }
        AdminCommand::Account(AccountCommand::PublicAccessBlock {
            name,
            block_public_acls,
            ignore_public_acls,
            block_public_policy,
            restrict_public_buckets,
        }) => {
            let bpa = coffer_iam::PublicAccessBlock {
                block_public_acls,
                ignore_public_acls,
                block_public_policy,
                restrict_public_buckets,
            };
            iam.set_account_public_access_block(&name, bpa).await?;
            println!("Block Public Access of account {name}: {}", bpa.to_document());
        }
        AdminCommand::User(UserCommand::Create {
            name,
            account,
            policy_file,
            policy_name,
            json,
        }) => {
            let account_id = match account {
                None => iam.deployment_account(),
                Some(a) => iam
                    .list_accounts()
                    .into_iter()
                    .find(|r| r.name == a || r.account_id == a)
                    .map(|r| r.account_id)
                    .with_context(|| format!("no account is named {a}"))?,
            };
            let document = match &policy_file {
                Some(path) => Some(
                    std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read {}", path.display()))?,
                ),
                None => None,
            };
            // The policy is checked before anything is created.
            if let Some(doc) = &document {
                coffer_iam::policy::Policy::parse(doc, coffer_iam::policy::PolicyKind::Identity)
                    .with_context(|| "the policy file is not a valid IAM policy")?;
            }
            iam.create_user(&account_id, &name, None, Vec::new()).await?;
            if let Some(doc) = &document {
                iam.put_inline_policy(
                    &account_id,
                    coffer_meta::EntityKind::User,
                    &name,
                    &policy_name,
                    doc,
                )
                .await?;
            }
            let key = iam.create_access_key(&account_id, Some(&name)).await?;
            let what = format!("User {name} created in account {account_id}; its access key");
            print_key(
                json,
                &what,
                &account_id,
                Some(&name),
                &key.record.access_key_id,
                key.secret.expose(),
            );
        }
        AdminCommand::Kms(_) => bail!("the key service is managed on a running server (drop --offline)"),
    }
    Ok(())
}
