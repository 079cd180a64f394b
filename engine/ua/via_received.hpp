// Where a UAS sends a response and how it completes the top Via it copies (RFC 3261 §18.2.1,
// §18.2.2; RFC 3581 §4): received= when the sent-by is a name or another address than the packet
// came from (always with rport), rport=PORT when the client asked for it; the response goes to the
// source address and port with rport, else to the source address and the sent-by port.
#pragma once
#include <cstddef>
#include <string_view>

#include "net/address.hpp"
#include "sip/message.hpp"

namespace sipstorm::ua {

// The top Via value (a header value that may hold several via-parms) completed for `source`, written
// into buf; `value` itself when nothing needs adding or it does not parse or fit.
std::string_view complete_top_via(std::string_view value, const net::Address& source, char* buf, size_t cap);

// The address a response to `request`, which came from `source`, goes to over UDP.
net::Address response_destination(const sip::MessageView& request, const net::Address& source);

}  // namespace sipstorm::ua
