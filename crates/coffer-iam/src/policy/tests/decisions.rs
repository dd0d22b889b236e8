//! ADR 13 section 4 against the examples of IAM User Guide reference_policies_evaluation-
//! logic, policy-eval-denyallow, _evaluation-logic-cross-account, session policies
//! (access_policies#policies_session), NotPrincipal, and the classic
//! DenyUnencryptedObjectUploads bucket policy.

use super::super::{Decision, DecisionInput, Policy, PolicyKind, decide};
use super::{A, B, Caller, bucket_policy, identity, keys, request};

const OBJECT: &str = "arn:aws:s3:::DOC-EXAMPLE-BUCKET/report.csv";

/// A decision over owned inputs.
struct Case<'p> {
    caller: Caller,
    action: &'static str,
    resource: &'static str,
    pairs: Vec<(&'static str, &'static str)>,
    resource_account: Option<&'static str>,
    identity: Vec<&'p Policy>,
    session: Option<&'p Policy>,
    resource_policy: Option<&'p Policy>,
    acl_allows: bool,
}

impl<'p> Case<'p> {
    fn new(caller: Caller, action: &'static str, resource: &'static str) -> Self {
        Self {
            caller,
            action,
            resource,
            pairs: Vec::new(),
            resource_account: Some(A),
            identity: Vec::new(),
            session: None,
            resource_policy: None,
            acl_allows: false,
        }
    }
    fn owner(mut self, account: Option<&'static str>) -> Self {
        self.resource_account = account;
        self
    }
    fn i(mut self, p: &'p Policy) -> Self {
        self.identity.push(p);
        self
    }
    fn s(mut self, p: &'p Policy) -> Self {
        self.session = Some(p);
        self
    }
    fn r(mut self, p: &'p Policy) -> Self {
        self.resource_policy = Some(p);
        self
    }
    fn acl(mut self) -> Self {
        self.acl_allows = true;
        self
    }
    fn with(mut self, key: &'static str, value: &'static str) -> Self {
        self.pairs.push((key, value));
        self
    }
    fn decide(&self) -> Decision {
        let k = keys(&self.pairs);
        let req = request(&self.caller, self.action, self.resource, &k);
        decide(&DecisionInput {
            request: &req,
            is_root: self.caller.is_root(),
            resource_account: self.resource_account,
            identity: &self.identity,
            session: self.session,
            resource_policy: self.resource_policy,
            acl_allows: self.acl_allows,
        })
    }
}

fn allow_get_object() -> Policy {
    identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"}}"#,
    )
}

fn deny_get_object() -> Policy {
    identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"}}"#,
    )
}

fn bucket_allowing(principal: &str) -> Policy {
    bucket_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"}}}}"#
    ))
}

fn bucket_denying(principal: &str, action: &str) -> Policy {
    bucket_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Deny","Principal":{principal},"Action":"{action}","Resource":["arn:aws:s3:::DOC-EXAMPLE-BUCKET","arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"]}}}}"#
    ))
}

#[test]
fn same_account_identity_or_resource_policy_suffices() {
    let carlos = Caller::user(A, "carlossalazar");
    let allow = allow_get_object();
    // No policy at all: implicit deny (a new IAM user can do nothing).
    assert_eq!(
        Case::new(carlos.clone(), "s3:GetObject", OBJECT).decide(),
        Decision::ImplicitDeny
    );
    // "Within a single account, an Allow in either the identity-based or the
    // resource-based policy grants access."
    assert_eq!(
        Case::new(carlos.clone(), "s3:GetObject", OBJECT)
            .i(&allow)
            .decide(),
        Decision::Allow
    );
    let names_user = bucket_allowing(&format!(r#"{{"AWS":"arn:aws:iam::{A}:user/carlossalazar"}}"#));
    assert_eq!(
        Case::new(carlos.clone(), "s3:GetObject", OBJECT)
            .r(&names_user)
            .decide(),
        Decision::Allow
    );
    // Naming only the account delegates to the account's identity policies.
    let names_account = bucket_allowing(&format!(r#"{{"AWS":"{A}"}}"#));
    assert_eq!(
        Case::new(carlos.clone(), "s3:GetObject", OBJECT)
            .r(&names_account)
            .decide(),
        Decision::ImplicitDeny
    );
    assert_eq!(
        Case::new(carlos.clone(), "s3:GetObject", OBJECT)
            .r(&names_account)
            .i(&allow)
            .decide(),
        Decision::Allow
    );
    // Another action stays denied.
    assert_eq!(
        Case::new(carlos, "s3:PutObject", OBJECT).i(&allow).decide(),
        Decision::ImplicitDeny
    );
}

#[test]
fn explicit_deny_anywhere_wins() {
    let carlos = Caller::user(A, "carlossalazar");
    let allow = allow_get_object();
    let deny = deny_get_object();
    assert_eq!(
        Case::new(carlos.clone(), "s3:GetObject", OBJECT)
            .i(&allow)
            .i(&deny)
            .decide(),
        Decision::ExplicitDeny
    );
    let names_user = bucket_allowing(&format!(r#"{{"AWS":"arn:aws:iam::{A}:user/carlossalazar"}}"#));
    assert_eq!(
        Case::new(carlos.clone(), "s3:GetObject", OBJECT)
            .r(&names_user)
            .i(&deny)
            .decide(),
        Decision::ExplicitDeny
    );
    let r_deny = bucket_denying(r#""*""#, "s3:GetObject");
    assert_eq!(
        Case::new(carlos.clone(), "s3:GetObject", OBJECT)
            .i(&allow)
            .r(&r_deny)
            .decide(),
        Decision::ExplicitDeny
    );
    // A Deny naming the account covers its users.
    let account_deny = bucket_denying(&format!(r#"{{"AWS":"{A}"}}"#), "s3:GetObject");
    assert_eq!(
        Case::new(carlos, "s3:GetObject", OBJECT)
            .i(&allow)
            .r(&account_deny)
            .decide(),
        Decision::ExplicitDeny
    );
}

#[test]
fn root_of_the_owner() {
    let root = Caller::root(A);
    assert_eq!(
        Case::new(root.clone(), "s3:GetObject", OBJECT).decide(),
        Decision::Allow
    );
    assert_eq!(
        Case::new(root.clone(), "iam:CreateUser", "arn:aws:iam::111122223333:user/x")
            .owner(None)
            .decide(),
        Decision::Allow
    );
    // A bucket policy can deny the root...
    let deny_all = bucket_denying(r#""*""#, "s3:*");
    assert_eq!(
        Case::new(root.clone(), "s3:GetObject", OBJECT)
            .r(&deny_all)
            .decide(),
        Decision::ExplicitDeny
    );
    // ...but never the policy operations, so a bad policy can always be removed.
    let bucket = "arn:aws:s3:::DOC-EXAMPLE-BUCKET";
    for action in [
        "s3:GetBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
    ] {
        assert_eq!(
            Case::new(root.clone(), action, bucket).r(&deny_all).decide(),
            Decision::Allow,
            "{action}"
        );
        let admin = identity(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
        );
        assert_eq!(
            Case::new(Caller::user(A, "admin"), action, bucket)
                .i(&admin)
                .r(&deny_all)
                .decide(),
            Decision::ExplicitDeny
        );
    }
    // Another account's root is not the owner.
    assert_eq!(
        Case::new(Caller::root(B), "s3:DeleteBucketPolicy", bucket)
            .r(&deny_all)
            .decide(),
        Decision::ExplicitDeny
    );
}

#[test]
fn cross_account_needs_both_sides() {
    let bob = Caller::user(B, "Bob");
    let allow = allow_get_object();
    let trusts_b = bucket_allowing(&format!(r#"{{"AWS":"arn:aws:iam::{B}:root"}}"#));
    let names_bob = bucket_allowing(&format!(r#"{{"AWS":"arn:aws:iam::{B}:user/Bob"}}"#));
    // Resource side by account, principal side by identity policy.
    assert_eq!(
        Case::new(bob.clone(), "s3:GetObject", OBJECT)
            .r(&trusts_b)
            .i(&allow)
            .decide(),
        Decision::Allow
    );
    // "the identity-based policy ... must also grant" access.
    assert_eq!(
        Case::new(bob.clone(), "s3:GetObject", OBJECT)
            .r(&trusts_b)
            .decide(),
        Decision::ImplicitDeny
    );
    assert_eq!(
        Case::new(bob.clone(), "s3:GetObject", OBJECT)
            .r(&names_bob)
            .decide(),
        Decision::ImplicitDeny
    );
    assert_eq!(
        Case::new(bob.clone(), "s3:GetObject", OBJECT)
            .r(&names_bob)
            .i(&allow)
            .decide(),
        Decision::Allow
    );
    // Without the resource side the identity policy alone grants nothing.
    assert_eq!(
        Case::new(bob.clone(), "s3:GetObject", OBJECT).i(&allow).decide(),
        Decision::ImplicitDeny
    );
    // Account B's root needs no identity policy.
    assert_eq!(
        Case::new(Caller::root(B), "s3:GetObject", OBJECT)
            .r(&trusts_b)
            .decide(),
        Decision::Allow
    );
    assert_eq!(
        Case::new(Caller::root(B), "s3:GetObject", OBJECT).decide(),
        Decision::ImplicitDeny
    );
    // `*` opens the resource side to everyone, yet Bob still needs his identity policy.
    let public = bucket_allowing(r#""*""#);
    assert_eq!(
        Case::new(bob.clone(), "s3:GetObject", OBJECT).r(&public).decide(),
        Decision::ImplicitDeny
    );
    assert_eq!(
        Case::new(bob.clone(), "s3:GetObject", OBJECT)
            .r(&public)
            .i(&allow)
            .decide(),
        Decision::Allow
    );
    // An ACL grant is a resource-side allow.
    assert_eq!(
        Case::new(bob.clone(), "s3:GetObject", OBJECT)
            .acl()
            .i(&allow)
            .decide(),
        Decision::Allow
    );
    // A Deny on either side wins.
    let deny = deny_get_object();
    assert_eq!(
        Case::new(bob, "s3:GetObject", OBJECT)
            .r(&trusts_b)
            .i(&allow)
            .i(&deny)
            .decide(),
        Decision::ExplicitDeny
    );
}

#[test]
fn anonymous_only_through_the_resource_side() {
    let anon = Caller::anonymous();
    assert_eq!(
        Case::new(anon.clone(), "s3:GetObject", OBJECT).decide(),
        Decision::ImplicitDeny
    );
    for principal in [r#""*""#, r#"{"AWS":"*"}"#, r#"{"AWS":["*"]}"#] {
        let public = bucket_allowing(principal);
        assert_eq!(
            Case::new(anon.clone(), "s3:GetObject", OBJECT)
                .r(&public)
                .decide(),
            Decision::Allow,
            "{principal}"
        );
    }
    let names_account = bucket_allowing(&format!(r#"{{"AWS":"{A}"}}"#));
    assert_eq!(
        Case::new(anon.clone(), "s3:GetObject", OBJECT)
            .r(&names_account)
            .decide(),
        Decision::ImplicitDeny
    );
    assert_eq!(
        Case::new(anon.clone(), "s3:GetObject", OBJECT).acl().decide(),
        Decision::Allow
    );
    // Identity policies never apply to anonymous.
    let allow = allow_get_object();
    assert_eq!(
        Case::new(anon.clone(), "s3:GetObject", OBJECT).i(&allow).decide(),
        Decision::ImplicitDeny
    );
    // No bucket (ListBuckets, CreateBucket, IAM): nothing grants anonymous.
    assert_eq!(
        Case::new(anon.clone(), "s3:ListAllMyBuckets", "*")
            .owner(None)
            .r(&bucket_allowing(r#""*""#))
            .decide(),
        Decision::ImplicitDeny
    );
    // NotPrincipal with Allow grants anonymous too (AWS's warning).
    let not_principal = bucket_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","NotPrincipal":{{"AWS":"arn:aws:iam::{B}:user/Bob"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"}}}}"#
    ));
    assert_eq!(
        Case::new(anon, "s3:GetObject", OBJECT).r(&not_principal).decide(),
        Decision::Allow
    );
}

#[test]
fn sessions_and_session_policies() {
    let session = Caller::session(A, "Reader", "app");
    let role_policy = allow_get_object();
    let session_allows = identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}"#,
    );
    let session_silent = identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}"#,
    );
    let session_denies = identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}}"#,
    );
    let case = || Case::new(session.clone(), "s3:GetObject", OBJECT);
    assert_eq!(case().i(&role_policy).decide(), Decision::Allow);
    // "The resulting session's permissions are the intersection of the identity-based
    // policy and the session policies."
    assert_eq!(
        case().i(&role_policy).s(&session_allows).decide(),
        Decision::Allow
    );
    assert_eq!(
        case().i(&role_policy).s(&session_silent).decide(),
        Decision::ImplicitDeny
    );
    assert_eq!(case().s(&session_allows).decide(), Decision::ImplicitDeny);
    assert_eq!(
        case().i(&role_policy).s(&session_denies).decide(),
        Decision::ExplicitDeny
    );
    // A resource policy naming the role is limited by the session policy...
    let names_role = bucket_allowing(&format!(r#"{{"AWS":"arn:aws:iam::{A}:role/Reader"}}"#));
    assert_eq!(case().r(&names_role).decide(), Decision::Allow);
    assert_eq!(case().r(&names_role).s(&session_allows).decide(), Decision::Allow);
    assert_eq!(
        case().r(&names_role).s(&session_silent).decide(),
        Decision::ImplicitDeny
    );
    // ...one naming the session itself is not.
    let names_session = bucket_allowing(&format!(
        r#"{{"AWS":"arn:aws:sts::{A}:assumed-role/Reader/app"}}"#
    ));
    assert_eq!(
        case().r(&names_session).s(&session_silent).decide(),
        Decision::Allow
    );
    let other_session = bucket_allowing(&format!(
        r#"{{"AWS":"arn:aws:sts::{A}:assumed-role/Reader/other"}}"#
    ));
    assert_eq!(case().r(&other_session).decide(), Decision::ImplicitDeny);
    // Cross-account session: both sides, the principal side being I ∩ S.
    let remote = Caller::session(B, "Reader", "app");
    let names_remote_role = bucket_allowing(&format!(r#"{{"AWS":"arn:aws:iam::{B}:role/Reader"}}"#));
    let remote_case = || Case::new(remote.clone(), "s3:GetObject", OBJECT).r(&names_remote_role);
    assert_eq!(remote_case().i(&role_policy).decide(), Decision::Allow);
    assert_eq!(
        remote_case().i(&role_policy).s(&session_allows).decide(),
        Decision::Allow
    );
    assert_eq!(
        remote_case().i(&role_policy).s(&session_silent).decide(),
        Decision::ImplicitDeny
    );
    assert_eq!(remote_case().decide(), Decision::ImplicitDeny);
}

#[test]
fn iam_actions_use_identity_policies() {
    let admin = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::111122223333:user/*"},
        {"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}]}"#,
    );
    let user = Caller::user(A, "admin");
    let target = "arn:aws:iam::111122223333:user/division/bob";
    let case = |action: &'static str| {
        Case::new(user.clone(), action, target)
            .owner(None)
            .i(&admin)
            .decide()
    };
    assert_eq!(case("iam:CreateUser"), Decision::Allow);
    assert_eq!(case("IAM:createuser"), Decision::Allow);
    assert_eq!(case("iam:DeleteUser"), Decision::ExplicitDeny);
    assert_eq!(case("s3:GetObject"), Decision::ImplicitDeny);
}

#[test]
fn not_principal_excludes_only_a_listed_chain() {
    // "all principals except the user named Bob in AWS account 444455556666 are
    // explicitly denied access".
    let deny_but_bob = bucket_policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":[
        "arn:aws:iam::444455556666:user/Bob","arn:aws:iam::444455556666:root"]},"Action":"s3:*",
        "Resource":["arn:aws:s3:::BUCKETNAME","arn:aws:s3:::BUCKETNAME/*"]}]}"#,
    );
    let bob_only = bucket_policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":[
        "arn:aws:iam::444455556666:user/Bob"]},"Action":"s3:*",
        "Resource":["arn:aws:s3:::BUCKETNAME","arn:aws:s3:::BUCKETNAME/*"]}]}"#,
    );
    let obj = "arn:aws:s3:::BUCKETNAME/x";
    let k = keys(&[]);
    let verdict = |p: &Policy, who: &Caller| p.evaluate_resource(&request(who, "s3:GetObject", obj, &k)).deny;
    assert!(!verdict(&deny_but_bob, &Caller::user(B, "Bob")));
    assert!(verdict(&deny_but_bob, &Caller::user(B, "Alice")));
    assert!(verdict(&deny_but_bob, &Caller::user(A, "Bob")));
    assert!(verdict(&deny_but_bob, &Caller::anonymous()));
    assert!(!verdict(&deny_but_bob, &Caller::root(B)));
    // "If the NotPrincipal element contained only Bob's ARN, the effect of the policy
    // might be to explicitly deny access to the AWS account that contains the user Bob."
    assert!(verdict(&bob_only, &Caller::user(B, "Bob")));
    // The role example: session, role and account must all be listed.
    let audit = bucket_policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":[
        "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app",
        "arn:aws:iam::444455556666:role/cross-account-read-only-role","arn:aws:iam::444455556666:root"]},
        "Action":"s3:*","Resource":["arn:aws:s3:::Bucket_AccountAudit","arn:aws:s3:::Bucket_AccountAudit/*"]}]}"#,
    );
    let audit_obj = "arn:aws:s3:::Bucket_AccountAudit/x";
    let session = Caller::session(B, "cross-account-read-only-role", "cross-account-audit-app");
    assert!(
        !audit
            .evaluate_resource(&request(&session, "s3:GetObject", audit_obj, &k))
            .deny
    );
    let other = Caller::session(B, "cross-account-read-only-role", "other");
    assert!(
        audit
            .evaluate_resource(&request(&other, "s3:GetObject", audit_obj, &k))
            .deny
    );
}

#[test]
fn not_action_and_not_resource() {
    // Deny everything in S3 outside the payroll folder.
    let policy = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},
        {"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]}]}"#,
    );
    let who = Caller::user(A, "hr");
    let case = |resource: &'static str| {
        Case::new(who.clone(), "s3:GetObject", resource)
            .i(&policy)
            .decide()
    };
    assert_eq!(case("arn:aws:s3:::HRBucket/Payroll/2024.csv"), Decision::Allow);
    assert_eq!(case("arn:aws:s3:::HRBucket/Other/x"), Decision::ExplicitDeny);
    let not_action = identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#,
    );
    assert_eq!(
        Case::new(who.clone(), "s3:GetObject", OBJECT)
            .i(&not_action)
            .decide(),
        Decision::Allow
    );
    assert_eq!(
        Case::new(who, "iam:CreateUser", "arn:aws:iam::111122223333:user/x")
            .owner(None)
            .i(&not_action)
            .decide(),
        Decision::ImplicitDeny
    );
}

#[test]
fn trust_policy_for_assume_role() {
    // AssumeRole evaluates sts:AssumeRole on the role with the trust policy as R.
    let trust = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"},
        {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        PolicyKind::Trust,
    )
    .unwrap();
    let role = "arn:aws:iam::111122223333:role/CodeMapEC2Role";
    let may_assume = identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:role/*"}}"#,
    );
    let bob = Caller::user(B, "Bob");
    assert_eq!(
        Case::new(bob.clone(), "sts:AssumeRole", role)
            .r(&trust)
            .i(&may_assume)
            .decide(),
        Decision::Allow
    );
    assert_eq!(
        Case::new(bob, "sts:AssumeRole", role).r(&trust).decide(),
        Decision::ImplicitDeny
    );
    assert_eq!(
        Case::new(Caller::user(A, "local"), "sts:AssumeRole", role)
            .r(&trust)
            .decide(),
        Decision::ImplicitDeny
    );
}

/// The DenyUnencryptedObjectUploads bucket policy of the S3 User Guide, both statements.
const DENY_UNENCRYPTED: &str = r#"{
  "Version": "2012-10-17",
  "Id": "PutObjectPolicy",
  "Statement": [
    {
      "Sid": "DenyIncorrectEncryptionHeader",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*",
      "Condition": {
        "StringNotEquals": {
          "s3:x-amz-server-side-encryption": "AES256"
        }
      }
    },
    {
      "Sid": "DenyUnencryptedObjectUploads",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*",
      "Condition": {
        "Null": {
          "s3:x-amz-server-side-encryption": "true"
        }
      }
    }
  ]
}"#;

#[test]
fn deny_unencrypted_object_uploads() {
    let policy = bucket_policy(DENY_UNENCRYPTED);
    assert!(!policy.is_public());
    policy.check_bucket("DOC-EXAMPLE-BUCKET").unwrap();
    let writer = identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"}}"#,
    );
    let user = Caller::user(A, "writer");
    let put = || {
        Case::new(user.clone(), "s3:PutObject", OBJECT)
            .i(&writer)
            .r(&policy)
    };
    assert_eq!(put().decide(), Decision::ExplicitDeny);
    assert_eq!(
        put().with("s3:x-amz-server-side-encryption", "AES256").decide(),
        Decision::Allow
    );
    assert_eq!(
        put().with("s3:x-amz-server-side-encryption", "aws:kms").decide(),
        Decision::ExplicitDeny
    );
    // Other actions are untouched; the owner's root is denied unencrypted uploads too.
    assert_eq!(
        Case::new(user.clone(), "s3:GetObject", OBJECT)
            .r(&policy)
            .decide(),
        Decision::ImplicitDeny
    );
    assert_eq!(
        Case::new(Caller::root(A), "s3:PutObject", OBJECT)
            .r(&policy)
            .decide(),
        Decision::ExplicitDeny
    );
    assert_eq!(
        Case::new(Caller::root(A), "s3:PutObject", OBJECT)
            .r(&policy)
            .with("s3:x-amz-server-side-encryption", "AES256")
            .decide(),
        Decision::Allow
    );
    // Each statement alone.
    let null_only = bucket_policy(
        r#"{"Version":"2012-10-17","Statement":{"Sid":"DenyUnencryptedObjectUploads","Effect":"Deny","Principal":"*",
        "Action":"s3:PutObject","Resource":"arn:aws:s3:::DOC-EXAMPLE-BUCKET/*",
        "Condition":{"Null":{"s3:x-amz-server-side-encryption":"true"}}}}"#,
    );
    let null_case = || {
        Case::new(user.clone(), "s3:PutObject", OBJECT)
            .i(&writer)
            .r(&null_only)
    };
    assert_eq!(null_case().decide(), Decision::ExplicitDeny);
    assert_eq!(
        null_case()
            .with("s3:x-amz-server-side-encryption", "aws:kms")
            .decide(),
        Decision::Allow
    );
}
