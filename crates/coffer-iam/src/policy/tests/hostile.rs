//! Hostile documents: every one must come back as a value (a policy or an error), never a
//! panic or a hang, for every kind; what parses must evaluate without panicking too.

use super::super::{ConditionKeys, Policy, PolicyKind};
use super::{A, Caller, request};

const KINDS: [PolicyKind; 4] = [
    PolicyKind::Identity,
    PolicyKind::Resource,
    PolicyKind::Trust,
    PolicyKind::Session,
];

fn wrap(statement: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":{statement}}}"#)
}

fn documents() -> Vec<String> {
    let mut docs: Vec<String> = [
        "", " ", "\u{0}", "null", "true", "1", "[]", "{}", "{\"Statement\":", "{\"Statement\":null}", "\u{feff}{}",
        r#"{"Version":"2012-10-17","Statement":{}}"#,
        r#"{"Version":"2012-10-17","Statement":[{}]}"#,
        r#"{"Version":"2012-10-17","Statement":[null]}"#,
        r#"{"Version":null,"Statement":{"Effect":"Allow"}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"","Action":"","Resource":""}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"\u0000:\u0000","Resource":"arn:\u0000"}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":""},"Action":"s3:*","Resource":"arn:aws:s3:::b"}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":{"AWS":"*"}},"Action":"s3:*","Resource":"arn:aws:s3:::b"}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":[],"Action":"s3:*","Resource":"arn:aws:s3:::b"}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${","Condition":{"StringLike":{"a:b":"${a, '}"}}}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${${${}}}${*}${?}${$}${ , ''''}"}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"99999-99-99T99:99:99+99:99"}}}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":1e400}}}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":-0.0}}}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["::/0","0.0.0.0/0","::ffff:0.0.0.0/96"]}}}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAllValues:ForAnyValue:StringEquals":{"a:b":"c"}}}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IfExists":{"a:b":"c"}}}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAnyValue:":{"a:b":"c"}}}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"":""}}}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Sid":"\ud83d\ude00","Effect":"Allow","Action":"s3:\u00e9*","Resource":"arn:aws:s3:::\u00e9?/\ud83d\ude00*"}}"#,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Principal":"*","Condition":{"Null":{"s3:x":"TRUE"}}}}"#,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // Deep nesting in every slot.
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    docs.push(deep(100_000));
    docs.push(format!("{}{}", "{\"a\":".repeat(50_000), "}".repeat(50_000)));
    docs.push(wrap(&deep(200)));
    docs.push(wrap(&format!(
        r#"{{"Effect":"Allow","Action":{},"Resource":"*"}}"#,
        deep(127)
    )));
    docs.push(wrap(&format!(
        r#"{{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{{"StringEquals":{{"a:b":{}}}}}}}"#,
        deep(120)
    )));
    // Huge arrays and many statements.
    let many_actions: Vec<String> = (0..20_000).map(|i| format!("\"s3:Get{i}*\"")).collect();
    docs.push(wrap(&format!(
        r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#,
        many_actions.join(",")
    )));
    let statement =
        r#"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#;
    docs.push(wrap(&format!("[{}]", vec![statement; 10_000].join(","))));
    let many_values: Vec<String> = (0..20_000)
        .map(|i| format!("\"10.{}.{}.0/24\"", i / 256 % 256, i % 256))
        .collect();
    docs.push(wrap(&format!(
        r#"{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"IpAddress":{{"aws:SourceIp":[{}]}}}}}}"#,
        many_values.join(",")
    )));
    // Long strings and wildcard soup.
    docs.push(wrap(&format!(
        r#"{{"Effect":"Allow","Action":"s3:{}","Resource":"arn:aws:s3:::{}"}}"#,
        "*?".repeat(5_000),
        "*a".repeat(5_000)
    )));
    docs.push(wrap(&format!(
        r#"{{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::{}"}}"#,
        "${".repeat(10_000)
    )));
    docs.push(wrap(&format!(
        r#"{{"Sid":"{}","Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
        "\u{10FFFF}".repeat(1_000)
    )));
    docs
}

#[test]
fn hostile_documents_never_panic() {
    let keys = {
        let mut k = ConditionKeys::new();
        k.insert("aws:SourceIp", "10.3.4.5");
        k.insert("aws:username", "${aws:username}");
        k.insert("aws:CurrentTime", "not a date");
        k.insert("s3:max-keys", "NaN");
        k.insert("a:b", "c");
        k
    };
    let resource = format!("arn:aws:s3:::b/{}", "a".repeat(2_000));
    let callers = [
        Caller::user(A, "u"),
        Caller::anonymous(),
        Caller::session(A, "R", "s"),
    ];
    let mut parsed = 0usize;
    for doc in documents() {
        for kind in KINDS {
            // Every refusal carries a message.
            match Policy::parse(&doc, kind) {
                Err(e) => assert!(!e.message().is_empty()),
                Ok(policy) => {
                    parsed += 1;
                    for caller in &callers {
                        for action in ["s3:GetObject", "s3:\u{e9}x", ""] {
                            let req = request(caller, action, &resource, &keys);
                            let _ = policy.evaluate(&req);
                            let _ = policy.evaluate_resource(&req);
                        }
                    }
                    let _ = policy.is_public();
                    let _ = policy.restricted_to_account(A);
                    let _ = policy.check_bucket("b");
                }
            }
        }
    }
    assert!(
        parsed > 0,
        "no hostile document parsed: the evaluation half went untested"
    );
}
