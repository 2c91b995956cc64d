package render

// Identity builds the part of a model that names a cluster's AWS resources
// (account, partition, ownership tag, bucket, issuer, provider ARN, role
// path) without CredentialsRequests or keys. Deleting a cluster's AWS side
// needs nothing more, and by then the release image and the signing key
// may be gone.
func Identity(p Params) (*Model, error) {
	partition, err := validateParams(p)
	if err != nil {
		return nil, err
	}
	if p.RolePath == "" {
		p.RolePath = "/"
	}
	tags := resourceTags(p.Name, p.Tags)
	bucketName := BucketName(p.Name)
	issuer, err := issuerFor(p, partition, bucketName)
	if err != nil {
		return nil, err
	}
	return &Model{
		Name:            p.Name,
		AccountID:       p.AccountID,
		Region:          p.Region,
		Partition:       partition,
		Issuer:          issuer,
		OwnershipTagKey: OwnershipTagKey(p.Name),
		RolePath:        p.RolePath,
		Bucket:          Bucket{Name: bucketName, Region: p.Region, Private: p.PrivateBucket, Tags: tags},
		OIDCProvider: OIDCProvider{
			URL:       issuer.URL,
			ARN:       oidcProviderARN(partition.ID, p.AccountID, issuer),
			ClientIDs: append([]string(nil), providerClientIDs...),
			Tags:      tags,
		},
		Authentication: Authentication{ServiceAccountIssuer: issuer.URL},
	}, nil
}
