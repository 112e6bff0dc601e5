# `hypermesh ca`: a genesis, a CSR, an issuance, and the chain checked by our
# hybrid verifier, by GnuTLS's certtool and by OpenSSL; then every way to get
# it wrong. Run as: bash ca.sh BUILD_BIN_DIR
source "$(dirname "$0")/../lib/cli.bash"

for tool in certtool openssl; do
  if ! command -v $tool >/dev/null; then
    echo "skipped: $tool not installed (gnutls-bin / openssl)" >&2
    exit 77
  fi
done

g=$tmp/genesis
now=$(date +%s)
expect 0 "$hm" ca init --dir "$g" --validators 2 --crl-base http://127.0.0.1:8080/v1/ca/crl
for f in root.key root.pq.key ca-0.key ca-1.pq.key log.key admin.apikey; do
  checks=$((checks + 1))
  [[ $(stat -c %a "$g/$f") == 600 ]] || fail "$f is not mode 0600"
done
expect 0 "$hm" ca csr --key "$tmp/leaf" --out "$tmp/leaf.csr" --cn node1 --dns node1.hypermesh.test --pq ml-dsa-87
expect 0 "$hm" ca issue --dir "$g" --ca 1 --csr "$tmp/leaf.csr" --out "$tmp/leaf.crt" --profile node
expect 0 "$hm" ca verify --root "$g/root.crt" "$tmp/leaf.crt" "$g/ca-1.crt"
contains "$out" "valid"

# Classical verifiers accept the same chain and ignore the PQ extensions.
cat "$tmp/leaf.crt" "$g/ca-1.crt" "$g/root.crt" >"$tmp/chain.pem"
expect 0 certtool --verify-chain --infile "$tmp/chain.pem"
contains "$out" "Chain verification output: Verified"
expect 0 openssl verify -CAfile "$g/root.crt" -untrusted "$g/ca-1.crt" "$tmp/leaf.crt"
contains "$out" "leaf.crt: OK"
expect 0 openssl x509 -in "$tmp/leaf.crt" -noout -text
contains "$out" "2.5.29.72"
contains "$out" "2.5.29.74"
contains "$out" "TLS Web Server Authentication"
contains "$out" "URI:http://127.0.0.1:8080/v1/ca/crl/1.crl"
contains "$out" "DNS:node1.hypermesh.test"

# Deterministic issuance: same CSR, profile and notBefore give the same certificate.
expect 0 "$hm" ca issue --dir "$g" --ca 0 --csr "$tmp/leaf.csr" --out "$tmp/a.crt" --not-before 1790000000
expect 0 "$hm" ca issue --dir "$g" --ca 0 --csr "$tmp/leaf.csr" --out "$tmp/b.crt" --not-before 1790000000
serial_a=$(openssl x509 -in "$tmp/a.crt" -noout -serial)
serial_b=$(openssl x509 -in "$tmp/b.crt" -noout -serial)
checks=$((checks + 1))
[[ "$serial_a" == "$serial_b" && ${#serial_a} -eq $((7 + 32)) ]] || fail "serials: $serial_a / $serial_b"

# Falcon-1024 genesis works the same way.
expect 0 "$hm" ca init --dir "$tmp/gf" --validators 1 --pq falcon-1024
expect 0 "$hm" ca issue --dir "$tmp/gf" --csr "$tmp/leaf.csr" --out "$tmp/f.crt"
expect 0 "$hm" ca verify --root "$tmp/gf/root.crt" "$tmp/f.crt" "$tmp/gf/ca-0.crt"

# Refusals (exit 2, one error line, the reason named).
expect 2 "$hm" ca verify --root "$tmp/gf/root.crt" "$tmp/leaf.crt" "$g/ca-1.crt"
expect_one_error_line
contains "$err" "classical"
expect 2 "$hm" ca verify --root "$g/root.crt" --at $((now + 400 * 86400)) "$tmp/leaf.crt" "$g/ca-1.crt"
contains "$err" "expired"
expect 2 "$hm" ca verify --root "$g/root.crt" --at $((now - 86400)) "$tmp/leaf.crt" "$g/ca-1.crt"
contains "$err" "not yet valid"
expect 2 "$hm" ca verify --root "$g/root.crt" "$tmp/leaf.crt" "$g/ca-0.crt"
# a flipped byte inside the DER
openssl x509 -in "$tmp/leaf.crt" -outform DER -out "$tmp/leaf.der"
for off in 30 300 1500 4000 6000; do
  cp "$tmp/leaf.der" "$tmp/bad.der"
  b=$(od -An -tu1 -j $off -N1 "$tmp/bad.der" | tr -d ' ')
  printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$tmp/bad.der" bs=1 seek=$off conv=notrunc 2>/dev/null
  expect 2 "$hm" ca verify --root "$g/root.crt" "$tmp/bad.der" "$g/ca-1.crt"
done
echo garbage >"$tmp/garbage.csr"
expect 2 "$hm" ca issue --dir "$g" --csr "$tmp/garbage.csr" --out "$tmp/x.crt"
expect_one_error_line
expect 2 "$hm" ca issue --dir "$g" --ca 7 --csr "$tmp/leaf.csr" --out "$tmp/x.crt"
expect 2 "$hm" ca verify --root "$tmp/garbage.csr" "$tmp/leaf.crt"
expect 2 "$hm" ca verify --root "$g/root.crt" "$tmp/nonexistent.crt"
expect 2 "$hm" ca init --dir "$g" --validators 2
contains "$err" "exists"
# a server certificate needs a name
expect 0 "$hm" ca csr --key "$tmp/anon" --out "$tmp/anon.csr" --cn anon
expect 2 "$hm" ca issue --dir "$g" --csr "$tmp/anon.csr" --out "$tmp/x.crt" --profile tls-server
contains "$err" "policy"

# Usage errors (exit 1).
expect 1 "$hm" ca
expect 1 "$hm" ca frobnicate
expect 1 "$hm" ca init --dir "$tmp/u"
expect 1 "$hm" ca init --dir "$tmp/u" --validators 0
expect 1 "$hm" ca init --dir "$tmp/u" --validators 2 --pq rsa
expect 1 "$hm" ca issue --dir "$g" --csr "$tmp/leaf.csr" --out "$tmp/x.crt" --profile web
expect 1 "$hm" ca issue --dir "$g" --csr "$tmp/leaf.csr" --out "$tmp/x.crt" --not-before -5
expect 1 "$hm" ca verify "$tmp/leaf.crt"
expect 1 "$hm" ca verify --root "$g/root.crt"
expect 1 "$hm" ca csr --key "$tmp/k" --out "$tmp/k.csr"
expect 1 "$hm" ca verify --bogus
expect 0 "$hm" ca --help
contains "$out" "usage: hypermesh ca"

finish
