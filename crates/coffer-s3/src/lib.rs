//! The S3 protocol adapter: the only crate that knows `s3s`.
//!
//! Owns: mapping s3s DTOs to core calls and back, SigV4 credentials, reading the body
//! declarations (`Content-MD5`, `x-amz-checksum-*` headers and trailers) for the core to
//! verify, the one core-error-to-S3-error mapping, and what every response carries
//! (`x-amz-request-id`, `x-amz-id-2`, complete error XML).
//!
//! Invariants: no s3s type leaves this crate ([`S3Endpoint::handle`] speaks plain
//! `http`); auth is always installed, so unsigned requests get `AccessDenied`; an object
//! whose body stream failed is never committed (the core sees the stream error first).

mod access;
mod admin;
mod auth;
mod body;
mod convert;
mod endpoint;
mod error;
mod integrity;
mod ops;
mod service;
mod sse_c;
mod vhost;

pub use admin::{ADMIN_ACCOUNTS, ADMIN_KMS_KEYS};
pub use endpoint::{EndpointConfig, ResponseBody, S3Endpoint};
