//! From JSON text to a compiled [`Policy`], refusing what AWS refuses with AWS's words.
//!
//! Two passes, because AWS reports some errors of any statement before the semantic
//! errors of the first (moto's IAM validator, built from AWS's responses, shows this):
//! pass one reads the shape of every statement (types, Effect, condition operators and
//! typed values, truncated ARNs); pass two checks required and prohibited elements per
//! policy kind, action and resource formats, and compiles.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::cidr::Cidr;
use super::conditions::{Base, Condition, Operator, Values};
use super::error::{self, PolicyError};
use super::glob;
use super::principal::{self, PrincipalSet};
use super::s3_actions::{S3_ACTIONS, Target};
use super::statement::{Actions, Effect, Resources, Statement};
use super::values;
use super::variables::Template;
use super::{Policy, PolicyKind, PolicyVersion};

const DOCUMENT_FIELDS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_FIELDS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
/// Actions a trust policy may allow (lower-cased).
const TRUST_ACTIONS: [&str; 6] = [
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
    "sts:tagsession",
    "sts:setsourceidentity",
    "sts:setcontext",
];

/// The kind being parsed, which picks the service's wording.
struct Checker {
    kind: PolicyKind,
}

impl Checker {
    fn s3(&self) -> bool {
        self.kind == PolicyKind::Resource
    }

    fn err(&self, message: impl Into<String>) -> PolicyError {
        PolicyError::of(self.kind, message)
    }

    /// IAM's or S3's wording of the same problem.
    fn pick(&self, iam: &str, s3: &str) -> PolicyError {
        self.err(if self.s3() { s3 } else { iam })
    }

    fn syntax(&self) -> PolicyError {
        self.pick(error::SYNTAX, error::S3_SYNTAX)
    }

    fn legacy(&self) -> PolicyError {
        self.pick(error::LEGACY, error::S3_SYNTAX)
    }
}

pub(crate) fn parse_document(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
    let cx = Checker { kind };
    if cx.s3() && !text.trim_start().starts_with('{') {
        return Err(cx.err(error::S3_FIRST_BYTE));
    }
    // serde_json refuses nesting deeper than 128 levels, so hostile depth ends here.
    let document: Value =
        serde_json::from_str(text).map_err(|_| cx.pick(error::SYNTAX, error::S3_INVALID_JSON))?;
    let Value::Object(document) = document else {
        return Err(cx.pick(error::SYNTAX, error::S3_FIRST_BYTE));
    };
    if document.keys().any(|k| !DOCUMENT_FIELDS.contains(&k.as_str())) {
        return Err(cx.syntax());
    }
    let (version, version_given) = match document.get("Version") {
        None => (PolicyVersion::V2008_10_17, false),
        Some(Value::String(v)) if v == "2012-10-17" => (PolicyVersion::V2012_10_17, true),
        Some(Value::String(v)) if v == "2008-10-17" => (PolicyVersion::V2008_10_17, true),
        Some(_) => return Err(cx.pick(error::SYNTAX, error::S3_VERSION)),
    };
    if document.get("Id").is_some_and(|id| !id.is_string()) {
        return Err(cx.syntax());
    }
    let raw: Vec<&Map<String, Value>> = match document.get("Statement") {
        None => return Err(cx.pick(error::SYNTAX, error::S3_NO_STATEMENT)),
        Some(Value::Object(statement)) => vec![statement],
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(cx.pick(error::SYNTAX, error::S3_EMPTY_STATEMENT));
        }
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_object().ok_or_else(|| cx.syntax()))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(cx.syntax()),
    };

    let drafts = raw
        .into_iter()
        .map(|s| Draft::read(s, &cx, version))
        .collect::<Result<Vec<_>, _>>()?;
    // IAM refuses variables in a document that declares the old language, rather than
    // silently reading them as text; an absent Version reads them as text, as documented.
    if version_given
        && version == PolicyVersion::V2008_10_17
        && !cx.s3()
        && drafts.iter().any(Draft::uses_variables)
    {
        return Err(cx.err(error::VERSION_REQUIRED));
    }
    let statements = drafts
        .into_iter()
        .map(|d| d.finish(&cx, version))
        .collect::<Result<Vec<_>, _>>()?;
    check_sids(&statements, &cx)?;
    Ok(Policy {
        kind,
        version,
        version_given,
        statements,
    })
}

/// A statement after the first pass.
struct Draft<'a> {
    sid: Option<String>,
    effect: Effect,
    /// The element and whether it is `NotPrincipal`.
    principal: Option<(&'a Value, bool)>,
    actions: Option<(bool, Vec<&'a str>)>,
    resources: Option<(bool, Vec<&'a str>)>,
    conditions: Vec<Condition>,
}

impl<'a> Draft<'a> {
    fn read(s: &'a Map<String, Value>, cx: &Checker, version: PolicyVersion) -> Result<Self, PolicyError> {
        if s.keys().any(|k| !STATEMENT_FIELDS.contains(&k.as_str())) {
            return Err(cx.syntax());
        }
        let sid = match s.get("Sid") {
            None => None,
            Some(Value::String(sid)) => Some(sid.clone()),
            Some(_) => return Err(cx.syntax()),
        };
        let effect = match s.get("Effect") {
            None => return Err(cx.pick(error::SYNTAX, "Missing required field Effect")),
            Some(Value::String(e)) => parse_effect(e, cx)?,
            Some(_) => return Err(cx.syntax()),
        };
        let principal = either(s, "Principal", "NotPrincipal", cx)?;
        let actions = either(s, "Action", "NotAction", cx)?
            .map(|(v, negated)| Ok::<_, PolicyError>((negated, strings(v, cx)?)))
            .transpose()?;
        let resources = either(s, "Resource", "NotResource", cx)?
            .map(|(v, negated)| Ok::<_, PolicyError>((negated, strings(v, cx)?)))
            .transpose()?;
        if !cx.s3()
            && let Some((_, entries)) = &resources
            && entries
                .iter()
                .any(|r| *r != "*" && matches!(r.splitn(6, ':').count(), 4 | 5))
        {
            // An ARN cut short after its service: IAM's legacy parser gives up.
            return Err(cx.legacy());
        }
        let conditions = match s.get("Condition") {
            None => Vec::new(),
            Some(c) => read_conditions(c, cx, version)?,
        };
        Ok(Self {
            sid,
            effect,
            principal,
            actions,
            resources,
            conditions,
        })
    }

    fn uses_variables(&self) -> bool {
        let resources = self.resources.iter().flat_map(|(_, r)| r.iter().copied());
        let conditions = self.conditions.iter().flat_map(|c| match &c.values {
            Values::Text(texts) => texts.iter().map(Template::raw).collect(),
            _ => Vec::new(),
        });
        resources
            .chain(conditions)
            .any(|text| Template::parse(text).has_variables())
    }

    fn finish(self, cx: &Checker, version: PolicyVersion) -> Result<Statement, PolicyError> {
        let principal = match (cx.kind, self.principal) {
            (PolicyKind::Identity | PolicyKind::Session, Some((_, negated))) => {
                let field = if negated { "NotPrincipal" } else { "Principal" };
                return Err(cx.err(format!("Has prohibited field {field}")));
            }
            (PolicyKind::Identity | PolicyKind::Session, None) => None,
            (PolicyKind::Resource | PolicyKind::Trust, None) => {
                return Err(cx.err(error::MISSING_PRINCIPAL));
            }
            (PolicyKind::Resource | PolicyKind::Trust, Some((value, negated))) => {
                Some(parse_principal(value, negated, cx)?)
            }
        };
        let (actions_negated, actions) = match self.actions {
            Some((negated, actions)) if !actions.is_empty() => (negated, actions),
            _ => return Err(cx.pick(error::NO_ACTIONS, "Missing required field Action")),
        };
        let resources = match (cx.kind, self.resources) {
            (PolicyKind::Trust, Some((negated, _))) => {
                let field = if negated { "NotResource" } else { "Resource" };
                return Err(cx.err(format!("Has prohibited field {field}")));
            }
            (PolicyKind::Trust, None) => None,
            (_, Some((negated, resources))) if !resources.is_empty() => Some((negated, resources)),
            _ => return Err(cx.pick(error::NO_RESOURCES, "Missing required field Resource")),
        };

        for action in &actions {
            check_action(action, actions_negated, cx)?;
        }
        if let Some((_, entries)) = &resources {
            for resource in entries {
                check_resource(resource, cx)?;
            }
        }
        if cx.s3()
            && !actions_negated
            && let Some((false, entries)) = &resources
        {
            check_s3_applicability(&actions, entries, cx)?;
        }
        if !cx.s3()
            && let Some(sid) = &self.sid
            && !sid.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(cx.err(error::SID_ALNUM));
        }

        let template = |text: &str| match version {
            PolicyVersion::V2012_10_17 => Template::parse(text),
            PolicyVersion::V2008_10_17 => Template::literal(text),
        };
        Ok(Statement {
            sid: self.sid,
            effect: self.effect,
            principal,
            actions: Actions {
                negated: actions_negated,
                patterns: actions.iter().map(|a| glob::compile(&a.to_lowercase())).collect(),
            },
            resources: resources.map(|(negated, entries)| Resources {
                negated,
                patterns: entries.iter().map(|r| template(r)).collect(),
            }),
            conditions: self.conditions,
        })
    }
}

fn parse_effect(effect: &str, cx: &Checker) -> Result<Effect, PolicyError> {
    match effect {
        "Allow" => Ok(Effect::Allow),
        "Deny" => Ok(Effect::Deny),
        _ if cx.s3() => Err(cx.err(format!("Invalid effect: {effect}"))),
        // IAM's legacy parser knows the words in any case, its newer one only as written.
        _ if effect.eq_ignore_ascii_case("allow") || effect.eq_ignore_ascii_case("deny") => Err(cx.legacy()),
        _ => Err(cx.syntax()),
    }
}

/// At most one of `name` and `not_name`; the value and whether it was the negated one.
fn either<'a>(
    s: &'a Map<String, Value>,
    name: &str,
    not_name: &str,
    cx: &Checker,
) -> Result<Option<(&'a Value, bool)>, PolicyError> {
    match (s.get(name), s.get(not_name)) {
        (Some(_), Some(_)) => Err(cx.syntax()),
        (Some(v), None) => Ok(Some((v, false))),
        (None, Some(v)) => Ok(Some((v, true))),
        (None, None) => Ok(None),
    }
}

/// A string or an array of strings.
fn strings<'a>(value: &'a Value, cx: &Checker) -> Result<Vec<&'a str>, PolicyError> {
    match value {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().ok_or_else(|| cx.syntax()))
            .collect(),
        _ => Err(cx.syntax()),
    }
}

fn read_conditions(
    value: &Value,
    cx: &Checker,
    version: PolicyVersion,
) -> Result<Vec<Condition>, PolicyError> {
    let Value::Object(operators) = value else {
        return Err(cx.syntax());
    };
    let mut conditions = Vec::new();
    for (name, block) in operators {
        let Value::Object(entries) = block else {
            return Err(cx.syntax());
        };
        // AWS lets an unknown operator with nothing under it pass (moto's valid
        // documents include `{"x": {}}`); with keys under it, it is refused.
        if entries.is_empty() {
            continue;
        }
        let operator =
            Operator::parse(name).ok_or_else(|| cx.err(format!("Invalid Condition type : {name}")))?;
        for (key, raw) in entries {
            if cx.s3() && key.split_once(':').is_none_or(|(vendor, _)| vendor.is_empty()) {
                return Err(cx.err(error::S3_CONDITION_KEY));
            }
            let texts = condition_texts(raw, cx)?;
            conditions.push(Condition {
                operator,
                key: key.to_lowercase(),
                values: compile_values(operator.base, &texts, version, cx)?,
            });
        }
    }
    Ok(conditions)
}

/// A condition value: a string, number or boolean, or an array of them.
fn condition_texts(value: &Value, cx: &Checker) -> Result<Vec<String>, PolicyError> {
    let one = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(cx.syntax()),
    };
    match value {
        Value::Array(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

/// Types the values for the operator; a value the operator cannot read is refused now,
/// so evaluation never meets one.
fn compile_values(
    base: Base,
    texts: &[String],
    version: PolicyVersion,
    cx: &Checker,
) -> Result<Values, PolicyError> {
    fn all<T>(texts: &[String], cx: &Checker, f: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, PolicyError> {
        texts.iter().map(|t| f(t).ok_or_else(|| cx.legacy())).collect()
    }
    Ok(match base {
        Base::StringEquals | Base::StringEqualsIgnoreCase | Base::StringLike | Base::Arn | Base::Bool => {
            Values::Text(
                texts
                    .iter()
                    .map(|t| match version {
                        PolicyVersion::V2012_10_17 => Template::parse(t),
                        PolicyVersion::V2008_10_17 => Template::literal(t),
                    })
                    .collect(),
            )
        }
        Base::Numeric(_) => Values::Number(all(texts, cx, values::parse_number)?),
        Base::Date(_) => Values::Date(all(texts, cx, values::parse_date)?),
        Base::Binary => Values::Binary(all(texts, cx, values::decode_base64)?),
        Base::Ip => Values::Ip(all(texts, cx, Cidr::parse)?),
        Base::Null => Values::Null(all(texts, cx, |t| {
            if t.eq_ignore_ascii_case("true") {
                Some(true)
            } else if t.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        })?),
    })
}

fn parse_principal(value: &Value, negated: bool, cx: &Checker) -> Result<PrincipalSet, PolicyError> {
    let invalid = |kind: &str, entry: &str| {
        if cx.s3() {
            cx.err(error::S3_INVALID_PRINCIPAL)
        } else {
            cx.err(format!("Invalid principal in policy: \"{kind}\":\"{entry}\""))
        }
    };
    let mut set = PrincipalSet {
        negated,
        ..PrincipalSet::default()
    };
    let map = match value {
        Value::String(s) if s == "*" => {
            set.wildcard = true;
            return Ok(set);
        }
        Value::String(s) => return Err(invalid("AWS", s)),
        Value::Object(map) if map.is_empty() => {
            return Err(cx.pick(error::SYNTAX, error::S3_INVALID_PRINCIPAL));
        }
        Value::Object(map) => map,
        _ => return Err(cx.syntax()),
    };
    for (kind, entries) in map {
        let entries = strings(entries, cx)?;
        if entries.is_empty() {
            return Err(invalid(kind, ""));
        }
        for entry in entries {
            match kind.as_str() {
                "AWS" => match principal::normalize_aws(entry) {
                    Some(arn) if arn == "*" => set.wildcard = true,
                    Some(arn) => set.aws.push(arn),
                    None => return Err(invalid(kind, entry)),
                },
                "Service" | "Federated" if entry.is_empty() || entry.chars().any(char::is_whitespace) => {
                    return Err(invalid(kind, entry));
                }
                "Service" => set.service.push(entry.to_owned()),
                "Federated" => set.federated.push(entry.to_owned()),
                "CanonicalUser" if entry.len() == 64 && entry.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    set.canonical.push(entry.to_ascii_lowercase());
                }
                "CanonicalUser" => return Err(invalid(kind, entry)),
                _ => return Err(cx.pick(error::SYNTAX, error::S3_INVALID_PRINCIPAL)),
            }
        }
    }
    Ok(set)
}

fn check_action(action: &str, negated: bool, cx: &Checker) -> Result<(), PolicyError> {
    if action == "*" {
        return Ok(());
    }
    if cx.s3() {
        let pattern = glob::compile(&action.to_lowercase());
        return if S3_ACTIONS.iter().any(|(name, _)| glob::matches(&pattern, name)) {
            Ok(())
        } else {
            Err(cx.err(error::S3_INVALID_ACTION))
        };
    }
    let Some((vendor, name)) = action.split_once(':') else {
        return Err(cx.err(error::NO_VENDOR));
    };
    if name.contains(':') {
        return Err(cx.err(error::ONE_COLON));
    }
    if vendor.is_empty() {
        return Err(cx.err(error::NO_VENDOR));
    }
    if !vendor
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*' | '?'))
    {
        return Err(cx.err(format!("Vendor {vendor} is not valid")));
    }
    if cx.kind == PolicyKind::Trust && !negated {
        let pattern = glob::compile(&action.to_lowercase());
        if !TRUST_ACTIONS.iter().any(|a| glob::matches(&pattern, a)) {
            return Err(cx.err(error::TRUST_ACTIONS));
        }
    }
    Ok(())
}

fn check_resource(resource: &str, cx: &Checker) -> Result<(), PolicyError> {
    if cx.s3() {
        return match resource.strip_prefix("arn:aws:s3:::") {
            Some(path) if !path.is_empty() => Ok(()),
            _ => Err(cx.err(error::S3_INVALID_RESOURCE)),
        };
    }
    if resource == "*" {
        return Ok(());
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    if parts.first() != Some(&"arn") || parts.len() < 2 {
        return Err(cx.err(format!("Resource {resource} must be in ARN format or \"*\".")));
    }
    let partition = parts.get(1).copied().unwrap_or_default();
    if !matches!(partition, "aws" | "aws-cn" | "aws-us-gov") && !partition.contains(['*', '?']) {
        return Err(cx.err(format!(
            "Partition \"{partition}\" is not valid for resource \"{resource}\"."
        )));
    }
    let service = parts.get(2).copied().unwrap_or_default();
    if service.is_empty() {
        return Err(cx.err(error::RESOURCE_VENDOR));
    }
    let region = parts.get(3).copied().unwrap_or_default();
    match service {
        "s3" if !region.is_empty() => {
            Err(cx.err(format!("Resource {resource} can not contain region information.")))
        }
        "iam" if !region.is_empty() => Err(cx.err(format!(
            "IAM resource {resource} cannot contain region information."
        ))),
        _ => Ok(()),
    }
}

/// S3 refuses a statement naming an action none of whose resources it could act on
/// (`s3:GetObject` on `arn:aws:s3:::bucket` alone).
fn check_s3_applicability(actions: &[&str], resources: &[&str], cx: &Checker) -> Result<(), PolicyError> {
    let mut buckets = false;
    let mut objects = false;
    for resource in resources {
        let path = resource.strip_prefix("arn:aws:s3:::").unwrap_or_default();
        if path.contains('/') {
            objects = true;
        } else if path.contains(['*', '?']) {
            // `arn:aws:s3:::b*` matches `b` and `b/key` alike: the glob spans `/`.
            buckets = true;
            objects = true;
        } else {
            buckets = true;
        }
    }
    for action in actions {
        if *action == "*" {
            continue;
        }
        let pattern = glob::compile(&action.to_lowercase());
        let applies = S3_ACTIONS.iter().any(|(name, target)| {
            glob::matches(&pattern, name)
                && match target {
                    Target::Bucket => buckets,
                    Target::Object => objects,
                    Target::Account => false,
                }
        });
        if !applies {
            return Err(cx.err(error::S3_ACTION_RESOURCE));
        }
    }
    Ok(())
}

fn check_sids(statements: &[Statement], cx: &Checker) -> Result<(), PolicyError> {
    let mut seen = HashSet::with_capacity(statements.len());
    for sid in statements
        .iter()
        .filter_map(|s| s.sid.as_deref())
        .filter(|s| !s.is_empty())
    {
        if !seen.insert(sid) {
            return Err(cx.err(error::SID_UNIQUE));
        }
    }
    Ok(())
}

impl Policy {
    /// S3 refuses a bucket policy naming resources outside its bucket ("Policy has invalid
    /// resource"); the bucket is known only to PutBucketPolicy, which calls this. A
    /// wildcard in the bucket part passes when it matches `bucket`.
    pub fn check_bucket(&self, bucket: &str) -> Result<(), PolicyError> {
        let cx = Checker { kind: self.kind };
        let resources = self
            .statements
            .iter()
            .filter_map(|s| s.resources.as_ref())
            .flat_map(|r| r.patterns.iter());
        for resource in resources {
            let path = resource.raw().strip_prefix("arn:aws:s3:::").unwrap_or_default();
            let bucket_part = path.split('/').next().unwrap_or_default();
            if !glob::matches(&glob::compile(bucket_part), bucket) {
                return Err(cx.err(error::S3_INVALID_RESOURCE));
            }
        }
        Ok(())
    }
}
