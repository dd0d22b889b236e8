//! One policy against one request: which of its statements apply, and for resource
//! policies how their principal matched.

use super::Policy;
use super::context::RequestContext;
use super::principal::{MatchKind, Who};
use super::statement::Effect;

/// What one policy says about a request. Explicit deny outranks allow, which outranks
/// silence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    ExplicitDeny,
    Allow,
    NotApplicable,
}

/// What a resource (or trust) policy says, keeping apart how an Allow matched: ADR 13
/// section 4 treats each differently.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResourceOutcome {
    /// An applicable Deny (its principal may have matched in any way).
    pub deny: bool,
    /// An Allow naming the caller itself, `*`, or a `NotPrincipal` not excluding it.
    pub allow_principal: bool,
    /// An Allow naming the role of the calling session.
    pub allow_role: bool,
    /// An Allow naming only the caller's account (delegation to its identity policies).
    pub allow_account: bool,
}

impl ResourceOutcome {
    /// Whether some Allow applies, however it matched.
    #[must_use]
    pub fn allows(&self) -> bool {
        self.allow_principal || self.allow_role || self.allow_account
    }
}

impl Policy {
    /// The policy's outcome for `req`: ExplicitDeny > Allow > NotApplicable. For a
    /// resource policy an Allow counts however its principal matched; use
    /// [`evaluate_resource`](Self::evaluate_resource) to tell the ways apart.
    #[must_use]
    pub fn evaluate(&self, req: &RequestContext<'_>) -> Outcome {
        self.outcome(req, &Who::new(req.principal))
    }

    /// The statements' outcome for `req`, with how each applicable Allow matched.
    #[must_use]
    pub fn evaluate_resource(&self, req: &RequestContext<'_>) -> ResourceOutcome {
        self.resource_outcome(req, &Who::new(req.principal))
    }

    pub(crate) fn outcome(&self, req: &RequestContext<'_>, who: &Who<'_>) -> Outcome {
        let r = self.resource_outcome(req, who);
        if r.deny {
            Outcome::ExplicitDeny
        } else if r.allows() {
            Outcome::Allow
        } else {
            Outcome::NotApplicable
        }
    }

    pub(crate) fn resource_outcome(&self, req: &RequestContext<'_>, who: &Who<'_>) -> ResourceOutcome {
        let action = req.action.to_lowercase();
        let mut out = ResourceOutcome::default();
        for statement in &self.statements {
            let Some(kind) = statement.applies(req, &action, who) else {
                continue;
            };
            match (statement.effect, kind) {
                (Effect::Deny, _) => {
                    // Nothing can outweigh a Deny: the other flags no longer matter.
                    out.deny = true;
                    return out;
                }
                (Effect::Allow, MatchKind::Caller) => out.allow_principal = true,
                (Effect::Allow, MatchKind::Role) => out.allow_role = true,
                (Effect::Allow, MatchKind::Account) => out.allow_account = true,
            }
        }
        out
    }
}
