// --transport udp|tcp|tls and the connection and TLS options of `run` and `serve`, targets given as
// SIP URIs (RFC 3263 §4 as far as it works offline), and the file-descriptor limit a run needs.
#pragma once
#include <boost/program_options.hpp>
#include <string>

#include "net/address.hpp"
#include "net/resolve.hpp"
#include "ua/runner.hpp"

namespace sipstorm::cli {

struct TransportOptions {
    std::string transport;               // "" (udp unless the target URI says otherwise), udp, tcp, tls
    std::string connections = "shared";  // run: shared, per-call or a number
    uint32_t max_connections = 0;
    std::string idle_timeout = "120s";
    uint32_t max_message = 65536;
    std::string keepalive;  // run: CRLFCRLF pings after this much silence
    std::string connect_timeout = "5s";
    uint32_t reconnect = 3;
    std::string tls_ca, tls_cert, tls_key, tls_version, tls_keylog;
    bool tls_insecure = false, tls_resume = false;
};

void add_transport_options(boost::program_options::options_description& d, TransportOptions& o, bool client);

// A target: "HOST[:PORT]" or "sip:HOST[:PORT][;transport=tcp]" / "sips:HOST[:PORT]". Names resolve
// through getaddrinfo (net::resolve, --prefer); the transport comes from --transport, else the URI, else UDP
// (a conflict is a usage error); the default port is 5060, or 5061 for TLS.
struct Target {
    net::Address address;
    std::string host;  // as written (a name, for SNI and the certificate check), without brackets
    bool host_is_name = false;
    ua::StreamSpec::Kind kind = ua::StreamSpec::Kind::kUdp;
};
Target resolve_target(const std::string& text, const std::string& transport_option,
                      net::FamilyPreference prefer = net::FamilyPreference::kIPv4);
ua::StreamSpec::Kind transport_kind(const std::string& transport_option);

// Fills spec.stream (and checks the options) for a client (run) or a server (serve).
void apply_transport_options(const TransportOptions& o, ua::StreamSpec::Kind kind, bool client,
                             const Target* target, ua::EndpointSpec& spec);

// Raises RLIMIT_NOFILE to its hard limit; throws UsageError when `needed` descriptors don't fit.
void raise_file_limit(uint64_t needed, const char* why);

// "10.0.0.1-10.0.0.9" (IPv4) or a single address or name.
std::vector<net::Address> parse_address_range(const std::string& text, const char* option,
                                              net::FamilyPreference prefer = net::FamilyPreference::kIPv4);

// The line the summary prints about the transport (empty for UDP); loud when checks are off.
std::string transport_banner(const ua::EndpointSpec& spec, bool client);

}  // namespace sipstorm::cli
