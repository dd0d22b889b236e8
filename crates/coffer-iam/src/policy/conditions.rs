//! The `Condition` element (IAM User Guide, reference_policies_elements_condition_operators
//! and reference_policies_multi-value-conditions): operators, `...IfExists`, `Null`,
//! `ForAnyValue:` / `ForAllValues:`.
//!
//! Truth table, absent key first: a positive operator is false, a negated one true,
//! `...IfExists` true, `ForAllValues:` true (AWS's warning: it also matches requests that
//! lack the key), `ForAnyValue:` false; `Null` tests presence. With the key present: a
//! value matches when it matches any policy value (OR); a negated operator is the
//! complement (NOR over the policy values); without a qualifier a multi-valued key
//! matches when any of its values does (negated: when none does); `ForAllValues:` needs
//! every request value to satisfy the operator, `ForAnyValue:` one.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::cidr::{self, Cidr};
use super::context::ConditionKeys;
use super::glob::{self, Token};
use super::values;
use super::variables::Template;

/// Which values of a multi-valued key must satisfy the operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Qualifier {
    None,
    ForAnyValue,
    ForAllValues,
}

/// An ordering test of `Numeric*` and `Date*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compare {
    Equals,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

impl Compare {
    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Self::Equals => ordering == Ordering::Equal,
            Self::LessThan => ordering == Ordering::Less,
            Self::LessThanEquals => ordering != Ordering::Greater,
            Self::GreaterThan => ordering == Ordering::Greater,
            Self::GreaterThanEquals => ordering != Ordering::Less,
        }
    }
}

/// The operator family, without negation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Base {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Compare),
    Date(Compare),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// A parsed operator name such as `ForAllValues:StringNotLikeIfExists`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Operator {
    pub(crate) base: Base,
    pub(crate) negated: bool,
    pub(crate) if_exists: bool,
    pub(crate) qualifier: Qualifier,
}

const OPERATORS: &[(&str, Base, bool)] = &[
    ("StringEquals", Base::StringEquals, false),
    ("StringNotEquals", Base::StringEquals, true),
    ("StringEqualsIgnoreCase", Base::StringEqualsIgnoreCase, false),
    ("StringNotEqualsIgnoreCase", Base::StringEqualsIgnoreCase, true),
    ("StringLike", Base::StringLike, false),
    ("StringNotLike", Base::StringLike, true),
    ("NumericEquals", Base::Numeric(Compare::Equals), false),
    ("NumericNotEquals", Base::Numeric(Compare::Equals), true),
    ("NumericLessThan", Base::Numeric(Compare::LessThan), false),
    (
        "NumericLessThanEquals",
        Base::Numeric(Compare::LessThanEquals),
        false,
    ),
    ("NumericGreaterThan", Base::Numeric(Compare::GreaterThan), false),
    (
        "NumericGreaterThanEquals",
        Base::Numeric(Compare::GreaterThanEquals),
        false,
    ),
    ("DateEquals", Base::Date(Compare::Equals), false),
    ("DateNotEquals", Base::Date(Compare::Equals), true),
    ("DateLessThan", Base::Date(Compare::LessThan), false),
    ("DateLessThanEquals", Base::Date(Compare::LessThanEquals), false),
    ("DateGreaterThan", Base::Date(Compare::GreaterThan), false),
    (
        "DateGreaterThanEquals",
        Base::Date(Compare::GreaterThanEquals),
        false,
    ),
    ("Bool", Base::Bool, false),
    ("BinaryEquals", Base::Binary, false),
    ("IpAddress", Base::Ip, false),
    ("NotIpAddress", Base::Ip, true),
    ("ArnEquals", Base::Arn, false),
    ("ArnLike", Base::Arn, false),
    ("ArnNotEquals", Base::Arn, true),
    ("ArnNotLike", Base::Arn, true),
    ("Null", Base::Null, false),
];

impl Operator {
    /// Parses an operator name (case-insensitively); `None` for an unknown one, which AWS
    /// answers "Invalid Condition type : NAME".
    pub(crate) fn parse(name: &str) -> Option<Self> {
        let (qualifier, rest) = if let Some(rest) = strip_prefix_ci(name, "ForAnyValue:") {
            (Qualifier::ForAnyValue, rest)
        } else if let Some(rest) = strip_prefix_ci(name, "ForAllValues:") {
            (Qualifier::ForAllValues, rest)
        } else {
            (Qualifier::None, name)
        };
        let lookup = |base_name: &str| {
            OPERATORS
                .iter()
                .find(|(n, _, _)| n.eq_ignore_ascii_case(base_name))
                .map(|(_, base, negated)| (*base, *negated))
        };
        // `...IfExists` is a suffix of any operator but `Null`.
        let (base, negated, if_exists) = match lookup(rest) {
            Some((base, negated)) => (base, negated, false),
            None => {
                let stem = strip_suffix_ci(rest, "IfExists")?;
                let (base, negated) = lookup(stem)?;
                (base, negated, true)
            }
        };
        if base == Base::Null && (if_exists || qualifier != Qualifier::None) {
            return None;
        }
        Some(Self {
            base,
            negated,
            if_exists,
            qualifier,
        })
    }
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

fn strip_suffix_ci<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix)
        .then(|| text.get(..cut))
        .flatten()
}

/// The policy's values for one key, typed by the operator at compile time.
#[derive(Clone, Debug)]
pub(crate) enum Values {
    /// String, ARN and Bool operators, which take policy variables.
    Text(Vec<Template>),
    Number(Vec<f64>),
    /// Unix nanoseconds.
    Date(Vec<i128>),
    Binary(Vec<Vec<u8>>),
    Ip(Vec<Cidr>),
    /// `Null`'s `true` (the key must be absent) / `false` (present).
    Null(Vec<bool>),
}

/// One (operator, key, values) triple of a `Condition` block.
#[derive(Clone, Debug)]
pub(crate) struct Condition {
    pub(crate) operator: Operator,
    /// Lower-cased: keys are case-insensitive.
    pub(crate) key: String,
    pub(crate) values: Values,
}

/// The outcome of one condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Truth {
    True,
    False,
    /// A policy variable in a value could not be resolved: the statement does not apply.
    Unresolved,
}

impl From<bool> for Truth {
    fn from(b: bool) -> Self {
        if b { Self::True } else { Self::False }
    }
}

impl Condition {
    pub(crate) fn evaluate(&self, keys: &ConditionKeys) -> Truth {
        let op = self.operator;
        let present = keys.get_lower(&self.key);
        if let Values::Null(wanted) = &self.values {
            return wanted.iter().any(|is_null| *is_null == present.is_none()).into();
        }
        let Some(request_values) = present else {
            return (op.if_exists
                || match op.qualifier {
                    Qualifier::ForAllValues => true,
                    Qualifier::ForAnyValue => false,
                    Qualifier::None => op.negated,
                })
            .into();
        };
        let Some(policy) = Resolved::new(&self.values, op.base, keys) else {
            return Truth::Unresolved;
        };
        let positive = |value: &String| policy.matches(op.base, value);
        let satisfied = |value: &String| positive(value) != op.negated;
        match op.qualifier {
            Qualifier::ForAllValues => request_values.iter().all(satisfied),
            Qualifier::ForAnyValue => request_values.iter().any(satisfied),
            Qualifier::None => request_values.iter().any(positive) != op.negated,
        }
        .into()
    }
}

/// Policy values with variables substituted for one request.
enum Resolved<'p> {
    /// Typed values, which take no variables.
    Typed(&'p Values),
    /// Operands of the equality and Bool operators.
    Strings(Vec<Cow<'p, str>>),
    /// Operands of `StringLike` and the ARN operators.
    Patterns(Vec<Cow<'p, [Token]>>),
}

impl<'p> Resolved<'p> {
    fn new(values: &'p Values, base: Base, keys: &ConditionKeys) -> Option<Self> {
        let Values::Text(templates) = values else {
            return Some(Self::Typed(values));
        };
        Some(match base {
            Base::StringLike | Base::Arn => Self::Patterns(
                templates
                    .iter()
                    .map(|t| t.expand_glob(keys))
                    .collect::<Option<_>>()?,
            ),
            _ => Self::Strings(templates.iter().map(|t| t.expand(keys)).collect::<Option<_>>()?),
        })
    }

    /// Whether `value` (one request value) matches any policy value under `base`.
    fn matches(&self, base: Base, value: &str) -> bool {
        match self {
            Self::Typed(values) => typed_matches(values, base, value),
            Self::Strings(strings) => strings.iter().any(|s| match base {
                Base::StringEqualsIgnoreCase => s.to_lowercase() == value.to_lowercase(),
                Base::Bool => s.trim().eq_ignore_ascii_case(value.trim()),
                _ => s.as_ref() == value,
            }),
            Self::Patterns(patterns) => patterns.iter().any(|p| match base {
                Base::Arn => arn_matches(p, value),
                _ => glob::matches(p, value),
            }),
        }
    }
}

fn typed_matches(values: &Values, base: Base, value: &str) -> bool {
    match (values, base) {
        (Values::Number(policy), Base::Numeric(cmp)) => values::parse_number(value).is_some_and(|v| {
            policy
                .iter()
                .any(|p| v.partial_cmp(p).is_some_and(|ordering| cmp.holds(ordering)))
        }),
        (Values::Date(policy), Base::Date(cmp)) => {
            values::parse_date(value).is_some_and(|v| policy.iter().any(|p| cmp.holds(v.cmp(p))))
        }
        (Values::Binary(policy), _) => {
            // A binary key may reach us as its bytes or as base64 text; either form counts.
            let decoded = values::decode_base64(value);
            policy
                .iter()
                .any(|p| p.as_slice() == value.as_bytes() || decoded.as_deref() == Some(p.as_slice()))
        }
        (Values::Ip(policy), _) => {
            cidr::parse_address(value).is_some_and(|address| policy.iter().any(|c| c.contains(address)))
        }
        _ => false,
    }
}

/// `ArnEquals`/`ArnLike`: each of the six colon-separated components is matched on its
/// own, so a `*` cannot run across a colon (AWS's example: `arn:aws:someservice:*:1111:x/*`
/// does not match an ARN of account 9999 whose resource part contains `:1111:`). A
/// pattern or value with fewer than six components is matched as a whole string.
fn arn_matches(pattern: &[Token], value: &str) -> bool {
    let mut pattern_parts: Vec<&[Token]> = Vec::with_capacity(6);
    let mut rest = pattern;
    while pattern_parts.len() < 5 {
        let Some(colon) = rest.iter().position(|t| *t == Token::Lit(':')) else {
            break;
        };
        pattern_parts.push(rest.get(..colon).unwrap_or_default());
        rest = rest.get(colon + 1..).unwrap_or_default();
    }
    pattern_parts.push(rest);
    let value_parts: Vec<&str> = value.splitn(6, ':').collect();
    if pattern_parts.len() < 6 || value_parts.len() < 6 {
        return glob::matches(pattern, value);
    }
    pattern_parts
        .iter()
        .zip(&value_parts)
        .all(|(p, v)| glob::matches(p, v))
}
