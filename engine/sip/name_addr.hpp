// name-addr / addr-spec values with header parameters: From, To, Contact, Route, Record-Route,
// Refer-To, Referred-By (RFC 3261 §20.10, §25.1). The URI itself is parsed only when asked for.
#pragma once
#include <cstdint>
#include <string_view>

#include "sip/lex.hpp"
#include "sip/params.hpp"
#include "sip/uri.hpp"

namespace sipstorm::sip {

struct NameAddr {
    std::string_view display_name;  // quotes stripped when quoted (quoted-pairs left in place)
    bool display_quoted = false;
    std::string_view uri;  // the text between <...>, or the bare addr-spec
    bool angle = false;    // written as <...>
    bool star = false;     // Contact: *

    // Header parameters. For a bare addr-spec the ';...' after it belongs here, not to the URI
    // (RFC 3261 §20.10).
    std::string_view params;  // raw, from the first ';', or empty
    std::string_view tag;
    bool has_tag = false;
    uint32_t expires = 0;
    bool has_expires = false;
    uint16_t q = 1000;  // qvalue in thousandths ("0.33" -> 330)
    bool has_q = false;

    bool find_param(std::string_view name, Param& out) const {
        return sip::find_param(params, ParamSyntax::kHeader, name, out);
    }
};

// Parses exactly one value. If uri_out is given, the URI is parsed (and validated) into it too;
// otherwise it is only delimited, which is all the hot path (tags) needs. A "*" (Contact) sets star.
// An expires param above 2^32-1 returns kOverflow with every field filled and expires = 2^32-1, so a
// registrar can apply RFC 4475 scalar02's "treat as default" rule.
FieldError parse_name_addr(std::string_view value, NameAddr& out, Uri* uri_out = nullptr);

// Iterates the comma-separated values of one header line (Contact, Route, Record-Route).
class NameAddrIter {
  public:
    explicit NameAddrIter(std::string_view header_value) : it_(header_value) {}
    // False at the end or on error; an overflowing expires saturates here instead of failing.
    bool next(NameAddr& out, Uri* uri_out = nullptr);
    FieldError error() const { return error_; }

  private:
    lex::ValueIter it_;
    FieldError error_ = FieldError::kOk;
};

}  // namespace sipstorm::sip
