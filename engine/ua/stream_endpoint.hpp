// Opening an endpoint's TCP or TLS transport for one shard (--transport tcp|tls).
#pragma once
#include <memory>
#include <string>

#include "net/tls_session.hpp"
#include "net/transport.hpp"
#include "stats/shard_stats.hpp"
#include "ua/runner.hpp"

namespace sipstorm::net {
class StreamTransport;
}

namespace sipstorm::ua {

// The shard's transport; for TLS also its own TLS context (kept by the caller, outliving the
// transport). nullptr and *error on failure.
std::unique_ptr<net::Transport> open_stream_endpoint(const EndpointSpec& spec, const net::UdpOptions& udp,
                                                     unsigned shard, std::unique_ptr<net::TlsContext>& tls,
                                                     std::string* error);

// False with *error when the endpoint's listening port is taken (checked once, without SO_REUSEPORT).
bool stream_port_free(const EndpointSpec& spec, const net::UdpOptions& udp, std::string* error);

// Copies the transport's connection counters into the shard's statistics and its connect and
// handshake times into the shard's histograms (shard thread, every loop pass).
void publish_stream_stats(net::StreamTransport& t, stats::ShardStats& s);

// "TLSv1.3 TLS_AES_256_GCM_SHA384" of the transport's first handshake, or empty.
std::string tls_summary(const net::StreamTransport& t);

}  // namespace sipstorm::ua
