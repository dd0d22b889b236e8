//! Property: once an applicable Deny matches a request, no Allow added anywhere (identity,
//! session or resource policy) turns the decision into Allow. Random policies are built as
//! JSON text so the parser is exercised too; the generator is a seeded `StdRng`, so a
//! failure reproduces.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::super::{ConditionKeys, Decision, DecisionInput, Outcome, Policy, PolicyKind, decide};
use super::{A, B, Caller, request};

const CASES: usize = 2_000;

const ACTIONS: [&str; 6] = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:DeleteObject",
    "s3:PutBucketPolicy",
    "iam:CreateUser",
];
const ACTION_PATTERNS: [&str; 10] = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:DeleteObject",
    "s3:Get*",
    "s3:Put*",
    "s3:*",
    "*",
    "iam:*",
    "S3:getobject",
];
const RESOURCES: [&str; 5] = [
    "arn:aws:s3:::b1",
    "arn:aws:s3:::b1/home/alice/x",
    "arn:aws:s3:::b1/public/y",
    "arn:aws:s3:::b2/z",
    "arn:aws:iam::111122223333:user/bob",
];
const RESOURCE_PATTERNS: [&str; 8] = [
    "*",
    "arn:aws:s3:::b1",
    "arn:aws:s3:::b1/*",
    "arn:aws:s3:::b*",
    "arn:aws:s3:::b1/home/${aws:username}/*",
    "arn:aws:s3:::b2/*",
    "arn:aws:s3:::b?/public/*",
    "arn:aws:iam::111122223333:user/*",
];
const BUCKET_RESOURCE_PATTERNS: [&str; 5] = [
    "arn:aws:s3:::b1",
    "arn:aws:s3:::b1/*",
    "arn:aws:s3:::b*",
    "arn:aws:s3:::b1/home/${aws:username}/*",
    "arn:aws:s3:::b2/*",
];

fn conditions() -> Vec<Value> {
    vec![
        json!({"StringEquals": {"s3:x-amz-server-side-encryption": "AES256"}}),
        json!({"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}),
        json!({"Null": {"s3:x-amz-server-side-encryption": "true"}}),
        json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}}),
        json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        json!({"Bool": {"aws:SecureTransport": "false"}}),
        json!({"BoolIfExists": {"aws:SecureTransport": true}}),
        json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}),
        json!({"ForAnyValue:StringLike": {"aws:TagKeys": "c*"}}),
        json!({"DateLessThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}}),
        json!({"StringLikeIfExists": {"aws:username": "a*"}}),
        json!({"NumericLessThanEquals": {"s3:max-keys": 10}}),
    ]
}

fn one_or_many(rng: &mut StdRng, pool: &[&str]) -> Value {
    let n = rng.random_range(1..=3);
    let picked: Vec<&str> = (0..n).filter_map(|_| pool.choose(rng).copied()).collect();
    if picked.len() == 1 {
        json!(picked[0])
    } else {
        json!(picked)
    }
}

fn principal(rng: &mut StdRng) -> (&'static str, Value) {
    let choices = [
        json!("*"),
        json!({"AWS": "*"}),
        json!({"AWS": A}),
        json!({"AWS": format!("arn:aws:iam::{A}:user/alice")}),
        json!({"AWS": format!("arn:aws:iam::{B}:root")}),
        json!({"AWS": format!("arn:aws:iam::{A}:role/R")}),
        json!({"AWS": [format!("arn:aws:iam::{B}:user/bob"), format!("arn:aws:iam::{B}:root")]}),
        json!({"AWS": format!("arn:aws:sts::{A}:assumed-role/R/s")}),
    ];
    let value = choices.choose(rng).cloned().unwrap_or(json!("*"));
    let field = if rng.random_bool(0.15) {
        "NotPrincipal"
    } else {
        "Principal"
    };
    (field, value)
}

/// A random statement for a policy of `kind`.
fn statement(rng: &mut StdRng, kind: PolicyKind, effect: &str) -> Value {
    let mut s = serde_json::Map::new();
    s.insert("Effect".into(), json!(effect));
    let (action_field, resource_field) = if rng.random_bool(0.1) {
        ("NotAction", "NotResource")
    } else {
        ("Action", "Resource")
    };
    if kind == PolicyKind::Resource {
        let (field, p) = principal(rng);
        s.insert(field.into(), p);
        s.insert("Action".into(), json!("s3:*"));
        s.insert("Resource".into(), one_or_many(rng, &BUCKET_RESOURCE_PATTERNS));
        if rng.random_bool(0.5) {
            s.insert(
                "Action".into(),
                one_or_many(
                    rng,
                    &[
                        "s3:*",
                        "s3:Get*",
                        "s3:Put*",
                        "s3:GetObject",
                        "s3:PutObject",
                        "s3:DeleteObject",
                    ],
                ),
            );
            s.insert(
                "Resource".into(),
                json!(["arn:aws:s3:::b1", "arn:aws:s3:::b1/*", "arn:aws:s3:::b2/*"]),
            );
        }
    } else {
        s.insert(action_field.into(), one_or_many(rng, &ACTION_PATTERNS));
        s.insert(resource_field.into(), one_or_many(rng, &RESOURCE_PATTERNS));
    }
    if rng.random_bool(0.4) {
        let pool = conditions();
        let mut block = serde_json::Map::new();
        for _ in 0..rng.random_range(1..=2) {
            if let Some(Value::Object(c)) = pool.choose(rng) {
                for (k, v) in c {
                    block.insert(k.clone(), v.clone());
                }
            }
        }
        s.insert("Condition".into(), Value::Object(block));
    }
    Value::Object(s)
}

/// A Deny that surely covers `action` on `resource` (conditions aside).
fn targeted_deny(rng: &mut StdRng, kind: PolicyKind, action: &str, resource: &str) -> Value {
    let mut s = serde_json::Map::new();
    s.insert("Effect".into(), json!("Deny"));
    s.insert(
        "Action".into(),
        json!(if rng.random_bool(0.5) { action } else { "*" }),
    );
    if kind == PolicyKind::Resource {
        s.insert("Principal".into(), json!("*"));
        s.insert("Action".into(), json!("s3:*"));
        s.insert(
            "Resource".into(),
            json!(["arn:aws:s3:::b1", "arn:aws:s3:::b1/*", "arn:aws:s3:::b2/*"]),
        );
    } else {
        s.insert(
            "Resource".into(),
            json!(if rng.random_bool(0.5) { resource } else { "*" }),
        );
    }
    if rng.random_bool(0.3) {
        s.insert(
            "Condition".into(),
            json!({"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}),
        );
    }
    Value::Object(s)
}

fn document(statements: &[Value]) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn compile(statements: &[Value], kind: PolicyKind) -> Policy {
    let text = document(statements);
    Policy::parse(&text, kind).unwrap_or_else(|e| panic!("generated policy refused: {e}: {text}"))
}

struct Setup {
    identity: Vec<Vec<Value>>,
    session: Option<Vec<Value>>,
    resource: Option<Vec<Value>>,
}

fn decide_setup(
    setup: &Setup,
    caller: &Caller,
    action: &str,
    resource: &str,
    keys: &ConditionKeys,
    owner: Option<&str>,
    acl: bool,
) -> (Decision, bool) {
    let identity: Vec<Policy> = setup
        .identity
        .iter()
        .map(|s| compile(s, PolicyKind::Identity))
        .collect();
    let identity_refs: Vec<&Policy> = identity.iter().collect();
    let session = setup.session.as_ref().map(|s| compile(s, PolicyKind::Session));
    let resource_policy = setup.resource.as_ref().map(|s| compile(s, PolicyKind::Resource));
    let req = request(caller, action, resource, keys);
    let decision = decide(&DecisionInput {
        request: &req,
        is_root: caller.is_root(),
        resource_account: owner,
        identity: &identity_refs,
        session: session.as_ref(),
        resource_policy: resource_policy.as_ref(),
        acl_allows: acl,
    });
    // Whether some applicable Deny matches, judged policy by policy.
    let owner_root_policy_action = caller.is_root()
        && owner == Some(caller.account.as_str())
        && action.eq_ignore_ascii_case("s3:PutBucketPolicy");
    let denied = !caller.anonymous
        && (identity.iter().any(|p| p.evaluate(&req) == Outcome::ExplicitDeny)
            || session
                .as_ref()
                .is_some_and(|p| p.evaluate(&req) == Outcome::ExplicitDeny))
        || (!owner_root_policy_action
            && resource_policy
                .as_ref()
                .is_some_and(|p| p.evaluate_resource(&req).deny));
    (decision, denied)
}

fn random_keys(rng: &mut StdRng, caller: &Caller) -> ConditionKeys {
    let mut k = ConditionKeys::new();
    if rng.random_bool(0.5) {
        k.insert(
            "s3:x-amz-server-side-encryption",
            *["AES256", "aws:kms"].choose(rng).unwrap_or(&"AES256"),
        );
    }
    k.insert(
        "aws:SourceIp",
        *["10.1.2.3", "192.0.2.1", "2001:db8::1", "::ffff:10.0.0.1"]
            .choose(rng)
            .unwrap_or(&"10.1.2.3"),
    );
    k.insert(
        "aws:SecureTransport",
        if rng.random_bool(0.5) { "true" } else { "false" },
    );
    for tag in ["a", "b", "c1"] {
        if rng.random_bool(0.3) {
            k.insert("aws:TagKeys", tag);
        }
    }
    k.insert(
        "aws:CurrentTime",
        *["2024-06-01T00:00:00Z", "2026-01-01T00:00:00Z"]
            .choose(rng)
            .unwrap_or(&"2024-06-01T00:00:00Z"),
    );
    if rng.random_bool(0.5) {
        k.insert("s3:max-keys", *["5", "50"].choose(rng).unwrap_or(&"5"));
    }
    if let Some(name) = caller
        .arn
        .strip_prefix(&format!("arn:aws:iam::{}:user/", caller.account))
    {
        k.insert("aws:username", name);
    }
    k
}

#[test]
fn no_allow_overrides_an_applicable_deny() {
    let mut rng = StdRng::seed_from_u64(0x00c0_ffee_0013);
    let callers = [
        Caller::root(A),
        Caller::user(A, "alice"),
        Caller::session(A, "R", "s"),
        Caller::user(B, "bob"),
        Caller::root(B),
        Caller::anonymous(),
    ];
    let mut denied_cases = 0usize;
    let mut allowed_cases = 0usize;
    for case in 0..CASES {
        let caller = callers
            .choose(&mut rng)
            .cloned()
            .unwrap_or_else(Caller::anonymous);
        let action = *ACTIONS.choose(&mut rng).unwrap_or(&"s3:GetObject");
        let resource = *RESOURCES.choose(&mut rng).unwrap_or(&"*");
        let owner = [Some(A), Some(B), None].choose(&mut rng).copied().unwrap_or(None);
        let acl = rng.random_bool(0.1);
        let keys = random_keys(&mut rng, &caller);

        let has_identity = !caller.anonymous && !caller.is_root();
        let mut setup = Setup {
            identity: if has_identity {
                (0..rng.random_range(0..=2))
                    .map(|_| {
                        let effect = if rng.random_bool(0.7) { "Allow" } else { "Deny" };
                        vec![statement(&mut rng, PolicyKind::Identity, effect)]
                    })
                    .collect()
            } else {
                Vec::new()
            },
            session: (caller.role_arn.is_some() && rng.random_bool(0.5))
                .then(|| vec![statement(&mut rng, PolicyKind::Session, "Allow")]),
            resource: rng.random_bool(0.6).then(|| {
                let effect = if rng.random_bool(0.7) { "Allow" } else { "Deny" };
                vec![statement(&mut rng, PolicyKind::Resource, effect)]
            }),
        };
        // Plant a Deny aimed at the request in half the cases, somewhere.
        if rng.random_bool(0.5) {
            match rng.random_range(0..3) {
                0 if has_identity => setup.identity.push(vec![targeted_deny(
                    &mut rng,
                    PolicyKind::Identity,
                    action,
                    resource,
                )]),
                1 if setup.session.is_some() => {
                    let deny = targeted_deny(&mut rng, PolicyKind::Session, action, resource);
                    if let Some(s) = setup.session.as_mut() {
                        s.push(deny);
                    }
                }
                _ => {
                    let deny = targeted_deny(&mut rng, PolicyKind::Resource, action, resource);
                    setup.resource.get_or_insert_with(Vec::new).push(deny);
                }
            }
        }

        let (before, denied) = decide_setup(&setup, &caller, action, resource, &keys, owner, acl);
        if before == Decision::Allow {
            allowed_cases += 1;
        }
        if !denied {
            continue;
        }
        denied_cases += 1;
        assert_eq!(
            before,
            Decision::ExplicitDeny,
            "case {case}: a matching Deny did not deny"
        );

        // Add Allows everywhere: to every existing policy, as new identity policies, and
        // as a resource policy if there was none.
        for _ in 0..rng.random_range(1..=4) {
            match rng.random_range(0..4) {
                0 => setup
                    .identity
                    .push(vec![statement(&mut rng, PolicyKind::Identity, "Allow")]),
                1 => {
                    if let Some(first) = setup.identity.first_mut() {
                        let at = rng.random_range(0..=first.len());
                        first.insert(at, statement(&mut rng, PolicyKind::Identity, "Allow"));
                    }
                }
                2 => {
                    if let Some(s) = setup.session.as_mut() {
                        let at = rng.random_range(0..=s.len());
                        s.insert(at, statement(&mut rng, PolicyKind::Session, "Allow"));
                    }
                }
                _ => {
                    let allow = statement(&mut rng, PolicyKind::Resource, "Allow");
                    let r = setup.resource.get_or_insert_with(Vec::new);
                    let at = rng.random_range(0..=r.len());
                    r.insert(at, allow);
                }
            }
        }
        // An allow-everything statement as well.
        if has_identity {
            setup
                .identity
                .push(vec![json!({"Effect": "Allow", "Action": "*", "Resource": "*"})]);
        }
        setup.resource.get_or_insert_with(Vec::new).push(
            json!({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::b1", "arn:aws:s3:::b1/*", "arn:aws:s3:::b2/*"]}),
        );
        let (after, _) = decide_setup(&setup, &caller, action, resource, &keys, owner, true);
        assert_eq!(
            after,
            Decision::ExplicitDeny,
            "case {case}: Allows overrode a Deny: {}",
            document(setup.resource.as_deref().unwrap_or_default())
        );
    }
    // The generator must exercise both sides of the property.
    assert!(
        denied_cases > CASES / 5,
        "only {denied_cases} cases had a matching Deny"
    );
    assert!(
        allowed_cases > CASES / 20,
        "only {allowed_cases} cases were allowed"
    );
}
