// Opening an endpoint's TCP or TLS transport for one shard (--transport tcp|tls).
#pragma once
#include <memory>
#include <string>

#include "net/tls_session.hpp"
#include "net/transport.hpp"
#include "ua/runner.hpp"

namespace sipstorm::ua {

// The shard's transport; for TLS also its own TLS context (kept by the caller, outliving the
// transport). nullptr and *error on failure.
std::unique_ptr<net::Transport> open_stream_endpoint(const EndpointSpec& spec, const net::UdpOptions& udp,
                                                     unsigned shard, std::unique_ptr<net::TlsContext>& tls,
                                                     std::string* error);

// False with *error when the endpoint's listening port is taken (checked once, without SO_REUSEPORT).
bool stream_port_free(const EndpointSpec& spec, const net::UdpOptions& udp, std::string* error);

}  // namespace sipstorm::ua
