// SIP over TCP (and TLS, with StreamOptions::tls) for one shard: one epoll set holding a listening
// socket, the shard's connections and a timer, so the shard sleeps on one descriptor (wait_fd()).
// Everything is non-blocking: connects, accepts, TLS handshakes and writes never stall other calls.
//
// Receive: each readable connection's bytes are read into one scratch buffer shared by the poll,
// framed there (stream_framer.hpp) and handed out as views; only the unfinished tail of a read is
// copied into the connection's own buffer, so an idle connection holds no receive memory.
// Send: flush() gathers each connection's messages into one sendmsg; what the kernel does not take
// waits in the connection's output buffer (EPOLLOUT); a peer that takes none of it for a while, or
// lets more than max_output pile up, has its connection closed. The slow peer's
// connection is closed. Faults (refused, reset, closed, timeouts, framing errors, TLS) close only that
// connection and are reported to the calls that use it (take_faults), never to the others.
#pragma once
#include <sys/epoll.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "net/stream_options.hpp"
#include "net/transport.hpp"

namespace sipstorm::net {

class TlsSession;

class StreamTransport final : public Transport {
  public:
    ~StreamTransport() override;
    StreamTransport(const StreamTransport&) = delete;
    StreamTransport& operator=(const StreamTransport&) = delete;

    std::span<const RxPacket> poll(int timeout_us) override;
    TxPacket* alloc_tx() override;
    void flush() override;
    Address local_address() const override { return local_; }
    const TransportStats& stats() const override { return stats_; }
    int wait_fd() const override { return epoll_; }
    bool rx_pending() const override { return !backlog_.empty(); }
    bool reliable() const override { return true; }
    const char* via_name() const override { return opt_.tls ? "TLS" : "TCP"; }
    void flow_begin(uint64_t flow) override;
    void flow_end(uint64_t flow) override;
    std::span<const FlowFault> take_faults() override;

    const StreamStats& stream_stats() const { return sstats_; }
    // Connect and TLS handshake times (ns) since the last call, for the shard's histograms.
    std::span<const uint64_t> take_connect_samples();
    std::span<const uint64_t> take_handshake_samples();
    uint32_t connections() const { return static_cast<uint32_t>(sstats_.current); }

  private:
    friend std::unique_ptr<StreamTransport> open_stream(const StreamOptions&, std::string*);
    enum class State : uint8_t { kFree, kConnecting, kHandshake, kOpen, kClosing };
    static constexpr uint32_t kNone = UINT32_MAX;

    struct Conn {
        int fd = -1;
        uint32_t gen = 0;
        State state = State::kFree;
        bool accepted = false;
        bool awaiting_pong = false;
        bool want_out = false;       // EPOLLOUT registered
        bool in_backlog = false;     // complete messages wait in `in`
        uint32_t refs = 0;           // live calls on it (accepted connections)
        uint32_t pool_slot = kNone;  // a shared / pool connection: its slot
        uint64_t flow = 0;           // a per-call connection: its call's flow
        Address peer;
        uint64_t opened_ns = 0, active_ns = 0, ping_ns = 0;
        std::vector<char> in;   // bytes of an unfinished message (or of a backlog)
        uint32_t in_scan = 0;   // the framer's scan position in `in`
        std::vector<char> out;  // bytes the kernel has not taken yet
        size_t out_off = 0;
        uint64_t out_since_ns = 0;  // output waiting: when the peer last took some (or it began)
        uint32_t tx_head = kNone, tx_tail = kNone;  // this flush's packets (TxSlot::next chain)
        std::unique_ptr<TlsSession> tls;
    };
    struct PoolSlot {
        uint32_t conn = kNone;
        uint32_t refs = 0;      // live calls mapped here
        uint32_t failures = 0;  // consecutive failed attempts
        uint64_t retry_ns = 0;  // reconnect after this (0: connect on demand)
        char last_error[112] = {};
    };
    struct FlowSlot {  // per-call: a call's flow and its connection, indexed by the flow's low bits
        uint64_t flow = 0;
        uint32_t conn = kNone;
    };

    explicit StreamTransport(const StreamOptions& opt);

    // Connections
    uint32_t new_conn(int fd, const Address& peer, bool accepted, uint64_t now_ns);
    uint32_t connect_to(const Address& peer, uint64_t now_ns, char* error, size_t error_len);
    void accept_all(uint64_t now_ns);
    void on_connected(uint32_t id, uint64_t now_ns);
    void start_tls(uint32_t id, uint64_t now_ns);
    void drive_handshake(uint32_t id, uint64_t now_ns);
    // Ends a connection: counts why, tells the calls on it (fault), frees its slot at the next poll.
    void fail(uint32_t id, ConnError why, std::string_view detail, uint64_t now_ns);
    void close_conn(uint32_t id);
    void set_events(uint32_t id, bool want_out);
    void housekeeping(uint64_t now_ns);
    void add_fault(uint64_t flow, uint32_t modulo, std::string_view detail);
    uint64_t conn_flow(uint32_t id) const;
    uint32_t conn_of_flow(uint64_t flow) const;

    // RX
    void service(uint32_t id, bool readable, uint64_t now_ns);
    long read_some(Conn& c, char* buf, size_t room, bool& eof, int& err);
    void frame(uint32_t id, char* base, size_t len, uint64_t now_ns);

    // TX
    uint32_t route(const TxPacket& p, uint64_t now_ns);
    void send_chain(uint32_t id, uint64_t now_ns);
    void queue_output(Conn& c, const char* data, size_t len, uint64_t now_ns);
    bool drain_output(uint32_t id, uint64_t now_ns);  // false: the connection failed
    long write_some(Conn& c, const iovec* iov, int n, int& err);
    void send_raw(uint32_t id, std::string_view bytes, uint64_t now_ns);  // pongs and pings

    StreamOptions opt_;
    Address local_;
    Address remote_;  // where shared / pool connections go (the first client message's target)
    int epoll_ = -1, listen_ = -1, timer_ = -1;
    TransportStats stats_;
    StreamStats sstats_;
    std::deque<Conn> conns_;                // stable references when it grows
    std::vector<uint32_t> free_, freeing_;  // free slots; slots closed during this poll
    std::vector<uint32_t> backlog_;         // connections with complete messages still in `in`
    std::vector<uint32_t> backlog_work_;    // the backlog being served by this poll
    std::vector<PoolSlot> pool_;
    std::vector<FlowSlot> flows_;
    uint32_t next_source_ = 0;
    bool listen_paused_ = false;  // out of descriptors: accepting again at the next housekeeping
    uint64_t next_housekeeping_ns_ = 0;

    std::vector<char> scratch_;
    size_t scratch_used_ = 0;
    std::vector<RxPacket> rx_out_;
    std::vector<epoll_event> events_;

    std::unique_ptr<char[]> tx_buf_;
    std::vector<TxPacket> tx_;
    std::vector<uint32_t> tx_next_;
    std::vector<uint32_t> touched_;
    uint32_t tx_count_ = 0;

    std::vector<FlowFault> faults_, faults_out_;
    std::vector<uint64_t> connect_samples_, connect_out_, handshake_samples_, handshake_out_;
};

// Opens the listening socket (when asked) and the epoll set. nullptr and *error on failure
// ("tcp: bind 127.0.0.1:5060: Address already in use").
std::unique_ptr<StreamTransport> open_stream(const StreamOptions& opt, std::string* error);

}  // namespace sipstorm::net
