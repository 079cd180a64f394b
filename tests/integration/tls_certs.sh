# Test certificates made with openssl in $1 (sourced by the TLS tests): a CA, and signed by it
#   server.pem/.key   SAN DNS:localhost, IP:127.0.0.1
#   other.pem/.key    SAN DNS:other.test only (a wrong name for both targets)
#   expired.pem/.key  SAN IP:127.0.0.1, valid on 1-2 January 2020
#   client.pem/.key   a client certificate for mutual TLS
# and rogue-ca.pem, a CA that signed none of them.
command -v openssl >/dev/null || fail "openssl is missing (Debian package openssl)"
make_certs() {
  local d=$1
  mkdir -p "$d/db"
  (
    cd "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=sipstorm test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=keyCertSign,cRLSign"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue-ca.key -out rogue-ca.pem -days 2 -subj "/CN=rogue CA" \
      -addext "basicConstraints=critical,CA:TRUE"
    sign() {  # sign NAME SAN
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1.test"
      printf "subjectAltName=%s\n" "$2" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" -days 2 -extfile "$1.ext"
    }
    sign server "DNS:localhost,IP:127.0.0.1"
    sign other "DNS:other.test"
    sign client "DNS:client.test"
    : >db/index.txt
    echo 1000 >db/serial
    cat >ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = $d/db/index.txt
serial = $d/db/serial
new_certs_dir = $d/db
default_md = sha256
policy = any
copy_extensions = copy
[any]
commonName = supplied
CNF
    openssl req -newkey rsa:2048 -nodes -keyout expired.key -out expired.csr -subj "/CN=expired.test" \
      -addext "subjectAltName=IP:127.0.0.1"
    openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
      -startdate 20200101000000Z -enddate 20200102000000Z -notext
  ) >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log"; fail "making test certificates"; }
}
