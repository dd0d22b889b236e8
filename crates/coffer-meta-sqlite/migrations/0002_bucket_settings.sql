-- Per-bucket configuration documents (default encryption, and later policy, CORS,
-- lifecycle...), each a JSON document the core defines, keyed by its name.
CREATE TABLE bucket_settings (
    bucket    TEXT NOT NULL,
    name      TEXT NOT NULL,
    document  TEXT NOT NULL,
    PRIMARY KEY (bucket, name)
);
