-- Coffer metadata schema, version 1.
--
-- Released migrations are never edited: a change is a new numbered file.
-- Portable by design (the PostgreSQL backend reuses the model): plain tables, composite
-- keys, partial indexes; no rowid, AUTOINCREMENT or other SQLite-only features in the data.
-- Object keys are BLOBs holding UTF-8 bytes so that comparison is memcmp: S3's order.

CREATE TABLE buckets (
    name        TEXT    NOT NULL PRIMARY KEY,
    region      TEXT    NOT NULL,
    owner       TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    -- '' (never enabled), 'Enabled' or 'Suspended'.
    versioning  TEXT    NOT NULL
);

-- Monotonic counters kept in a row (a sequence in PostgreSQL).
CREATE TABLE counters (
    name   TEXT    NOT NULL PRIMARY KEY,
    value  INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('object_seq', 0);

-- One row per object version. Where the bytes are: inline_data (small objects), blob_id
-- (one blob file), or, when both are NULL, the rows of object_parts (multipart).
CREATE TABLE objects (
    bucket            TEXT    NOT NULL REFERENCES buckets (name),
    key               BLOB    NOT NULL,
    version_id        TEXT    NOT NULL,
    -- Write order of versions (from counters.object_seq).
    seq               INTEGER NOT NULL,
    is_latest         INTEGER NOT NULL,
    delete_marker     INTEGER NOT NULL,
    size              INTEGER NOT NULL,
    etag              TEXT    NOT NULL,
    last_modified_ms  INTEGER NOT NULL,
    storage_class     TEXT    NOT NULL,
    -- ObjectMeta as JSON, carrying its own format version.
    meta              TEXT    NOT NULL,
    inline_data       BLOB,
    blob_id           TEXT,
    PRIMARY KEY (bucket, key, version_id),
    CHECK (inline_data IS NULL OR blob_id IS NULL)
);
-- Listing: the latest live objects of a bucket, by key (an index range scan).
CREATE INDEX objects_listing ON objects (bucket, key) WHERE is_latest = 1 AND delete_marker = 0;
-- Garbage collection: is this blob referenced?
CREATE INDEX objects_blob ON objects (blob_id) WHERE blob_id IS NOT NULL;

-- The parts of a multipart object version, by part number.
CREATE TABLE object_parts (
    bucket       TEXT    NOT NULL,
    key          BLOB    NOT NULL,
    version_id   TEXT    NOT NULL,
    part_number  INTEGER NOT NULL,
    size         INTEGER NOT NULL,
    etag         TEXT    NOT NULL,
    blob_id      TEXT    NOT NULL,
    -- Checksums as JSON.
    checksums    TEXT    NOT NULL,
    PRIMARY KEY (bucket, key, version_id, part_number),
    FOREIGN KEY (bucket, key, version_id) REFERENCES objects (bucket, key, version_id)
);
CREATE INDEX object_parts_blob ON object_parts (blob_id);

-- Multipart uploads in progress.
CREATE TABLE uploads (
    upload_id      TEXT    NOT NULL PRIMARY KEY,
    bucket         TEXT    NOT NULL REFERENCES buckets (name),
    key            BLOB    NOT NULL,
    initiated_ms   INTEGER NOT NULL,
    storage_class  TEXT    NOT NULL,
    meta           TEXT    NOT NULL
);
CREATE INDEX uploads_listing ON uploads (bucket, key, initiated_ms, upload_id);

-- Parts uploaded so far.
CREATE TABLE parts (
    upload_id         TEXT    NOT NULL REFERENCES uploads (upload_id),
    part_number       INTEGER NOT NULL,
    size              INTEGER NOT NULL,
    etag              TEXT    NOT NULL,
    last_modified_ms  INTEGER NOT NULL,
    blob_id           TEXT    NOT NULL,
    checksums         TEXT    NOT NULL,
    PRIMARY KEY (upload_id, part_number)
);
CREATE INDEX parts_blob ON parts (blob_id);
