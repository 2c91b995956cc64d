// Package release turns an OpenShift release image into the
// CredentialsRequests a given cluster uses.
//
// # Fetching
//
// [Client.Fetch] reads a release image from a registry (HTTPS; plain HTTP
// only when Insecure), an OCI image layout ("oci:DIR") or a docker save
// tarball ("docker-archive:FILE"). A release image is the
// cluster-version-operator image plus one layer holding release-manifests/,
// so layers are read from the top down and the first layer with
// release-manifests/ entries ends the walk: the base layers, over 99% of the
// bytes, are never downloaded. Client.Strict reads every layer the way
// `oc adm release extract` does instead, with higher layers winning and
// whiteouts honoured.
//
// Every blob is hashed to its end and compared with its digest before any
// byte of it is parsed; a mismatch is an [IntegrityError]. (oc checks only
// when a reader reaches EOF, which tar readers never do.)
//
// Payloads are cached by image digest ([Cache]) with atomic writes and a
// checksum per entry, so a digest-pinned render with a warm cache makes no
// network call, and a corrupt entry is fetched again.
//
// Credentials come from [Keychain]: the pull secret the config names, else
// $REGISTRY_AUTH_FILE, else the podman and docker locations, matched most
// specific first (host/namespace/repository, then host).
//
// # Selecting
//
// [Select] applies `oc adm release extract --credentials-requests --included`'s
// rules in oc's order: annotation-less requests are kept; feature set;
// feature gates (enabled gates read from the payload's FeatureGate
// manifests); cluster profile; capabilities; then AWS provider specs only and
// no delete tombstones. Every request gets a [Decision] that names the rule
// that decided, for --explain.
package release
