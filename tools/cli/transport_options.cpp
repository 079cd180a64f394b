#include "transport_options.hpp"

#include "net/resolve.hpp"

#include <arpa/inet.h>
#include <fmt/core.h>
#include <netdb.h>
#include <sys/resource.h>

#include <algorithm>
#include <cctype>

#include "commands.hpp"
#include "load.hpp"

namespace sipstorm::cli {

namespace po = boost::program_options;
using Kind = ua::StreamSpec::Kind;

void add_transport_options(po::options_description& d, TransportOptions& o, bool client) {
    d.add_options()(
        "transport", po::value(&o.transport),
        "udp (default), tcp or tls; a sips: target or ;transport= in a SIP URI target also sets it")(
        "max-message", po::value(&o.max_message),
        "TCP/TLS: a larger message closes its connection (bytes, default 65536)")(
        "tls-ca", po::value(&o.tls_ca),
        client ? "TLS: trust these CA certificates (PEM) instead of the system's"
               : "TLS: require client certificates signed by these CAs (PEM)")(
        "tls-cert", po::value(&o.tls_cert),
        client ? "TLS: client certificate (PEM) for mutual TLS" : "TLS: server certificate chain (PEM)")(
        "tls-key", po::value(&o.tls_key), "TLS: private key of --tls-cert (PEM)")(
        "tls-version", po::value(&o.tls_version), "TLS: 1.2 or 1.3 only (default: both)")(
        "tls-keylog", po::value(&o.tls_keylog), "TLS: append NSS key-log lines here (for Wireshark)");
    if (client) {
        d.add_options()("connections", po::value(&o.connections),
                        "TCP/TLS: shared (one per shard, default), per-call, or N (a pool of N per shard)")(
            "keepalive", po::value(&o.keepalive),
            "TCP/TLS: send a CRLFCRLF keep-alive after this much silence, e.g. 30s; no pong in 10 s fails "
            "the "
            "connection")("connect-timeout", po::value(&o.connect_timeout),
                          "TCP/TLS: connect (and handshake) timeout, default 5s")(
            "reconnect", po::value(&o.reconnect),
            "TCP/TLS: shared or pooled connections reconnect this many times after a failure (default 3)")(
            "tls-insecure", po::bool_switch(&o.tls_insecure),
            "TLS: do not verify the server's certificate (the summary warns)")(
            "tls-resume", po::bool_switch(&o.tls_resume), "TLS: resume sessions on new connections");
    } else {
        d.add_options()("max-connections", po::value(&o.max_connections),
                        "TCP/TLS: accepted connections at once per shard (default: no cap)")(
            "idle-timeout", po::value(&o.idle_timeout),
            "TCP/TLS: close connections silent this long (default 120s, 0 = never)");
    }
}

Kind transport_kind(const std::string& t) {
    std::string l = t;
    std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
    if (l.empty() || l == "udp") return Kind::kUdp;
    if (l == "tcp") return Kind::kTcp;
    if (l == "tls") return Kind::kTls;
    throw UsageError("--transport must be udp, tcp or tls, got '" + t + "'");
}

namespace {

bool is_ip(const std::string& host) {
    in6_addr a6;
    in_addr a4;
    return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

}  // namespace

Target resolve_target(const std::string& text, const std::string& transport_option,
                      net::FamilyPreference prefer) {
    Target t;
    std::string rest = text, lower = text;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::string uri_transport;
    const bool sips = lower.starts_with("sips:");
    if (sips || lower.starts_with("sip:")) {
        rest = text.substr(sips ? 5 : 4);
        const size_t semi = rest.find(';');
        std::string params = semi == std::string::npos ? "" : rest.substr(semi);
        rest = rest.substr(0, semi);
        if (size_t at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
        for (size_t p = 0; p < params.size();) {
            size_t next = params.find(';', p + 1);
            std::string param =
                params.substr(p + 1, next == std::string::npos ? std::string::npos : next - p - 1);
            std::string key = param.substr(0, param.find('='));
            std::transform(key.begin(), key.end(), key.begin(),
                           [](unsigned char c) { return std::tolower(c); });
            if (key == "transport" && param.find('=') != std::string::npos)
                uri_transport = param.substr(param.find('=') + 1);
            if (next == std::string::npos) break;
            p = next;
        }
        if (sips) {
            if (!uri_transport.empty() && transport_kind(uri_transport) != Kind::kTcp &&
                transport_kind(uri_transport) != Kind::kTls)
                throw UsageError("a sips: URI needs TLS, not transport=" + uri_transport);
            uri_transport = "tls";  // RFC 3261 §26.2: sips over TLS; transport=tcp means TLS over TCP
        }
    }
    const Kind from_uri = transport_kind(uri_transport);
    const Kind from_option = transport_kind(transport_option);
    if (!transport_option.empty() && !uri_transport.empty() && from_uri != from_option)
        throw UsageError("--transport " + transport_option + " contradicts the target " + text);
    t.kind = transport_option.empty() ? from_uri : from_option;
    const uint16_t default_port = t.kind == Kind::kTls ? 5061 : 5060;

    // HOST, HOST:PORT, [V6], [V6]:PORT
    std::string host = rest, port;
    if (!rest.empty() && rest.front() == '[') {
        const size_t close = rest.find(']');
        if (close == std::string::npos) throw UsageError("--target: '" + text + "': unclosed [");
        host = rest.substr(1, close - 1);
        if (close + 1 < rest.size()) {
            if (rest[close + 1] != ':') throw UsageError("--target: '" + text + "' is not HOST:PORT");
            port = rest.substr(close + 2);
        }
    } else if (std::count(rest.begin(), rest.end(), ':') == 1) {
        host = rest.substr(0, rest.find(':'));
        port = rest.substr(rest.find(':') + 1);
    }
    if (host.empty()) throw UsageError("--target: '" + text + "' has no host");
    uint16_t port_num = default_port;
    if (!port.empty()) {
        if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
            std::stoul(port) > 65535)
            throw UsageError("--target: bad port '" + port + "' in '" + text + "'");
        port_num = static_cast<uint16_t>(std::stoul(port));
    }
    t.host = host;
    t.host_is_name = !is_ip(host);
    // Names through getaddrinfo (RFC 3263 §4.2 without NAPTR/SRV: A/AAAA of the host itself).
    std::string error;
    if (!net::resolve(host, port_num, prefer, t.address, error)) throw UsageError("--target: " + error);
    t.address.port = port_num;
    return t;
}

void apply_transport_options(const TransportOptions& o, Kind kind, bool client, const Target* target,
                             ua::EndpointSpec& spec) {
    const bool stream = kind != Kind::kUdp;
    if (!stream) {
        if (!o.tls_ca.empty() || !o.tls_cert.empty() || !o.tls_key.empty() || o.tls_insecure || o.tls_resume)
            throw UsageError("the --tls-* options need --transport tls");
        return;
    }
    if (spec.dpdk.enabled)
        throw UsageError("--engine dpdk carries UDP only: --transport tcp and tls need the kernel engine");
    if (kind == Kind::kTcp && (!o.tls_ca.empty() || !o.tls_cert.empty() || o.tls_insecure || o.tls_resume))
        throw UsageError("the --tls-* options need --transport tls");
    ua::StreamSpec& s = spec.stream;
    s.kind = kind;
    net::StreamOptions& so = s.options;
    if (o.max_message < 1024 || o.max_message > (16u << 20))
        throw UsageError("--max-message must be between 1024 and 16777216 bytes");
    so.max_message = o.max_message;
    so.connect_timeout_ns = parse_duration_ns(o.connect_timeout, "connect-timeout");
    so.reconnect = o.reconnect;
    if (client) {
        if (o.connections == "shared") {
            so.model = net::ConnectionModel::kShared;
        } else if (o.connections == "per-call") {
            so.model = net::ConnectionModel::kPerCall;
        } else if (!o.connections.empty() &&
                   o.connections.find_first_not_of("0123456789") == std::string::npos &&
                   o.connections.size() < 7 && std::stoul(o.connections) >= 1) {
            so.model = net::ConnectionModel::kPool;
            so.pool = static_cast<uint32_t>(std::stoul(o.connections));
        } else {
            throw UsageError("--connections must be shared, per-call or a number of connections, got '" +
                             o.connections + "'");
        }
        if (!o.keepalive.empty()) so.keepalive_ns = parse_duration_ns(o.keepalive, "keepalive");
        so.idle_timeout_ns = 0;  // our own connections close with their calls or the run
    } else {
        so.max_connections = o.max_connections;
        so.idle_timeout_ns = parse_duration_ns(o.idle_timeout, "idle-timeout");
    }
    if (kind != Kind::kTls) return;
    net::TlsOptions& t = s.tls;
    t.server = !client;
    t.ca_file = o.tls_ca;
    t.cert_file = o.tls_cert;
    t.key_file = o.tls_key;
    t.version = o.tls_version;
    t.keylog_file = o.tls_keylog;
    t.insecure = o.tls_insecure;
    t.resume = o.tls_resume;
    if (!o.tls_version.empty() && o.tls_version != "1.2" && o.tls_version != "1.3")
        throw UsageError("--tls-version must be 1.2 or 1.3, got '" + o.tls_version + "'");
    if (!client && o.tls_cert.empty())
        throw UsageError("serve --transport tls needs --tls-cert and --tls-key (the server's certificate)");
    if (!o.tls_key.empty() && o.tls_cert.empty()) throw UsageError("--tls-key needs --tls-cert");
    if (client && target && target->host_is_name) t.server_name = target->host;
}

void raise_file_limit(uint64_t needed, const char* why) {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    if (rl.rlim_cur < rl.rlim_max) {
        rlimit up = rl;
        up.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &up) == 0) rl = up;
    }
    if (needed > rl.rlim_cur)
        throw UsageError(fmt::format(
            "{} needs about {} file descriptors, but the limit is {} (raise the hard limit: ulimit -Hn, "
            "or LimitNOFILE=)",
            why, needed, static_cast<uint64_t>(rl.rlim_cur)));
}

std::vector<net::Address> parse_address_range(const std::string& text, const char* option,
                                              net::FamilyPreference prefer) {
    // FIRST-LAST of numeric IPv4 addresses; anything else is one address or name ("pbx-1.lan").
    const size_t dash = text.find('-');
    net::Address a, b;
    if (dash == std::string::npos || !net::Address::parse(text.substr(0, dash), 0, a) ||
        !net::Address::parse(text.substr(dash + 1), 0, b) || a.family != AF_INET || b.family != AF_INET)
        return {parse_address(text, 0, option, prefer)};
    auto v = [](const net::Address& x) {
        return (uint32_t{x.ip[0]} << 24) | (uint32_t{x.ip[1]} << 16) | (uint32_t{x.ip[2]} << 8) | x.ip[3];
    };
    if (v(b) < v(a) || v(b) - v(a) > 65535)
        throw UsageError(fmt::format("--{}: '{}' is not a range", option, text));
    std::vector<net::Address> out;
    for (uint32_t x = v(a); x <= v(b); ++x) {
        net::Address n = a;
        n.ip[0] = static_cast<uint8_t>(x >> 24);
        n.ip[1] = static_cast<uint8_t>(x >> 16);
        n.ip[2] = static_cast<uint8_t>(x >> 8);
        n.ip[3] = static_cast<uint8_t>(x);
        out.push_back(n);
    }
    return out;
}

std::string transport_banner(const ua::EndpointSpec& spec, bool client) {
    const ua::StreamSpec& s = spec.stream;
    if (s.kind == Kind::kUdp) return {};
    const net::StreamOptions& o = s.options;
    std::string line = s.kind == Kind::kTls ? "TLS" : "TCP";
    if (client) {
        line += o.model == net::ConnectionModel::kShared ? ", one shared connection per shard"
                : o.model == net::ConnectionModel::kPerCall
                    ? ", one connection per call"
                    : fmt::format(", {} connections per shard", o.pool);
    }
    if (s.kind == Kind::kTls && client && s.tls.insecure)
        line += " -- WARNING: --tls-insecure: the server's certificate is NOT verified";
    return line;
}

}  // namespace sipstorm::cli
