//! The examples of IAM User Guide reference_policies_variables.

use super::super::{Outcome, PolicyKind};
use super::{A, Caller, identity, outcome};

#[test]
fn home_directory_per_user() {
    let policy = identity(
        r#"{"Version":"2012-10-17","Statement":[
        {"Action":["s3:ListBucket"],"Effect":"Allow","Resource":["arn:aws:s3:::bucket"],
         "Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/*"]}}},
        {"Action":["s3:GetObject","s3:PutObject"],"Effect":"Allow","Resource":["arn:aws:s3:::bucket/home/${aws:username}/*"]}]}"#,
    );
    let david = Caller::user(A, "David");
    let me = [("aws:username", "David")];
    assert_eq!(
        outcome(
            &policy,
            &david,
            "s3:PutObject",
            "arn:aws:s3:::bucket/home/David/notes.txt",
            &me
        ),
        Outcome::Allow
    );
    assert_eq!(
        outcome(
            &policy,
            &david,
            "s3:PutObject",
            "arn:aws:s3:::bucket/home/Adele/notes.txt",
            &me
        ),
        Outcome::NotApplicable
    );
    assert_eq!(
        outcome(
            &policy,
            &david,
            "s3:ListBucket",
            "arn:aws:s3:::bucket",
            &[("aws:username", "David"), ("s3:prefix", "home/David/x")]
        ),
        Outcome::Allow
    );
    assert_eq!(
        outcome(
            &policy,
            &david,
            "s3:ListBucket",
            "arn:aws:s3:::bucket",
            &[("aws:username", "David"), ("s3:prefix", "home/Adele/")]
        ),
        Outcome::NotApplicable
    );
    assert_eq!(
        outcome(
            &policy,
            &david,
            "s3:ListBucket",
            "arn:aws:s3:::bucket",
            &[("aws:username", "David"), ("s3:prefix", "")]
        ),
        Outcome::Allow
    );
}

#[test]
fn missing_variable_makes_the_statement_not_apply() {
    // A role session has no aws:username: the variable is "not present ... and causes the
    // statement to be invalid", even for its other Resource entry.
    let policy = identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject",
        "Resource":["arn:aws:s3:::bucket/home/${aws:username}/*","arn:aws:s3:::bucket/public/*"]}}"#,
    );
    let session = Caller::session(A, "R", "s");
    assert_eq!(
        outcome(
            &policy,
            &session,
            "s3:GetObject",
            "arn:aws:s3:::bucket/public/x",
            &[]
        ),
        Outcome::NotApplicable
    );
    let user = Caller::user(A, "u");
    assert_eq!(
        outcome(
            &policy,
            &user,
            "s3:GetObject",
            "arn:aws:s3:::bucket/public/x",
            &[("aws:username", "u")]
        ),
        Outcome::Allow
    );
    // In a condition too; with a default it resolves.
    let cond = identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*",
        "Condition":{"StringEquals":{"s3:prefix":"${aws:userid}"}}}}"#,
    );
    assert_eq!(
        outcome(&cond, &session, "s3:ListBucket", "*", &[("s3:prefix", "x")]),
        Outcome::NotApplicable
    );
    let defaulted = identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*",
        "Condition":{"StringEquals":{"s3:prefix":"home/${aws:userid, 'anonymous'}"}}}}"#,
    );
    assert_eq!(
        outcome(
            &defaulted,
            &Caller::anonymous(),
            "s3:ListBucket",
            "*",
            &[("s3:prefix", "home/anonymous")]
        ),
        Outcome::Allow
    );
    assert_eq!(
        outcome(
            &defaulted,
            &user,
            "s3:ListBucket",
            "*",
            &[("s3:prefix", "home/AIDAEXAMPLE"), ("aws:userid", "AIDAEXAMPLE")]
        ),
        Outcome::Allow
    );
}

#[test]
fn own_access_keys_and_tags() {
    let keys = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Action":["iam:*AccessKey*"],"Effect":"Allow",
        "Resource":["arn:aws:iam::111122223333:user/${aws:username}"]}]}"#,
    );
    let david = Caller::user(A, "David");
    let me = [("aws:username", "David")];
    assert_eq!(
        outcome(
            &keys,
            &david,
            "iam:CreateAccessKey",
            "arn:aws:iam::111122223333:user/David",
            &me
        ),
        Outcome::Allow
    );
    assert_eq!(
        outcome(
            &keys,
            &david,
            "iam:CreateAccessKey",
            "arn:aws:iam::111122223333:user/Adele",
            &me
        ),
        Outcome::NotApplicable
    );
    let tag = identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::bucket/${aws:PrincipalTag/department}"]}}"#,
    );
    assert_eq!(
        outcome(
            &tag,
            &david,
            "s3:GetObject",
            "arn:aws:s3:::bucket/hr",
            &[("aws:PrincipalTag/department", "hr")]
        ),
        Outcome::Allow
    );
    // A tag value is literal: `*` in it does not widen the pattern.
    assert_eq!(
        outcome(
            &tag,
            &david,
            "s3:GetObject",
            "arn:aws:s3:::bucket/hr",
            &[("aws:PrincipalTag/department", "*")]
        ),
        Outcome::NotApplicable
    );
}

#[test]
fn special_characters() {
    let policy = identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/what${?}${*}${$}"}}"#,
    );
    let u = Caller::user(A, "u");
    assert_eq!(
        outcome(&policy, &u, "s3:GetObject", "arn:aws:s3:::bucket/what?*$", &[]),
        Outcome::Allow
    );
    assert_eq!(
        outcome(&policy, &u, "s3:GetObject", "arn:aws:s3:::bucket/whatX*$", &[]),
        Outcome::NotApplicable
    );
}

#[test]
fn without_version_variables_are_literal() {
    // "If you don't include the Version element ..., variables like ${aws:username} are
    // treated as literal strings in the policy."
    let policy = identity(
        r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/${aws:username}/*"}}"#,
    );
    let u = Caller::user(A, "u");
    let me = [("aws:username", "u")];
    assert_eq!(
        outcome(&policy, &u, "s3:GetObject", "arn:aws:s3:::bucket/u/x", &me),
        Outcome::NotApplicable
    );
    assert_eq!(
        outcome(
            &policy,
            &u,
            "s3:GetObject",
            "arn:aws:s3:::bucket/${aws:username}/x",
            &me
        ),
        Outcome::Allow
    );
    // A bucket policy of 2008-10-17 reads them as text as well.
    let old = super::super::Policy::parse(
        r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/${aws:username}/*"}}"#,
        PolicyKind::Resource,
    )
    .unwrap();
    assert_eq!(
        outcome(&old, &u, "s3:GetObject", "arn:aws:s3:::bucket/u/x", &me),
        Outcome::NotApplicable
    );
}
