//! ListObjects(V2) and ListMultipartUploads over the metadata store's paged listings.

use coffer_meta::{ListPage, ListQuery, UploadQuery, UploadRecord};

use crate::Store;
use crate::error::CoreResult;

/// A request for one page of a bucket's objects.
pub type ListObjectsRequest = ListQuery;

/// A page of multipart uploads in progress.
#[derive(Clone, Debug, Default)]
pub struct UploadsPage {
    pub uploads: Vec<UploadRecord>,
    pub truncated: bool,
}

impl Store {
    /// One page of the latest objects, in UTF-8 byte order, with common prefixes rolled
    /// up. `NoSuchBucket` if the bucket does not exist.
    pub async fn list_objects(&self, query: &ListObjectsRequest) -> CoreResult<ListPage> {
        Ok(self.meta.list_objects(query).await?)
    }

    /// One page of uploads in progress.
    pub async fn list_uploads(&self, query: &UploadQuery) -> CoreResult<UploadsPage> {
        self.bucket(&query.bucket).await?;
        let (uploads, truncated) = self.meta.list_uploads(query).await?;
        Ok(UploadsPage { uploads, truncated })
    }
}
