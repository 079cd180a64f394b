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

void publish_stream_stats(net::StreamTransport& t, stats::ShardStats& s) {
    stats::ShardCounters& c = s.counters();
    const net::StreamStats& ss = t.stream_stats();
    c.conn_opened.set(ss.connected);
    c.conn_accepted.set(ss.accepted);
    c.conn_closed.set(ss.closed);
    c.conn_current.set(ss.current);
    c.conn_peak.set(ss.peak);
    c.conn_reconnects.set(ss.reconnects);
    c.tls_resumed.set(ss.tls_resumed);
    c.keepalives_sent.set(ss.pings_sent);
    c.keepalive_pongs.set(ss.pongs_received);
    c.keepalives_answered.set(ss.pings_answered);
    for (size_t i = 0; i < net::kConnErrors; ++i) c.conn_failed[i].set(ss.failed[i]);
    for (uint64_t ns : t.take_connect_samples()) s.hist().connect_us.record_ns(ns);
    for (uint64_t ns : t.take_handshake_samples()) s.hist().handshake_us.record_ns(ns);
}

std::string tls_summary(const net::StreamTransport& t) {
    const net::StreamStats& ss = t.stream_stats();
    if (!ss.tls_version) return {};
    return std::string(ss.tls_version) + " " + (ss.tls_cipher ? ss.tls_cipher : "");
}

}  // namespace sipstorm::ua
