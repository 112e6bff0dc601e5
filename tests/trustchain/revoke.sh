# `hypermesh ca chain|revoke|crl`, `ca issue --record`, `ca verify --crl` and
# `ca csr --pq-key`: an issuance recorded in the offline TrustChain state, its
# revocation with a reason, a CRL that OpenSSL and GnuTLS accept and that
# shows the serial and the reason, and a verifier that then refuses the leaf.
# Run as: bash revoke.sh BUILD_BIN_DIR
source "$(dirname "$0")/../lib/cli.bash"

for tool in certtool openssl; do
  if ! command -v $tool >/dev/null; then
    echo "skipped: $tool not installed (gnutls-bin / openssl)" >&2
    exit 77
  fi
done

g=$tmp/g
expect 0 "$hm" ca init --dir "$g" --validators 2

# chain: root + every intermediate, PEM, usable by openssl as CA files
expect 0 "$hm" ca chain --dir "$g" --root "$tmp/root.pem" --intermediates "$tmp/inter.pem"
checks=$((checks + 1))
cmp -s "$tmp/root.pem" "$g/root.crt" || fail "chain --root differs from root.crt"
checks=$((checks + 1))
[[ $(grep -c "BEGIN CERTIFICATE" "$tmp/inter.pem") -eq 2 ]] || fail "want 2 intermediates"
expect 1 "$hm" ca chain --dir "$g" --root "$tmp/r2.pem"
expect 2 "$hm" ca chain --dir "$tmp/none" --root "$tmp/r2.pem" --intermediates "$tmp/i2.pem"
checks=$((checks + 1))
[[ ! -e "$tmp/r2.pem" && ! -e "$tmp/i2.pem" ]] || fail "chain wrote files on bad input"

# A hybrid CSR whose PQ key comes from an existing key file (--pq-key).
expect 0 "$hm" ca csr --key "$tmp/first" --out "$tmp/first.csr" --cn first --dns first.test --pq falcon-1024
expect 0 "$hm" ca csr --key "$tmp/leaf" --out "$tmp/leaf.csr" --cn node1 --dns node1.test --pq-key "$tmp/first.pq.key"
checks=$((checks + 1))
[[ -e "$tmp/leaf.key" && ! -e "$tmp/leaf.pq.key" ]] || fail "--pq-key must not copy the PQ key"
expect 0 openssl req -in "$tmp/leaf.csr" -noout -text
contains "$out" "2.5.29.72"
contains "$out" "2.5.29.74"
echo junk >"$tmp/junk.pq.key"
expect 2 "$hm" ca csr --key "$tmp/j" --out "$tmp/j.csr" --cn j --pq-key "$tmp/junk.pq.key"
contains "$err" "not a TrustChain PQ key"
checks=$((checks + 1))
[[ ! -e "$tmp/j.key" && ! -e "$tmp/j.csr" ]] || fail "csr wrote files on a bad --pq-key"
expect 1 "$hm" ca csr --key "$tmp/j" --out "$tmp/j.csr" --cn j --pq ml-dsa-87 --pq-key "$tmp/first.pq.key"

# Issue and record two leaves; a classical one too.
expect 0 "$hm" ca issue --dir "$g" --ca 1 --csr "$tmp/leaf.csr" --out "$tmp/leaf.crt" --record
expect 0 "$hm" ca csr --key "$tmp/other" --out "$tmp/other.csr" --cn other --dns other.test
expect 0 "$hm" ca issue --dir "$g" --ca 1 --csr "$tmp/other.csr" --out "$tmp/other.crt" --record
# the same request again is refused by the state (nothing written)
expect 2 "$hm" ca issue --dir "$g" --ca 1 --csr "$tmp/other.csr" --out "$tmp/again.crt" --record --not-before "$(openssl x509 -in "$tmp/other.crt" -noout -startdate | cut -d= -f2 | xargs -I{} date -d {} +%s)"
contains "$err" "already"
checks=$((checks + 1))
[[ ! -e "$tmp/again.crt" ]] || fail "a refused record wrote the certificate"
# notBefore far from now: the module refuses it
expect 2 "$hm" ca issue --dir "$g" --csr "$tmp/other.csr" --out "$tmp/old.crt" --record --not-before 1000000000
contains "$err" "refused"
checks=$((checks + 1))
[[ ! -e "$tmp/old.crt" ]] || fail "a refused record wrote the certificate"

serial=$(openssl x509 -in "$tmp/leaf.crt" -noout -serial | cut -d= -f2)
other=$(openssl x509 -in "$tmp/other.crt" -noout -serial | cut -d= -f2)
expect 0 "$hm" ca verify --root "$g/root.crt" "$tmp/leaf.crt" "$g/ca-1.crt"

# Revoke with a reason; openssl's colon form is accepted too.
expect 0 "$hm" ca revoke --dir "$g" --serial "$serial" --reason keyCompromise
contains "$out" "keyCompromise"
expect 2 "$hm" ca revoke --dir "$g" --serial "$serial"
contains "$err" "already revoked"
expect 2 "$hm" ca revoke --dir "$g" --serial 40000000000000000000000000000001
contains "$err" "no such certificate"
expect 1 "$hm" ca revoke --dir "$g" --serial 12
expect 1 "$hm" ca revoke --dir "$g" --serial "$other" --reason sleepy
expect 1 "$hm" ca revoke --dir "$g" --serial "$other" --reason removeFromCRL
expect 1 "$hm" ca revoke --dir "$g"
expect 2 "$hm" ca revoke --dir "$tmp/nostate" --serial "$other"
checks=$((checks + 1))
[[ ! -e "$tmp/nostate" ]] || fail "revoke created a directory"

# The CRL: intermediate 1's lists the leaf with its reason, intermediate 0's is empty.
expect 0 "$hm" ca crl --dir "$g" --ca 1 --out "$tmp/ca1.crl"
expect 0 openssl crl -in "$tmp/ca1.crl" -CAfile "$g/ca-1.crt" -noout -verify
contains "$err$out" "verify OK"
expect 0 openssl crl -in "$tmp/ca1.crl" -noout -text
contains "$out" "$serial"
contains "$out" "Key Compromise"
expect 0 certtool --crl-info --infile "$tmp/ca1.crl"
contains "$out" "$(echo "$serial" | tr A-F a-f)"
contains "$out" "Revoked certificates (1)"
expect 0 "$hm" ca crl --dir "$g" --ca 0 --out "$tmp/ca0.crl"
expect 0 certtool --crl-info --infile "$tmp/ca0.crl"
contains "$out" "No revoked certificates"
# openssl with the CRL: the revoked leaf fails, the other passes
expect 2 openssl verify -crl_check -CAfile "$g/root.crt" -untrusted "$g/ca-1.crt" -CRLfile "$tmp/ca1.crl" "$tmp/leaf.crt"
contains "$out$err" "revoked"
expect 0 openssl verify -crl_check -CAfile "$g/root.crt" -untrusted "$g/ca-1.crt" -CRLfile "$tmp/ca1.crl" "$tmp/other.crt"

# Our verifier with --crl refuses the revoked leaf and names the reason.
expect 2 "$hm" ca verify --root "$g/root.crt" --crl "$tmp/ca1.crl" "$tmp/leaf.crt" "$g/ca-1.crt"
expect_one_error_line
contains "$err" "revoked (keyCompromise)"
expect 0 "$hm" ca verify --root "$g/root.crt" --crl "$tmp/ca1.crl" "$tmp/other.crt" "$g/ca-1.crt"
contains "$out" "not revoked"
# the wrong intermediate's CRL, a stale CRL, garbage: refused
expect 2 "$hm" ca verify --root "$g/root.crt" --crl "$tmp/ca0.crl" "$tmp/other.crt" "$g/ca-1.crt"
contains "$err" "not a CRL signed by the issuer"
expect 2 "$hm" ca verify --root "$g/root.crt" --crl "$tmp/ca1.crl" --at $(($(date +%s) + 30 * 86400)) "$tmp/other.crt" "$g/ca-1.crt"
contains "$err" "not current"
expect 2 "$hm" ca verify --root "$g/root.crt" --crl "$tmp/junk.pq.key" "$tmp/other.crt" "$g/ca-1.crt"

# a serial revoked as unspecified carries no reasonCode (RFC 5280 §5.3.1)
expect 0 "$hm" ca revoke --dir "$g" --serial "$(echo "$other" | sed 's/../&:/g; s/:$//')" --reason unspecified
expect 0 "$hm" ca crl --dir "$g" --ca 1 --out "$tmp/ca1b.crl" --days 1
expect 0 openssl crl -in "$tmp/ca1b.crl" -noout -text
checks=$((checks + 1))
[[ $(grep -c "CRL Reason Code" <<<"$out") -eq 1 ]] || fail "want exactly one reasonCode: $out"

# crl usage and runtime errors write nothing
expect 1 "$hm" ca crl --dir "$g" --out "$tmp/x.crl" --days 0
expect 1 "$hm" ca crl --dir "$g"
expect 2 "$hm" ca crl --dir "$g" --ca 9 --out "$tmp/x.crl"
checks=$((checks + 1))
[[ ! -e "$tmp/x.crl" ]] || fail "crl wrote a file on bad input"
# a genesis never used with --record has no state: its CRLs are empty, nothing is created
expect 0 "$hm" ca init --dir "$tmp/g2" --validators 1
expect 0 "$hm" ca crl --dir "$tmp/g2" --out "$tmp/g2.crl"
checks=$((checks + 1))
[[ ! -e "$tmp/g2/state" ]] || fail "crl created state"
expect 0 openssl crl -in "$tmp/g2.crl" -CAfile "$tmp/g2/ca-0.crt" -noout -verify

finish
