//! Identity records: accounts, users and access keys, with the checks each change makes.

use crate::{
    AccessKeyRecord, AccountRecord, IamTag, IdentityChange, KeyStatus, MetaError, MetaStore, UserRecord,
};

fn key(id: &str, account: &str, user: Option<&str>) -> AccessKeyRecord {
    AccessKeyRecord {
        access_key_id: id.to_owned(),
        account_id: account.to_owned(),
        user_name: user.map(str::to_owned),
        sealed_secret: format!("sealed-{id}"),
        sealed_by: "mk-1".to_owned(),
        status: KeyStatus::Active,
        created_ms: 1_700_000_000_000,
    }
}

fn user(account: &str, name: &str) -> UserRecord {
    UserRecord {
        account_id: account.to_owned(),
        name: name.to_owned(),
        path: "/".to_owned(),
        unique_id: format!("AIDA{}", name.to_uppercase()),
        created_ms: 1_700_000_000_000,
        tags: vec![IamTag {
            key: "team".to_owned(),
            value: "a".to_owned(),
        }],
    }
}

async fn apply(store: &dyn MetaStore, change: IdentityChange) -> Result<(), MetaError> {
    store.apply_identity_change(change).await
}

/// Accounts, users and keys are created, read back whole, limited and deleted as the
/// change enum documents.
pub async fn identities(store: &dyn MetaStore) {
    let before = store.load_identities().await.unwrap();
    let account = AccountRecord {
        account_id: "111122223333".to_owned(),
        name: "team-a".to_owned(),
        created_ms: 1_700_000_000_000,
        is_deployment: false,
        settings: "{}".to_owned(),
    };
    let create = IdentityChange::CreateAccount {
        account: account.clone(),
        root_key: key("AKIAROOTA", "111122223333", None),
    };
    apply(store, create.clone()).await.unwrap();
    let r = apply(store, create).await;
    assert!(matches!(r, Err(MetaError::IdentityExists(_))), "{r:?}");

    apply(store, IdentityChange::CreateUser(user("111122223333", "Alice")))
        .await
        .unwrap();
    let r = apply(store, IdentityChange::CreateUser(user("111122223333", "alice"))).await;
    assert!(
        matches!(r, Err(MetaError::IdentityExists(_))),
        "names are unique regardless of case: {r:?}"
    );
    for id in ["AKIAUSER1", "AKIAUSER2"] {
        let change = IdentityChange::CreateAccessKey {
            key: key(id, "111122223333", Some("Alice")),
            max_per_owner: 2,
        };
        apply(store, change).await.unwrap();
    }
    let r = apply(
        store,
        IdentityChange::CreateAccessKey {
            key: key("AKIAUSER3", "111122223333", Some("alice")),
            max_per_owner: 2,
        },
    )
    .await;
    assert!(matches!(r, Err(MetaError::IdentityLimit(_))), "{r:?}");
    let r = apply(
        store,
        IdentityChange::CreateAccessKey {
            key: key("AKIANOUSER", "111122223333", Some("nobody")),
            max_per_owner: 2,
        },
    )
    .await;
    assert!(matches!(r, Err(MetaError::NoSuchIdentity(_))), "{r:?}");

    let snap = store.load_identities().await.unwrap();
    assert!(snap.generation > before.generation);
    assert!(snap.accounts.contains(&account));
    assert!(snap.users.contains(&user("111122223333", "Alice")));
    let keys: Vec<_> = snap
        .access_keys
        .iter()
        .filter(|k| k.account_id == "111122223333")
        .map(|k| (k.access_key_id.as_str(), k.user_name.as_deref()))
        .collect();
    assert_eq!(
        keys,
        [
            ("AKIAROOTA", None),
            ("AKIAUSER1", Some("Alice")),
            ("AKIAUSER2", Some("Alice"))
        ]
    );

    // A key is addressed through its owner.
    let r = apply(
        store,
        IdentityChange::SetAccessKeyStatus {
            account_id: "111122223333".to_owned(),
            user_name: None,
            access_key_id: "AKIAUSER1".to_owned(),
            status: KeyStatus::Inactive,
        },
    )
    .await;
    assert!(matches!(r, Err(MetaError::NoSuchIdentity(_))), "{r:?}");
    apply(
        store,
        IdentityChange::SetAccessKeyStatus {
            account_id: "111122223333".to_owned(),
            user_name: Some("ALICE".to_owned()),
            access_key_id: "AKIAUSER1".to_owned(),
            status: KeyStatus::Inactive,
        },
    )
    .await
    .unwrap();
    let snap = store.load_identities().await.unwrap();
    let k1 = snap
        .access_keys
        .iter()
        .find(|k| k.access_key_id == "AKIAUSER1")
        .unwrap();
    assert_eq!(k1.status, KeyStatus::Inactive);

    let r = apply(
        store,
        IdentityChange::DeleteUser {
            account_id: "111122223333".to_owned(),
            user_name: "Alice".to_owned(),
        },
    )
    .await;
    assert!(matches!(r, Err(MetaError::IdentityInUse(_))), "keys first: {r:?}");
    for id in ["AKIAUSER1", "AKIAUSER2"] {
        apply(
            store,
            IdentityChange::DeleteAccessKey {
                account_id: "111122223333".to_owned(),
                user_name: Some("Alice".to_owned()),
                access_key_id: id.to_owned(),
            },
        )
        .await
        .unwrap();
    }
    apply(
        store,
        IdentityChange::SetUserTags {
            account_id: "111122223333".to_owned(),
            user_name: "alice".to_owned(),
            tags: Vec::new(),
        },
    )
    .await
    .unwrap();
    apply(
        store,
        IdentityChange::DeleteUser {
            account_id: "111122223333".to_owned(),
            user_name: "Alice".to_owned(),
        },
    )
    .await
    .unwrap();

    // An account that owns a bucket stays.
    store
        .create_bucket(crate::BucketRecord {
            owner: "111122223333".to_owned(),
            ..super::bucket_record("ident-owned")
        })
        .await
        .unwrap();
    let delete = IdentityChange::DeleteAccount {
        account_id: "111122223333".to_owned(),
    };
    let r = apply(store, delete.clone()).await;
    assert!(matches!(r, Err(MetaError::IdentityInUse(_))), "{r:?}");
    store.delete_bucket("ident-owned").await.unwrap();
    apply(store, delete.clone()).await.unwrap();
    let r = apply(store, delete).await;
    assert!(matches!(r, Err(MetaError::NoSuchIdentity(_))), "{r:?}");
    let snap = store.load_identities().await.unwrap();
    assert!(snap.accounts.iter().all(|a| a.account_id != "111122223333"));
    assert!(snap.access_keys.iter().all(|k| k.account_id != "111122223333"));
}

fn version(id: &str, doc: &str, is_default: bool) -> crate::PolicyVersionRecord {
    crate::PolicyVersionRecord {
        version_id: id.to_owned(),
        document: doc.to_owned(),
        is_default,
        created_ms: 1_700_000_000_000,
    }
}

/// Groups, managed policies with versions, attachments and inline policies, with the
/// checks that keep a deleted entity from leaving anything behind.
pub async fn identity_policies(store: &dyn MetaStore) {
    use crate::{AttachmentRecord, EntityKind, GroupRecord, InlinePolicyRecord, ManagedPolicyRecord};
    let acct = "444455556666";
    apply(
        store,
        IdentityChange::CreateAccount {
            account: AccountRecord {
                account_id: acct.to_owned(),
                name: "policies".to_owned(),
                created_ms: 1,
                is_deployment: false,
                settings: "{}".to_owned(),
            },
            root_key: key("AKIAPOLROOT", acct, None),
        },
    )
    .await
    .unwrap();
    apply(store, IdentityChange::CreateUser(user(acct, "bob")))
        .await
        .unwrap();
    let group = GroupRecord {
        account_id: acct.to_owned(),
        name: "Writers".to_owned(),
        path: "/".to_owned(),
        unique_id: "AGPAWRITERS".to_owned(),
        created_ms: 1,
    };
    apply(store, IdentityChange::CreateGroup(group.clone()))
        .await
        .unwrap();
    let add = IdentityChange::AddUserToGroup {
        account_id: acct.to_owned(),
        group_name: "writers".to_owned(),
        user_name: "BOB".to_owned(),
        max_groups: 10,
    };
    apply(store, add.clone()).await.unwrap();
    apply(store, add).await.unwrap();

    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    apply(
        store,
        IdentityChange::CreatePolicy(ManagedPolicyRecord {
            account_id: acct.to_owned(),
            name: "S3All".to_owned(),
            path: "/".to_owned(),
            unique_id: "ANPAS3ALL".to_owned(),
            created_ms: 1,
            description: String::new(),
            versions: vec![version("v1", doc, true)],
        }),
    )
    .await
    .unwrap();
    for n in 2..=5 {
        apply(
            store,
            IdentityChange::CreatePolicyVersion {
                account_id: acct.to_owned(),
                policy_name: "s3all".to_owned(),
                version: version(&format!("v{n}"), doc, false),
                set_default: n == 3,
                max_versions: 5,
            },
        )
        .await
        .unwrap();
    }
    let r = apply(
        store,
        IdentityChange::CreatePolicyVersion {
            account_id: acct.to_owned(),
            policy_name: "S3All".to_owned(),
            version: version("v6", doc, false),
            set_default: false,
            max_versions: 5,
        },
    )
    .await;
    assert!(matches!(r, Err(MetaError::IdentityLimit(_))), "{r:?}");
    let r = apply(
        store,
        IdentityChange::DeletePolicyVersion {
            account_id: acct.to_owned(),
            policy_name: "S3All".to_owned(),
            version_id: "v3".to_owned(),
        },
    )
    .await;
    assert!(
        matches!(r, Err(MetaError::IdentityInUse(_))),
        "the default stays: {r:?}"
    );

    let attachment = AttachmentRecord {
        account_id: acct.to_owned(),
        kind: EntityKind::Group,
        entity_key: "writers".to_owned(),
        policy_arn: format!("arn:aws:iam::{acct}:policy/S3All"),
    };
    let attach = IdentityChange::AttachPolicy {
        attachment: attachment.clone(),
        max_attached: 10,
    };
    apply(store, attach.clone()).await.unwrap();
    apply(store, attach).await.unwrap();
    let inline = InlinePolicyRecord {
        account_id: acct.to_owned(),
        kind: EntityKind::User,
        entity_key: "bob".to_owned(),
        policy_name: "own".to_owned(),
        document: doc.to_owned(),
    };
    apply(store, IdentityChange::PutInlinePolicy(inline.clone()))
        .await
        .unwrap();

    let snap = store.load_identities().await.unwrap();
    assert!(snap.groups.contains(&group));
    assert_eq!(
        snap.memberships.iter().filter(|m| m.account_id == acct).count(),
        1
    );
    let policy = snap.policies.iter().find(|p| p.account_id == acct).unwrap();
    let versions: Vec<_> = policy
        .versions
        .iter()
        .map(|v| (v.version_id.as_str(), v.is_default))
        .collect();
    assert_eq!(
        versions,
        [
            ("v1", false),
            ("v2", false),
            ("v3", true),
            ("v4", false),
            ("v5", false)
        ]
    );
    assert!(snap.attachments.contains(&attachment));
    assert!(snap.inline_policies.contains(&inline));

    // Nothing attached or embedded can be deleted from under an entity.
    let r = apply(
        store,
        IdentityChange::DeletePolicy {
            account_id: acct.to_owned(),
            policy_name: "S3All".to_owned(),
            policy_arn: attachment.policy_arn.clone(),
        },
    )
    .await;
    assert!(matches!(r, Err(MetaError::IdentityInUse(_))), "{r:?}");
    let delete_group = IdentityChange::DeleteGroup {
        account_id: acct.to_owned(),
        group_name: "Writers".to_owned(),
    };
    let r = apply(store, delete_group.clone()).await;
    assert!(matches!(r, Err(MetaError::IdentityInUse(_))), "{r:?}");
    let delete_user = IdentityChange::DeleteUser {
        account_id: acct.to_owned(),
        user_name: "bob".to_owned(),
    };
    let r = apply(store, delete_user.clone()).await;
    assert!(matches!(r, Err(MetaError::IdentityInUse(_))), "{r:?}");

    apply(store, IdentityChange::DetachPolicy(attachment.clone()))
        .await
        .unwrap();
    let r = apply(store, IdentityChange::DetachPolicy(attachment.clone())).await;
    assert!(matches!(r, Err(MetaError::NoSuchIdentity(_))), "{r:?}");
    apply(
        store,
        IdentityChange::RemoveUserFromGroup {
            account_id: acct.to_owned(),
            group_name: "Writers".to_owned(),
            user_name: "bob".to_owned(),
        },
    )
    .await
    .unwrap();
    apply(store, delete_group).await.unwrap();
    apply(
        store,
        IdentityChange::DeleteInlinePolicy {
            account_id: acct.to_owned(),
            kind: EntityKind::User,
            entity_key: "bob".to_owned(),
            policy_name: "own".to_owned(),
        },
    )
    .await
    .unwrap();
    apply(store, delete_user).await.unwrap();
    apply(
        store,
        IdentityChange::DeletePolicy {
            account_id: acct.to_owned(),
            policy_name: "S3All".to_owned(),
            policy_arn: attachment.policy_arn,
        },
    )
    .await
    .unwrap();
    let snap = store.load_identities().await.unwrap();
    assert!(snap.policies.iter().all(|p| p.account_id != acct));
    assert!(snap.groups.iter().all(|g| g.account_id != acct));
}

/// Roles: created once per name (any case), updated in place, deleted only without
/// policies.
pub async fn identity_roles(store: &dyn MetaStore) {
    use crate::{EntityKind, InlinePolicyRecord, RoleRecord};
    let acct = "777788889999";
    apply(
        store,
        IdentityChange::CreateAccount {
            account: AccountRecord {
                account_id: acct.to_owned(),
                name: "roles".to_owned(),
                created_ms: 1,
                is_deployment: false,
                settings: "{}".to_owned(),
            },
            root_key: key("AKIAROLEROOT", acct, None),
        },
    )
    .await
    .unwrap();
    let role = RoleRecord {
        account_id: acct.to_owned(),
        name: "Worker".to_owned(),
        path: "/app/".to_owned(),
        unique_id: "AROAWORKER".to_owned(),
        created_ms: 1,
        tags: Vec::new(),
        trust_policy: "{}".to_owned(),
        max_session_secs: 3600,
        description: String::new(),
    };
    apply(store, IdentityChange::CreateRole(role.clone()))
        .await
        .unwrap();
    let r = apply(
        store,
        IdentityChange::CreateRole(RoleRecord {
            name: "worker".to_owned(),
            unique_id: "AROAOTHER".to_owned(),
            ..role.clone()
        }),
    )
    .await;
    assert!(matches!(r, Err(MetaError::IdentityExists(_))), "{r:?}");
    let updated = RoleRecord {
        trust_policy: "{\"v\":2}".to_owned(),
        max_session_secs: 7200,
        description: "d".to_owned(),
        ..role.clone()
    };
    apply(store, IdentityChange::UpdateRole(updated.clone()))
        .await
        .unwrap();
    let snap = store.load_identities().await.unwrap();
    assert!(snap.roles.contains(&updated));
    apply(
        store,
        IdentityChange::PutInlinePolicy(InlinePolicyRecord {
            account_id: acct.to_owned(),
            kind: EntityKind::Role,
            entity_key: "worker".to_owned(),
            policy_name: "p".to_owned(),
            document: "{}".to_owned(),
        }),
    )
    .await
    .unwrap();
    let delete = IdentityChange::DeleteRole {
        account_id: acct.to_owned(),
        role_name: "WORKER".to_owned(),
    };
    let r = apply(store, delete.clone()).await;
    assert!(matches!(r, Err(MetaError::IdentityInUse(_))), "{r:?}");
    apply(
        store,
        IdentityChange::DeleteInlinePolicy {
            account_id: acct.to_owned(),
            kind: EntityKind::Role,
            entity_key: "worker".to_owned(),
            policy_name: "p".to_owned(),
        },
    )
    .await
    .unwrap();
    apply(store, delete.clone()).await.unwrap();
    let r = apply(store, delete).await;
    assert!(matches!(r, Err(MetaError::NoSuchIdentity(_))), "{r:?}");
}
