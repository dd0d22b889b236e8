//! Query-protocol response documents: `<ActionResponse>` with its `<ActionResult>` and
//! `<ResponseMetadata>`, and `<ErrorResponse>`.

use quick_xml::escape::escape;

use crate::error::Wire;

pub(crate) const IAM_NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
pub(crate) const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The inside of an `<ActionResult>`, written element by element.
#[derive(Default)]
pub(crate) struct Xml {
    out: String,
}

impl Xml {
    pub(crate) fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    pub(crate) fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name>text</name>`, the text escaped.
    pub(crate) fn text(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name);
        self.out.push_str(&escape(text));
        self.close(name)
    }

    /// [`Xml::text`] when there is a value.
    pub(crate) fn opt(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.text(name, t);
        }
        self
    }

    /// `<Tags>` with a `<member>` per tag.
    pub(crate) fn tags(&mut self, tags: &[coffer_meta::IamTag]) -> &mut Self {
        self.open("Tags");
        for t in tags {
            self.open("member")
                .text("Key", &t.key)
                .text("Value", &t.value)
                .close("member");
        }
        self.close("Tags")
    }

    /// `<IsTruncated>` and, when truncated, `<Marker>`.
    pub(crate) fn truncation(&mut self, marker: Option<&str>) -> &mut Self {
        self.text("IsTruncated", if marker.is_some() { "true" } else { "false" });
        self.opt("Marker", marker)
    }
}

/// A success document; `result: None` for actions without output.
pub(crate) fn response(ns: &str, action: &str, result: Option<Xml>, request_id: &str) -> String {
    let mut doc = format!("<{action}Response xmlns=\"{ns}\">");
    if let Some(r) = result {
        doc.push_str(&format!("<{action}Result>{}</{action}Result>", r.out));
    }
    doc.push_str(&format!(
        "<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
    ));
    doc
}

pub(crate) fn error(ns: &str, e: &Wire, request_id: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"{ns}\"><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error>\
         <RequestId>{request_id}</RequestId></ErrorResponse>",
        if e.sender { "Sender" } else { "Receiver" },
        e.code,
        escape(&e.message),
    )
}

/// RFC 3986 percent-encoding of everything but the unreserved characters: how IAM
/// returns policy documents (botocore `unquote`s them; `+` must not stand for a space).
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// ISO 8601 in UTC, as IAM dates are written (`2026-01-02T03:04:05Z`).
pub(crate) fn date(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents() {
        let mut x = Xml::default();
        x.open("User").text("UserName", "a<b").close("User");
        let doc = response(IAM_NS, "GetUser", Some(x), "R1");
        assert_eq!(
            doc,
            "<GetUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetUserResult><User>\
             <UserName>a&lt;b</UserName></User></GetUserResult><ResponseMetadata><RequestId>R1</RequestId>\
             </ResponseMetadata></GetUserResponse>"
        );
        assert_eq!(date(1_700_000_000_999), "2023-11-14T22:13:20Z");
        assert_eq!(
            percent_encode("{\"a\": \"b+c/é\"}"),
            "%7B%22a%22%3A%20%22b%2Bc%2F%C3%A9%22%7D"
        );
    }
}
