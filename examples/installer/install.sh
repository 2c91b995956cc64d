#!/usr/bin/env bash
# Feed stsrender's output to openshift-install, the way ccoctl's is fed today.
# Run from this directory, after stsrender create-key-pair -o keys/ and with
# an install-config.yaml (credentialsMode: Manual) in INSTALL_DIR:
#   ./install.sh INSTALL_DIR
set -euo pipefail
install_dir=${1:?usage: install.sh INSTALL_DIR}
[ -f keys/tls/bound-service-account-signing-key.key ] || {
  echo "install.sh: keys/ is missing: run stsrender create-key-pair -o keys/ first" >&2
  exit 1
}

# 1. Render every artifact (offline; no AWS credentials needed).
stsrender render -f cluster.yaml -o out

# 2. Create the AWS side (or hand out/iam and out/s3 to Terraform).
#    stsrender apply -f cluster.yaml --yes

# 3. Hand the manifests and the signing key to the installer.
openshift-install create manifests --dir "$install_dir"
cp out/manifests/* "$install_dir/manifests/"
mkdir -p "$install_dir/tls"
cp keys/tls/bound-service-account-signing-key.key "$install_dir/tls/"
openshift-install create cluster --dir "$install_dir"
