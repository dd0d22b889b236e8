//! S3's meaning of "public" (S3 API PublicAccessBlockConfiguration; ADR 13 section 4) and
//! RestrictPublicBuckets.

use super::super::Outcome;
use super::{A, B, Caller, bucket_policy, outcome};

fn allow(principal: &str, condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"{condition}}}}}"#
    )
}

fn public(principal: &str, condition: &str) -> bool {
    bucket_policy(&allow(principal, condition)).is_public()
}

#[test]
fn principals() {
    assert!(public(r#""*""#, ""));
    assert!(public(r#"{"AWS":"*"}"#, ""));
    assert!(public(r#"{"AWS":["arn:aws:iam::111122223333:root","*"]}"#, ""));
    assert!(!public(r#"{"AWS":"111122223333"}"#, ""));
    assert!(!public(r#"{"AWS":"arn:aws:iam::111122223333:user/Bob"}"#, ""));
    assert!(!public(r#"{"Service":"cloudfront.amazonaws.com"}"#, ""));
    let not_principal = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/Bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#;
    assert!(bucket_policy(not_principal).is_public());
    let deny = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#;
    assert!(!bucket_policy(deny).is_public());
}

#[test]
fn conditions_that_pin_the_caller() {
    let c = |cond: &str| public(r#""*""#, &format!(r#","Condition":{cond}"#));
    assert!(!c(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#));
    assert!(!c(
        r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}"#
    ));
    assert!(c(r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}"#));
    assert!(c(r#"{"IpAddress":{"aws:SourceIp":"::/0"}}"#));
    assert!(c(r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#));
    assert!(!c(r#"{"StringEquals":{"aws:SourceAccount":"111122223333"}}"#));
    assert!(!c(
        r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:t"}}"#
    ));
    assert!(!c(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#));
    assert!(!c(r#"{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}"#));
    assert!(!c(r#"{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#));
    assert!(!c(
        r#"{"StringEquals":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-east-1:111122223333:key/k"}}"#
    ));
    assert!(!c(r#"{"StringEquals":{"aws:userid":"AIDAEXAMPLE"}}"#));
    // `AROLEID:*` is a wildcard, so any session of the role: public.
    assert!(c(r#"{"StringLike":{"aws:userid":"AROAEXAMPLE:*"}}"#));
    assert!(c(r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:t"}}"#));
    assert!(c(r#"{"StringEquals":{"aws:SourceAccount":"${aws:username}"}}"#));
    // Tests that an anonymous request passes do not pin it.
    assert!(c(
        r#"{"StringEqualsIfExists":{"aws:SourceAccount":"111122223333"}}"#
    ));
    assert!(c(r#"{"StringNotEquals":{"aws:SourceAccount":"111122223333"}}"#));
    assert!(c(
        r#"{"ForAllValues:StringEquals":{"aws:SourceAccount":"111122223333"}}"#
    ));
    // Keys outside the list do not pin it either.
    assert!(c(
        r#"{"StringEquals":{"s3:x-amz-server-side-encryption":"AES256"}}"#
    ));
    assert!(c(r#"{"Bool":{"aws:SecureTransport":"true"}}"#));
}

#[test]
fn restricted_to_account() {
    let policy = bucket_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}},
        {{"Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::{A}:user/alice","arn:aws:iam::{B}:user/bob"]}},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}},
        {{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::b/*"}}]}}"#
    ));
    assert!(policy.is_public());
    let restricted = policy.restricted_to_account(A);
    assert!(!restricted.is_public());
    assert_eq!(restricted.statement_count(), 2);
    let obj = "arn:aws:s3:::b/k";
    assert_eq!(
        outcome(&policy, &Caller::anonymous(), "s3:GetObject", obj, &[]),
        Outcome::Allow
    );
    assert_eq!(
        outcome(&restricted, &Caller::anonymous(), "s3:GetObject", obj, &[]),
        Outcome::NotApplicable
    );
    assert_eq!(
        outcome(&restricted, &Caller::user(A, "alice"), "s3:PutObject", obj, &[]),
        Outcome::Allow
    );
    assert_eq!(
        outcome(&restricted, &Caller::user(B, "bob"), "s3:PutObject", obj, &[]),
        Outcome::NotApplicable
    );
    assert_eq!(
        outcome(
            &restricted,
            &Caller::user(A, "alice"),
            "s3:DeleteObject",
            obj,
            &[]
        ),
        Outcome::ExplicitDeny
    );
}
