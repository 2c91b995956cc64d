package awsapply

// MinimumPolicy is the least IAM policy apply, verify and delete need for a
// public-bucket cluster (README.md lists the same actions). The tests run
// apply and delete as a user holding exactly this policy.
const MinimumPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["sts:GetCallerIdentity"], "Resource": "*"},
    {"Effect": "Allow", "Action": [
      "s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket",
      "s3:GetBucketTagging", "s3:PutBucketTagging",
      "s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock",
      "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:PutBucketOwnershipControls",
      "s3:GetObject", "s3:PutObject", "s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObject"
    ], "Resource": "*"},
    {"Effect": "Allow", "Action": [
      "iam:GetOpenIDConnectProvider", "iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider",
      "iam:AddClientIDToOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider",
      "iam:GetRole", "iam:CreateRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole",
      "iam:ListRoles", "iam:ListRoleTags", "iam:ListRolePolicies", "iam:GetRolePolicy",
      "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:DeleteRole",
      "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary"
    ], "Resource": "*"}
  ]
}`
