-- The built-in key service (SSE-KMS): named keys, their material sealed by the master key.
CREATE TABLE kms_keys (
    name             TEXT    NOT NULL PRIMARY KEY,
    description      TEXT    NOT NULL,
    sealed_material  TEXT    NOT NULL,
    sealed_by        TEXT    NOT NULL,
    enabled          INTEGER NOT NULL,
    created_ms       INTEGER NOT NULL
);
