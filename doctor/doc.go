// Package doctor finds out why a pod cannot assume its role. It automates
// the checks an admin makes by hand when an operator logs
// InvalidIdentityToken or AccessDenied: the issuer's documents over
// anonymous HTTPS, the keys they publish against the config's and the
// token's, the token's claims, the IAM OIDC provider, the role's trust and
// permissions, the credentials Secret and the Authentication, and finally
// (on request) STS itself.
//
// Every check is named and ends as pass, FAIL or skipped (with why); a
// FAIL says which STS error a pod would see and how to fix it. The package
// only reads: it never changes AWS or the cluster. It is the one place
// that reads the clock (token expiry).
package doctor
