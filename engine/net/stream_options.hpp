// How one shard's stream endpoint (TCP or TLS) is opened, and what it counts.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "net/address.hpp"
#include "stats/counters.hpp"

namespace sipstorm::net {

class TlsContext;

// How a client's flows (a UAC's calls) map onto connections (SIPp's t1 / tn, or a pool).
enum class ConnectionModel : uint8_t {
    kShared,   // one connection per shard, every call on it
    kPerCall,  // one per call, opened at its first message and closed at its end
    kPool,     // `pool` connections per shard, calls spread over them
};

struct StreamOptions {
    Address local;           // listening address, and the source address of outgoing connections
    bool listen = true;      // accept connections on `local` (a UAC listens too, for requests to its Contact)
    bool reuseport = false;  // SO_REUSEPORT on the listening socket: shards share one port
    uint8_t shard = 0;       // put into connection flows, so a flow of another shard is never mistaken
    ConnectionModel model = ConnectionModel::kShared;
    uint32_t pool = 1;                // kPool: connections per shard
    std::vector<Address> source_ips;  // outgoing connections bind these in turn (empty: local's IP)
    uint32_t max_connections = 0;     // accepted connections at once (0 = no cap); more are closed
    uint64_t idle_timeout_ns = 120'000'000'000ull;  // accepted connections silent this long close (0 = never)
    uint32_t max_message = 65536;                   // a larger message closes its connection
    uint64_t keepalive_ns = 0;  // outgoing connections: CRLFCRLF ping after this much silence
    uint64_t keepalive_timeout_ns = 10'000'000'000ull;  // no pong in this time: the connection failed
    uint64_t connect_timeout_ns = 5'000'000'000ull;
    uint32_t reconnect = 3;  // shared / pool connections: reconnect attempts after a failure
    uint32_t batch = 64;     // messages per poll() and TX slots per flush()
    // A peer that reads slowly gets its output queued. Its connection closes when it has taken no
    // byte of it for output_stall_ns, or when more than max_output bytes wait: a shared connection
    // carries a whole shard's calls, so a peer that stalls for a moment under load must not lose them.
    uint32_t max_output = 64u << 20;
    uint64_t output_stall_ns = 10'000'000'000ull;
    TlsContext* tls = nullptr;  // TLS over every connection (nullptr: plain TCP)
};

// Why connections ended badly (the result file's connections.failed_by_reason).
enum class ConnError : uint8_t {
    kRefused,
    kReset,
    kClosedByPeer,  // an orderly close while calls still used the connection
    kConnectTimeout,
    kTlsHandshake,
    kCertificate,
    kNoContentLength,
    kBadContentLength,
    kTooLarge,
    kIdleTimeout,
    kKeepaliveTimeout,
    kSlowPeer,   // more output queued than max_output
    kOverLimit,  // accepted beyond max_connections
    kNoFiles,    // EMFILE / ENFILE
    kOther,
    kCount
};
inline constexpr size_t kConnErrors = static_cast<size_t>(ConnError::kCount);
inline constexpr const auto& kConnErrorNames = stats::kConnFailReasonNames;
static_assert(kConnErrorNames.size() == kConnErrors);

struct StreamStats {
    uint64_t connected = 0;  // outgoing connections established (TLS: handshake done)
    uint64_t accepted = 0;
    uint64_t closed = 0;  // every connection that ended, for whatever reason
    uint64_t current = 0;
    uint64_t peak = 0;
    uint64_t reconnects = 0;
    uint64_t pings_sent = 0, pongs_received = 0, pings_answered = 0;
    std::array<uint64_t, kConnErrors> failed{};
    uint64_t tls_resumed = 0;  // handshakes that resumed a session (--tls-resume)
    // TLS: the protocol version and cipher of the first handshake (static strings from OpenSSL)
    const char* tls_version = nullptr;
    const char* tls_cipher = nullptr;
};

}  // namespace sipstorm::net
