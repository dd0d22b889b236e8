//! Identity records (ADR 13): the whole set read at once, and each change applied with
//! its checks inside the writer's savepoint.

use coffer_meta::{
    AccessKeyRecord, AccountRecord, AttachmentRecord, EntityKind, GroupRecord, IamTag, IdentityChange,
    IdentitySnapshot, InlinePolicyRecord, KeyStatus, ManagedPolicyRecord, MembershipRecord, MetaError,
    PolicyVersionRecord, RoleRecord, UserRecord, name_key,
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

fn kind_from_row(row: &Row<'_>, i: usize) -> Result<EntityKind, MetaError> {
    let kind: String = col(row, i)?;
    EntityKind::parse(&kind).ok_or_else(|| MetaError::Corrupt(format!("unknown IAM entity kind {kind:?}")))
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
    let groups = all(
        &tx,
        "SELECT account_id, name, path, unique_id, created_ms FROM iam_groups ORDER BY account_id, name_key",
        |row| {
            Ok(GroupRecord {
                account_id: col(row, 0)?,
                name: col(row, 1)?,
                path: col(row, 2)?,
                unique_id: col(row, 3)?,
                created_ms: col(row, 4)?,
            })
        },
    )?;
    let roles = all(
        &tx,
        "SELECT account_id, name, path, unique_id, created_ms, tags, trust_policy, max_session_secs, description \
         FROM iam_roles ORDER BY account_id, name_key",
        |row| {
            let tags: String = col(row, 5)?;
            Ok(RoleRecord {
                account_id: col(row, 0)?,
                name: col(row, 1)?,
                path: col(row, 2)?,
                unique_id: col(row, 3)?,
                created_ms: col(row, 4)?,
                tags: tags_from_text(&tags)?,
                trust_policy: col(row, 6)?,
                max_session_secs: col(row, 7)?,
                description: col(row, 8)?,
            })
        },
    )?;
    let memberships = all(
        &tx,
        "SELECT account_id, group_key, user_key FROM iam_group_members ORDER BY account_id, group_key, user_key",
        |row| {
            Ok(MembershipRecord {
                account_id: col(row, 0)?,
                group_key: col(row, 1)?,
                user_key: col(row, 2)?,
            })
        },
    )?;
    let mut policies = all(
        &tx,
        "SELECT account_id, name, path, unique_id, created_ms, description FROM iam_policies \
         ORDER BY account_id, name_key",
        |row| {
            Ok(ManagedPolicyRecord {
                account_id: col(row, 0)?,
                name: col(row, 1)?,
                path: col(row, 2)?,
                unique_id: col(row, 3)?,
                created_ms: col(row, 4)?,
                description: col(row, 5)?,
                versions: Vec::new(),
            })
        },
    )?;
    let versions = all(
        &tx,
        "SELECT account_id, policy_key, version_id, document, is_default, created_ms FROM iam_policy_versions \
         ORDER BY account_id, policy_key, created_ms, version_id",
        |row| {
            let owner: (String, String) = (col(row, 0)?, col(row, 1)?);
            let version = PolicyVersionRecord {
                version_id: col(row, 2)?,
                document: col(row, 3)?,
                is_default: col::<i64>(row, 4)? != 0,
                created_ms: col(row, 5)?,
            };
            Ok((owner, version))
        },
    )?;
    for ((account, key), version) in versions {
        if let Some(p) = policies
            .iter_mut()
            .find(|p| p.account_id == account && name_key(&p.name) == key)
        {
            p.versions.push(version);
        }
    }
    let attachments = all(
        &tx,
        "SELECT account_id, kind, name_key, policy_arn FROM iam_attachments ORDER BY account_id, kind, name_key, policy_arn",
        |row| {
            Ok(AttachmentRecord {
                account_id: col(row, 0)?,
                kind: kind_from_row(row, 1)?,
                entity_key: col(row, 2)?,
                policy_arn: col(row, 3)?,
            })
        },
    )?;
    let inline_policies = all(
        &tx,
        "SELECT account_id, kind, name_key, policy_name, document FROM iam_inline_policies \
         ORDER BY account_id, kind, name_key, policy_name",
        |row| {
            Ok(InlinePolicyRecord {
                account_id: col(row, 0)?,
                kind: kind_from_row(row, 1)?,
                entity_key: col(row, 2)?,
                policy_name: col(row, 3)?,
                document: col(row, 4)?,
            })
        },
    )?;
    tx.finish().map_err(db)?;
    Ok(IdentitySnapshot {
        generation,
        accounts,
        users,
        access_keys,
        groups,
        roles,
        memberships,
        policies,
        attachments,
        inline_policies,
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
        IdentityChange::SetAccountSettings { account_id, settings } => {
            let n = conn
                .prepare_cached("UPDATE accounts SET settings = ?2 WHERE account_id = ?1")
                .and_then(|mut s| s.execute(params![account_id, settings]))
                .map_err(db)?;
            if n == 0 {
                return Err(MetaError::NoSuchIdentity(format!("account {account_id}")));
            }
        }
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
        IdentityChange::CreateRole(r) => create_role(conn, r)?,
        IdentityChange::UpdateRole(r) => {
            let tags = tags_to_text(&r.tags)?;
            let n = conn
                .prepare_cached(
                    "UPDATE iam_roles SET trust_policy = ?3, tags = ?4, description = ?5, max_session_secs = ?6 \
                     WHERE account_id = ?1 AND name_key = ?2",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        r.account_id,
                        name_key(&r.name),
                        r.trust_policy,
                        tags,
                        r.description,
                        r.max_session_secs
                    ])
                })
                .map_err(db)?;
            if n == 0 {
                return Err(MetaError::NoSuchIdentity(format!(
                    "The role with name {} cannot be found.",
                    r.name
                )));
            }
        }
        IdentityChange::DeleteRole {
            account_id,
            role_name,
        } => delete_role(conn, account_id, role_name)?,
        IdentityChange::CreateGroup(g) => create_group(conn, g)?,
        IdentityChange::DeleteGroup {
            account_id,
            group_name,
        } => delete_group(conn, account_id, group_name)?,
        IdentityChange::AddUserToGroup {
            account_id,
            group_name,
            user_name,
            max_groups,
        } => add_user_to_group(conn, account_id, group_name, user_name, *max_groups)?,
        IdentityChange::RemoveUserFromGroup {
            account_id,
            group_name,
            user_name,
        } => {
            let n = conn
                .prepare_cached(
                    "DELETE FROM iam_group_members WHERE account_id = ?1 AND group_key = ?2 AND user_key = ?3",
                )
                .and_then(|mut s| s.execute(params![account_id, name_key(group_name), name_key(user_name)]))
                .map_err(db)?;
            if n == 0 {
                return Err(MetaError::NoSuchIdentity(format!(
                    "The user with name {user_name} is not in group {group_name}."
                )));
            }
        }
        IdentityChange::CreatePolicy(p) => create_policy(conn, p)?,
        IdentityChange::CreatePolicyVersion {
            account_id,
            policy_name,
            version,
            set_default,
            max_versions,
        } => create_policy_version(
            conn,
            account_id,
            policy_name,
            version,
            *set_default,
            *max_versions,
        )?,
        IdentityChange::SetDefaultPolicyVersion {
            account_id,
            policy_name,
            version_id,
        } => set_default_version(conn, account_id, policy_name, version_id)?,
        IdentityChange::DeletePolicyVersion {
            account_id,
            policy_name,
            version_id,
        } => delete_policy_version(conn, account_id, policy_name, version_id)?,
        IdentityChange::DeletePolicy {
            account_id,
            policy_name,
            policy_arn,
        } => delete_policy(conn, account_id, policy_name, policy_arn)?,
        IdentityChange::AttachPolicy {
            attachment,
            max_attached,
        } => attach_policy(conn, attachment, *max_attached)?,
        IdentityChange::DetachPolicy(a) => {
            let n = conn
                .prepare_cached(
                    "DELETE FROM iam_attachments WHERE account_id = ?1 AND kind = ?2 AND name_key = ?3 AND policy_arn = ?4",
                )
                .and_then(|mut s| s.execute(params![a.account_id, a.kind.as_str(), a.entity_key, a.policy_arn]))
                .map_err(db)?;
            if n == 0 {
                return Err(MetaError::NoSuchIdentity(format!(
                    "Policy {} was not found.",
                    a.policy_arn
                )));
            }
        }
        IdentityChange::PutInlinePolicy(p) => {
            require_entity(conn, &p.account_id, p.kind, &p.entity_key)?;
            conn.prepare_cached(
                "INSERT INTO iam_inline_policies (account_id, kind, name_key, policy_name, document) \
                 VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (account_id, kind, name_key, policy_name) DO UPDATE SET document = excluded.document",
            )
            .and_then(|mut s| s.execute(params![p.account_id, p.kind.as_str(), p.entity_key, p.policy_name, p.document]))
            .map_err(db)?;
        }
        IdentityChange::DeleteInlinePolicy {
            account_id,
            kind,
            entity_key,
            policy_name,
        } => {
            require_entity(conn, account_id, *kind, entity_key)?;
            let n = conn
                .prepare_cached(
                    "DELETE FROM iam_inline_policies WHERE account_id = ?1 AND kind = ?2 AND name_key = ?3 \
                     AND policy_name = ?4",
                )
                .and_then(|mut s| s.execute(params![account_id, kind.as_str(), entity_key, policy_name]))
                .map_err(db)?;
            if n == 0 {
                return Err(MetaError::NoSuchIdentity(format!(
                    "The {} policy with name {policy_name} cannot be found.",
                    kind.as_str()
                )));
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
    refuse_taken(conn, EntityKind::User, &u.account_id, &key, &u.name)?;
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
    require_entity(conn, account_id, EntityKind::User, &key)?;
    // AWS refuses to delete a user that still has subordinate entities.
    for (sql, why) in [
        (
            "SELECT 1 FROM access_keys WHERE account_id = ?1 AND user_key = ?2",
            "Cannot delete entity, must delete access keys first.",
        ),
        (
            "SELECT 1 FROM iam_group_members WHERE account_id = ?1 AND user_key = ?2",
            "Cannot delete entity, must remove users from group first.",
        ),
    ] {
        if exists(conn, sql, params![account_id, key])? {
            return Err(MetaError::IdentityInUse(why.into()));
        }
    }
    delete_entity(conn, account_id, EntityKind::User, &key)
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

fn entity_table(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "iam_users",
        EntityKind::Group => "iam_groups",
        EntityKind::Role => "iam_roles",
    }
}

/// `IdentityExists` when the account has a user, group or role of that name (any case).
fn refuse_taken(
    conn: &Connection,
    kind: EntityKind,
    account_id: &str,
    key: &str,
    name: &str,
) -> Result<(), MetaError> {
    let sql = format!(
        "SELECT 1 FROM {} WHERE account_id = ?1 AND name_key = ?2",
        entity_table(kind)
    );
    if exists(conn, &sql, params![account_id, key])? {
        let what = match kind {
            EntityKind::User => "User",
            EntityKind::Group => "Group",
            EntityKind::Role => "Role",
        };
        return Err(MetaError::IdentityExists(format!("{what} with name {name}")));
    }
    Ok(())
}

fn require_entity(conn: &Connection, account_id: &str, kind: EntityKind, key: &str) -> Result<(), MetaError> {
    let sql = format!(
        "SELECT 1 FROM {} WHERE account_id = ?1 AND name_key = ?2",
        entity_table(kind)
    );
    if exists(conn, &sql, params![account_id, key])? {
        Ok(())
    } else {
        Err(MetaError::NoSuchIdentity(format!(
            "The {} with name {key} cannot be found.",
            kind.as_str()
        )))
    }
}

fn create_group(conn: &Connection, g: &GroupRecord) -> Result<(), MetaError> {
    let key = name_key(&g.name);
    refuse_taken(conn, EntityKind::Group, &g.account_id, &key, &g.name)?;
    conn.prepare_cached(
        "INSERT INTO iam_groups (account_id, name_key, name, path, unique_id, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| s.execute(params![g.account_id, key, g.name, g.path, g.unique_id, g.created_ms]))
    .map_err(db)?;
    Ok(())
}

fn delete_group(conn: &Connection, account_id: &str, group_name: &str) -> Result<(), MetaError> {
    let key = name_key(group_name);
    require_entity(conn, account_id, EntityKind::Group, &key)?;
    if exists(
        conn,
        "SELECT 1 FROM iam_group_members WHERE account_id = ?1 AND group_key = ?2",
        params![account_id, key],
    )? {
        return Err(MetaError::IdentityInUse(
            "Cannot delete entity, must remove users from group first.".into(),
        ));
    }
    delete_entity(conn, account_id, EntityKind::Group, &key)
}

fn add_user_to_group(
    conn: &Connection,
    account_id: &str,
    group_name: &str,
    user_name: &str,
    max_groups: u32,
) -> Result<(), MetaError> {
    let (group_key, user_key) = (name_key(group_name), name_key(user_name));
    require_entity(conn, account_id, EntityKind::Group, &group_key)?;
    require_entity(conn, account_id, EntityKind::User, &user_key)?;
    if exists(
        conn,
        "SELECT 1 FROM iam_group_members WHERE account_id = ?1 AND group_key = ?2 AND user_key = ?3",
        params![account_id, group_key, user_key],
    )? {
        return Ok(());
    }
    let count: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM iam_group_members WHERE account_id = ?1 AND user_key = ?2")
        .and_then(|mut s| s.query_row(params![account_id, user_key], |r| r.get(0)))
        .map_err(db)?;
    if count >= i64::from(max_groups) {
        return Err(MetaError::IdentityLimit(format!(
            "Cannot exceed quota for GroupsPerUser: {max_groups}"
        )));
    }
    conn.prepare_cached(
        "INSERT INTO iam_group_members (account_id, group_key, user_key) VALUES (?1, ?2, ?3)",
    )
    .and_then(|mut s| s.execute(params![account_id, group_key, user_key]))
    .map_err(db)?;
    Ok(())
}

fn insert_version(
    conn: &Connection,
    account_id: &str,
    policy_key: &str,
    v: &PolicyVersionRecord,
) -> Result<(), MetaError> {
    conn.prepare_cached(
        "INSERT INTO iam_policy_versions (account_id, policy_key, version_id, document, is_default, created_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| {
        s.execute(params![
            account_id,
            policy_key,
            v.version_id,
            v.document,
            i64::from(v.is_default),
            v.created_ms
        ])
    })
    .map_err(db)?;
    Ok(())
}

fn require_policy(conn: &Connection, account_id: &str, key: &str, name: &str) -> Result<(), MetaError> {
    if exists(
        conn,
        "SELECT 1 FROM iam_policies WHERE account_id = ?1 AND name_key = ?2",
        params![account_id, key],
    )? {
        Ok(())
    } else {
        Err(MetaError::NoSuchIdentity(format!("Policy {name} was not found.")))
    }
}

fn create_policy(conn: &Connection, p: &ManagedPolicyRecord) -> Result<(), MetaError> {
    let key = name_key(&p.name);
    if exists(
        conn,
        "SELECT 1 FROM iam_policies WHERE account_id = ?1 AND name_key = ?2",
        params![p.account_id, key],
    )? {
        return Err(MetaError::IdentityExists(format!(
            "A policy called {} already exists. Duplicate names are not allowed.",
            p.name
        )));
    }
    conn.prepare_cached(
        "INSERT INTO iam_policies (account_id, name_key, name, path, unique_id, created_ms, description, tags) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '[]')",
    )
    .and_then(|mut s| {
        s.execute(params![
            p.account_id,
            key,
            p.name,
            p.path,
            p.unique_id,
            p.created_ms,
            p.description
        ])
    })
    .map_err(db)?;
    for v in &p.versions {
        insert_version(conn, &p.account_id, &key, v)?;
    }
    Ok(())
}

fn create_policy_version(
    conn: &Connection,
    account_id: &str,
    policy_name: &str,
    version: &PolicyVersionRecord,
    set_default: bool,
    max_versions: u32,
) -> Result<(), MetaError> {
    let key = name_key(policy_name);
    require_policy(conn, account_id, &key, policy_name)?;
    let count: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM iam_policy_versions WHERE account_id = ?1 AND policy_key = ?2")
        .and_then(|mut s| s.query_row(params![account_id, key], |r| r.get(0)))
        .map_err(db)?;
    if count >= i64::from(max_versions) {
        return Err(MetaError::IdentityLimit(format!(
            "A managed policy can have up to {max_versions} versions. Before you create a new version, you must delete an existing version."
        )));
    }
    if set_default {
        conn.prepare_cached(
            "UPDATE iam_policy_versions SET is_default = 0 WHERE account_id = ?1 AND policy_key = ?2",
        )
        .and_then(|mut s| s.execute(params![account_id, key]))
        .map_err(db)?;
    }
    let version = PolicyVersionRecord {
        is_default: set_default,
        ..version.clone()
    };
    insert_version(conn, account_id, &key, &version)
}

fn set_default_version(
    conn: &Connection,
    account_id: &str,
    policy_name: &str,
    version_id: &str,
) -> Result<(), MetaError> {
    let key = name_key(policy_name);
    require_policy(conn, account_id, &key, policy_name)?;
    if !exists(
        conn,
        "SELECT 1 FROM iam_policy_versions WHERE account_id = ?1 AND policy_key = ?2 AND version_id = ?3",
        params![account_id, key, version_id],
    )? {
        return Err(MetaError::NoSuchIdentity(format!(
            "Policy {policy_name} version {version_id} does not exist or is not attachable."
        )));
    }
    conn.prepare_cached(
        "UPDATE iam_policy_versions SET is_default = (version_id = ?3) WHERE account_id = ?1 AND policy_key = ?2",
    )
    .and_then(|mut s| s.execute(params![account_id, key, version_id]))
    .map_err(db)?;
    Ok(())
}

fn delete_policy_version(
    conn: &Connection,
    account_id: &str,
    policy_name: &str,
    version_id: &str,
) -> Result<(), MetaError> {
    let key = name_key(policy_name);
    require_policy(conn, account_id, &key, policy_name)?;
    let is_default: Option<i64> = conn
        .prepare_cached(
            "SELECT is_default FROM iam_policy_versions WHERE account_id = ?1 AND policy_key = ?2 AND version_id = ?3",
        )
        .and_then(|mut s| s.query_row(params![account_id, key, version_id], |r| r.get(0)).optional())
        .map_err(db)?;
    match is_default {
        None => Err(MetaError::NoSuchIdentity(format!(
            "Policy {policy_name} version {version_id} does not exist or is not attachable."
        ))),
        Some(1) => Err(MetaError::IdentityInUse(
            "Cannot delete the default version of a policy.".into(),
        )),
        Some(_) => {
            conn.prepare_cached(
                "DELETE FROM iam_policy_versions WHERE account_id = ?1 AND policy_key = ?2 AND version_id = ?3",
            )
            .and_then(|mut s| s.execute(params![account_id, key, version_id]))
            .map_err(db)?;
            Ok(())
        }
    }
}

fn delete_policy(
    conn: &Connection,
    account_id: &str,
    policy_name: &str,
    policy_arn: &str,
) -> Result<(), MetaError> {
    let key = name_key(policy_name);
    require_policy(conn, account_id, &key, policy_name)?;
    if exists(
        conn,
        "SELECT 1 FROM iam_attachments WHERE account_id = ?1 AND policy_arn = ?2",
        params![account_id, policy_arn],
    )? {
        return Err(MetaError::IdentityInUse(
            "Cannot delete a policy attached to entities.".into(),
        ));
    }
    for sql in [
        "DELETE FROM iam_policy_versions WHERE account_id = ?1 AND policy_key = ?2",
        "DELETE FROM iam_policies WHERE account_id = ?1 AND name_key = ?2",
    ] {
        conn.prepare_cached(sql)
            .and_then(|mut s| s.execute(params![account_id, key]))
            .map_err(db)?;
    }
    Ok(())
}

fn attach_policy(conn: &Connection, a: &AttachmentRecord, max_attached: u32) -> Result<(), MetaError> {
    require_entity(conn, &a.account_id, a.kind, &a.entity_key)?;
    if exists(
        conn,
        "SELECT 1 FROM iam_attachments WHERE account_id = ?1 AND kind = ?2 AND name_key = ?3 AND policy_arn = ?4",
        params![a.account_id, a.kind.as_str(), a.entity_key, a.policy_arn],
    )? {
        return Ok(());
    }
    let count: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM iam_attachments WHERE account_id = ?1 AND kind = ?2 AND name_key = ?3",
        )
        .and_then(|mut s| s.query_row(params![a.account_id, a.kind.as_str(), a.entity_key], |r| r.get(0)))
        .map_err(db)?;
    if count >= i64::from(max_attached) {
        let what = match a.kind {
            EntityKind::User => "PoliciesPerUser",
            EntityKind::Group => "PoliciesPerGroup",
            EntityKind::Role => "PoliciesPerRole",
        };
        return Err(MetaError::IdentityLimit(format!(
            "Cannot exceed quota for {what}: {max_attached}"
        )));
    }
    conn.prepare_cached(
        "INSERT INTO iam_attachments (account_id, kind, name_key, policy_arn) VALUES (?1, ?2, ?3, ?4)",
    )
    .and_then(|mut s| s.execute(params![a.account_id, a.kind.as_str(), a.entity_key, a.policy_arn]))
    .map_err(db)?;
    Ok(())
}

fn create_role(conn: &Connection, r: &RoleRecord) -> Result<(), MetaError> {
    let key = name_key(&r.name);
    let tags = tags_to_text(&r.tags)?;
    refuse_taken(conn, EntityKind::Role, &r.account_id, &key, &r.name)?;
    conn.prepare_cached(
        "INSERT INTO iam_roles (account_id, name_key, name, path, unique_id, created_ms, tags, trust_policy, \
         max_session_secs, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut s| {
        s.execute(params![
            r.account_id,
            key,
            r.name,
            r.path,
            r.unique_id,
            r.created_ms,
            tags,
            r.trust_policy,
            r.max_session_secs,
            r.description
        ])
    })
    .map_err(db)?;
    Ok(())
}

fn delete_role(conn: &Connection, account_id: &str, role_name: &str) -> Result<(), MetaError> {
    let key = name_key(role_name);
    require_entity(conn, account_id, EntityKind::Role, &key)?;
    delete_entity(conn, account_id, EntityKind::Role, &key)
}

/// Deletes a user, group or role that has no policy left (AWS refuses otherwise).
fn delete_entity(conn: &Connection, account_id: &str, kind: EntityKind, key: &str) -> Result<(), MetaError> {
    for (table, why) in [
        (
            "iam_inline_policies",
            "Cannot delete entity, must delete policies first.",
        ),
        (
            "iam_attachments",
            "Cannot delete entity, must detach all policies first.",
        ),
    ] {
        let sql = format!("SELECT 1 FROM {table} WHERE account_id = ?1 AND kind = ?2 AND name_key = ?3");
        if exists(conn, &sql, params![account_id, kind.as_str(), key])? {
            return Err(MetaError::IdentityInUse(why.into()));
        }
    }
    let sql = format!(
        "DELETE FROM {} WHERE account_id = ?1 AND name_key = ?2",
        entity_table(kind)
    );
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.execute(params![account_id, key]))
        .map_err(db)?;
    Ok(())
}
