//! The whole decision of ADR 13 section 4, steps 1-6, over the identity (I), session (S)
//! and resource (R) policies of one request. Steps 1 (gathering I, S, R and turning ACL
//! grants into `acl_allows`) and 2 (RestrictPublicBuckets, see
//! [`Policy::restricted_to_account`](super::Policy::restricted_to_account)) are the
//! caller's; this is steps 3-6.

use super::Policy;
use super::context::RequestContext;
use super::eval::{Outcome, ResourceOutcome};
use super::principal::Who;

/// The answer. Both denies are 403 `AccessDenied`; they differ in why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

/// Everything one decision looks at.
#[derive(Clone, Copy, Debug)]
pub struct DecisionInput<'a> {
    pub request: &'a RequestContext<'a>,
    /// The principal is an account root.
    pub is_root: bool,
    /// The account owning the resource (the bucket's owner, the role's account for
    /// AssumeRole); `None` for IAM actions, ListBuckets and CreateBucket.
    pub resource_account: Option<&'a str>,
    /// I: the user's inline, attached and groups' policies, or the session's role's.
    pub identity: &'a [&'a Policy],
    /// S: the session policy of an AssumeRole session, if it has one.
    pub session: Option<&'a Policy>,
    /// R: the bucket policy (or the role's trust policy).
    pub resource_policy: Option<&'a Policy>,
    /// An ACL grant covers the request: a resource-side Allow naming the principal
    /// specifically (for anonymous, only an AllUsers grant may set it).
    pub acl_allows: bool,
}

/// Actions the bucket owner's root may always perform despite the bucket policy, so a bad
/// policy can always be removed (ADR 13 step 3; AWS PutBucketPolicy documentation).
const OWNER_ROOT_ACTIONS: [&str; 3] = [
    "s3:getbucketpolicy",
    "s3:putbucketpolicy",
    "s3:deletebucketpolicy",
];

/// Decides one request (ADR 13 section 4, steps 3-6).
#[must_use]
pub fn decide(input: &DecisionInput<'_>) -> Decision {
    let req = input.request;
    let principal = req.principal;
    let who = Who::new(principal);
    let anonymous = principal.anonymous;

    // Step 3: an applicable Deny anywhere wins. Anonymous has no identity side at all.
    let mut identity_allows = false;
    let mut session_allows = None;
    if !anonymous {
        for policy in input.identity {
            match policy.outcome(req, &who) {
                Outcome::ExplicitDeny => return Decision::ExplicitDeny,
                Outcome::Allow => identity_allows = true,
                Outcome::NotApplicable => {}
            }
        }
        if let Some(session) = input.session {
            session_allows = Some(match session.outcome(req, &who) {
                Outcome::ExplicitDeny => return Decision::ExplicitDeny,
                Outcome::Allow => true,
                Outcome::NotApplicable => false,
            });
        }
    }
    let r: ResourceOutcome = input
        .resource_policy
        .map(|p| p.resource_outcome(req, &who))
        .unwrap_or_default();
    let owner_root = input.is_root && !anonymous && input.resource_account == Some(principal.account_id);
    let exempt = owner_root
        && OWNER_ROOT_ACTIONS
            .iter()
            .any(|a| a.eq_ignore_ascii_case(req.action));
    if r.deny && !exempt {
        return Decision::ExplicitDeny;
    }
    // ACL grants name a principal specifically.
    let r_caller = r.allow_principal || input.acl_allows;

    // Step 4: same account, or no resource account.
    let same_account = !anonymous && input.resource_account.is_none_or(|a| a == principal.account_id);
    if same_account {
        if input.is_root {
            return Decision::Allow;
        }
        // Naming only the account delegates to I and grants nothing by itself. A session
        // policy limits what I and R's grants to the role give the session, not what R
        // grants the session itself.
        let allowed = match session_allows {
            None => r_caller || r.allow_role || identity_allows,
            Some(s) => r_caller || (s && (identity_allows || r.allow_role)),
        };
        return allow_if(allowed);
    }
    let Some(_) = input.resource_account else {
        // Anonymous with no resource: nothing can grant it.
        return Decision::ImplicitDeny;
    };

    // Step 5: another account (or anonymous) needs both sides.
    let resource_side = if anonymous {
        r_caller
    } else {
        r_caller || r.allow_role || r.allow_account
    };
    let principal_side = anonymous || input.is_root || (identity_allows && session_allows.unwrap_or(true));
    // Step 6: otherwise implicit deny.
    allow_if(resource_side && principal_side)
}

fn allow_if(allowed: bool) -> Decision {
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}
