//! Reading the `multipart/form-data` body of a browser upload as a stream: the text fields
//! before the file are buffered (at most [`MAX_PRE_DATA`] bytes of them), the file is
//! handed on unread, as the body the core ingests.
//!
//! Limits: the fields preceding the file may total 20 KiB (AWS's limit, answered with
//! `MaxPostPreDataLengthExceededError`), and the parser may read at most
//! [`MAX_PRE_DATA`] + [`RAW_HEADROOM`] raw bytes (boundaries and part headers included)
//! before it reaches the file. Together they bound what one request holds in memory
//! before its file starts, whatever a client sends: an endless header line, a huge
//! field, or no file at all.

use std::error::Error as StdError;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use bytes::Bytes;
use coffer_core::{BodyError, BodyStream};
use futures::{Stream, StreamExt as _};
use s3s::{S3Error, S3ErrorCode, S3Result};

/// AWS's limit on the form fields that precede the file.
pub(super) const MAX_PRE_DATA: u64 = 20 * 1024;
/// How much of a refused file is read and discarded before the answer goes out. Closing
/// a connection with unread data resets it, and the client may lose the error answer
/// with it; draining lets a browser that overshoots a limit by up to this much read why.
/// Beyond it, the connection is closed.
const DRAIN_LIMIT: u64 = 8 * 1024 * 1024;
/// Raw bytes beyond [`MAX_PRE_DATA`] the parser may read before the file part: room for
/// boundaries and part headers of a form whose fields are within the limit.
const RAW_HEADROOM: u64 = 16 * 1024;

/// The text fields of a form, names lower-cased (AWS compares them case-insensitively),
/// in the order they came. Each name appears once.
#[derive(Debug, Default)]
pub(super) struct Fields(Vec<(String, String)>);

impl Fields {
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Adds a field; a repeated name is refused, so that what the policy checks and what
    /// is stored can never be two different values of one field.
    pub(super) fn push(&mut self, name: String, value: String) -> S3Result<()> {
        if self.get(&name).is_some() {
            return Err(S3Error::with_message(
                S3ErrorCode::InvalidArgument,
                format!("Bucket POST must not contain the field '{name}' more than once."),
            ));
        }
        self.0.push((name, value));
        Ok(())
    }
}

/// A form read up to its file.
pub(super) struct Form {
    pub(super) fields: Fields,
    /// The `filename` of the file part (`${filename}` in the key), empty if none.
    pub(super) filename: String,
    /// The file's bytes, not read yet.
    pub(super) file: multer::Field<'static>,
}

/// Why the request body stream (below the multipart parser) was cut.
#[derive(Debug)]
enum ReadError {
    /// More than the pre-file budget was read before the file part began.
    PreDataTooLarge,
    /// The connection failed.
    Body(Box<dyn StdError + Send + Sync>),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PreDataTooLarge => f.write_str("the form fields before the file are too large"),
            Self::Body(e) => write!(f, "reading the request body: {e}"),
        }
    }
}

impl StdError for ReadError {}

pub(super) fn malformed() -> S3Error {
    S3Error::with_message(
        S3ErrorCode::MalformedPOSTRequest,
        "The body of your POST request is not well-formed multipart/form-data.",
    )
}

fn pre_data_too_large() -> S3Error {
    S3Error::with_message(
        S3ErrorCode::MaxPostPreDataLengthExceededError,
        "Your POST request fields preceding the upload file were too large.",
    )
}

fn incomplete() -> S3Error {
    S3Error::with_message(
        S3ErrorCode::IncompleteBody,
        "You did not provide the number of bytes specified by the Content-Length HTTP header.",
    )
}

/// The S3 error for a parser failure before the file.
fn form_error(e: &multer::Error) -> S3Error {
    match e {
        // The connection failed, or the budget guard cut it.
        multer::Error::StreamReadFailed(inner) => match inner.downcast_ref::<ReadError>() {
            Some(ReadError::PreDataTooLarge) => pre_data_too_large(),
            _ => incomplete(),
        },
        // Anything else, including a body that ended cleanly mid-form, is a bad form.
        _ => malformed(),
    }
}

/// Reads the fields of a form up to its `file` field, which must come last (fields after
/// it are never read, as AWS ignores them).
pub(super) async fn read<B>(body: B, boundary: String) -> S3Result<Form>
where
    B: http_body::Body<Data = Bytes> + Send + Sync + 'static,
    B::Error: StdError + Send + Sync + 'static,
{
    let file_reached = Arc::new(AtomicBool::new(false));
    let stream = guard_pre_data(body, file_reached.clone());
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = Fields::default();
    let mut pre_data: u64 = 0;
    loop {
        let Some(mut field) = multipart.next_field().await.map_err(|e| form_error(&e))? else {
            return Err(S3Error::with_message(
                S3ErrorCode::IncorrectNumberOfFilesInPostRequest,
                "POST requires exactly one file upload per request.",
            ));
        };
        let name = field.name().unwrap_or_default().to_ascii_lowercase();
        if name == "file" {
            // From here on the body is file data: no budget applies.
            file_reached.store(true, Ordering::Relaxed);
            let filename = field.file_name().unwrap_or_default().to_owned();
            return Ok(Form {
                fields,
                filename,
                file: field,
            });
        }
        pre_data += name.len() as u64;
        let mut value = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| form_error(&e))? {
            pre_data += chunk.len() as u64;
            if pre_data > MAX_PRE_DATA {
                return Err(pre_data_too_large());
            }
            value.extend_from_slice(&chunk);
        }
        if pre_data > MAX_PRE_DATA {
            return Err(pre_data_too_large());
        }
        let value = String::from_utf8(value).map_err(|_| malformed())?;
        fields.push(name, value)?;
    }
}

/// The request body as the parser reads it, cut once more than the pre-file budget was
/// read while the file part has not begun. Counting at chunk arrival bounds the parser's
/// buffer to the budget plus one chunk.
fn guard_pre_data<B>(
    body: B,
    file_reached: Arc<AtomicBool>,
) -> impl Stream<Item = Result<Bytes, ReadError>> + Send + 'static
where
    B: http_body::Body<Data = Bytes> + Send + Sync + 'static,
    B::Error: StdError + Send + Sync + 'static,
{
    let mut seen: u64 = 0;
    http_body_util::BodyDataStream::new(body).map(move |chunk| {
        let chunk = chunk.map_err(|e| ReadError::Body(Box::new(e)))?;
        if !file_reached.load(Ordering::Relaxed) {
            if seen > MAX_PRE_DATA + RAW_HEADROOM {
                return Err(ReadError::PreDataTooLarge);
            }
            seen += chunk.len() as u64;
        }
        Ok(chunk)
    })
}

/// Reads and discards the rest of a refused file, up to [`DRAIN_LIMIT`] bytes.
pub(super) async fn drain(mut file: multer::Field<'static>) {
    let mut left = DRAIN_LIMIT;
    while let Ok(Some(chunk)) = file.chunk().await {
        match left.checked_sub(chunk.len() as u64) {
            Some(rest) => left = rest,
            None => return,
        }
    }
}

/// Why the file stream was cut; read back after the core refused the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FileError {
    /// More bytes than the policy's `content-length-range` allows.
    TooLarge { max: u64 },
    /// Fewer bytes than the policy's `content-length-range` requires.
    TooSmall { min: u64, size: u64 },
    /// The connection failed inside the file.
    Incomplete,
    /// The body ended without the boundary that closes the file, or its framing broke.
    Malformed,
}

impl FileError {
    pub(super) fn to_s3(self) -> S3Error {
        match self {
            Self::TooLarge { max } => S3Error::with_message(
                S3ErrorCode::EntityTooLarge,
                format!("Your proposed upload exceeds the maximum allowed size (at most {max} bytes)"),
            ),
            Self::TooSmall { min, size } => S3Error::with_message(
                S3ErrorCode::EntityTooSmall,
                format!(
                    "Your proposed upload is smaller than the minimum allowed size ({size} bytes; at least {min} bytes)"
                ),
            ),
            Self::Incomplete => incomplete(),
            Self::Malformed => malformed(),
        }
    }
}

/// The file's bytes as the core's body stream, held to `content-length-range` (`min`,
/// `max`): no byte past `max` is passed on, and the stream then fails (after draining,
/// see [`DRAIN_LIMIT`]); a file short of `min` fails instead of ending. Either way the
/// core never commits an object outside the range. The reason is left in `verdict`.
pub(super) fn file_body(
    file: multer::Field<'static>,
    range: (u64, u64),
    verdict: Arc<OnceLock<FileError>>,
) -> BodyStream {
    Box::pin(FileBody {
        file,
        size: 0,
        min: range.0,
        max: range.1,
        verdict,
        draining: None,
        done: false,
    })
}

struct FileBody {
    file: multer::Field<'static>,
    size: u64,
    min: u64,
    max: u64,
    verdict: Arc<OnceLock<FileError>>,
    /// Past `max`: the error to give once the rest is drained, and how much more may be.
    draining: Option<(FileError, u64)>,
    done: bool,
}

impl FileBody {
    fn fail(&mut self, e: FileError) -> Poll<Option<Result<Bytes, BodyError>>> {
        self.done = true;
        let _ = self.verdict.set(e);
        let body_error = match e {
            FileError::Incomplete => BodyError::Incomplete,
            other => BodyError::Malformed(format!("{other:?}")),
        };
        Poll::Ready(Some(Err(body_error)))
    }
}

impl Stream for FileBody {
    type Item = Result<Bytes, BodyError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            let polled = std::task::ready!(self.file.poll_next_unpin(cx));
            if let Some((error, left)) = self.draining {
                // Discard, without passing on, what follows the limit (see DRAIN_LIMIT).
                match polled {
                    Some(Ok(chunk)) if chunk.len() as u64 <= left => {
                        self.draining = Some((error, left - chunk.len() as u64));
                        continue;
                    }
                    _ => return self.fail(error),
                }
            }
            return match polled {
                Some(Ok(chunk)) => {
                    self.size += chunk.len() as u64;
                    if self.size > self.max {
                        let max = self.max;
                        self.draining = Some((FileError::TooLarge { max }, DRAIN_LIMIT));
                        continue;
                    }
                    Poll::Ready(Some(Ok(chunk)))
                }
                Some(Err(e)) => {
                    let reason = match e {
                        multer::Error::StreamReadFailed(_) => FileError::Incomplete,
                        _ => FileError::Malformed,
                    };
                    self.fail(reason)
                }
                None if self.size < self.min => {
                    let (min, size) = (self.min, self.size);
                    self.fail(FileError::TooSmall { min, size })
                }
                None => {
                    self.done = true;
                    Poll::Ready(None)
                }
            };
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use futures::TryStreamExt as _;
    use futures::executor::block_on;

    type Chunks = futures::stream::Iter<std::vec::IntoIter<Result<http_body::Frame<Bytes>, std::io::Error>>>;

    /// A request body delivered in the given chunks.
    fn body(parts: &[&[u8]]) -> http_body_util::StreamBody<Chunks> {
        let chunks: Vec<Result<http_body::Frame<Bytes>, std::io::Error>> = parts
            .iter()
            .map(|p| Ok(http_body::Frame::data(Bytes::copy_from_slice(p))))
            .collect();
        http_body_util::StreamBody::new(futures::stream::iter(chunks))
    }

    fn form(fields: &[(&str, &str)], file: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for (n, v) in fields {
            out.extend_from_slice(
                format!("--XB\r\nContent-Disposition: form-data; name=\"{n}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        out.extend_from_slice(
            b"--XB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a b.txt\"\r\nContent-Type: text/plain\r\n\r\n",
        );
        out.extend_from_slice(file);
        out.extend_from_slice(
            b"\r\n--XB\r\nContent-Disposition: form-data; name=\"submit\"\r\n\r\nUpload\r\n--XB--\r\n",
        );
        out
    }

    async fn read_all(form: Form, range: (u64, u64)) -> (Result<Vec<u8>, BodyError>, Option<FileError>) {
        let verdict = Arc::new(OnceLock::new());
        let data = file_body(form.file, range, verdict.clone())
            .try_fold(Vec::new(), |mut acc, b| async move {
                acc.extend_from_slice(&b);
                Ok(acc)
            })
            .await;
        (data, verdict.get().copied())
    }

    #[test]
    fn fields_then_file_in_small_chunks() {
        block_on(fields_then_file());
    }

    async fn fields_then_file() {
        let raw = form(
            &[("Key", "a/${filename}"), ("X-Amz-Meta-Color", "blue")],
            b"hello world",
        );
        let chunks: Vec<&[u8]> = raw.chunks(7).collect();
        let form = read(body(&chunks), "XB".into()).await.unwrap();
        assert_eq!(form.fields.get("key"), Some("a/${filename}"));
        assert_eq!(form.fields.get("x-amz-meta-color"), Some("blue"));
        assert_eq!(form.filename, "a b.txt");
        let (data, verdict) = read_all(form, (0, u64::MAX)).await;
        assert_eq!(data.unwrap(), b"hello world");
        assert_eq!(verdict, None);
    }

    #[test]
    fn content_length_range_is_enforced_while_streaming() {
        block_on(content_length_range());
    }

    async fn content_length_range() {
        let raw = form(&[("key", "k")], &[7u8; 100]);
        let f = read(body(&[&raw]), "XB".into()).await.unwrap();
        let (data, verdict) = read_all(f, (0, 99)).await;
        assert!(data.is_err());
        assert_eq!(verdict, Some(FileError::TooLarge { max: 99 }));

        let f = read(body(&[&raw]), "XB".into()).await.unwrap();
        let (data, verdict) = read_all(f, (101, 200)).await;
        assert!(data.is_err(), "a short file must fail, not end");
        assert_eq!(verdict, Some(FileError::TooSmall { min: 101, size: 100 }));

        let f = read(body(&[&raw]), "XB".into()).await.unwrap();
        let (data, _) = read_all(f, (100, 100)).await;
        assert_eq!(data.unwrap().len(), 100);
    }

    #[test]
    fn a_file_without_its_closing_boundary_is_malformed() {
        block_on(a_file_without_its_closing_boundary());
    }

    async fn a_file_without_its_closing_boundary() {
        let raw = form(&[("key", "k")], &[1u8; 1000]);
        let cut = &raw[..raw.len() - 200];
        let f = read(body(&[cut]), "XB".into()).await.unwrap();
        let (data, verdict) = read_all(f, (0, u64::MAX)).await;
        assert!(data.is_err());
        assert_eq!(verdict, Some(FileError::Malformed));
    }

    async fn read_err(parts: &[&[u8]]) -> String {
        match read(body(parts), "XB".into()).await {
            Ok(_) => panic!("the form should have been refused"),
            Err(e) => e.code().as_str().to_owned(),
        }
    }

    #[test]
    fn limits_and_malformed_forms() {
        block_on(limits_and_malformed());
    }

    async fn limits_and_malformed() {
        let big = "v".repeat(21 * 1024);
        assert_eq!(
            read_err(&[&form(&[("key", "k"), ("x-ignore-pad", &big)], b"x")]).await,
            "MaxPostPreDataLengthExceededError"
        );
        // A part header that never ends is cut after the raw budget, in small chunks too.
        let mut endless = b"--XB\r\nContent-Disposition: form-data; name=\"key\"\r\nX-Pad: ".to_vec();
        endless.extend(std::iter::repeat_n(b'a', 100 * 1024));
        let chunks: Vec<&[u8]> = endless.chunks(1000).collect();
        assert_eq!(read_err(&chunks).await, "MaxPostPreDataLengthExceededError");

        let no_file = b"--XB\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--XB--\r\n";
        assert_eq!(read_err(&[no_file]).await, "IncorrectNumberOfFilesInPostRequest");
        assert_eq!(
            read_err(&[&form(&[("key", "a"), ("KEY", "b")], b"x")]).await,
            "InvalidArgument"
        );
        assert_eq!(read_err(&[b"not a form at all"]).await, "MalformedPOSTRequest");
    }
}
