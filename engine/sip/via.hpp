// Via (RFC 3261 §20.42, §25.1): sent-protocol, sent-by and the parameters a transaction layer needs.
// parse_first_via() is the hot path: it reads only the topmost via-parm of a header value.
#pragma once
#include <cstdint>
#include <string_view>

#include "sip/lex.hpp"
#include "sip/params.hpp"
#include "sip/uri.hpp"

namespace sipstorm::sip {

enum class Transport : uint8_t { kUdp, kTcp, kTls, kSctp, kWs, kWss, kOther };

// Transport from its name, case-insensitive; kOther for anything else.
Transport transport_from(std::string_view name);

struct Via {
    std::string_view protocol_name;     // "SIP"
    std::string_view protocol_version;  // "2.0"
    Transport transport = Transport::kOther;
    std::string_view transport_text;  // as written, also for unknown transports

    std::string_view host;  // IPv6 reference kept WITH brackets (as in Uri)
    HostKind host_kind = HostKind::kNone;
    uint16_t port = 0;
    bool has_port = false;

    std::string_view params;  // raw, from the first ';' (may hold LWS), or empty
    std::string_view branch;
    std::string_view received;
    std::string_view maddr;
    bool has_rport = false;        // ";rport" present, with or without value
    bool rport_has_value = false;  // ";rport=5060"
    uint16_t rport = 0;
    bool has_ttl = false;
    uint8_t ttl = 0;

    bool find_param(std::string_view name, Param& out) const {
        return sip::find_param(params, ParamSyntax::kHeader, name, out);
    }
};

// Parses exactly one via-parm (surrounding LWS allowed, nothing else).
FieldError parse_via(std::string_view via_parm, Via& out);

// Parses the first via-parm of a header value that may hold several; anything after the first ','
// is not looked at.
FieldError parse_first_via(std::string_view header_value, Via& out);

// Iterates all via-parms of one header value.
class ViaIter {
  public:
    explicit ViaIter(std::string_view header_value) : s_(header_value) {}
    bool next(Via& out);  // false at the end or on error
    FieldError error() const { return error_; }

  private:
    std::string_view s_;
    size_t pos_ = 0;
    bool done_ = false;
    FieldError error_ = FieldError::kOk;
};

}  // namespace sipstorm::sip
