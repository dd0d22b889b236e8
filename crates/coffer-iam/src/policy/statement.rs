//! A compiled statement and whether it applies to a request.

use super::conditions::{Condition, Truth};
use super::context::RequestContext;
use super::glob::{self, Token};
use super::principal::{MatchKind, PrincipalSet, Who};
use super::variables::Template;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

/// `Action` or `NotAction`: lower-cased patterns (actions match case-insensitively).
#[derive(Clone, Debug)]
pub(crate) struct Actions {
    pub(crate) negated: bool,
    pub(crate) patterns: Vec<Vec<Token>>,
}

impl Actions {
    fn cover(&self, action_lower: &str) -> bool {
        self.patterns.iter().any(|p| glob::matches(p, action_lower)) != self.negated
    }
}

/// `Resource` or `NotResource`: case-sensitive patterns over the whole ARN, after
/// variable substitution.
#[derive(Clone, Debug)]
pub(crate) struct Resources {
    pub(crate) negated: bool,
    pub(crate) patterns: Vec<Template>,
}

impl Resources {
    /// `None` when a variable of any entry cannot be resolved: AWS then treats the whole
    /// statement as not applying, whichever entry would have matched (so the answer does
    /// not depend on the order of entries).
    fn cover(&self, req: &RequestContext<'_>) -> Option<bool> {
        let mut any = false;
        for pattern in &self.patterns {
            let tokens = pattern.expand_glob(req.keys)?;
            any = any || glob::matches(&tokens, req.resource);
        }
        Some(any != self.negated)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Statement {
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    /// `None` in identity and session policies: they apply to their holder.
    pub(crate) principal: Option<PrincipalSet>,
    pub(crate) actions: Actions,
    /// `None` in trust policies (the role is the resource).
    pub(crate) resources: Option<Resources>,
    pub(crate) conditions: Vec<Condition>,
}

impl Statement {
    /// How the statement applies to the request, or `None` when it does not.
    pub(crate) fn applies(
        &self,
        req: &RequestContext<'_>,
        action_lower: &str,
        who: &Who<'_>,
    ) -> Option<MatchKind> {
        if !self.actions.cover(action_lower) {
            return None;
        }
        let kind = match &self.principal {
            None => MatchKind::Caller,
            Some(principal) => principal.matches(who)?,
        };
        if let Some(resources) = &self.resources
            && !resources.cover(req)?
        {
            return None;
        }
        for condition in &self.conditions {
            if condition.evaluate(req.keys) != Truth::True {
                return None;
            }
        }
        Some(kind)
    }
}
