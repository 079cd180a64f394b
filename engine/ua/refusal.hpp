// The answers a UAS gives, whatever its scenario says, to requests it must refuse (RFC 3261 §8.2):
// what validate() finds (400, 416, 420 with Unsupported, 415 with Accept, 406, 505, 501), a request
// that does not parse (400/505 from what can be salvaged of its lines), 405 with Allow for a known
// method the scenario does not serve, and the 487 to an INVITE its CANCEL ended (§9.2).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/address.hpp"
#include "sip/message.hpp"

namespace sipstorm::ua {

// A response refusing `request` with `code` (or the 200 to an OPTIONS, with Allow and Accept), with
// the header the code calls for (420: Unsupported
// listing the Require tags we lack; 415: Accept; 405: Allow = allow). 0 if it does not fit.
size_t build_refusal(const sip::MessageView& request, uint16_t code, std::string_view to_tag,
                     std::string_view allow, char* out, size_t cap, const net::Address* source = nullptr);

// For a request the parser refused: its Via, From, To, Call-ID and CSeq lines copied as they are
// (compact names too), a To tag added. 0 when the bytes are a response or lack Via.
size_t build_raw_refusal(std::string_view bytes, uint16_t code, std::string_view to_tag, char* out,
                         size_t cap);

}  // namespace sipstorm::ua
