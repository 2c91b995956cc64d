package render

import (
	"fmt"
	"strings"
)

// Partition is the AWS partition a region belongs to, with the DNS suffix
// its S3 endpoints use.
type Partition struct {
	// ID is the partition segment of ARNs: aws, aws-us-gov, aws-cn, aws-eusc.
	ID string
	// DNSSuffix is the domain S3 virtual-hosted endpoints end in.
	DNSSuffix string
}

var regionPattern = lazyPattern(`^[a-z]{2,4}(-[a-z]+)+-[0-9]+$`)

// PartitionForRegion returns the partition of an AWS region. The prefixes
// follow ccoctl and the SDK's endpoint rules: us-gov-* is aws-us-gov (whose S3
// hosts still end in amazonaws.com), cn-* is aws-cn, eusc-* is aws-eusc.
func PartitionForRegion(region string) (Partition, error) {
	if !regionPattern().MatchString(region) {
		return Partition{}, fmt.Errorf("%q is not an AWS region name (expected something like us-east-1)", region)
	}
	switch {
	case strings.HasPrefix(region, "us-gov-"):
		return Partition{ID: "aws-us-gov", DNSSuffix: "amazonaws.com"}, nil
	case strings.HasPrefix(region, "cn-"):
		return Partition{ID: "aws-cn", DNSSuffix: "amazonaws.com.cn"}, nil
	case strings.HasPrefix(region, "eusc-"):
		return Partition{ID: "aws-eusc", DNSSuffix: "amazonaws.eu"}, nil
	default:
		return Partition{ID: "aws", DNSSuffix: "amazonaws.com"}, nil
	}
}
