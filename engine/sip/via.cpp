#include "sip/via.hpp"

namespace sipstorm::sip {
namespace {

// SWS "/" SWS between the parts of sent-protocol (RFC 4475 wsinv writes "SIP  /   2.0\r\n /UDP").
size_t expect_slash(std::string_view s, size_t p) {
    p = lex::skip_lws(s, p);
    if (p >= s.size() || s[p] != '/') return lex::npos;
    return lex::skip_lws(s, p + 1);
}

// Decimal value <= max at p; returns the end or npos.
size_t scan_number(std::string_view s, size_t p, uint32_t max, uint32_t& out) {
    const size_t start = p;
    uint32_t v = 0;
    while (p < s.size() && lex::is_digit(s[p])) {
        v = v * 10 + uint32_t(s[p] - '0');
        if (v > max) return lex::npos;
        ++p;
    }
    if (p == start) return lex::npos;
    out = v;
    return p;
}

// The known via-params, dispatched on length first so most names cost one compare.
bool apply_param(const Param& prm, Via& out) {
    const std::string_view n = prm.name;
    uint32_t v = 0;
    switch (n.size()) {
        case 6:
            if (lex::iequals_lit(n, "branch")) {
                out.branch = prm.value;
                // A token, not the bare-IPv6 form the generic value grammar also lets through.
                return prm.has_value && !prm.quoted && lex::scan_token(prm.value, 0) == prm.value.size();
            }
            break;
        case 8:
            if (lex::iequals_lit(n, "received")) {
                out.received = prm.value;
                return prm.has_value && !prm.quoted;
            }
            break;
        case 5:
            if (lex::iequals_lit(n, "rport")) {
                out.has_rport = true;
                if (!prm.has_value) return true;
                if (prm.quoted || scan_number(prm.value, 0, 65535, v) != prm.value.size()) return false;
                out.rport_has_value = true;
                out.rport = static_cast<uint16_t>(v);
                return true;
            }
            if (lex::iequals_lit(n, "maddr")) {
                out.maddr = prm.value;
                return prm.has_value && !prm.quoted;
            }
            break;
        case 3:
            if (lex::iequals_lit(n, "ttl")) {
                if (!prm.has_value || prm.quoted || scan_number(prm.value, 0, 255, v) != prm.value.size())
                    return false;
                out.has_ttl = true;
                out.ttl = static_cast<uint8_t>(v);
                return true;
            }
            break;
        default:
            break;
    }
    return true;
}

// Parses one via-parm starting at pos; on success pos is left on the ',' that ends it or at the end.
FieldError parse_via_at(std::string_view s, size_t& pos, Via& out) {
    out = Via{};
    size_t p = lex::skip_lws(s, pos);
    if (p >= s.size() || s[p] == ',') return FieldError::kEmpty;
    size_t e;
    if (s.substr(p, 8) == "SIP/2.0/") {  // what nearly every Via says: skip the general grammar
        out.protocol_name = s.substr(p, 3);
        out.protocol_version = s.substr(p + 4, 3);
        p += 8;
    } else {
        e = lex::scan_token(s, p);
        if (e == p) return FieldError::kSyntax;
        out.protocol_name = s.substr(p, e - p);
        if ((p = expect_slash(s, e)) == lex::npos) return FieldError::kSyntax;
        e = lex::scan_token(s, p);
        if (e == p) return FieldError::kSyntax;
        out.protocol_version = s.substr(p, e - p);
        if ((p = expect_slash(s, e)) == lex::npos) return FieldError::kSyntax;
    }
    e = lex::scan_token(s, p);
    if (e == p) return FieldError::kSyntax;
    out.transport_text = s.substr(p, e - p);
    out.transport = transport_from(out.transport_text);

    p = lex::skip_lws(s, e);
    if (p == e) return p >= s.size() ? FieldError::kBadHost : FieldError::kSyntax;
    e = scan_host(s, p, out.host_kind);
    if (e == lex::npos) return FieldError::kBadHost;
    out.host = s.substr(p, e - p);
    p = lex::skip_lws(s, e);
    if (p < s.size() && s[p] == ':') {
        uint32_t port = 0;
        e = scan_number(s, lex::skip_lws(s, p + 1), 65535, port);
        if (e == lex::npos) return FieldError::kBadPort;
        out.port = static_cast<uint16_t>(port);
        out.has_port = true;
        p = e;
    } else {
        p = e;
    }

    size_t first = lex::npos;
    size_t last = p;
    // Nearly every Via goes on with ";branch=token": take it without the general parameter walk.
    if (lex::iequals_lit(s.substr(p, 8), ";branch=")) {
        const size_t b = lex::scan_token(s, p + 8);
        if (b > p + 8 && (b == s.size() || s[b] != ':')) {  // ':' would make it a bare IPv6 value
            out.branch = s.substr(p + 8, b - p - 8);
            first = p;
            last = p = b;
        }
    }
    ParamIter it(s, ParamSyntax::kHeader, p);
    Param prm;
    while (it.next(prm)) {
        if (first == lex::npos) first = s.find(';', p);
        last = it.pos();
        if (!apply_param(prm, out)) return FieldError::kBadParam;
    }
    if (it.error() != FieldError::kOk) return it.error();
    if (first != lex::npos) out.params = s.substr(first, last - first);
    p = it.pos();
    if (p < s.size() && s[p] != ',') return FieldError::kSyntax;
    pos = p;
    return FieldError::kOk;
}

}  // namespace

Transport transport_from(std::string_view t) {
    switch (t.size()) {
        case 2:
            if (lex::iequals(t, "WS")) return Transport::kWs;
            break;
        case 3:
            if (lex::iequals(t, "UDP")) return Transport::kUdp;
            if (lex::iequals(t, "TCP")) return Transport::kTcp;
            if (lex::iequals(t, "TLS")) return Transport::kTls;
            if (lex::iequals(t, "WSS")) return Transport::kWss;
            break;
        case 4:
            if (lex::iequals(t, "SCTP")) return Transport::kSctp;
            break;
        default:
            break;
    }
    return Transport::kOther;
}

FieldError parse_via(std::string_view via_parm, Via& out) {
    size_t pos = 0;
    const FieldError err = parse_via_at(via_parm, pos, out);
    if (err != FieldError::kOk) return err;
    return pos == via_parm.size() ? FieldError::kOk : FieldError::kSyntax;
}

FieldError parse_first_via(std::string_view header_value, Via& out) {
    size_t pos = 0;
    return parse_via_at(header_value, pos, out);
}

bool ViaIter::next(Via& out) {
    if (done_) return false;
    error_ = parse_via_at(s_, pos_, out);
    if (error_ != FieldError::kOk || pos_ >= s_.size()) {
        done_ = true;
        return error_ == FieldError::kOk;
    }
    ++pos_;  // past the ','
    return true;
}

}  // namespace sipstorm::sip
