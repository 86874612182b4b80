#!/usr/bin/env bash
# Makes a throwaway PKI for broker tests: a P-256 CA, a server certificate for
# 127.0.0.1/localhost, and one client certificate per common name given.
# usage: make_test_pki.sh DIR CN...
set -euo pipefail
dir=$1
shift
mkdir -p "$dir"
cd "$dir"
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -sha256 -days 2 -subj "/CN=vitalsign test CA" -out ca.crt 2>/dev/null
issue() {
  local name=$1 subject=$2 extensions=$3
  openssl ecparam -name prime256v1 -genkey -noout -out "$name.key" 2>/dev/null
  openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr" 2>/dev/null
  printf '%s\n' "$extensions" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -sha256 \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}
issue server "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1"
for cn in "$@"; do
  issue "$cn" "/CN=$cn" "extendedKeyUsage=clientAuth"
done
chmod 600 ./*.key
