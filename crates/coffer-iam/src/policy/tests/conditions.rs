//! The examples of IAM User Guide reference_policies_elements_condition_operators and
//! reference_policies_multi-value-conditions, one operator family at a time.

use super::super::Outcome;
use super::{A, Caller, identity, outcome};

/// Whether an Allow statement guarded by `condition` (a JSON object) applies when the
/// request carries `pairs`.
fn holds(condition: &str, pairs: &[(&str, &str)]) -> bool {
    let policy = identity(&format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{condition}}}}}"#
    ));
    outcome(&policy, &Caller::user(A, "David"), "s3:GetObject", "*", pairs) == Outcome::Allow
}

#[test]
fn string_equals_principal_tag() {
    // "the principal making the request must be tagged with the iamuser-admin job category"
    let c = r#"{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}"#;
    assert!(holds(c, &[("aws:PrincipalTag/job-category", "iamuser-admin")]));
    assert!(!holds(c, &[("aws:PrincipalTag/job-category", "IAMUSER-ADMIN")]));
    assert!(!holds(c, &[("aws:PrincipalTag/job-category", "other")]));
    // "If a user without the tag attempts to view or edit an access key, the condition
    // returns false".
    assert!(!holds(c, &[]));
    // Condition key names are case-insensitive.
    assert!(holds(c, &[("AWS:PRINCIPALTAG/JOB-CATEGORY", "iamuser-admin")]));
}

#[test]
fn string_family() {
    let ic = r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"Blue"}}"#;
    assert!(holds(ic, &[("aws:PrincipalTag/team", "BLUE")]));
    let nic = r#"{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"Blue"}}"#;
    assert!(!holds(nic, &[("aws:PrincipalTag/team", "blue")]));
    assert!(holds(nic, &[("aws:PrincipalTag/team", "red")]));
    let like = r#"{"StringLike":{"s3:prefix":["home/*","share/?"]}}"#;
    assert!(holds(like, &[("s3:prefix", "home/a/b")]));
    assert!(holds(like, &[("s3:prefix", "share/x")]));
    assert!(!holds(like, &[("s3:prefix", "share/xy")]));
    let not_like = r#"{"StringNotLike":{"s3:prefix":"home/*"}}"#;
    assert!(!holds(not_like, &[("s3:prefix", "home/x")]));
    assert!(holds(not_like, &[("s3:prefix", "other")]));
}

#[test]
fn negated_operators_are_nor_over_values_and_true_when_key_absent() {
    let c = r#"{"StringNotEquals":{"aws:PrincipalTag/role":["audit","security"]}}"#;
    assert!(!holds(c, &[("aws:PrincipalTag/role", "audit")]));
    assert!(!holds(c, &[("aws:PrincipalTag/role", "security")]));
    assert!(holds(c, &[("aws:PrincipalTag/role", "dev")]));
    // "If the policy condition requires that the key is not matched, such as StringNotLike
    // or ArnNotLike, and the right key is not present, the condition is true."
    assert!(holds(c, &[]));
    for absent in [
        r#"{"StringNotLike":{"s3:prefix":"x*"}}"#,
        r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:*:t"}}"#,
        r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:t"}}"#,
        r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#,
        r#"{"DateNotEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#,
        r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        r#"{"StringNotEqualsIgnoreCase":{"aws:username":"x"}}"#,
    ] {
        assert!(holds(absent, &[]), "{absent}");
    }
}

#[test]
fn numeric() {
    // "the requester can list up to 10 objects in example_bucket at a time"
    let c = r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#;
    assert!(holds(c, &[("s3:max-keys", "10")]));
    assert!(holds(c, &[("s3:max-keys", "2")]));
    assert!(!holds(c, &[("s3:max-keys", "11")]));
    assert!(!holds(c, &[("s3:max-keys", "ten")]));
    assert!(!holds(c, &[]));
    // A JSON number as the value.
    assert!(holds(
        r#"{"NumericEquals":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", "10.0")]
    ));
    assert!(holds(
        r#"{"NumericLessThan":{"s3:max-keys":1.5}}"#,
        &[("s3:max-keys", "1")]
    ));
    assert!(holds(
        r#"{"NumericGreaterThan":{"s3:max-keys":"1"}}"#,
        &[("s3:max-keys", "2")]
    ));
    assert!(holds(
        r#"{"NumericGreaterThanEquals":{"s3:max-keys":"2"}}"#,
        &[("s3:max-keys", "2")]
    ));
    assert!(holds(
        r#"{"NumericNotEquals":{"s3:max-keys":"2"}}"#,
        &[("s3:max-keys", "3")]
    ));
}

#[test]
fn date() {
    // "the temporary security credentials used to make the request were issued in 2020"
    let c = r#"{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#;
    assert!(holds(c, &[("aws:TokenIssueTime", "2020-06-01T00:00:00Z")]));
    assert!(!holds(c, &[("aws:TokenIssueTime", "2019-12-31T23:59:59Z")]));
    // "The key is not present in ... requests that are made using access keys."
    assert!(!holds(c, &[]));
    // Epoch seconds on either side.
    assert!(holds(
        r#"{"DateLessThan":{"aws:EpochTime":"1700000000"}}"#,
        &[("aws:EpochTime", "1600000000")]
    ));
    assert!(holds(
        r#"{"DateLessThan":{"aws:CurrentTime":1700000000}}"#,
        &[("aws:CurrentTime", "2020-01-01T00:00:00Z")]
    ));
    let window = r#"{"DateGreaterThan":{"aws:CurrentTime":"2017-07-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2017-12-31T23:59:59Z"}}"#;
    assert!(holds(window, &[("aws:CurrentTime", "2017-08-01T12:00:00Z")]));
    assert!(!holds(window, &[("aws:CurrentTime", "2018-01-01T00:00:00Z")]));
    assert!(holds(
        r#"{"DateEquals":{"aws:CurrentTime":"2020-01-01"}}"#,
        &[("aws:CurrentTime", "2020-01-01T00:00:00Z")]
    ));
    assert!(holds(
        r#"{"DateLessThanEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#,
        &[("aws:CurrentTime", "1577836800")]
    ));
    assert!(holds(
        r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2020-01-01T01:00:00+01:00"}}"#,
        &[("aws:CurrentTime", "2020-01-01T00:00:00Z")]
    ));
}

#[test]
fn bool_secure_transport_deny() {
    // BooleanExample: deny all S3 actions on the bucket when the request is not over SSL.
    let policy = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"BooleanExample","Action":"s3:*","Effect":"Deny",
        "Resource":["arn:aws:s3:::DOC-EXAMPLE-BUCKET","arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
        "Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
    );
    let who = Caller::user(A, "David");
    let obj = "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k";
    assert_eq!(
        outcome(
            &policy,
            &who,
            "s3:GetObject",
            obj,
            &[("aws:SecureTransport", "false")]
        ),
        Outcome::ExplicitDeny
    );
    assert_eq!(
        outcome(
            &policy,
            &who,
            "s3:GetObject",
            obj,
            &[("aws:SecureTransport", "true")]
        ),
        Outcome::NotApplicable
    );
    assert_eq!(
        outcome(
            &policy,
            &who,
            "s3:GetObject",
            obj,
            &[("aws:SecureTransport", "FALSE")]
        ),
        Outcome::ExplicitDeny
    );
    // A JSON boolean as the value.
    assert!(holds(
        r#"{"Bool":{"aws:SecureTransport":true}}"#,
        &[("aws:SecureTransport", "true")]
    ));
}

#[test]
fn binary_equals() {
    let c = r#"{"BinaryEquals":{"s3:key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#;
    assert!(holds(c, &[("s3:key", "QmluYXJ5VmFsdWVJbkJhc2U2NA==")]));
    assert!(holds(c, &[("s3:key", "BinaryValueInBase64")]));
    assert!(!holds(c, &[("s3:key", "other")]));
    assert!(!holds(c, &[]));
}

#[test]
fn ip_address_v4_and_v6() {
    // "the request must come from the IP range 203.0.113.0 to 203.0.113.255"
    let c = r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#;
    assert!(holds(c, &[("aws:SourceIp", "203.0.113.0")]));
    assert!(holds(c, &[("aws:SourceIp", "203.0.113.255")]));
    assert!(!holds(c, &[("aws:SourceIp", "203.0.114.1")]));
    // IPv4-mapped IPv6 (a dual-stack listener's view of an IPv4 peer).
    assert!(holds(c, &[("aws:SourceIp", "::ffff:203.0.113.9")]));
    // Absent (a VPC endpoint in AWS): "the condition returns false".
    assert!(!holds(c, &[]));
    // "mix IPv4 and IPv6 addresses to cover all of your organization's valid IP addresses"
    let mixed = r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}"#;
    assert!(holds(mixed, &[("aws:SourceIp", "2001:db8:1234:5678::1")]));
    assert!(holds(mixed, &[("aws:SourceIp", "203.0.113.7")]));
    assert!(!holds(mixed, &[("aws:SourceIp", "2001:db8:1234:5679::1")]));
    // "If you specify an IP address without the associated routing prefix, IAM uses the
    // default prefix value of /32."
    assert!(holds(
        r#"{"IpAddress":{"aws:SourceIp":"192.0.2.1"}}"#,
        &[("aws:SourceIp", "192.0.2.1")]
    ));
    assert!(!holds(
        r#"{"IpAddress":{"aws:SourceIp":"192.0.2.1"}}"#,
        &[("aws:SourceIp", "192.0.2.2")]
    ));
    let not = r#"{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}"#;
    assert!(!holds(not, &[("aws:SourceIp", "2001:db8::5")]));
    assert!(holds(not, &[("aws:SourceIp", "198.51.100.1")]));
    assert!(!holds(c, &[("aws:SourceIp", "not-an-ip")]));
}

#[test]
fn arn_operators_match_component_wise() {
    let c = r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-2:123456789012:TOPIC-ID"}}"#;
    assert!(holds(
        c,
        &[("aws:SourceArn", "arn:aws:sns:us-east-2:123456789012:TOPIC-ID")]
    ));
    assert!(!holds(
        c,
        &[("aws:SourceArn", "arn:aws:sns:us-east-2:123456789012:OTHER")]
    ));
    assert!(!holds(c, &[]));
    // The page's contrast: StringLike matches across colons, ArnLike does not.
    let value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
    assert!(holds(
        r#"{"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}"#,
        &[("aws:SourceArn", value)]
    ));
    assert!(!holds(
        r#"{"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}"#,
        &[("aws:SourceArn", value)]
    ));
    assert!(holds(
        r#"{"ArnLike":{"aws:SourceArn":"arn:aws:ec2:*:*:instance/*"}}"#,
        &[("aws:SourceArn", "arn:aws:ec2:us-east-1:111122223333:instance/i-1")]
    ));
    assert!(holds(
        r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:ec2:*:*:instance/*"}}"#,
        &[("aws:SourceArn", "arn:aws:ec2:us-east-1:111122223333:volume/v-1")]
    ));
}

#[test]
fn if_exists() {
    // THISPOLICYDOESNOTWORK vs RunInstance: StringLike fails on resources without the key,
    // StringLikeIfExists passes them.
    let plain = r#"{"StringLike":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}"#;
    let if_exists = r#"{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}"#;
    assert!(!holds(plain, &[]));
    assert!(holds(if_exists, &[]));
    assert!(holds(if_exists, &[("ec2:InstanceType", "t2.micro")]));
    assert!(!holds(if_exists, &[("ec2:InstanceType", "c5.large")]));
    // "If you are using an "Effect": "Deny" element with a negated condition operator like
    // StringNotEqualsIfExists, the request is still denied even if the tag is missing."
    assert!(holds(
        r#"{"StringNotEqualsIfExists":{"aws:PrincipalTag/x":"y"}}"#,
        &[]
    ));
    assert!(!holds(
        r#"{"StringNotEqualsIfExists":{"aws:PrincipalTag/x":"y"}}"#,
        &[("aws:PrincipalTag/x", "y")]
    ));
    for family in [
        r#"{"NumericLessThanIfExists":{"s3:max-keys":"10"}}"#,
        r#"{"DateLessThanIfExists":{"aws:CurrentTime":"2020-01-01"}}"#,
        r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#,
        r#"{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}"#,
        r#"{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#,
        r#"{"BinaryEqualsIfExists":{"s3:key":"YQ=="}}"#,
    ] {
        assert!(holds(family, &[]), "{family}");
    }
}

#[test]
fn bool_if_exists_mfa_deny() {
    // DenyAllExceptListedIfNoMFA from AWS's self-management example policy.
    let policy = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyAllExceptListedIfNoMFA","Effect":"Deny",
        "NotAction":["iam:CreateVirtualMFADevice","iam:EnableMFADevice","iam:GetUser","iam:ListMFADevices",
        "iam:ListVirtualMFADevices","iam:ResyncMFADevice","sts:GetSessionToken"],"Resource":"*",
        "Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
    );
    let who = Caller::user(A, "David");
    assert_eq!(
        outcome(&policy, &who, "s3:GetObject", "*", &[]),
        Outcome::ExplicitDeny
    );
    assert_eq!(
        outcome(
            &policy,
            &who,
            "s3:GetObject",
            "*",
            &[("aws:MultiFactorAuthPresent", "true")]
        ),
        Outcome::NotApplicable
    );
    assert_eq!(
        outcome(&policy, &who, "iam:GetUser", "*", &[]),
        Outcome::NotApplicable
    );
}

#[test]
fn null_check() {
    // "the user must not be using temporary credentials (the key must not exist)"
    let c = r#"{"Null":{"aws:TokenIssueTime":"true"}}"#;
    assert!(holds(c, &[]));
    assert!(!holds(c, &[("aws:TokenIssueTime", "2020-01-01T00:00:00Z")]));
    let present = r#"{"Null":{"aws:TokenIssueTime":false}}"#;
    assert!(holds(present, &[("aws:TokenIssueTime", "2020-01-01T00:00:00Z")]));
    assert!(!holds(present, &[]));
}

#[test]
fn for_all_values_and_for_any_value() {
    // Only PostDateTime, Message and Tags may be requested.
    let all =
        r#"{"ForAllValues:StringLike":{"dynamodb:requestedAttributes":["PostDateTime","Message","Tags"]}}"#;
    let attrs = "dynamodb:requestedAttributes";
    assert!(holds(all, &[(attrs, "PostDateTime"), (attrs, "Message")]));
    assert!(!holds(all, &[(attrs, "PostDateTime"), (attrs, "UserName")]));
    // "If the key values in the request resolve to an empty data set ... ForAllValues
    // returns true": an absent key passes, which is why AWS warns about it.
    assert!(holds(all, &[]));
    // Deny PutItem when any of ID, PostDateTime is in the request.
    let deny = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"dynamodb:PutItem",
        "Resource":"arn:aws:dynamodb:REGION:ACCOUNT-ID-WITHOUT-HYPHENS:table/Thread",
        "Condition":{"ForAnyValue:StringLike":{"dynamodb:requestedAttributes":["ID","PostDateTime"]}}}]}"#,
    );
    let who = Caller::user(A, "David");
    let table = "arn:aws:dynamodb:REGION:ACCOUNT-ID-WITHOUT-HYPHENS:table/Thread";
    assert_eq!(
        outcome(
            &deny,
            &who,
            "dynamodb:PutItem",
            table,
            &[(attrs, "UserName"), (attrs, "Message"), (attrs, "PostDateTime")]
        ),
        Outcome::ExplicitDeny
    );
    assert_eq!(
        outcome(&deny, &who, "dynamodb:PutItem", table, &[(attrs, "UserName")]),
        Outcome::NotApplicable
    );
    assert_eq!(
        outcome(&deny, &who, "dynamodb:PutItem", table, &[]),
        Outcome::NotApplicable
    );
    // The tag-keys example: only CostCenter may be set.
    let tags = r#"{"ForAllValues:StringEquals":{"aws:TagKeys":"CostCenter"}}"#;
    assert!(holds(tags, &[("aws:TagKeys", "CostCenter")]));
    assert!(!holds(
        tags,
        &[("aws:TagKeys", "CostCenter"), ("aws:TagKeys", "Owner")]
    ));
    // Negated with qualifiers: per request value.
    let none_of = r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["Secret","Admin"]}}"#;
    assert!(holds(none_of, &[("aws:TagKeys", "a"), ("aws:TagKeys", "b")]));
    assert!(!holds(none_of, &[("aws:TagKeys", "a"), ("aws:TagKeys", "Admin")]));
    let some_not = r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["Secret"]}}"#;
    assert!(holds(
        some_not,
        &[("aws:TagKeys", "Secret"), ("aws:TagKeys", "b")]
    ));
    assert!(!holds(some_not, &[("aws:TagKeys", "Secret")]));
    assert!(!holds(some_not, &[]));
    // Without a qualifier a multi-valued key matches when any value does.
    assert!(holds(
        r#"{"StringEquals":{"aws:TagKeys":"b"}}"#,
        &[("aws:TagKeys", "a"), ("aws:TagKeys", "b")]
    ));
    assert!(!holds(
        r#"{"StringNotEquals":{"aws:TagKeys":"b"}}"#,
        &[("aws:TagKeys", "a"), ("aws:TagKeys", "b")]
    ));
}

#[test]
fn keys_and_operators_and_values_or() {
    let c = r#"{"StringEquals":{"ec2:ResourceTag/Project":"DataAnalytics","aws:PrincipalTag/Department":"Data"},
               "IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}"#;
    let all = [
        ("ec2:ResourceTag/Project", "DataAnalytics"),
        ("aws:PrincipalTag/Department", "Data"),
        ("aws:SourceIp", "192.168.1.1"),
    ];
    assert!(holds(c, &all));
    assert!(!holds(c, &all[..2]));
    assert!(!holds(c, &[all[0], all[2]]));
    assert!(holds(r#"{}"#, &[]));
    assert!(holds(r#"{"StringEquals":{}}"#, &[]));
}
