// SIP / SIPS / TEL URIs (RFC 3261 §19.1, §25.1; RFC 3966 loosely) parsed into views of the input.
// Unknown schemes (RFC 4475 unksm2, novelsc, unkscm) parse as Scheme::kOther with an opaque body.
#pragma once
#include <cstdint>
#include <string_view>

#include "sip/lex.hpp"
#include "sip/params.hpp"

namespace sipstorm::sip {

enum class Scheme : uint8_t { kSip, kSips, kTel, kOther };

enum class HostKind : uint8_t { kNone, kName, kIPv4, kIPv6 };

struct Uri {
    Scheme scheme = Scheme::kOther;
    std::string_view scheme_text;  // as written, e.g. "SIP", "isbn"
    std::string_view opaque;       // everything after "scheme:" (all schemes)

    // sip/sips: userinfo and hostport. tel: user holds the number, host is empty.
    std::string_view user;      // still %-escaped; see escape.hpp
    std::string_view password;  // still %-escaped
    bool has_password = false;
    std::string_view host;  // an IPv6 reference is kept WITH its brackets: "[2001:db8::1]"
    HostKind host_kind = HostKind::kNone;
    uint16_t port = 0;
    bool has_port = false;

    std::string_view params;   // raw uri-parameters including the leading ';', or empty
    std::string_view headers;  // raw headers after '?', without the '?', or empty
    bool has_headers = false;

    // Well-known parameters, picked up while the list is validated (values raw, still escaped).
    std::string_view transport;
    std::string_view user_param;  // user=phone / ip
    std::string_view method;
    std::string_view maddr;
    std::string_view ttl;
    bool lr = false;

    // host without the brackets of an IPv6 reference.
    std::string_view host_bare() const {
        return host_kind == HostKind::kIPv6 ? host.substr(1, host.size() - 2) : host;
    }
    // Any uri-parameter by name (case-insensitive, escape-aware).
    bool find_param(std::string_view name, Param& out) const {
        return sip::find_param(params, ParamSyntax::kUri, name, out);
    }
};

// Parses a whole URI; any trailing byte that is not part of it (LWS, '>', ...) is an error.
FieldError parse_uri(std::string_view in, Uri& out);

// Scans host (hostname / IPv4address / IPv6reference) at pos; returns its end or npos.
// A dotted quad that is not a valid IPv4 address (e.g. 999.1.1.1) is rejected, not taken as a name.
size_t scan_host(std::string_view s, size_t pos, HostKind& kind);

// Scans ":port" at pos (s[pos] == ':'); returns the end or npos if empty, non-numeric or > 65535.
size_t scan_port(std::string_view s, size_t pos, uint16_t& port);

}  // namespace sipstorm::sip
