#!/usr/bin/env bash
# A self-signed certificate for the local stack (docker compose) in deploy/nginx/certs/.
# Production uses a real certificate; this one exists only so the proxy can speak TLS locally.
set -euo pipefail
dir="$(dirname "${BASH_SOURCE[0]}")/certs"
mkdir -p "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj '/CN=localhost' -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
  -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
chmod 600 "$dir/tls.key"
echo "wrote $dir/tls.crt and tls.key (self-signed, 30 days)"
