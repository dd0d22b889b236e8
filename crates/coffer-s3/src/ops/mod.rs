//! One module per S3 concern; each operation is a function the `S3` impl delegates to.

pub(crate) mod acl;
pub(crate) mod attributes;
pub(crate) mod bucket;
pub(crate) mod encryption;
pub(crate) mod list;
pub(crate) mod multipart;
pub(crate) mod object;
pub(crate) mod ownership;
pub(crate) mod policy;
pub(crate) mod post_object;
pub(crate) mod public_access;
