// What a case checks on one response: the echo rules of RFC 3261 §8.2.6.2 (E), To tags, the Via
// list byte for byte, header conditions. Each check returns an empty string when it holds, else one
// sentence saying what was expected and what arrived.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "conform/case.hpp"
#include "sip/message.hpp"

namespace sipstorm::conform {

// Every value of every header line with this name (long or compact form), in order.
std::vector<std::string_view> header_values(const sip::MessageView& m, std::string_view name);
// The first line's whole value, or empty.
std::string_view first_header(const sip::MessageView& m, std::string_view name);
// The To tag, or empty.
std::string_view to_tag(const sip::MessageView& m);
// A Via value without its received and rport parameters (judged separately).
std::string strip_received_rport(std::string_view via);

// §8.2.6.2 for a response to `request`: From, Call-ID, CSeq equal; Via values equal and in order;
// To URI equal. Headers the request lacks are not compared.
std::string check_echo(const sip::MessageView& request, const sip::MessageView& response);
std::string check_via_exact(const sip::MessageView& request, const sip::MessageView& response);
std::string check_header(const HeaderCheck& c, const sip::MessageView& response);
// Expect.same_body, same_headers, vias_below: `got` (forwarded or relayed) against what was `sent`.
std::string check_relayed(const Expect& e, const sip::MessageView& sent, const sip::MessageView& got);

std::string describe_status(const sip::MessageView& m);  // "487 Request Terminated" / "INVITE request"

}  // namespace sipstorm::conform
