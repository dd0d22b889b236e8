//! The AWS managed policies Coffer builds in (`arn:aws:iam::aws:policy/NAME`): the ones
//! S3 and IAM setups attach most. Their documents are AWS's, as published.

/// (name, document) of every built-in AWS managed policy.
pub const POLICIES: &[(&str, &str)] = &[
    (
        "AdministratorAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ),
    (
        "AmazonS3FullAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]}"#,
    ),
    (
        "AmazonS3ReadOnlyAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}"#,
    ),
    (
        "IAMFullAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:DescribeAccount","organizations:DescribeOrganization","organizations:DescribeOrganizationalUnit","organizations:DescribePolicy","organizations:ListChildren","organizations:ListParents","organizations:ListPoliciesForTarget","organizations:ListRoots","organizations:ListPolicies","organizations:ListTargetsForPolicy"],"Resource":"*"}]}"#,
    ),
    (
        "IAMReadOnlyAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}"#,
    ),
];

/// The prefix of every AWS managed policy ARN.
pub const ARN_PREFIX: &str = "arn:aws:iam::aws:policy/";

/// The document of an AWS managed policy ARN Coffer knows.
#[must_use]
pub fn document(arn: &str) -> Option<&'static str> {
    let name = arn.strip_prefix(ARN_PREFIX)?;
    POLICIES.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
}

/// A stable fake unique id for an AWS managed policy (`ANPA` + 17).
#[must_use]
pub fn unique_id(name: &str) -> String {
    use sha2::Digest as _;
    const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = sha2::Sha256::digest(name.as_bytes());
    let tail: String = digest
        .iter()
        .take(17)
        .map(|b| char::from(BASE32[usize::from(*b) % BASE32.len()]))
        .collect();
    format!("ANPA{tail}")
}
