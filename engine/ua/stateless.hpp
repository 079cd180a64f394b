// Messages the engine builds from a received message rather than from a scenario template: the ACK
// for a non-2xx final response, stateless answers for requests outside any call, and the header
// text a call keeps (route sets, ${last_*} lines). Each returns the bytes written, 0 if it won't fit.
#pragma once
#include <cstddef>
#include <cstdint>

#include "net/address.hpp"
#include "sip/message.hpp"

namespace sipstorm::ua {

// A non-2xx final response to one of our INVITEs that comes again after its call ended (our ACK was
// lost; the call does not wait out Timer D): the ACK rebuilt from the response alone, with the To URI
// as Request-URI (what our initial INVITEs use). 0 when the response lacks what it needs.
size_t build_ack_for_late_failure(const sip::MessageView& response, char* out, size_t cap);

// RFC 3261 §17.1.1.3, from the INVITE as sent and the final response.
size_t build_ack_for_failure(const sip::MessageView& invite, const sip::MessageView& response, uint32_t cseq,
                             char* out, size_t cap);

// What a UAC sends when it abandons a call (SIPp's default behaviour "bye"), from its INVITE as
// sent: a CANCEL while the INVITE has no final response (§9.1: its Request-URI, top Via, From, To,
// Call-ID and Route, CSeq number + CANCEL), or a BYE in the dialog (§15: to the remote target,
// through the route set, To with the remote tag, a new branch and the next CSeq).
size_t build_cancel(const sip::MessageView& invite, uint32_t cseq, char* out, size_t cap);
size_t build_bye(const sip::MessageView& invite, std::string_view target, std::string_view routes,
                 std::string_view remote_tag, std::string_view branch, uint32_t cseq, char* out, size_t cap);

// A response (Via, From, To, Call-ID, CSeq copied, no body) to a request no call will answer.
// to_tag: added to To (a final answer to a request outside any dialog, e.g. 200 to OPTIONS).
// extra: header lines (each ending in CRLF) put before Content-Length (Unsupported, Allow ...).
// cseq_method: replaces the CSeq method (the 487 to an INVITE built from its CANCEL).
// source: where the request came from; the top Via gets received/rport (via_received.hpp).
size_t build_stateless_response(const sip::MessageView& request, uint16_t code, char* out, size_t cap,
                                std::string_view to_tag = {}, std::string_view extra = {},
                                std::string_view cseq_method = {}, const net::Address* source = nullptr);

// "Route: <uri>\r\n" per Record-Route entry, in order or reversed (the UAC's view, §12.1.2).
size_t render_route_set(const sip::MessageView& msg, bool reverse, char* out, size_t cap);

// Every header line with this id as "Name: value", joined by CRLF, no trailing CRLF. With a source,
// the top Via is completed as a response copies it (received/rport, via_received.hpp).
size_t render_header_lines(const sip::MessageView& msg, sip::HeaderId id, char* out, size_t cap,
                           const net::Address* source = nullptr);

std::string_view reason_phrase(uint16_t code);

}  // namespace sipstorm::ua
