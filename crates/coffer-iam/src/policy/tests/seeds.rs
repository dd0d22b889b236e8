//! The policies of the seed guides (`shared/seeds/`), verbatim.

use super::super::{Outcome, Policy, PolicyKind};
use super::{A, Caller, bucket_policy, identity, outcome};

/// The policy users paste from the CodeMap guide (the brief's copy).
const CODEMAP: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:CreateBucket","s3:PutObject","s3:GetObject","s3:ListBucket","s3:PutBucketPublicAccessBlock","s3:PutBucketPolicy","s3:PutEncryptionConfiguration","s3:PutLifecycleConfiguration"],"Resource":["arn:aws:s3:::codemap-results-*","arn:aws:s3:::codemap-results-*/*"]}]}"#;

/// 000: `CodeMapS3Access`.
const CODEMAP_S3_ACCESS: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "S3ResultsAccess",
      "Effect": "Allow",
      "Action": [
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "s3:DeleteObject"
      ],
      "Resource": [
        "arn:aws:s3:::codemap-results-*",
        "arn:aws:s3:::codemap-results-*/*"
      ]
    }
  ]
}"#;

/// 001: the IAM role method.
const DESIGN_ANALYSIS_ROLE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "s3:CreateBucket",
        "s3:PutObject",
        "s3:GetObject",
        "s3:DeleteObject",
        "s3:ListBucket",
        "s3:PutBucketVersioning",
        "s3:PutBucketLifecycleConfiguration",
        "s3:PutBucketEncryption"
      ],
      "Resource": [
        "arn:aws:s3:::design-analysis-*",
        "arn:aws:s3:::design-analysis-*/*"
      ]
    }
  ]
}"#;

/// 001: "Security Best Practices", IAM policy.
const DESIGN_ANALYSIS_TAGGED: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:ListBucket"
      ],
      "Resource": [
        "arn:aws:s3:::design-analysis-*",
        "arn:aws:s3:::design-analysis-*/*"
      ],
      "Condition": {
        "StringEquals": {
          "aws:RequestTag/Environment": "production"
        }
      }
    }
  ]
}"#;

/// 001: "Security Best Practices", bucket policy.
const DESIGN_ANALYSIS_BUCKET: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyUnencryptedObjectUploads",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::design-analysis-*/*",
      "Condition": {
        "StringNotEquals": {
          "s3:x-amz-server-side-encryption": "AES256"
        }
      }
    }
  ]
}"#;

/// 002, option A, as written inside the shell's double quotes (unescaped).
const REGISTRY_SHELL_TEXT: &str = r#"{
    "Version": "2012-10-17",
    "Statement": [
      {
        "Effect": "Allow",
        "Action": [
          "s3:PutObject",
          "s3:GetObject",
          "s3:DeleteObject",
          "s3:ListBucket"
        ],
        "Resource": [
          "arn:aws:s3:::${trustworthy-registry-artifacts-47906}",
          "arn:aws:s3:::${trustworthy-registry-artifacts-47906}/*"
        ]
      }
    ]
  }"#;

/// 002, option B (the console).
const REGISTRY_CONSOLE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "s3:PutObject",
        "s3:GetObject",
        "s3:DeleteObject",
        "s3:ListBucket"
      ],
      "Resource": [
        "arn:aws:s3:::trustworthy-registry-artifacts-47906",
        "arn:aws:s3:::trustworthy-registry-artifacts-47906/*"
      ]
    }
  ]
}"#;

/// 003.
const CODE_ACTIONS_LOGS: &str = r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "s3:GetObject",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:ListBucket"
            ],
            "Resource": [
                "arn:aws:s3:::my-codeactions-logs",
                "arn:aws:s3:::my-codeactions-logs/*"
            ]
        }
    ]
}"#;

/// 004: `ScraperS3Policy`.
const SCRAPER: &str = r#"{
       "Version": "2012-10-17",
       "Statement": [
           {
               "Effect": "Allow",
               "Action": [
                   "s3:PutObject",
                   "s3:GetObject",
                   "s3:ListBucket",
                   "s3:DeleteObject"
               ],
               "Resource": [
                   "arn:aws:s3:::your-scraper-outputs",
                   "arn:aws:s3:::your-scraper-outputs/*"
               ]
           }
       ]
   }"#;

fn user() -> Caller {
    Caller::user(A, "codemap")
}

#[test]
fn codemap_seed_allows_its_buckets_only() {
    let policy = identity(CODEMAP);
    let u = user();
    assert_eq!(
        outcome(
            &policy,
            &u,
            "s3:PutObject",
            "arn:aws:s3:::codemap-results-1/x",
            &[]
        ),
        Outcome::Allow
    );
    assert_eq!(
        outcome(&policy, &u, "s3:PutObject", "arn:aws:s3:::other-bucket/x", &[]),
        Outcome::NotApplicable
    );
    assert_eq!(
        outcome(
            &policy,
            &u,
            "s3:CreateBucket",
            "arn:aws:s3:::codemap-results-1",
            &[]
        ),
        Outcome::Allow
    );
    assert_eq!(
        outcome(
            &policy,
            &u,
            "s3:PutBucketPolicy",
            "arn:aws:s3:::codemap-results-1",
            &[]
        ),
        Outcome::Allow
    );
    assert_eq!(
        outcome(
            &policy,
            &u,
            "s3:DeleteObject",
            "arn:aws:s3:::codemap-results-1/x",
            &[]
        ),
        Outcome::NotApplicable
    );
    // The same document works as a role's inline policy and a session policy.
    Policy::parse(CODEMAP, PolicyKind::Session).unwrap();
    identity(CODEMAP).require_current_version().unwrap();

    let access = identity(CODEMAP_S3_ACCESS);
    assert_eq!(
        outcome(
            &access,
            &u,
            "s3:DeleteObject",
            "arn:aws:s3:::codemap-results-123456789012/codemap/job",
            &[]
        ),
        Outcome::Allow
    );
    assert_eq!(
        outcome(
            &access,
            &u,
            "s3:ListBucket",
            "arn:aws:s3:::codemap-results-123456789012",
            &[]
        ),
        Outcome::Allow
    );
    assert_eq!(
        outcome(&access, &u, "s3:GetObject", "arn:aws:s3:::codemap-other/x", &[]),
        Outcome::NotApplicable
    );
}

#[test]
fn design_analysis_seed() {
    let u = user();
    let role = identity(DESIGN_ANALYSIS_ROLE);
    assert_eq!(
        outcome(
            &role,
            &u,
            "s3:PutBucketVersioning",
            "arn:aws:s3:::design-analysis-x",
            &[]
        ),
        Outcome::Allow
    );
    let tagged = identity(DESIGN_ANALYSIS_TAGGED);
    let obj = "arn:aws:s3:::design-analysis-x/a.json";
    assert_eq!(
        outcome(
            &tagged,
            &u,
            "s3:PutObject",
            obj,
            &[("aws:RequestTag/Environment", "production")]
        ),
        Outcome::Allow
    );
    assert_eq!(
        outcome(&tagged, &u, "s3:PutObject", obj, &[]),
        Outcome::NotApplicable
    );
    let bucket = bucket_policy(DESIGN_ANALYSIS_BUCKET);
    assert!(!bucket.is_public());
    bucket.check_bucket("design-analysis-x").unwrap();
    assert!(bucket.check_bucket("other").is_err());
    assert_eq!(
        outcome(&bucket, &u, "s3:PutObject", obj, &[]),
        Outcome::ExplicitDeny
    );
    assert_eq!(
        outcome(
            &bucket,
            &u,
            "s3:PutObject",
            obj,
            &[("s3:x-amz-server-side-encryption", "AES256")]
        ),
        Outcome::NotApplicable
    );
}

#[test]
fn registry_seed() {
    let u = user();
    let console = identity(REGISTRY_CONSOLE);
    let obj = "arn:aws:s3:::trustworthy-registry-artifacts-47906/model.json";
    assert_eq!(outcome(&console, &u, "s3:GetObject", obj, &[]), Outcome::Allow);
    // Through the shell, `${trustworthy-registry-artifacts-47906}` is a parameter
    // expansion and the server receives the text after it: the bucket
    // `registry-artifacts-47906` (when `trustworthy` is unset).
    let expanded = REGISTRY_SHELL_TEXT.replace(
        "${trustworthy-registry-artifacts-47906}",
        "registry-artifacts-47906",
    );
    let shell = identity(&expanded);
    assert_eq!(
        outcome(
            &shell,
            &u,
            "s3:GetObject",
            "arn:aws:s3:::registry-artifacts-47906/m",
            &[]
        ),
        Outcome::Allow
    );
    // Pasted as is (a file), it is a policy variable whose key no request has: valid,
    // and it grants nothing.
    let literal = identity(REGISTRY_SHELL_TEXT);
    assert_eq!(
        outcome(&literal, &u, "s3:GetObject", obj, &[]),
        Outcome::NotApplicable
    );
}

#[test]
fn logs_and_scraper_seeds() {
    let u = user();
    let logs = identity(CODE_ACTIONS_LOGS);
    assert_eq!(
        outcome(
            &logs,
            &u,
            "s3:ListBucket",
            "arn:aws:s3:::my-codeactions-logs",
            &[]
        ),
        Outcome::Allow
    );
    assert_eq!(
        outcome(
            &logs,
            &u,
            "s3:PutObject",
            "arn:aws:s3:::my-codeactions-logs/2024/01/x.json",
            &[]
        ),
        Outcome::Allow
    );
    let scraper = identity(SCRAPER);
    assert_eq!(
        outcome(
            &scraper,
            &u,
            "s3:DeleteObject",
            "arn:aws:s3:::your-scraper-outputs/job/1",
            &[]
        ),
        Outcome::Allow
    );
    assert_eq!(
        outcome(
            &scraper,
            &u,
            "s3:PutBucketVersioning",
            "arn:aws:s3:::your-scraper-outputs",
            &[]
        ),
        Outcome::NotApplicable
    );
}
