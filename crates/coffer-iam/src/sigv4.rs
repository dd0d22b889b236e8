//! AWS Signature Version 4 verification for the Query APIs (IAM, STS).
//!
//! The module only sees strings and byte slices so that `coffer-iam` stays independent of any
//! HTTP stack: the server turns its request into [`RequestParts`] (raw path, raw query, headers
//! as received, whole body), [`parse`] rebuilds the string to sign, then the caller looks up the
//! secret of [`Presented::access_key`] and calls [`Presented::check_time`] and
//! [`Presented::verify`].
//!
//! The canonical forms follow the AWS SigV4 documentation; where it is silent or ambiguous the
//! behaviour of the `aws-sigv4` crate (the reference signer of the Rust SDK) is matched, and the
//! randomized test below signs with it.

use std::fmt;

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::{Digest as _, Sha256};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

/// The only algorithm accepted; SigV4a and SigV2 are rejected as unsupported.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const TERMINATOR: &str = "aws4_request";
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// AWS tolerates this much clock difference in either direction.
const MAX_SKEW: Duration = Duration::minutes(15);
/// A week: the longest lifetime AWS allows for a presigned request.
const MAX_EXPIRES: u32 = 604_800;

const AMZ_DATE: &[BorrowedFormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");
/// RFC 7231 IMF-fixdate, the only `Date` form current clients send.
const HTTP_DATE: &[BorrowedFormatItem<'static>] =
    format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");

const X_AMZ_ALGORITHM: &str = "X-Amz-Algorithm";
const X_AMZ_CREDENTIAL: &str = "X-Amz-Credential";
const X_AMZ_DATE: &str = "X-Amz-Date";
const X_AMZ_EXPIRES: &str = "X-Amz-Expires";
const X_AMZ_SIGNED_HEADERS: &str = "X-Amz-SignedHeaders";
const X_AMZ_SIGNATURE: &str = "X-Amz-Signature";
const X_AMZ_SECURITY_TOKEN: &str = "X-Amz-Security-Token";

/// What a request looks like to the verifier (raw, as received).
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// Raw path as sent, percent-encoding untouched, e.g. `/`.
    pub path: &'a str,
    /// Raw query string without `?`, may be empty.
    pub query: &'a str,
    /// Names in any case; a name may repeat.
    pub headers: &'a [(&'a str, &'a str)],
    /// The whole (small) body.
    pub body: &'a [u8],
}

/// Where the signature travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `Authorization: AWS4-HMAC-SHA256 ...`
    Header,
    /// Presigned: `X-Amz-Signature` and friends in the query string.
    Query,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    #[error("Request is missing Authentication Token")]
    Missing,
    #[error("{0}")]
    Malformed(String),
    #[error("Unsupported AWS 'algorithm': '{0}'")]
    UnsupportedAlgorithm(String),
    #[error("{0}")]
    Expired(String),
    #[error("{0}")]
    NotYetValid(String),
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your \
         AWS Secret Access Key and signing method. Consult the service documentation for details."
    )]
    Mismatch,
    #[error("The provided 'x-amz-content-sha256' header does not match what was computed.")]
    PayloadHashMismatch,
}

impl SigError {
    /// The AWS Query API error code that goes with the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "MissingAuthenticationToken",
            Self::Malformed(_) | Self::UnsupportedAlgorithm(_) => "IncompleteSignature",
            // AWS reports clock skew and expiry under this code, with the message telling why.
            Self::Expired(_) | Self::NotYetValid(_) | Self::Mismatch => "SignatureDoesNotMatch",
            Self::PayloadHashMismatch => "XAmzContentSHA256Mismatch",
        }
    }
}

fn malformed(message: impl Into<String>) -> SigError {
    SigError::Malformed(message.into())
}

/// The signature material of a request, with the string to sign already built, so that the
/// secret lookup can happen between [`parse`] and [`Presented::verify`].
#[derive(Clone)]
pub struct Presented {
    scope: Scope,
    amz_date: String,
    timestamp: OffsetDateTime,
    security_token: Option<String>,
    form: Form,
    expires: Option<u32>,
    signed_headers: Vec<String>,
    canonical_request: String,
    string_to_sign: String,
    signature: [u8; 32],
    payload_hash_matches: bool,
}

impl fmt::Debug for Presented {
    // The canonical request and the token are credentials-adjacent: keep them out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Presented")
            .field("access_key", &self.scope.access_key)
            .field("scope", &self.scope.to_string())
            .field("amz_date", &self.amz_date)
            .field("form", &self.form)
            .field("expires", &self.expires)
            .field("signed_headers", &self.signed_headers)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

impl Presented {
    pub fn access_key(&self) -> &str {
        &self.scope.access_key
    }

    /// The credential-scope date, `YYYYMMDD`.
    pub fn date(&self) -> &str {
        &self.scope.date
    }

    pub fn region(&self) -> &str {
        &self.scope.region
    }

    pub fn service(&self) -> &str {
        &self.scope.service
    }

    /// The request time in ISO 8601 basic form, as it appears in the string to sign.
    pub fn amz_date(&self) -> &str {
        &self.amz_date
    }

    pub fn timestamp(&self) -> OffsetDateTime {
        self.timestamp
    }

    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }

    pub fn form(&self) -> Form {
        self.form
    }

    pub fn is_query_form(&self) -> bool {
        self.form == Form::Query
    }

    /// `X-Amz-Expires` in seconds, for the query form.
    pub fn expires_in(&self) -> Option<u32> {
        self.expires
    }

    /// The signed header names, lowercase and sorted.
    pub fn signed_headers(&self) -> &[String] {
        &self.signed_headers
    }

    /// For diagnostics only: it contains the security token when one was signed.
    pub fn canonical_request(&self) -> &str {
        &self.canonical_request
    }

    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// Checks the request time against `now`: 15 minutes of skew either way for the header form;
    /// for the query form, not before `X-Amz-Date` minus 15 minutes and not after `X-Amz-Date`
    /// plus `X-Amz-Expires`.
    pub fn check_time(&self, now: OffsetDateTime) -> Result<(), SigError> {
        self.check_not_in_future(now)?;
        match self.expires {
            Some(expires) if self.form == Form::Query => self.check_not_expired(now, expires),
            _ => self.check_not_stale(now),
        }
    }

    fn check_not_in_future(&self, now: OffsetDateTime) -> Result<(), SigError> {
        match now.checked_add(MAX_SKEW) {
            Some(latest) if self.timestamp > latest => Err(SigError::NotYetValid(format!(
                "Signature not yet current: {} is still later than {} ({} + 15 min.)",
                self.amz_date,
                format_amz_date_lossy(latest),
                format_amz_date_lossy(now)
            ))),
            _ => Ok(()),
        }
    }

    fn check_not_stale(&self, now: OffsetDateTime) -> Result<(), SigError> {
        match now.checked_sub(MAX_SKEW) {
            Some(earliest) if self.timestamp < earliest => Err(SigError::Expired(format!(
                "Signature expired: {} is now earlier than {} ({} - 15 min.)",
                self.amz_date,
                format_amz_date_lossy(earliest),
                format_amz_date_lossy(now)
            ))),
            _ => Ok(()),
        }
    }

    fn check_not_expired(&self, now: OffsetDateTime, expires: u32) -> Result<(), SigError> {
        match self.timestamp.checked_add(Duration::seconds(i64::from(expires))) {
            Some(end) if now <= end => Ok(()),
            _ => Err(SigError::Expired(format!(
                "Request has expired: X-Amz-Date {} plus X-Amz-Expires {expires} s is earlier than {}",
                self.amz_date,
                format_amz_date_lossy(now)
            ))),
        }
    }

    /// Constant-time comparison of the presented signature with the one computed from `secret`;
    /// then, since the signature only covers the declared payload hash, checks that the body
    /// matches it.
    pub fn verify(&self, secret: &str) -> Result<(), SigError> {
        let key = signing_key(secret, &self.scope.date, &self.scope.region, &self.scope.service);
        let mut mac = keyed_mac(&key);
        mac.update(self.string_to_sign.as_bytes());
        mac.verify_slice(&self.signature)
            .map_err(|_| SigError::Mismatch)?;
        if self.payload_hash_matches {
            Ok(())
        } else {
            Err(SigError::PayloadHashMismatch)
        }
    }
}

/// The SigV4 signing key, public because POST Object policy signatures reuse it.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, TERMINATOR.as_bytes())
}

pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = keyed_mac(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// HMAC keyed through the infallible fixed-block constructor: a key is zero-padded to the
/// SHA-256 block, or hashed first when longer (RFC 2104), which is exactly what
/// `new_from_slice` does, without a `Result` that can never be an error.
fn keyed_mac(key: &[u8]) -> Hmac<Sha256> {
    let mut block = [0u8; 64];
    match block.get_mut(..key.len()) {
        Some(prefix) => prefix.copy_from_slice(key),
        None => {
            let digest: [u8; 32] = Sha256::digest(key).into();
            let (head, _) = block.split_at_mut(digest.len());
            head.copy_from_slice(&digest);
        }
    }
    Hmac::<Sha256>::new(&block.into())
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Parses the signature material; an unsigned request gives [`SigError::Missing`].
pub fn parse(req: &RequestParts<'_>) -> Result<Presented, SigError> {
    let query: Vec<(String, String)> = form_urlencoded::parse(req.query.as_bytes())
        .into_owned()
        .collect();
    let authorization = single_header(req.headers, "authorization")?;
    let material = match (authorization, has_query_auth(&query)) {
        (Some(_), true) => {
            return Err(malformed(
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the \
                 Authorization header should be specified",
            ));
        }
        (Some(value), false) => from_header(value, req.headers)?,
        (None, true) => from_query(&query)?,
        (None, false) => return Err(SigError::Missing),
    };
    assemble(req, &query, material)
}

/// The credential scope: `AKID/YYYYMMDD/region/service/aws4_request`.
#[derive(Debug, Clone)]
struct Scope {
    access_key: String,
    date: String,
    region: String,
    service: String,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}/{TERMINATOR}", self.date, self.region, self.service)
    }
}

/// What the two forms have in common once their own syntax is read.
struct Material {
    form: Form,
    scope: Scope,
    signed_headers: Vec<String>,
    signature: [u8; 32],
    amz_date: String,
    timestamp: OffsetDateTime,
    /// Which field the time came from, for error messages.
    date_source: &'static str,
    security_token: Option<String>,
    expires: Option<u32>,
}

fn has_query_auth(query: &[(String, String)]) -> bool {
    [
        X_AMZ_ALGORITHM,
        X_AMZ_CREDENTIAL,
        X_AMZ_SIGNATURE,
        X_AMZ_SIGNED_HEADERS,
    ]
    .iter()
    .any(|name| query.iter().any(|(key, _)| key == name))
}

fn header_values<'h>(headers: &'h [(&'h str, &'h str)], name: &'h str) -> impl Iterator<Item = &'h str> {
    headers
        .iter()
        .filter(move |(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| *value)
}

/// A header that must not repeat: two values would let a proxy and the verifier disagree.
fn single_header<'h>(headers: &'h [(&'h str, &'h str)], name: &'h str) -> Result<Option<&'h str>, SigError> {
    let mut values = header_values(headers, name);
    let first = values.next();
    if values.next().is_some() {
        return Err(malformed(format!("The '{name}' header must not be repeated.")));
    }
    Ok(first)
}

fn single_param<'q>(query: &'q [(String, String)], name: &str) -> Result<Option<&'q str>, SigError> {
    let mut values = query
        .iter()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(malformed(format!(
            "The '{name}' query parameter must not be repeated."
        )));
    }
    Ok(first)
}

fn required_param<'q>(query: &'q [(String, String)], name: &str) -> Result<&'q str, SigError> {
    single_param(query, name)?
        .ok_or_else(|| malformed(format!("AWS query-string parameters must include '{name}'.")))
}

fn from_header(value: &str, headers: &[(&str, &str)]) -> Result<Material, SigError> {
    let fields = parse_authorization(value)?;
    let scope = parse_credential(fields.credential)?;
    let signed_headers = parse_signed_headers(fields.signed_headers)?;
    let signature = parse_signature(fields.signature)?;
    let (amz_date, timestamp, date_source) = header_timestamp(headers, &signed_headers)?;
    let security_token = single_header(headers, "x-amz-security-token")?.map(|token| token.trim().to_owned());
    Ok(Material {
        form: Form::Header,
        scope,
        signed_headers,
        signature,
        amz_date,
        timestamp,
        date_source,
        security_token,
        expires: None,
    })
}

fn from_query(query: &[(String, String)]) -> Result<Material, SigError> {
    let algorithm = required_param(query, X_AMZ_ALGORITHM)?;
    if algorithm != ALGORITHM {
        return Err(SigError::UnsupportedAlgorithm(algorithm.to_owned()));
    }
    let scope = parse_credential(required_param(query, X_AMZ_CREDENTIAL)?)?;
    let amz_date = required_param(query, X_AMZ_DATE)?;
    let timestamp = parse_amz_date(amz_date)?;
    let expires = parse_expires(required_param(query, X_AMZ_EXPIRES)?)?;
    let signed_headers = parse_signed_headers(required_param(query, X_AMZ_SIGNED_HEADERS)?)?;
    let signature = parse_signature(required_param(query, X_AMZ_SIGNATURE)?)?;
    let security_token = single_param(query, X_AMZ_SECURITY_TOKEN)?.map(str::to_owned);
    Ok(Material {
        form: Form::Query,
        scope,
        signed_headers,
        signature,
        amz_date: amz_date.to_owned(),
        timestamp,
        date_source: X_AMZ_DATE,
        security_token,
        expires: Some(expires),
    })
}

struct AuthorizationFields<'a> {
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<AuthorizationFields<'_>, SigError> {
    let value = value.trim();
    let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        return Err(SigError::UnsupportedAlgorithm(algorithm.to_owned()));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim).filter(|part| !part.is_empty()) {
        let (key, field) = part.split_once('=').ok_or_else(|| {
            malformed(format!(
                "'{part}' not a valid key=value pair (missing equal-sign) in Authorization header."
            ))
        })?;
        let slot = match key.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => continue,
        };
        if slot.replace(field.trim()).is_some() {
            return Err(malformed(format!(
                "Authorization header has a repeated '{key}' parameter."
            )));
        }
    }
    match (credential, signed_headers, signature) {
        (Some(credential), Some(signed_headers), Some(signature)) => Ok(AuthorizationFields {
            credential,
            signed_headers,
            signature,
        }),
        (credential, signed_headers, signature) => Err(missing_authorization_parts(
            credential.is_none(),
            signed_headers.is_none(),
            signature.is_none(),
        )),
    }
}

fn missing_authorization_parts(credential: bool, signed_headers: bool, signature: bool) -> SigError {
    let mut message = String::new();
    for (missing, name) in [
        (credential, "Credential"),
        (signature, "Signature"),
        (signed_headers, "SignedHeaders"),
    ] {
        if missing {
            message.push_str(&format!("Authorization header requires '{name}' parameter. "));
        }
    }
    malformed(message.trim_end())
}

fn parse_credential(credential: &str) -> Result<Scope, SigError> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key, date, region, service, terminator] = parts.as_slice() else {
        return Err(malformed(
            "Error parsing the Credential parameter; the Credential is mal-formed; expecting \
             \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        ));
    };
    if *terminator != TERMINATOR {
        return Err(malformed(format!(
            "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{terminator}'."
        )));
    }
    if access_key.is_empty() || region.is_empty() || service.is_empty() {
        return Err(malformed(
            "Credential has an empty access key, region or service.",
        ));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(format!(
            "Credential date '{date}' is not in the YYYYMMDD format."
        )));
    }
    Ok(Scope {
        access_key: (*access_key).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
    })
}

/// The list must already be canonical (lowercase, sorted, no repeats) because it is hashed
/// as sent: accepting another order would only produce a confusing mismatch later.
fn parse_signed_headers(list: &str) -> Result<Vec<String>, SigError> {
    let names: Vec<String> = list.split(';').map(str::to_owned).collect();
    let well_formed = names.iter().all(|name| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase() && b != b':')
    });
    if !well_formed {
        return Err(malformed(format!(
            "SignedHeaders '{list}' must be lowercase header names separated by ';'."
        )));
    }
    if !names.windows(2).all(|pair| matches!(pair, [a, b] if a < b)) {
        return Err(malformed(format!(
            "SignedHeaders '{list}' must be sorted and free of repeats."
        )));
    }
    if !names.iter().any(|name| name == "host") {
        return Err(malformed("'Host' must be a signed header."));
    }
    Ok(names)
}

fn parse_signature(signature: &str) -> Result<[u8; 32], SigError> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(signature, &mut bytes)
        .map_err(|_| malformed("The signature must be 64 hexadecimal characters."))?;
    Ok(bytes)
}

fn parse_expires(value: &str) -> Result<u32, SigError> {
    let seconds: u32 = value.parse().map_err(|_| {
        malformed(format!(
            "X-Amz-Expires should be a number of seconds, not '{value}'."
        ))
    })?;
    if seconds == 0 || seconds > MAX_EXPIRES {
        return Err(malformed(format!(
            "X-Amz-Expires must be between 1 and {MAX_EXPIRES} seconds (a week), not {seconds}."
        )));
    }
    Ok(seconds)
}

fn parse_amz_date(value: &str) -> Result<OffsetDateTime, SigError> {
    amz_date_fields(value).ok_or_else(|| {
        malformed(format!(
            "X-Amz-Date '{value}' must be in the ISO8601 basic format YYYYMMDD'T'HHMMSS'Z'."
        ))
    })
}

/// Read by hand rather than with a `time` format: `[year]` widens to six digits when some
/// other crate enables `time/large-dates`, and a signed or wider year must never parse.
fn amz_date_fields(value: &str) -> Option<OffsetDateTime> {
    let bytes = value.as_bytes();
    if bytes.len() != 16 || bytes.get(8) != Some(&b'T') || bytes.get(15) != Some(&b'Z') {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u16> {
        value.get(range)?.bytes().try_fold(0u16, |acc, b| {
            b.is_ascii_digit().then(|| acc * 10 + u16::from(b - b'0'))
        })
    };
    let small = |range| number(range).and_then(|n| u8::try_from(n).ok());
    let month = time::Month::try_from(small(4..6)?).ok()?;
    let date = time::Date::from_calendar_date(i32::from(number(0..4)?), month, small(6..8)?).ok()?;
    let time = time::Time::from_hms(small(9..11)?, small(11..13)?, small(13..15)?).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

fn parse_http_date(value: &str) -> Result<OffsetDateTime, SigError> {
    PrimitiveDateTime::parse(value, HTTP_DATE)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| malformed(format!("Date '{value}' must be an RFC 7231 IMF-fixdate.")))
}

fn format_amz_date(timestamp: OffsetDateTime) -> Result<String, SigError> {
    timestamp
        .format(AMZ_DATE)
        .map_err(|_| malformed("The request date cannot be written in the ISO8601 basic format."))
}

fn format_amz_date_lossy(timestamp: OffsetDateTime) -> String {
    format_amz_date(timestamp).unwrap_or_else(|_| timestamp.to_string())
}

/// `X-Amz-Date` wins over `Date`, as in AWS; whichever is used must be signed, or the time
/// check would rest on a value the client never vouched for.
fn header_timestamp(
    headers: &[(&str, &str)],
    signed_headers: &[String],
) -> Result<(String, OffsetDateTime, &'static str), SigError> {
    if let Some(value) = single_header(headers, "x-amz-date")? {
        require_signed(signed_headers, "x-amz-date")?;
        let value = value.trim();
        return Ok((value.to_owned(), parse_amz_date(value)?, X_AMZ_DATE));
    }
    if let Some(value) = single_header(headers, "date")? {
        require_signed(signed_headers, "date")?;
        let timestamp = parse_http_date(value.trim())?;
        return Ok((format_amz_date(timestamp)?, timestamp, "Date"));
    }
    Err(malformed(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    ))
}

fn require_signed(signed_headers: &[String], name: &str) -> Result<(), SigError> {
    if signed_headers.iter().any(|signed| signed == name) {
        Ok(())
    } else {
        Err(malformed(format!("'{name}' must be a signed header.")))
    }
}

fn assemble(
    req: &RequestParts<'_>,
    query: &[(String, String)],
    material: Material,
) -> Result<Presented, SigError> {
    check_scope_date(&material)?;
    let (payload_hash, payload_hash_matches) = payload_hash(req, &material)?;
    let canonical_request = [
        req.method.to_owned(),
        canonical_uri(req.path, &material.scope.service),
        canonical_query(query, material.form),
        canonical_headers(req.headers, &material.signed_headers)?,
        material.signed_headers.join(";"),
        payload_hash,
    ]
    .join("\n");
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{}\n{}",
        material.amz_date,
        material.scope,
        sha256_hex(canonical_request.as_bytes())
    );
    Ok(Presented {
        scope: material.scope,
        amz_date: material.amz_date,
        timestamp: material.timestamp,
        security_token: material.security_token,
        form: material.form,
        expires: material.expires,
        signed_headers: material.signed_headers,
        canonical_request,
        string_to_sign,
        signature: material.signature,
        payload_hash_matches,
    })
}

fn check_scope_date(material: &Material) -> Result<(), SigError> {
    let request_date = material.amz_date.get(..8).unwrap_or_default();
    if material.scope.date == request_date {
        return Ok(());
    }
    Err(malformed(format!(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \
         '{}' != '{request_date}', from '{}'.",
        material.scope.date, material.date_source
    )))
}

/// The hash that goes into the canonical request, and whether the body really has it.
///
/// A declared `x-amz-content-sha256` is what the client signed, so it is used as sent and the
/// body is compared with it separately. `UNSIGNED-PAYLOAD` is only allowed for S3: for the Query
/// APIs the body carries the action and its parameters, which must be authenticated. S3 presigned
/// URLs sign `UNSIGNED-PAYLOAD` when no header says otherwise (botocore, the S3 SDK presigner);
/// other services hash the body in both forms (botocore, `aws-sigv4`).
fn payload_hash(req: &RequestParts<'_>, material: &Material) -> Result<(String, bool), SigError> {
    let is_s3 = material.scope.service == "s3";
    match single_header(req.headers, "x-amz-content-sha256")?.map(str::trim) {
        Some(declared) if declared.len() == 64 && declared.bytes().all(|b| b.is_ascii_hexdigit()) => {
            let matches = declared.eq_ignore_ascii_case(&sha256_hex(req.body));
            Ok((declared.to_owned(), matches))
        }
        Some(UNSIGNED_PAYLOAD) if is_s3 => Ok((UNSIGNED_PAYLOAD.to_owned(), true)),
        Some(declared) => Err(malformed(format!(
            "x-amz-content-sha256 must be the hex SHA-256 of the body{}, not '{declared}'.",
            if is_s3 { " or UNSIGNED-PAYLOAD" } else { "" }
        ))),
        None if is_s3 && material.form == Form::Query => Ok((UNSIGNED_PAYLOAD.to_owned(), true)),
        None => Ok((sha256_hex(req.body), true)),
    }
}

/// S3 signs the path as sent (already encoded once); every other service signs the normalized
/// path encoded a second time, so `%` becomes `%25`.
fn canonical_uri(path: &str, service: &str) -> String {
    if service == "s3" {
        return if path.is_empty() {
            "/".to_owned()
        } else {
            path.to_owned()
        };
    }
    let mut encoded = String::with_capacity(path.len() + 1);
    uri_encode(&mut encoded, &normalize_path(path), true);
    encoded
}

/// RFC 3986 section 5.2.4 dot-segment removal plus empty-segment collapsing, as AWS (and
/// `aws-sigv4`) apply it: a trailing slash, or a trailing dot segment, keeps the result a
/// directory.
fn normalize_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut normalized = String::with_capacity(path.len() + 1);
    for segment in &segments {
        normalized.push('/');
        normalized.push_str(segment);
    }
    let directory =
        [".", ".."].contains(&path) || path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if normalized.is_empty() || (directory && !normalized.ends_with('/')) {
        normalized.push('/');
    }
    normalized
}

/// Query values are percent-decoded with `application/x-www-form-urlencoded` rules, so a raw
/// `+` is a space: that is what `aws-sigv4` does (SDKs never send a raw `+`; botocore sends
/// `%2B` for a plus and `%20` for a space, which decode the same either way).
fn canonical_query(query: &[(String, String)], form: Form) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .filter(|(key, _)| form == Form::Header || key != X_AMZ_SIGNATURE)
        .map(|(key, value)| {
            let (mut k, mut v) = (String::new(), String::new());
            uri_encode(&mut k, key, false);
            uri_encode(&mut v, value, false);
            (k, v)
        })
        .collect();
    // Sorting the encoded pairs, key first then value, is the documented order.
    pairs.sort();
    pairs
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Every byte outside the RFC 3986 unreserved set becomes `%XX` (uppercase).
fn uri_encode(out: &mut String, input: &str, keep_slash: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in input.bytes() {
        let unreserved = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~');
        if unreserved || (keep_slash && byte == b'/') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
}

/// One `name:value` line per signed header; repeated headers are joined with `,` in the order
/// received. The result ends with the newline that separates it from the signed-header list.
fn canonical_headers(headers: &[(&str, &str)], signed_headers: &[String]) -> Result<String, SigError> {
    let mut out = String::new();
    for name in signed_headers {
        let values: Vec<String> = header_values(headers, name).map(normalize_header_value).collect();
        if values.is_empty() {
            return Err(malformed(format!(
                "The request is missing the signed header '{name}'."
            )));
        }
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    Ok(out)
}

/// Trims spaces and collapses runs of spaces to one; only the space character, like AWS and
/// `aws-sigv4` (a tab is kept as is).
fn normalize_header_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, word) in value.split(' ').filter(|word| !word.is_empty()).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use aws_credential_types::Credentials;
    use aws_sigv4::http_request::{
        PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation,
        SigningSettings, UriPathNormalizationMode, sign,
    };
    use aws_sigv4::sign::v4;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use std::time::{Duration as StdDuration, SystemTime, UNIX_EPOCH};
    use time::macros::datetime;

    const DOC_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    /// Owned request, so tests can tamper with it and borrow a `RequestParts` from it.
    #[derive(Clone, Debug)]
    struct Owned {
        method: String,
        path: String,
        query: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Owned {
        fn parse(&self) -> Result<Presented, SigError> {
            let headers: Vec<(&str, &str)> = self
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            parse(&RequestParts {
                method: &self.method,
                path: &self.path,
                query: &self.query,
                headers: &headers,
                body: &self.body,
            })
        }

        fn verify(&self, secret: &str) -> Result<Presented, SigError> {
            let presented = self.parse()?;
            presented.verify(secret)?;
            Ok(presented)
        }

        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
    }

    fn owned(method: &str, path: &str, query: &str, headers: &[(&str, &str)], body: &[u8]) -> Owned {
        Owned {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.to_vec(),
        }
    }

    // Inputs from the AWS General Reference SigV4 example (GET iam ListUsers, 20150830T123600Z):
    // canonical request hash f536975d..., signing key c4afb1cc..., signature 5d672d79....
    fn list_users() -> Owned {
        let authorization = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
        owned(
            "GET",
            "/",
            "Action=ListUsers&Version=2010-05-08",
            &[
                ("Host", "iam.amazonaws.com"),
                ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                ("X-Amz-Date", "20150830T123600Z"),
                ("Authorization", authorization),
            ],
            b"",
        )
    }

    #[test]
    fn aws_documentation_list_users_vector() {
        let request = list_users();
        let presented = request.verify(DOC_SECRET).unwrap();
        assert_eq!(
            presented.canonical_request(),
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
             content-type:application/x-www-form-urlencoded; charset=utf-8\n\
             host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
             content-type;host;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            presented.string_to_sign(),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n\
             f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert_eq!(
            hex::encode(signing_key(DOC_SECRET, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        assert_eq!(presented.access_key(), "AKIDEXAMPLE");
        assert_eq!((presented.region(), presented.service()), ("us-east-1", "iam"));
        assert_eq!(presented.signed_headers(), ["content-type", "host", "x-amz-date"]);
        assert!(!presented.is_query_form());
        assert_eq!(presented.security_token(), None);
        assert_eq!(request.parse().unwrap().verify("wrong"), Err(SigError::Mismatch));
        presented.check_time(datetime!(2015-08-30 12:40:00 UTC)).unwrap();
    }

    #[test]
    fn hmac_matches_aws_sigv4_for_short_and_long_keys() {
        for len in [0usize, 1, 32, 63, 64, 65, 200] {
            let key: Vec<u8> = (0..len).map(|i| u8::try_from(i % 251).unwrap()).collect();
            let expected = v4::calculate_signature(&key, b"data");
            assert_eq!(
                hex::encode(hmac_sha256(&key, b"data")),
                expected,
                "key length {len}"
            );
        }
    }

    #[test]
    fn path_normalization_and_double_encoding() {
        let cases = [
            ("", "/"),
            ("/", "/"),
            ("/a/./b/../c", "/a/c"),
            ("//a//b//", "/a/b/"),
            ("/a/..", "/"),
            ("/a/b/.", "/a/b/"),
            ("/../x", "/x"),
            ("/%20x/caf%C3%A9", "/%2520x/caf%25C3%25A9"),
            ("/a~b/c*d", "/a~b/c%2Ad"),
        ];
        for (path, expected) in cases {
            assert_eq!(canonical_uri(path, "iam"), expected, "{path}");
        }
        assert_eq!(canonical_uri("/b/a%20b/../c", "s3"), "/b/a%20b/../c");
    }

    #[test]
    fn canonical_query_follows_aws_sigv4() {
        let query: Vec<(String, String)> =
            form_urlencoded::parse(b"b=2&a=x+y&a=%2B&c&%7e=~&e=a=b&d=%E2%82%AC/*")
                .into_owned()
                .collect();
        assert_eq!(
            canonical_query(&query, Form::Header),
            "a=%2B&a=x%20y&b=2&c=&d=%E2%82%AC%2F%2A&e=a%3Db&~=~"
        );
    }

    // --- randomized cross-check against aws-sigv4 -------------------------------------------

    struct Case {
        service: &'static str,
        region: &'static str,
        method: &'static str,
        host: &'static str,
        path: String,
        query: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        query_form: bool,
        session_token: Option<String>,
        checksum_header: bool,
        unsigned_payload: bool,
        expires: u64,
        time: i64,
    }

    const PATHS: &[&str] = &[
        "/",
        "",
        "/a",
        "/a/b/",
        "/a/./b",
        "/a/../b",
        "//a//b",
        "/%20x",
        "/a%2Fb",
        "/~user/*star",
        "/caf%C3%A9",
        "/a/b/..",
        "/x+y",
        "/q=1;p",
        "/a/.",
    ];
    const S3_PATHS: &[&str] = &[
        "/bucket/key",
        "/bucket/key%20with%20space",
        "/bucket/a+b",
        "/bucket/a/../b",
        "/bucket//x",
        "/bucket/%E2%82%AC",
    ];
    const ALPHABET: &[&str] = &[
        "a", "b", "Z", "0", "9", "-", "_", ".", "~", " ", "+", "=", "/", "*", "&", "%", "?", "#", ":", "@",
        "!", "$", "'", "(", ")", ",", ";", "é", "€", "日", "😀", "\u{0}", "\n",
    ];

    /// Encodes one character of a query key or value the many ways a client might.
    fn encode_query_char(rng: &mut StdRng, out: &mut String, ch: &str, is_key: bool) {
        let must_encode = matches!(ch, "&" | "%" | "#" | "+")
            || (is_key && ch == "=")
            || !ch.is_ascii()
            || ch.bytes().any(|b| b.is_ascii_control());
        match ch {
            " " if rng.random_bool(0.5) => out.push('+'),
            _ if must_encode || ch == " " || rng.random_bool(0.3) => {
                let lower = rng.random_bool(0.2);
                for byte in ch.bytes() {
                    let encoded = format!("%{byte:02X}");
                    out.push_str(&if lower { encoded.to_lowercase() } else { encoded });
                }
            }
            _ => out.push_str(ch),
        }
    }

    fn random_text(rng: &mut StdRng, max: usize) -> Vec<&'static str> {
        let len = rng.random_range(0..=max);
        (0..len)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
            .collect()
    }

    fn random_query(rng: &mut StdRng) -> String {
        let mut pairs = Vec::new();
        for _ in 0..rng.random_range(0..5) {
            let mut pair = String::new();
            let key = if rng.random_bool(0.2) {
                vec!["Action"]
            } else {
                random_text(rng, 6)
            };
            for ch in key {
                encode_query_char(rng, &mut pair, ch, true);
            }
            if !rng.random_bool(0.1) {
                pair.push('=');
                for ch in random_text(rng, 8) {
                    encode_query_char(rng, &mut pair, ch, false);
                }
            }
            pairs.push(pair);
        }
        if pairs.len() > 1 && rng.random_bool(0.2) {
            let first = pairs[0].clone();
            pairs.push(first);
        }
        pairs.join("&")
    }

    fn random_header_value(rng: &mut StdRng) -> String {
        let mut value = " ".repeat(rng.random_range(0..3));
        for _ in 0..rng.random_range(0..12) {
            if rng.random_bool(0.2) {
                value.push_str(&" ".repeat(rng.random_range(1..4)));
            } else {
                value.push(char::from(rng.random_range(0x21u8..0x7f)));
            }
        }
        value.push_str(&" ".repeat(rng.random_range(0..3)));
        value
    }

    fn random_case(rng: &mut StdRng) -> Case {
        let service = ["iam", "sts", "s3"][rng.random_range(0..3)];
        let method = if rng.random_bool(0.5) { "GET" } else { "POST" };
        let paths = if service == "s3" { S3_PATHS } else { PATHS };
        let mut headers = Vec::new();
        if method == "POST" {
            headers.push((
                "content-type".to_owned(),
                "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
            ));
        }
        for _ in 0..rng.random_range(0..4) {
            let name =
                ["x-amz-meta-a", "x-custom", "x-amz-target", "user-agent", "x-b"][rng.random_range(0..5)];
            headers.push((name.to_owned(), random_header_value(rng)));
        }
        let body_len = if method == "POST" {
            rng.random_range(0..64)
        } else {
            0
        };
        let query_form = rng.random_bool(0.5);
        // S3 presigners always sign UNSIGNED-PAYLOAD, and so the verifier assumes it there.
        let unsigned_payload = service == "s3" && (query_form || rng.random_bool(0.5));
        Case {
            service,
            region: ["us-east-1", "eu-north-1", "coffer"][rng.random_range(0..3)],
            method,
            host: ["iam.amazonaws.com", "127.0.0.1:9000", "localhost"][rng.random_range(0..3)],
            path: paths[rng.random_range(0..paths.len())].to_owned(),
            query: random_query(rng),
            headers,
            body: (0..body_len).map(|_| rng.random()).collect(),
            query_form,
            session_token: rng.random_bool(0.3).then(|| "FwoGZXIvYXdzE//token+/=".to_owned()),
            // S3 wants x-amz-content-sha256 on every header-signed request; the S3 SDK sends it.
            checksum_header: (service == "s3" && !query_form) || rng.random_bool(0.3),
            unsigned_payload,
            expires: rng.random_range(1..=604_800),
            time: 1_796_000_000 + rng.random_range(0..10_000_000),
        }
    }

    /// Signs the case with aws-sigv4 and returns the request as a server would receive it.
    fn sign_with_aws_sigv4(case: &Case, secret: &str, rng: &mut StdRng) -> Owned {
        let identity = Credentials::new("AKIDTEST", secret, case.session_token.clone(), None, "test").into();
        let mut settings = SigningSettings::default();
        if case.query_form {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(StdDuration::from_secs(case.expires));
        }
        if case.checksum_header {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        if case.service == "s3" {
            // What the S3 SDK configures: aws-sigv4's defaults are for the other services.
            settings.percent_encoding_mode = PercentEncodingMode::Single;
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(case.region)
            .name(case.service)
            .time(UNIX_EPOCH + StdDuration::from_secs(u64::try_from(case.time).unwrap()))
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let query = if case.query.is_empty() {
            String::new()
        } else {
            format!("?{}", case.query)
        };
        let uri = format!("https://{}{}{query}", case.host, case.path);
        let mut headers = vec![("host".to_owned(), case.host.to_owned())];
        headers.extend(case.headers.iter().cloned());
        let body = if case.unsigned_payload {
            SignableBody::UnsignedPayload
        } else {
            SignableBody::Bytes(&case.body)
        };
        let signable = SignableRequest::new(
            case.method,
            uri.clone(),
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            body,
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        let mut request = http::Request::builder().method(case.method).uri(&uri);
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        let mut request = request.body(case.body.clone()).unwrap();
        instructions.apply_to_request_http1x(&mut request);
        into_owned(&request, rng)
    }

    fn into_owned(request: &http::Request<Vec<u8>>, rng: &mut StdRng) -> Owned {
        let headers = request
            .headers()
            .iter()
            .map(|(name, value)| {
                let name = if rng.random_bool(0.3) {
                    name.as_str().to_ascii_uppercase()
                } else {
                    name.to_string()
                };
                (name, value.to_str().unwrap().to_owned())
            })
            .collect();
        Owned {
            method: request.method().to_string(),
            path: request.uri().path().to_owned(),
            query: request.uri().query().unwrap_or_default().to_owned(),
            headers,
            body: request.body().clone(),
        }
    }

    fn tamper_body(request: &Owned) -> Owned {
        let mut tampered = request.clone();
        match tampered.body.first_mut() {
            Some(byte) => *byte ^= 0x01,
            None => tampered.body.push(b'x'),
        }
        tampered
    }

    fn tamper_query(request: &Owned) -> Owned {
        let mut tampered = request.clone();
        let mut pairs: Vec<String> = request
            .query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        match pairs.iter_mut().find(|pair| !pair.starts_with("X-Amz-")) {
            Some(pair) => pair.push('x'),
            None => pairs.push("zz=1".to_owned()),
        }
        tampered.query = pairs.join("&");
        tampered
    }

    fn tamper_signed_header(request: &Owned, presented: &Presented, rng: &mut StdRng) -> Owned {
        let candidates: Vec<&String> = presented
            .signed_headers()
            .iter()
            .filter(|name| !matches!(name.as_str(), "x-amz-date" | "x-amz-content-sha256"))
            .collect();
        let name = candidates[rng.random_range(0..candidates.len())];
        let mut tampered = request.clone();
        let slot = tampered
            .headers
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .unwrap();
        slot.1.push('x');
        tampered
    }

    #[test]
    fn randomized_requests_signed_by_aws_sigv4_verify() {
        let mut rng = StdRng::seed_from_u64(0x5167_0004);
        for round in 0..300 {
            let case = random_case(&mut rng);
            let secret = format!("secret/{round}+{}", rng.random::<u32>());
            let request = sign_with_aws_sigv4(&case, &secret, &mut rng);
            let context = format!("round {round}: {request:?}");
            let presented = request
                .verify(&secret)
                .unwrap_or_else(|e| panic!("{context}: {e}"));

            assert_eq!(presented.access_key(), "AKIDTEST", "{context}");
            assert_eq!(
                (presented.region(), presented.service()),
                (case.region, case.service),
                "{context}"
            );
            assert_eq!(presented.is_query_form(), case.query_form, "{context}");
            assert_eq!(
                presented.security_token(),
                case.session_token.as_deref(),
                "{context}"
            );
            let now = OffsetDateTime::from_unix_timestamp(case.time).unwrap();
            presented.check_time(now).unwrap();

            assert_eq!(
                request.parse().unwrap().verify(&format!("{secret}x")),
                Err(SigError::Mismatch),
                "{context}"
            );
            if !case.unsigned_payload {
                let expected = if request.header("x-amz-content-sha256").is_some() {
                    SigError::PayloadHashMismatch
                } else {
                    SigError::Mismatch
                };
                assert_eq!(
                    tamper_body(&request).verify(&secret).err(),
                    Some(expected),
                    "{context}"
                );
            }
            assert_eq!(
                tamper_query(&request).verify(&secret).err(),
                Some(SigError::Mismatch),
                "{context}"
            );
            let tampered = tamper_signed_header(&request, &presented, &mut rng);
            assert_eq!(
                tampered.verify(&secret).err(),
                Some(SigError::Mismatch),
                "{context}"
            );
            if presented.signed_headers().iter().all(|name| name != "user-agent") {
                let mut unsigned = request.clone();
                unsigned
                    .headers
                    .push(("User-Agent".to_owned(), "changed".to_owned()));
                unsigned.verify(&secret).unwrap();
            }
        }
    }

    // --- time ------------------------------------------------------------------------------

    fn signed_at(time: i64, query_form: bool, expires: u64) -> Presented {
        let mut rng = StdRng::seed_from_u64(7);
        let mut case = random_case(&mut rng);
        (case.service, case.query_form, case.time, case.expires) = ("sts", query_form, time, expires);
        case.unsigned_payload = false;
        let request = sign_with_aws_sigv4(&case, "secret", &mut rng);
        request.verify("secret").unwrap()
    }

    #[test]
    fn header_form_allows_fifteen_minutes_of_skew() {
        let signed = datetime!(2026-11-29 12:00:00 UTC);
        let presented = signed_at(signed.unix_timestamp(), false, 0);
        assert_eq!(presented.amz_date(), "20261129T120000Z");
        for minutes in [-14, 0, 14, 15] {
            presented.check_time(signed + Duration::minutes(minutes)).unwrap();
        }
        let late = presented.check_time(signed + Duration::minutes(16)).unwrap_err();
        assert_eq!(
            late,
            SigError::Expired(
                "Signature expired: 20261129T120000Z is now earlier than 20261129T120100Z \
                 (20261129T121600Z - 15 min.)"
                    .to_owned()
            )
        );
        let early = presented.check_time(signed - Duration::minutes(16)).unwrap_err();
        assert_eq!(
            early,
            SigError::NotYetValid(
                "Signature not yet current: 20261129T120000Z is still later than 20261129T115900Z \
                 (20261129T114400Z + 15 min.)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn query_form_honours_expires() {
        let signed = datetime!(2026-11-29 12:00:00 UTC);
        let presented = signed_at(signed.unix_timestamp(), true, 3600);
        assert_eq!(presented.expires_in(), Some(3600));
        for seconds in [-14 * 60, 0, 1800, 3600] {
            presented.check_time(signed + Duration::seconds(seconds)).unwrap();
        }
        assert!(matches!(
            presented.check_time(signed + Duration::seconds(3601)),
            Err(SigError::Expired(_))
        ));
        assert!(matches!(
            presented.check_time(signed - Duration::minutes(16)),
            Err(SigError::NotYetValid(_))
        ));
        // Far beyond any representable date: no overflow panic.
        let far = signed_at(signed.unix_timestamp(), true, 604_800);
        assert!(
            far.check_time(OffsetDateTime::new_utc(time::Date::MAX, time::Time::MIDNIGHT))
                .is_err()
        );
        far.check_time(signed + Duration::days(7)).unwrap();
    }

    #[test]
    fn date_header_is_used_without_x_amz_date() {
        // Signed by hand with aws-sigv4's primitives: the SDK itself always sends X-Amz-Date.
        let canonical = "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n\
                         date:Sun, 29 Nov 2026 12:00:00 GMT\nhost:localhost\n\n\
                         content-type;date;host\n"
            .to_owned()
            + &sha256_hex(b"Action=GetCallerIdentity&Version=2011-06-15");
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n20261129T120000Z\n20261129/us-east-1/sts/aws4_request\n{}",
            sha256_hex(canonical.as_bytes())
        );
        let at: SystemTime = datetime!(2026-11-29 12:00:00 UTC).into();
        let key = v4::generate_signing_key("secret", at, "us-east-1", "sts");
        let signature = v4::calculate_signature(key, string_to_sign.as_bytes());
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=AK/20261129/us-east-1/sts/aws4_request,\
             SignedHeaders=content-type;date;host,Signature={signature}"
        );
        let request = owned(
            "POST",
            "/",
            "",
            &[
                ("host", "localhost"),
                ("content-type", "application/x-www-form-urlencoded"),
                ("date", "Sun, 29 Nov 2026 12:00:00 GMT"),
                ("authorization", &authorization),
            ],
            b"Action=GetCallerIdentity&Version=2011-06-15",
        );
        let presented = request.verify("secret").unwrap();
        assert_eq!(presented.timestamp(), datetime!(2026-11-29 12:00:00 UTC));
        assert_eq!(presented.amz_date(), "20261129T120000Z");
        assert!(presented.check_time(datetime!(2026-11-29 12:10:00 UTC)).is_ok());
    }

    // --- malformed input -------------------------------------------------------------------

    fn with_authorization(value: &str) -> Owned {
        owned(
            "POST",
            "/",
            "",
            &[
                ("host", "h"),
                ("x-amz-date", "20261129T120000Z"),
                ("authorization", value),
            ],
            b"Action=ListUsers",
        )
    }

    const SIG: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn malformed_authorization_headers_are_errors() {
        let good_tail = format!("SignedHeaders=host;x-amz-date, Signature={SIG}");
        let cred = |scope: &str| format!("AWS4-HMAC-SHA256 Credential={scope}, {good_tail}");
        let scope = "AK/20261129/us-east-1/iam/aws4_request";
        let signed = |list: &str, signature: &str| {
            format!("AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders={list}, Signature={signature}")
        };
        let cases = [
            String::new(),
            " ".to_owned(),
            "AWS4-HMAC-SHA256".to_owned(),
            "AWS4-HMAC-SHA256 ".to_owned(),
            "AWS4-HMAC-SHA256 ,,,".to_owned(),
            "AWS4-HMAC-SHA256 Credential".to_owned(),
            "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=".to_owned(),
            cred("AK/20261129/us-east-1/iam"),
            cred("AK/20261129/us-east-1/iam/aws4_request/x"),
            cred("AK/20261129/us-east-1/iam/aws5_request"),
            cred("/20261129/us-east-1/iam/aws4_request"),
            cred("AK/2026112/us-east-1/iam/aws4_request"),
            cred("AK/2026112é/us-east-1/iam/aws4_request"),
            cred("AK/20261128/us-east-1/iam/aws4_request"),
            cred("AK/20261129//iam/aws4_request"),
            cred("é/€/日/😀/aws4_request"),
            format!("{}, Signature={SIG}", cred(scope)),
            format!("AWS4-HMAC-SHA256 Credential={scope}, Signature={SIG}"),
            format!("AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host;x-amz-date"),
            format!("AWS4-HMAC-SHA256 Credential {scope}, {good_tail}"),
            signed("host;x-amz-date", "zz"),
            signed("host;x-amz-date", &format!("{SIG}0")),
            signed("host;x-amz-date", &format!("é{}", &SIG[2..])),
            signed("x-amz-date;host", SIG),
            signed("Host;x-amz-date", SIG),
            signed("x-amz-date", SIG),
            signed("host;;x-amz-date", SIG),
            signed("host", SIG),
            signed("host;x-amz-date;x-missing", SIG),
            signed("😀", "😀"),
            "AWS AKID:c2lnbmF0dXJl".to_owned(),
            "AWS4-ECDSA-P256-SHA256 Credential=AK/20261129/iam/aws4_request".to_owned(),
            "Bearer eyJhbGciOi".to_owned(),
            "\u{0}\u{1}=\u{2},=,=,".to_owned(),
        ];
        for value in &cases {
            let result = with_authorization(value).verify("secret");
            assert!(
                !matches!(result, Ok(_) | Err(SigError::Mismatch)),
                "{value:?}: {result:?}"
            );
        }
        assert!(matches!(
            with_authorization("AWS AKID:sig").parse(),
            Err(SigError::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn malformed_dates_and_mechanisms_are_errors() {
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=AK/20261129/us-east-1/iam/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature={SIG}"
        );
        for date in [
            "",
            "20261129",
            "20261129T120000",
            "2026-11-29T12:00:00Z",
            "+0261129T120000Z",
            "20261329T120000Z",
            "20261129T250000Z",
            "２0261129T120000Z",
        ] {
            let mut request = with_authorization(&authorization);
            request.headers[1].1 = date.to_owned();
            assert!(matches!(request.parse(), Err(SigError::Malformed(_))), "{date:?}");
        }
        let mut no_date = with_authorization(&authorization);
        no_date.headers.remove(1);
        assert!(matches!(no_date.parse(), Err(SigError::Malformed(_))));
        let mut bad_http_date = no_date.clone();
        bad_http_date
            .headers
            .push(("date".to_owned(), "Sun, 29 Nov 2026 12:00:00 PST".to_owned()));
        assert!(matches!(bad_http_date.parse(), Err(SigError::Malformed(_))));

        let mut unsigned = owned("POST", "/", "", &[("host", "h")], b"");
        assert_eq!(unsigned.parse().err(), Some(SigError::Missing));
        assert_eq!(SigError::Missing.code(), "MissingAuthenticationToken");
        unsigned
            .headers
            .push(("authorization".to_owned(), authorization.clone()));
        unsigned
            .headers
            .push(("Authorization".to_owned(), authorization.clone()));
        assert!(matches!(unsigned.parse(), Err(SigError::Malformed(_))));

        let mut both = with_authorization(&authorization);
        both.query = format!("X-Amz-Signature={SIG}");
        assert!(matches!(both.parse(), Err(SigError::Malformed(_))));

        let mut non_hex_payload = with_authorization(&authorization);
        non_hex_payload
            .headers
            .push(("x-amz-content-sha256".to_owned(), "UNSIGNED-PAYLOAD".to_owned()));
        assert!(
            matches!(non_hex_payload.parse(), Err(SigError::Malformed(_))),
            "unsigned payload outside s3"
        );
    }

    #[test]
    fn malformed_presigned_queries_are_errors() {
        let base = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            (
                "X-Amz-Credential",
                "AK%2F20261129%2Fus-east-1%2Fsts%2Faws4_request",
            ),
            ("X-Amz-Date", "20261129T120000Z"),
            ("X-Amz-Expires", "60"),
            ("X-Amz-SignedHeaders", "host"),
            ("X-Amz-Signature", SIG),
        ];
        let render = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        };
        let request = |query: String| owned("GET", "/", &query, &[("host", "h")], b"");
        assert_eq!(
            request(render(&base)).verify("secret").err(),
            Some(SigError::Mismatch)
        );

        let replacements = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA1"),
            ("X-Amz-Credential", "AK/20261129/us-east-1"),
            (
                "X-Amz-Credential",
                "AK%2F20261128%2Fus-east-1%2Fsts%2Faws4_request",
            ),
            ("X-Amz-Date", "yesterday"),
            ("X-Amz-Expires", "0"),
            ("X-Amz-Expires", "604801"),
            ("X-Amz-Expires", "-1"),
            ("X-Amz-Expires", "99999999999999999999"),
            ("X-Amz-SignedHeaders", "content-type"),
            ("X-Amz-SignedHeaders", "host;x-absent"),
            ("X-Amz-Signature", "abc"),
        ];
        for (name, value) in replacements {
            let pairs: Vec<(&str, &str)> = base
                .iter()
                .map(|&(k, v)| if k == name { (k, value) } else { (k, v) })
                .collect();
            let result = request(render(&pairs)).verify("secret");
            assert!(
                !matches!(result, Ok(_) | Err(SigError::Mismatch)),
                "{name}={value}: {result:?}"
            );
        }
        for missing in base.iter().map(|(k, _)| *k) {
            let pairs: Vec<(&str, &str)> = base.iter().copied().filter(|(k, _)| *k != missing).collect();
            assert!(
                matches!(request(render(&pairs)).parse(), Err(SigError::Malformed(_))),
                "without {missing}"
            );
        }
        let mut repeated = base.to_vec();
        repeated.push(("X-Amz-Date", "20261129T120000Z"));
        assert!(matches!(
            request(render(&repeated)).parse(),
            Err(SigError::Malformed(_))
        ));
    }
}
