-- Identity and access (ADR 13): accounts, IAM users, groups, roles, policies, access keys.
--
-- Names of users, groups, roles and policies are unique per account regardless of case,
-- as in AWS: `name_key` is the lower-cased name and the key; `name` keeps the spelling.
-- Tags are JSON arrays of {"Key","Value"}. Policy documents are stored verbatim so that a
-- read-back is byte-identical. Secrets of access keys are sealed by the master key.

CREATE TABLE accounts (
    account_id     TEXT    NOT NULL PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE,
    created_ms     INTEGER NOT NULL,
    -- 1 for the deployment's own account (its root key lives in the config, not here).
    is_deployment  INTEGER NOT NULL,
    -- JSON: account-wide settings (Block Public Access).
    settings       TEXT    NOT NULL
);

CREATE TABLE iam_users (
    account_id  TEXT    NOT NULL REFERENCES accounts (account_id),
    name_key    TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    unique_id   TEXT    NOT NULL UNIQUE,
    created_ms  INTEGER NOT NULL,
    tags        TEXT    NOT NULL,
    PRIMARY KEY (account_id, name_key)
);

CREATE TABLE iam_groups (
    account_id  TEXT    NOT NULL REFERENCES accounts (account_id),
    name_key    TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    unique_id   TEXT    NOT NULL UNIQUE,
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (account_id, name_key)
);

CREATE TABLE iam_group_members (
    account_id  TEXT    NOT NULL,
    group_key   TEXT    NOT NULL,
    user_key    TEXT    NOT NULL,
    PRIMARY KEY (account_id, group_key, user_key)
);

CREATE TABLE iam_roles (
    account_id        TEXT    NOT NULL REFERENCES accounts (account_id),
    name_key          TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    path              TEXT    NOT NULL,
    unique_id         TEXT    NOT NULL UNIQUE,
    created_ms        INTEGER NOT NULL,
    tags              TEXT    NOT NULL,
    trust_policy      TEXT    NOT NULL,
    max_session_secs  INTEGER NOT NULL,
    description       TEXT    NOT NULL,
    PRIMARY KEY (account_id, name_key)
);

-- Customer managed policies and their versions (at most 5, one default).
CREATE TABLE iam_policies (
    account_id  TEXT    NOT NULL REFERENCES accounts (account_id),
    name_key    TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    unique_id   TEXT    NOT NULL UNIQUE,
    created_ms  INTEGER NOT NULL,
    description TEXT    NOT NULL,
    tags        TEXT    NOT NULL,
    PRIMARY KEY (account_id, name_key)
);

CREATE TABLE iam_policy_versions (
    account_id  TEXT    NOT NULL,
    policy_key  TEXT    NOT NULL,
    version_id  TEXT    NOT NULL,
    document    TEXT    NOT NULL,
    is_default  INTEGER NOT NULL,
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (account_id, policy_key, version_id)
);

-- kind: 'user', 'group' or 'role'.
CREATE TABLE iam_attachments (
    account_id  TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL,
    policy_arn  TEXT    NOT NULL,
    PRIMARY KEY (account_id, kind, name_key, policy_arn)
);

CREATE TABLE iam_inline_policies (
    account_id   TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    name_key     TEXT    NOT NULL,
    policy_name  TEXT    NOT NULL,
    document     TEXT    NOT NULL,
    PRIMARY KEY (account_id, kind, name_key, policy_name)
);

-- Long-term access keys: an account root's (user_name NULL) or an IAM user's.
CREATE TABLE access_keys (
    access_key_id  TEXT    NOT NULL PRIMARY KEY,
    account_id     TEXT    NOT NULL REFERENCES accounts (account_id),
    user_key       TEXT,
    sealed_secret  TEXT    NOT NULL,
    sealed_by      TEXT    NOT NULL,
    -- 'Active' or 'Inactive'.
    status         TEXT    NOT NULL,
    created_ms     INTEGER NOT NULL
);
CREATE INDEX access_keys_by_owner ON access_keys (account_id, user_key);

INSERT INTO counters (name, value) VALUES ('identity_generation', 0);

-- The deployment's own account: a stable 12-digit id, generated once. Every bucket so far
-- was created by the deployment root (the only identity), so it owns them all.
INSERT INTO accounts (account_id, name, created_ms, is_deployment, settings)
VALUES (
    printf('%012d', 100000000000 + abs(random() % 900000000000)),
    'deployment',
    CAST(strftime('%s', 'now') AS INTEGER) * 1000,
    1,
    '{}'
);
UPDATE buckets SET owner = (SELECT account_id FROM accounts WHERE is_deployment = 1);
