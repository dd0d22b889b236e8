//! Identity records (ADR 13): the whole set read at once, and each change applied with
//! its checks inside the writer's savepoint.

use coffer_meta::{
    AccessKeyRecord, AccountRecord, IamTag, IdentityChange, IdentitySnapshot, KeyStatus, MetaError,
    UserRecord, name_key,
};
use rusqlite::{Connection, OptionalExtension as _, Row, params};

use crate::codec::{col, db};
use crate::read::collect;

fn tags_to_text(tags: &[IamTag]) -> Result<String, MetaError> {
    serde_json::to_string(tags).map_err(|e| MetaError::Corrupt(e.to_string()))
}

fn tags_from_text(text: &str) -> Result<Vec<IamTag>, MetaError> {
    serde_json::from_str(text).map_err(|e| MetaError::Corrupt(format!("IAM tags: {e}")))
}

fn account_from_row(row: &Row<'_>) -> Result<AccountRecord, MetaError> {
    Ok(AccountRecord {
        account_id: col(row, 0)?,
        name: col(row, 1)?,
        created_ms: col(row, 2)?,
        is_deployment: col::<i64>(row, 3)? != 0,
        settings: col(row, 4)?,
    })
}

fn user_from_row(row: &Row<'_>) -> Result<UserRecord, MetaError> {
    let tags: String = col(row, 5)?;
    Ok(UserRecord {
        account_id: col(row, 0)?,
        name: col(row, 1)?,
        path: col(row, 2)?,
        unique_id: col(row, 3)?,
        created_ms: col(row, 4)?,
        tags: tags_from_text(&tags)?,
    })
}

fn key_from_row(row: &Row<'_>) -> Result<AccessKeyRecord, MetaError> {
    let status: String = col(row, 5)?;
    Ok(AccessKeyRecord {
        access_key_id: col(row, 0)?,
        account_id: col(row, 1)?,
        user_name: col(row, 2)?,
        sealed_secret: col(row, 3)?,
        sealed_by: col(row, 4)?,
        status: KeyStatus::parse(&status)
            .ok_or_else(|| MetaError::Corrupt(format!("unknown access key status {status:?}")))?,
        created_ms: col(row, 6)?,
    })
}

fn all<T>(
    conn: &Connection,
    sql: &str,
    f: impl FnMut(&Row<'_>) -> Result<T, MetaError>,
) -> Result<Vec<T>, MetaError> {
    let mut stmt = conn.prepare_cached(sql).map_err(db)?;
    collect(&mut stmt, [], f)
}

/// Every identity record, in one read transaction so the parts agree.
pub(crate) fn load(conn: &mut Connection) -> Result<IdentitySnapshot, MetaError> {
    let tx = conn.transaction().map_err(db)?;
    let generation = tx
        .query_row(
            "SELECT value FROM counters WHERE name = 'identity_generation'",
            [],
            |r| r.get(0),
        )
        .map_err(db)?;
    let accounts = all(
        &tx,
        "SELECT account_id, name, created_ms, is_deployment, settings FROM accounts ORDER BY name",
        account_from_row,
    )?;
    let users = all(
        &tx,
        "SELECT account_id, name, path, unique_id, created_ms, tags FROM iam_users ORDER BY account_id, name_key",
        user_from_row,
    )?;
    // The key names its user by `user_key`; the snapshot wants the spelling as created.
    let access_keys = all(
        &tx,
        "SELECT k.access_key_id, k.account_id, u.name, k.sealed_secret, k.sealed_by, k.status, k.created_ms \
         FROM access_keys k LEFT JOIN iam_users u ON u.account_id = k.account_id AND u.name_key = k.user_key \
         ORDER BY k.created_ms, k.access_key_id",
        key_from_row,
    )?;
    tx.finish().map_err(db)?;
    Ok(IdentitySnapshot {
        generation,
        accounts,
        users,
        access_keys,
    })
}

/// Applies one change; the caller owns the savepoint.
pub(crate) fn apply(conn: &Connection, change: &IdentityChange) -> Result<(), MetaError> {
    match change {
        IdentityChange::CreateAccount { account, root_key } => {
            create_account(conn, account)?;
            insert_key(conn, root_key)?;
        }
        IdentityChange::DeleteAccount { account_id } => delete_account(conn, account_id)?,
        IdentityChange::CreateUser(user) => create_user(conn, user)?,
        IdentityChange::SetUserTags {
            account_id,
            user_name,
            tags,
        } => {
            let tags = tags_to_text(tags)?;
            let n = conn
                .prepare_cached("UPDATE iam_users SET tags = ?3 WHERE account_id = ?1 AND name_key = ?2")
                .and_then(|mut s| s.execute(params![account_id, name_key(user_name), tags]))
                .map_err(db)?;
            if n == 0 {
                return Err(MetaError::NoSuchIdentity(format!("user {user_name}")));
            }
        }
        IdentityChange::DeleteUser {
            account_id,
            user_name,
        } => delete_user(conn, account_id, user_name)?,
        IdentityChange::CreateAccessKey { key, max_per_owner } => {
            create_access_key(conn, key, *max_per_owner)?;
        }
        IdentityChange::SetAccessKeyStatus {
            account_id,
            user_name,
            access_key_id,
            status,
        } => {
            let n = conn
                .prepare_cached(
                    "UPDATE access_keys SET status = ?4 WHERE access_key_id = ?1 AND account_id = ?2 \
                     AND user_key IS ?3",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        access_key_id,
                        account_id,
                        user_name.as_deref().map(name_key),
                        status.as_str()
                    ])
                })
                .map_err(db)?;
            if n == 0 {
                return Err(MetaError::NoSuchIdentity(format!("access key {access_key_id}")));
            }
        }
        IdentityChange::DeleteAccessKey {
            account_id,
            user_name,
            access_key_id,
        } => {
            let n = conn
                .prepare_cached(
                    "DELETE FROM access_keys WHERE access_key_id = ?1 AND account_id = ?2 AND user_key IS ?3",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        access_key_id,
                        account_id,
                        user_name.as_deref().map(name_key)
                    ])
                })
                .map_err(db)?;
            if n == 0 {
                return Err(MetaError::NoSuchIdentity(format!("access key {access_key_id}")));
            }
        }
        IdentityChange::ResealAccessKey {
            access_key_id,
            expected,
            sealed_secret,
            sealed_by,
        } => {
            conn.prepare_cached(
                "UPDATE access_keys SET sealed_secret = ?3, sealed_by = ?4 \
                 WHERE access_key_id = ?1 AND sealed_secret = ?2",
            )
            .and_then(|mut s| s.execute(params![access_key_id, expected, sealed_secret, sealed_by]))
            .map_err(db)?;
        }
    }
    conn.prepare_cached("UPDATE counters SET value = value + 1 WHERE name = 'identity_generation'")
        .and_then(|mut s| s.execute([]))
        .map_err(db)?;
    Ok(())
}

fn exists(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<bool, MetaError> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.exists(params))
        .map_err(db)
}

fn create_account(conn: &Connection, a: &AccountRecord) -> Result<(), MetaError> {
    if exists(
        conn,
        "SELECT 1 FROM accounts WHERE name = ?1 OR account_id = ?2",
        params![a.name, a.account_id],
    )? {
        return Err(MetaError::IdentityExists(format!("account {}", a.name)));
    }
    conn.prepare_cached(
        "INSERT INTO accounts (account_id, name, created_ms, is_deployment, settings) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| {
        s.execute(params![
            a.account_id,
            a.name,
            a.created_ms,
            i64::from(a.is_deployment),
            a.settings
        ])
    })
    .map_err(db)?;
    Ok(())
}

fn delete_account(conn: &Connection, account_id: &str) -> Result<(), MetaError> {
    let is_deployment: Option<i64> = conn
        .prepare_cached("SELECT is_deployment FROM accounts WHERE account_id = ?1")
        .and_then(|mut s| s.query_row(params![account_id], |r| r.get(0)).optional())
        .map_err(db)?;
    match is_deployment {
        None => return Err(MetaError::NoSuchIdentity(format!("account {account_id}"))),
        Some(1) => {
            return Err(MetaError::IdentityInUse(
                "the deployment's own account cannot be deleted".into(),
            ));
        }
        Some(_) => {}
    }
    if exists(
        conn,
        "SELECT 1 FROM buckets WHERE owner = ?1",
        params![account_id],
    )? {
        return Err(MetaError::IdentityInUse(format!(
            "account {account_id} still owns buckets: delete them first"
        )));
    }
    for table in [
        "access_keys",
        "iam_users",
        "iam_groups",
        "iam_group_members",
        "iam_roles",
        "iam_policy_versions",
        "iam_policies",
        "iam_attachments",
        "iam_inline_policies",
        "accounts",
    ] {
        conn.execute(
            &format!("DELETE FROM {table} WHERE account_id = ?1"),
            params![account_id],
        )
        .map_err(db)?;
    }
    Ok(())
}

fn create_user(conn: &Connection, u: &UserRecord) -> Result<(), MetaError> {
    let key = name_key(&u.name);
    let tags = tags_to_text(&u.tags)?;
    if exists(
        conn,
        "SELECT 1 FROM iam_users WHERE account_id = ?1 AND name_key = ?2",
        params![u.account_id, key],
    )? {
        return Err(MetaError::IdentityExists(format!("User with name {}", u.name)));
    }
    conn.prepare_cached(
        "INSERT INTO iam_users (account_id, name_key, name, path, unique_id, created_ms, tags) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(params![
            u.account_id,
            key,
            u.name,
            u.path,
            u.unique_id,
            u.created_ms,
            tags
        ])
    })
    .map_err(db)?;
    Ok(())
}

fn delete_user(conn: &Connection, account_id: &str, user_name: &str) -> Result<(), MetaError> {
    let key = name_key(user_name);
    if !exists(
        conn,
        "SELECT 1 FROM iam_users WHERE account_id = ?1 AND name_key = ?2",
        params![account_id, key],
    )? {
        return Err(MetaError::NoSuchIdentity(format!(
            "The user with name {user_name} cannot be found."
        )));
    }
    // AWS refuses to delete a user that still has subordinate entities.
    if exists(
        conn,
        "SELECT 1 FROM access_keys WHERE account_id = ?1 AND user_key = ?2",
        params![account_id, key],
    )? {
        return Err(MetaError::IdentityInUse(
            "Cannot delete entity, must delete access keys first.".into(),
        ));
    }
    for (sql, what) in [
        (
            "SELECT 1 FROM iam_inline_policies WHERE account_id = ?1 AND kind = 'user' AND name_key = ?2",
            "Cannot delete entity, must delete policies first.",
        ),
        (
            "SELECT 1 FROM iam_attachments WHERE account_id = ?1 AND kind = 'user' AND name_key = ?2",
            "Cannot delete entity, must detach all policies first.",
        ),
        (
            "SELECT 1 FROM iam_group_members WHERE account_id = ?1 AND user_key = ?2",
            "Cannot delete entity, must remove users from group first.",
        ),
    ] {
        if exists(conn, sql, params![account_id, key])? {
            return Err(MetaError::IdentityInUse(what.into()));
        }
    }
    conn.prepare_cached("DELETE FROM iam_users WHERE account_id = ?1 AND name_key = ?2")
        .and_then(|mut s| s.execute(params![account_id, key]))
        .map_err(db)?;
    Ok(())
}

fn create_access_key(conn: &Connection, k: &AccessKeyRecord, max_per_owner: u32) -> Result<(), MetaError> {
    let user_key = k.user_name.as_deref().map(name_key);
    if let Some(user_key) = &user_key
        && !exists(
            conn,
            "SELECT 1 FROM iam_users WHERE account_id = ?1 AND name_key = ?2",
            params![k.account_id, user_key],
        )?
    {
        return Err(MetaError::NoSuchIdentity(format!(
            "The user with name {} cannot be found.",
            k.user_name.as_deref().unwrap_or_default()
        )));
    }
    let count: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM access_keys WHERE account_id = ?1 AND user_key IS ?2")
        .and_then(|mut s| s.query_row(params![k.account_id, user_key], |r| r.get(0)))
        .map_err(db)?;
    if count >= i64::from(max_per_owner) {
        return Err(MetaError::IdentityLimit(format!(
            "Cannot exceed quota for AccessKeysPerUser: {max_per_owner}"
        )));
    }
    insert_key(conn, k)
}

fn insert_key(conn: &Connection, k: &AccessKeyRecord) -> Result<(), MetaError> {
    if exists(
        conn,
        "SELECT 1 FROM access_keys WHERE access_key_id = ?1",
        params![k.access_key_id],
    )? {
        return Err(MetaError::IdentityExists(format!(
            "access key {}",
            k.access_key_id
        )));
    }
    conn.prepare_cached(
        "INSERT INTO access_keys (access_key_id, account_id, user_key, sealed_secret, sealed_by, status, created_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(params![
            k.access_key_id,
            k.account_id,
            k.user_name.as_deref().map(name_key),
            k.sealed_secret,
            k.sealed_by,
            k.status.as_str(),
            k.created_ms
        ])
    })
    .map_err(db)?;
    Ok(())
}
