//! `Principal` / `NotPrincipal` of resource and trust policies (IAM User Guide,
//! reference_policies_elements_principal and _notprincipal).
//!
//! Matching is by ARN, never by wildcard: AWS allows `*` only alone (`"*"` or
//! `{"AWS": "*"}`). How an entry matched matters to the decision (ADR 13 section 4):
//! naming the caller itself (or `*`) grants directly; naming a session's role grants to
//! the session but stays under its session policy; naming the account only delegates to
//! the account's own identity policies.

use super::context::PrincipalRef;

/// The principals one statement names.
#[derive(Clone, Debug, Default)]
pub(crate) struct PrincipalSet {
    /// `NotPrincipal`: the statement applies to everyone not excluded.
    pub(crate) negated: bool,
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous included.
    pub(crate) wildcard: bool,
    /// ARNs, 12-digit account ids normalized to `arn:aws:iam::ID:root`.
    pub(crate) aws: Vec<String>,
    /// S3 canonical user ids (lower-case hex); each stands for its account.
    pub(crate) canonical: Vec<String>,
    /// Service principals (`cloudfront.amazonaws.com`): kept, never match a caller here.
    pub(crate) service: Vec<String>,
    /// Identity providers: kept, never match (no federation in Coffer).
    pub(crate) federated: Vec<String>,
}

/// How a statement's principal matched the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MatchKind {
    /// The caller's own ARN, `*`, or a `NotPrincipal` that does not exclude it.
    Caller,
    /// The role of the calling session.
    Role,
    /// The caller's account (its root ARN, id or canonical id).
    Account,
}

/// The caller, with its account's root ARN computed once per decision.
pub(crate) struct Who<'a> {
    pub(crate) principal: PrincipalRef<'a>,
    pub(crate) root_arn: String,
}

impl<'a> Who<'a> {
    pub(crate) fn new(principal: PrincipalRef<'a>) -> Self {
        let root_arn = if principal.anonymous {
            String::new()
        } else {
            format!("arn:aws:iam::{}:root", principal.account_id)
        };
        Self { principal, root_arn }
    }
}

impl PrincipalSet {
    fn names(&self, arn: &str) -> bool {
        !arn.is_empty() && self.aws.iter().any(|a| a == arn)
    }

    fn names_account(&self, who: &Who<'_>) -> bool {
        self.names(&who.root_arn)
            || who
                .principal
                .canonical_id
                .is_some_and(|c| self.canonical.iter().any(|n| n.eq_ignore_ascii_case(c)))
    }

    /// How this statement's principal covers `who`, or `None`.
    pub(crate) fn matches(&self, who: &Who<'_>) -> Option<MatchKind> {
        if self.negated {
            return (!self.excludes(who)).then_some(MatchKind::Caller);
        }
        if self.wildcard {
            return Some(MatchKind::Caller);
        }
        let p = &who.principal;
        if p.anonymous {
            return None;
        }
        if self.names(p.arn) {
            Some(MatchKind::Caller)
        } else if p.role_arn.is_some_and(|role| self.names(role)) {
            Some(MatchKind::Role)
        } else if self.names_account(who) {
            Some(MatchKind::Account)
        } else {
            None
        }
    }

    /// Whether `NotPrincipal` keeps the statement off `who`. AWS evaluates the chain of
    /// identities behind a caller (account, then role, then session or user), so a caller
    /// is excluded only when every link is listed; listing only the user leaves the
    /// account, and with it the user, covered (reference_policies_elements_notprincipal).
    fn excludes(&self, who: &Who<'_>) -> bool {
        if self.wildcard {
            return true;
        }
        let p = &who.principal;
        if p.anonymous || !self.names_account(who) {
            return false;
        }
        if p.arn == who.root_arn {
            return true;
        }
        p.role_arn.is_none_or(|role| self.names(role)) && self.names(p.arn)
    }

    /// Whether the principal alone makes a statement public: `*` or `NotPrincipal`.
    pub(crate) fn is_public(&self) -> bool {
        self.wildcard || self.negated
    }

    /// Only the entries of `account` (RestrictPublicBuckets); `None` when none is left.
    /// `*`, `NotPrincipal`, services, canonical ids and federated principals go.
    pub(crate) fn restricted_to(&self, account: &str) -> Option<Self> {
        if self.negated {
            return None;
        }
        let aws: Vec<String> = self
            .aws
            .iter()
            .filter(|arn| arn_account(arn) == Some(account))
            .cloned()
            .collect();
        (!aws.is_empty()).then(|| Self {
            aws,
            ..Self::default()
        })
    }
}

/// The account of an IAM or STS ARN.
pub(crate) fn arn_account(arn: &str) -> Option<&str> {
    let rest = arn
        .strip_prefix("arn:aws:iam::")
        .or_else(|| arn.strip_prefix("arn:aws:sts::"))?;
    rest.split_once(':').map(|(account, _)| account)
}

/// Normalizes and checks one `AWS` principal entry: `*`, a 12-digit account id, or the ARN
/// of an account root, user, role, assumed-role session or federated user. `None` for
/// anything else (wildcards inside an ARN included, as AWS refuses them).
pub(crate) fn normalize_aws(entry: &str) -> Option<String> {
    if entry == "*" {
        return Some(entry.to_owned());
    }
    if is_account_id(entry) {
        return Some(format!("arn:aws:iam::{entry}:root"));
    }
    if entry.contains(['*', '?']) || entry.chars().any(char::is_whitespace) {
        return None;
    }
    let (service, rest) = if let Some(rest) = entry.strip_prefix("arn:aws:iam::") {
        ("iam", rest)
    } else {
        ("sts", entry.strip_prefix("arn:aws:sts::")?)
    };
    let (account, resource) = rest.split_once(':')?;
    if !is_account_id(account) {
        return None;
    }
    let named = |prefix: &str| {
        resource
            .strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && !n.ends_with('/'))
    };
    let valid = match service {
        "iam" => resource == "root" || named("user/") || named("role/"),
        _ => {
            resource
                .strip_prefix("assumed-role/")
                .and_then(|r| r.split_once('/'))
                .is_some_and(|(role, session)| !role.is_empty() && !session.is_empty())
                || named("federated-user/")
        }
    };
    valid.then(|| entry.to_owned())
}

pub(crate) fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_entries() {
        assert_eq!(
            normalize_aws("111122223333").as_deref(),
            Some("arn:aws:iam::111122223333:root")
        );
        for ok in [
            "*",
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:user/Bob",
            "arn:aws:iam::111122223333:user/division/Bob",
            "arn:aws:iam::111122223333:role/R",
            "arn:aws:sts::111122223333:assumed-role/R/session",
            "arn:aws:sts::111122223333:federated-user/Bob",
        ] {
            assert!(normalize_aws(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "user",
            "11112222333",
            "arn:aws:iam::*:root",
            "arn:aws:iam::111122223333:user/*",
            "arn:aws:iam::111122223333:group/G",
            "arn:aws:iam::111122223333:user/",
            "arn:aws:s3:::bucket",
            "arn:aws:sts::111122223333:assumed-role/R",
        ] {
            assert!(normalize_aws(bad).is_none(), "{bad}");
        }
        assert_eq!(
            arn_account("arn:aws:sts::111122223333:assumed-role/R/S"),
            Some("111122223333")
        );
    }
}
