//! Refused documents and AWS's messages (IAM's as reproduced by moto's IAM validator
//! tests; S3's PutBucketPolicy reasons).

use super::super::PolicyKind::{self, Identity, Resource, Session, Trust};
use super::super::{Policy, PolicyError};

fn refused(kind: PolicyKind, doc: &str) -> PolicyError {
    match Policy::parse(doc, kind) {
        Ok(_) => panic!("accepted as {kind:?}: {doc}"),
        Err(e) => e,
    }
}

fn iam(kind: PolicyKind, doc: &str, message: &str) {
    assert_eq!(
        refused(kind, doc),
        PolicyError::MalformedPolicyDocument(message.to_owned()),
        "{doc}"
    );
}

fn s3(doc: &str, message: &str) {
    assert_eq!(
        refused(Resource, doc),
        PolicyError::MalformedPolicy(message.to_owned()),
        "{doc}"
    );
}

/// A 2012-10-17 document whose one statement is `body`.
fn stmt(body: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":{{{body}}}}}"#)
}

const OK_STATEMENT: &str =
    r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket""#;

#[test]
fn malformed_json() {
    for doc in [
        "This is not a json document",
        "",
        "{",
        r#"{"Version":"2012-10-17",}"#,
        "[]",
        "null",
        "\"x\"",
    ] {
        iam(Identity, doc, "Syntax errors in policy.");
    }
    s3(
        "This is not a json document",
        "Policies must be valid JSON and the first byte must be '{'",
    );
    s3("[]", "Policies must be valid JSON and the first byte must be '{'");
    s3("{ nope", "This policy contains invalid Json");
}

#[test]
fn versions() {
    iam(
        Identity,
        &format!(r#"{{"Version":"2013-10-17","Statement":{{{OK_STATEMENT}}}}}"#),
        "Syntax errors in policy.",
    );
    iam(
        Identity,
        &format!(r#"{{"Version":20121017,"Statement":{{{OK_STATEMENT}}}}}"#),
        "Syntax errors in policy.",
    );
    s3(
        r#"{"Version":"2013-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#,
        "The policy must contain a valid version string",
    );
    // Variables in a document that declares the old language.
    iam(
        Identity,
        r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}}"#,
        "Policy document must be version 2012-10-17 or greater.",
    );
    iam(
        Identity,
        r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"s3:prefix":"${aws:username}/*"}}}}"#,
        "Policy document must be version 2012-10-17 or greater.",
    );
    // Without variables 2008-10-17 is accepted (inline policies), but not for CreatePolicy.
    let old = Policy::parse(
        r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}"#,
        Identity,
    )
    .unwrap();
    assert_eq!(
        old.require_current_version(),
        Err(PolicyError::MalformedPolicyDocument(
            "Policy document must be version 2012-10-17 or greater.".into()
        ))
    );
    let absent = Policy::parse(
        r#"{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}"#,
        Identity,
    )
    .unwrap();
    assert!(absent.require_current_version().is_err());
}

#[test]
fn document_structure() {
    iam(
        Identity,
        r#"{"Version":"2012-10-17"}"#,
        "Syntax errors in policy.",
    );
    iam(
        Identity,
        r#"{"Version":"2012-10-17","Statement":[]}"#,
        "Syntax errors in policy.",
    );
    iam(
        Identity,
        r#"{"Version":"2012-10-17","Statement":["afd"]}"#,
        "Syntax errors in policy.",
    );
    iam(
        Identity,
        &format!(r#"{{"Version":"2012-10-17","Statement":{{{OK_STATEMENT}}},"Extra field":"value"}}"#),
        "Syntax errors in policy.",
    );
    iam(
        Identity,
        &stmt(&format!(r#"{OK_STATEMENT},"Extra field":"value""#)),
        "Syntax errors in policy.",
    );
    iam(
        Identity,
        &format!(r#"{{"Version":"2012-10-17","Id":{{}},"Statement":{{{OK_STATEMENT}}}}}"#),
        "Syntax errors in policy.",
    );
    s3(r#"{"Version":"2012-10-17"}"#, "Missing required field Statement");
    s3(
        r#"{"Version":"2012-10-17","Statement":[]}"#,
        "Could not parse the policy: Statement is empty!",
    );
}

#[test]
fn effect() {
    iam(
        Identity,
        &stmt(r#""Action":"s3:ListBucket","Resource":"*""#),
        "Syntax errors in policy.",
    );
    iam(
        Identity,
        &stmt(r#""Effect":"invalid","Action":"s3:ListBucket","Resource":"*""#),
        "Syntax errors in policy.",
    );
    iam(
        Identity,
        &stmt(r#""Effect":"denY","Action":"s3:ListBucket","Resource":"*""#),
        "The policy failed legacy parsing",
    );
    s3(
        r#"{"Version":"2012-10-17","Statement":{"Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#,
        "Missing required field Effect",
    );
    s3(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"hello","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::b"}}"#,
        "Invalid effect: hello",
    );
}

#[test]
fn principals() {
    let with_principal = stmt(&format!(r#"{OK_STATEMENT},"Principal":"*""#));
    iam(Identity, &with_principal, "Has prohibited field Principal");
    iam(Session, &with_principal, "Has prohibited field Principal");
    iam(
        Identity,
        &stmt(&format!(r#"{OK_STATEMENT},"NotPrincipal":{{"AWS":"*"}}"#)),
        "Has prohibited field NotPrincipal",
    );
    s3(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#,
        "Missing required field Principal",
    );
    iam(
        Trust,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}"#,
        "Missing required field Principal",
    );
    for bad in [
        r#"{"AWS":"arn:aws:iam::*:root"}"#,
        r#"{"AWS":"arn:aws:iam::111122223333:user/*"}"#,
        r#"{"AWS":"bob"}"#,
        r#"{"AWS":[]}"#,
        r#"{"CanonicalUser":"xyz"}"#,
        r#"{}"#,
        r#""arn:aws:iam::111122223333:root""#,
    ] {
        s3(
            &format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":{bad},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}}}"#
            ),
            "Invalid principal in policy",
        );
    }
    iam(
        Trust,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"sts:AssumeRole"}}"#,
        r#"Invalid principal in policy: "AWS":"bob""#,
    );
}

#[test]
fn actions() {
    let no_vendor = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":"invalid","Resource":"*""#),
        no_vendor,
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","NotAction":"","Resource":"*""#),
        no_vendor,
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":":GetObject","Resource":"*""#),
        no_vendor,
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":"a a:ListBucket","Resource":"*""#),
        "Vendor a a is not valid",
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":"s3:List:Bucket","Resource":"*""#),
        "Actions/Condition can contain only one colon.",
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Resource":"*""#),
        "Policy statement must contain actions.",
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":[],"Resource":"*""#),
        "Policy statement must contain actions.",
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":"s3:a","NotAction":"s3:b","Resource":"*""#),
        "Syntax errors in policy.",
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":{},"Resource":"*""#),
        "Syntax errors in policy.",
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":[[]],"Resource":"*""#),
        "Syntax errors in policy.",
    );
    iam(
        Trust,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject"}}"#,
        "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML, and sts:AssumeRoleWithWebIdentity",
    );
    let bucket = |action: &str, resource: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":"*","Action":"{action}","Resource":"{resource}"}}}}"#
        )
    };
    s3(
        &bucket("GetObject", "arn:aws:s3:::b/*"),
        "Policy has invalid action",
    );
    s3(
        &bucket("s3:GetObjekt", "arn:aws:s3:::b/*"),
        "Policy has invalid action",
    );
    s3(
        &bucket("iam:CreateUser", "arn:aws:s3:::b/*"),
        "Policy has invalid action",
    );
    s3(
        &bucket("s3:GetObject", "arn:aws:s3:::b"),
        "Action does not apply to any resource(s) in statement",
    );
    s3(
        &bucket("s3:ListBucket", "arn:aws:s3:::b/*"),
        "Action does not apply to any resource(s) in statement",
    );
    s3(
        &bucket("s3:ListAllMyBuckets", "arn:aws:s3:::b"),
        "Action does not apply to any resource(s) in statement",
    );
    // A wildcard action applies when any of its actions does.
    Policy::parse(&bucket("s3:*", "arn:aws:s3:::b"), Resource).unwrap();
    Policy::parse(&bucket("s3:Get*", "arn:aws:s3:::b*"), Resource).unwrap();
}

#[test]
fn resources() {
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":"s3:ListBucket""#),
        "Policy statement must contain resources.",
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":[]"#),
        "Policy statement must contain resources.",
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"invalid resource""#),
        r#"Resource invalid resource must be in ARN format or "*"."#,
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"""#),
        r#"Resource  must be in ARN format or "*"."#,
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws""#),
        "Resource vendor must be fully qualified and cannot contain regexes.",
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3::example_bucket""#),
        "The policy failed legacy parsing",
    );
    iam(
        Identity,
        &stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:error:s3:::example_bucket""#),
        r#"Partition "error" is not valid for resource "arn:error:s3:::example_bucket"."#,
    );
    iam(
        Identity,
        &stmt(
            r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:us-east-1::example_bucket""#,
        ),
        "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.",
    );
    iam(
        Trust,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Resource":"*"}}"#,
        "Has prohibited field Resource",
    );
    let bucket = |resource: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"{resource}"}}}}"#
        )
    };
    s3(&bucket("*"), "Policy has invalid resource");
    s3(&bucket("arn:aws:s3:::"), "Policy has invalid resource");
    s3(&bucket("arn:aws:sqs:::q"), "Policy has invalid resource");
    let elsewhere = Policy::parse(&bucket("arn:aws:s3:::other/*"), Resource).unwrap();
    assert_eq!(
        elsewhere.check_bucket("b"),
        Err(PolicyError::MalformedPolicy("Policy has invalid resource".into()))
    );
    s3(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}}"#,
        "Missing required field Resource",
    );
}

#[test]
fn conditions() {
    let with = |condition: &str| stmt(&format!(r#"{OK_STATEMENT},"Condition":{condition}"#));
    iam(
        Identity,
        &with(r#"{"Foo":{"aws:SourceIp":"1.2.3.4"}}"#),
        "Invalid Condition type : Foo",
    );
    iam(
        Identity,
        &with(r#"{"StringMatch":{"aws:username":"x"}}"#),
        "Invalid Condition type : StringMatch",
    );
    iam(
        Identity,
        &with(r#"{"NullIfExists":{"aws:username":"true"}}"#),
        "Invalid Condition type : NullIfExists",
    );
    iam(
        Identity,
        &with(r#"{"ForAnyValue::StringEqualsIfExists":{"a:b":"asf"}}"#),
        "Invalid Condition type : ForAnyValue::StringEqualsIfExists",
    );
    s3(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"Foo":{"aws:SourceIp":"1.2.3.4"}}}}"#,
        "Invalid Condition type : Foo",
    );
    for bad in [
        r#"[]"#,
        r#""a""#,
        r#"{"DateGreaterThan":"b"}"#,
        r#"{"DateGreaterThan":[]}"#,
        r#"{"DateGreaterThan":{"a:b":{}}}"#,
        r#"{"StringEquals":{"a:b":null}}"#,
    ] {
        iam(Identity, &with(bad), "Syntax errors in policy.");
    }
    for bad in [
        r#"{"DateGreaterThan":{"aws:CurrentTime":"sdfdsf"}}"#,
        r#"{"DateLessThan":{"aws:CurrentTime":"9223372036854775808"}}"#,
        r#"{"NumericEquals":{"s3:max-keys":"ten"}}"#,
        r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/33"}}"#,
        r#"{"BinaryEquals":{"s3:key":"not base64!"}}"#,
        r#"{"Null":{"aws:TokenIssueTime":"maybe"}}"#,
    ] {
        iam(Identity, &with(bad), "The policy failed legacy parsing");
    }
    // Accepted: empty blocks, arrays of mixed scalars.
    for ok in [
        r#"{}"#,
        r#"{"DateGreaterThan":{}}"#,
        r#"{"x":{}}"#,
        r#"{"StringEquals":{"aws:username":["a",1,true]}}"#,
        r#"{"ForAnyValue:StringEqualsIfExists":{"a:b":"asf"}}"#,
        r#"{"stringequals":{"aws:username":"a"}}"#,
    ] {
        Policy::parse(&with(ok), Identity).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
}

#[test]
fn sids() {
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"sdf",{OK_STATEMENT}}},{{"Sid":"sdf",{OK_STATEMENT}}}]}}"#
    );
    iam(
        Identity,
        &doc,
        "Statement IDs (SID) in a single policy must be unique.",
    );
    iam(
        Identity,
        &stmt(&format!(r#""Sid":"has space",{OK_STATEMENT}"#)),
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
    );
    iam(
        Identity,
        &stmt(&format!(r#""Sid":{{}},{OK_STATEMENT}"#)),
        "Syntax errors in policy.",
    );
    // S3 allows other characters in a Sid.
    Policy::parse(
        r#"{"Version":"2012-10-17","Statement":{"Sid":"Allow public read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#,
        Resource,
    )
    .unwrap();
}

#[test]
fn accepted_documents() {
    for doc in [
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam: asdf safdsf af ","Resource":"arn:aws:s3:::example_bucket"}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":["arn:aws:s3:::example_bucket","*"]}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:::user/example_bucket"}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:fdsasf"}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3-s:ListBucket","Resource":"arn:aws:ec2:us-east-1::example_bucket"}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"s3:ListBucket","NotResource":"*"}}"#,
        r#"{"Version":"2012-10-17","Id":"sdfsdfsdf","Statement":{"Effect":"Allow","NotAction":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-east-2:ACCOUNT-ID-WITHOUT-HYPHENS:table/${aws:username}"}}"#,
    ] {
        Policy::parse(doc, Identity).unwrap_or_else(|e| panic!("{doc}: {e}"));
    }
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
        {"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:role/R"]},"Action":["sts:AssumeRole","sts:TagSession"],
         "Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}"#;
    let parsed = Policy::parse(trust, Trust).unwrap();
    assert_eq!(
        parsed.principal_arns(),
        vec![
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::444455556666:role/R"
        ]
    );
}
