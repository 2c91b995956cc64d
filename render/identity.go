package render

// Identity builds the part of a model that names a cluster's AWS resources
// (account, partition, ownership tag, bucket, issuer, provider ARN, role
// path) without CredentialsRequests or keys. Deleting a cluster's AWS side
// needs nothing more, and by then the release image and the signing key
// may be gone.
func Identity(p Params) (*Model, error) {
	m, _, err := identity(p)
	return m, err
}
