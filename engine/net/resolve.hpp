// Host names for --target, --listen and --local-ip: numeric addresses as they are, names through
// getaddrinfo (the hosts file, then DNS). It blocks, so it runs before a run starts, never in a shard.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "net/address.hpp"

namespace sipstorm::net {

// Which address to take when a name has both kinds; the other kind is used when it is all there is.
enum class FamilyPreference : uint8_t { kIPv4, kIPv6 };

// Parses "HOST:PORT", "[V6]:PORT", a bare IPv6 address or "HOST" (port = default_port). On failure
// `error` says why in a phrase ("bad port '99999'", "cannot resolve 'pbx.example.com': ...").
bool resolve(std::string_view text, uint16_t default_port, FamilyPreference prefer, Address& out,
             std::string& error);

}  // namespace sipstorm::net
