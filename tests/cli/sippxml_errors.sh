# SIPp XML scenarios that can't run: an unsupported element, a bad keyword, malformed XML, 3PCC, an
# unknown attribute, [$var] never assigned: one line on stderr with file:line, exit 2, before any call.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

msg() {
  cat <<XML
<?xml version="1.0"?>
<scenario name="t">
  <send>
    <![CDATA[
      OPTIONS sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      $1
      Content-Length: 0
    ]]>
  </send>
  $2
  <recv response="200"/>
</scenario>
XML
}

check() {  # FILE LINE REGEX
  run run "$1" --target 127.0.0.1:9 --calls 1 -q
  expect_status 2
  expect_err "^sipstorm run: $(re "$1"):$2: .*$3"
  [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "stderr should be one line"
}

msg "X-Bad: [no_such_keyword]" "" >"$TMP/keyword.xml"
check "$TMP/keyword.xml" 7 "unknown keyword \[no_such_keyword\]"
msg "X-Var: [\$nobody]" "" >"$TMP/var.xml"
check "$TMP/var.xml" 7 "no action assigns the variable 'nobody'"
msg "" '<frobnicate/>' >"$TMP/element.xml"
check "$TMP/element.xml" 11 "unknown element <frobnicate>"
msg "" '<sendCmd><![CDATA[Call-ID: x]]></sendCmd>' >"$TMP/3pcc.xml"
check "$TMP/3pcc.xml" 11 "<sendCmd> \(3PCC\) is not supported"
msg "" '<pause milliseconds="10" bogus="1"/>' >"$TMP/attr.xml"
check "$TMP/attr.xml" 11 "unknown or unsupported attribute 'bogus'"
msg "" '<nop><action><exec command="rm -rf /"/></action></nop>' >"$TMP/exec.xml"
check "$TMP/exec.xml" 11 "refused: scenarios are sandboxed"
msg "" '<recv response="100" response_txn="invite"/>' >"$TMP/txn.xml"
check "$TMP/txn.xml" 11 "<recv>: response_txn is not supported yet"
msg "" '<recv request="FROB.*" regexp_match="true"/>' >"$TMP/regexp.xml"
check "$TMP/regexp.xml" 11 "the regexp matches no method sipstorm knows"
msg "" '<nop next="nowhere"/>' >"$TMP/label.xml"
check "$TMP/label.xml" 11 "no <label id=\"nowhere\">"
msg "" '<pause milliseconds="10">' >"$TMP/malformed.xml"
check "$TMP/malformed.xml" 13 "malformed XML: mismatched tag"
finish
