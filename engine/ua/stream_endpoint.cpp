#include "ua/stream_endpoint.hpp"

#include "net/stream_transport.hpp"

namespace sipstorm::ua {

namespace {

net::StreamOptions options_for(const EndpointSpec& spec, const net::UdpOptions& udp, unsigned shard) {
    net::StreamOptions o = spec.stream.options;
    o.local = udp.local;
    o.reuseport = udp.reuseport;
    o.shard = static_cast<uint8_t>(shard);
    o.batch = udp.batch;
    return o;
}

}  // namespace

std::unique_ptr<net::Transport> open_stream_endpoint(const EndpointSpec& spec, const net::UdpOptions& udp,
                                                     unsigned shard, std::unique_ptr<net::TlsContext>& tls,
                                                     std::string* error) {
    net::StreamOptions o = options_for(spec, udp, shard);
    if (spec.stream.kind == StreamSpec::Kind::kTls) {
        if (!(tls = net::TlsContext::create(spec.stream.tls, error))) return nullptr;
        o.tls = tls.get();
    }
    return net::open_stream(o, error);
}

bool stream_port_free(const EndpointSpec& spec, const net::UdpOptions& udp, std::string* error) {
    net::StreamOptions o = options_for(spec, udp, 0);
    o.reuseport = false;
    return net::open_stream(o, error) != nullptr;
}

}  // namespace sipstorm::ua
