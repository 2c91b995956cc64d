package render

import (
	"fmt"
	"net"
	"strings"
)

// bucketNamePattern leaves the length (3 to 63) to validateBucketName: a
// bounded repetition would be compiled at every start of the binary.
var bucketNamePattern = lazyPattern(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)

// BucketName is the issuer bucket of a cluster, as ccoctl names it.
func BucketName(clusterName string) string { return clusterName + "-oidc" }

// validateBucketName applies S3's naming rules, plus one of ours: no dots,
// because a dotted name breaks TLS on the virtual-hosted issuer host that STS
// must reach.
func validateBucketName(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("bucket name %q %s (the bucket is \"<spec.name>-oidc\"; choose another spec.name)", name, why)
	}
	switch {
	case len(name) < 3 || len(name) > 63:
		return bad("must be 3 to 63 characters long")
	case !bucketNamePattern().MatchString(name):
		return bad("may only hold lower-case letters, digits and hyphens, and must start and end with a letter or digit")
	case strings.Contains(name, "."):
		return bad("must not contain dots: they break TLS for the issuer host")
	case net.ParseIP(name) != nil:
		return bad("must not look like an IP address")
	}
	for _, prefix := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, prefix) {
			return bad("must not start with " + prefix)
		}
	}
	for _, suffix := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, suffix) {
			return bad("must not end with " + suffix)
		}
	}
	return nil
}

func objectARN(partition, bucket, key string) string {
	return fmt.Sprintf("arn:%s:s3:::%s/%s", partition, bucket, key)
}

// publicBucketPolicy lets anyone read exactly the two issuer documents, the
// post-April-2023 way: a bucket policy, never object ACLs.
func publicBucketPolicy(partition, bucket string) *PolicyDocument {
	return &PolicyDocument{
		Version: PolicyVersion,
		Statement: []Statement{{
			Sid:       "AllowReadPublicAccess",
			Effect:    "Allow",
			Principal: "*",
			Action:    []string{"s3:GetObject"},
			Resource: []string{
				objectARN(partition, bucket, DiscoveryKey),
				objectARN(partition, bucket, JWKSKey),
			},
		}},
	}
}

// PrivateBucketPolicy lets one CloudFront distribution (through its origin
// access control) read the two issuer documents of a private bucket.
func PrivateBucketPolicy(partition, bucket, distributionARN string) *PolicyDocument {
	return &PolicyDocument{
		Version: PolicyVersion,
		Statement: []Statement{{
			Sid:       "AllowCloudFrontServicePrincipalReadOnly",
			Effect:    "Allow",
			Principal: map[string]string{"Service": "cloudfront.amazonaws.com"},
			Action:    []string{"s3:GetObject"},
			Resource: []string{
				objectARN(partition, bucket, DiscoveryKey),
				objectARN(partition, bucket, JWKSKey),
			},
			Condition: map[string]map[string]any{
				"StringEquals": {"AWS:SourceArn": distributionARN},
			},
		}},
	}
}
