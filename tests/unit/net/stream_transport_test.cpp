// The TCP transport on loopback against raw sockets: framing across reads, answers on the arriving
// connection, keep-alives, framing faults that close only the offending connection, and client
// connection models with their faults.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "net/stream_transport.hpp"

namespace sipstorm::net {
namespace {

const std::string kMsg = "OPTIONS sip:x SIP/2.0\r\nCall-ID: a\r\nContent-Length: 4\r\n\r\nbody";

Address loopback(uint16_t port = 0) {
    Address a;
    EXPECT_TRUE(Address::parse("127.0.0.1", port, a));
    return a;
}

std::unique_ptr<StreamTransport> open_server(StreamOptions o = {}) {
    o.local = loopback();
    o.listen = true;
    std::string err;
    auto t = open_stream(o, &err);
    EXPECT_NE(t, nullptr) << err;
    return t;
}

int connect_raw(const Address& to) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_storage ss;
    socklen_t len = to.to_sockaddr(ss);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&ss), len), 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

void send_all(int fd, std::string_view s) {
    ASSERT_EQ(send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
}

// Reads what arrives within ms; "" and eof = true when the peer closed.
std::string read_raw(int fd, int ms, bool* eof = nullptr) {
    std::string out;
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, ms) > 0) {
        char buf[4096];
        const ssize_t r = recv(fd, buf, sizeof(buf), 0);
        if (r <= 0) {
            if (eof) *eof = true;
            break;
        }
        out.append(buf, static_cast<size_t>(r));
        ms = 50;
    }
    return out;
}

// Whatever the socket holds now, without waiting.
size_t drain_raw(int fd) {
    size_t n = 0;
    char buf[65536];
    for (ssize_t r; (r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0;) n += static_cast<size_t>(r);
    return n;
}

struct Got {
    std::vector<std::string> messages;
    std::vector<uint64_t> flows;
};

Got poll_for(StreamTransport& t, size_t want, int ms = 1000) {
    Got g;
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (g.messages.size() < want && std::chrono::steady_clock::now() < end)
        for (const RxPacket& p : t.poll(10'000)) {
            g.messages.emplace_back(p.data, p.len);
            g.flows.push_back(p.flow);
        }
    return g;
}

void reply(StreamTransport& t, uint64_t flow, std::string_view text) {
    TxPacket* p = t.alloc_tx();
    ASSERT_NE(p, nullptr);
    std::memcpy(p->data, text.data(), text.size());
    p->len = static_cast<uint32_t>(text.size());
    p->flow = flow;
    t.flush();
}

TEST(StreamTransport, TwoMessagesInOneSegment) {
    auto t = open_server();
    const int fd = connect_raw(t->local_address());
    send_all(fd, kMsg + kMsg);
    Got g = poll_for(*t, 2);
    ASSERT_EQ(g.messages.size(), 2u);
    EXPECT_EQ(g.messages[0], kMsg);
    EXPECT_EQ(g.messages[1], kMsg);
    EXPECT_EQ(g.flows[0], g.flows[1]);
    EXPECT_TRUE(g.flows[0] & kConnectionFlow);
    close(fd);
}

TEST(StreamTransport, MessageSplitByteByByte) {
    auto t = open_server();
    const int fd = connect_raw(t->local_address());
    Got g;
    for (char c : kMsg) {
        send_all(fd, std::string_view(&c, 1));
        Got part = poll_for(*t, 1, 5);
        g.messages.insert(g.messages.end(), part.messages.begin(), part.messages.end());
    }
    if (g.messages.empty()) g = poll_for(*t, 1);
    ASSERT_EQ(g.messages.size(), 1u);
    EXPECT_EQ(g.messages[0], kMsg);
    close(fd);
}

TEST(StreamTransport, AnswersOnTheArrivingConnection) {
    auto t = open_server();
    const int a = connect_raw(t->local_address());
    const int b = connect_raw(t->local_address());
    send_all(b, kMsg);
    Got g = poll_for(*t, 1);
    ASSERT_EQ(g.messages.size(), 1u);
    reply(*t, g.flows[0], "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(read_raw(b, 500), "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(read_raw(a, 50), "");
    close(a);
    close(b);
}

TEST(StreamTransport, KeepAlivePingGetsPong) {
    auto t = open_server();
    const int fd = connect_raw(t->local_address());
    send_all(fd, "\r\n\r\n");
    poll_for(*t, 1, 200);
    EXPECT_EQ(read_raw(fd, 300), "\r\n");
    EXPECT_EQ(t->stream_stats().pings_answered, 1u);
    close(fd);
}

TEST(StreamTransport, NoContentLengthClosesOnlyThatConnection) {
    auto t = open_server();
    const int bad = connect_raw(t->local_address());
    const int good = connect_raw(t->local_address());
    send_all(bad, "OPTIONS sip:x SIP/2.0\r\nCall-ID: a\r\n\r\n");
    poll_for(*t, 1, 200);
    bool eof = false;
    read_raw(bad, 500, &eof);
    EXPECT_TRUE(eof);
    EXPECT_EQ(t->stream_stats().failed[static_cast<size_t>(ConnError::kNoContentLength)], 1u);
    send_all(good, kMsg);
    Got g = poll_for(*t, 1);
    ASSERT_EQ(g.messages.size(), 1u);
    close(bad);
    close(good);
}

TEST(StreamTransport, OversizeMessageCloses) {
    StreamOptions o;
    o.max_message = 1024;
    auto t = open_server(o);
    const int fd = connect_raw(t->local_address());
    send_all(fd, "MESSAGE sip:x SIP/2.0\r\nContent-Length: 5000\r\n\r\n");
    poll_for(*t, 1, 200);
    bool eof = false;
    read_raw(fd, 500, &eof);
    EXPECT_TRUE(eof);
    EXPECT_EQ(t->stream_stats().failed[static_cast<size_t>(ConnError::kTooLarge)], 1u);
    close(fd);
}

TEST(StreamTransport, PeerCloseUnderACallIsAFault) {
    auto t = open_server();
    const int fd = connect_raw(t->local_address());
    send_all(fd, kMsg);
    Got g = poll_for(*t, 1);
    ASSERT_EQ(g.messages.size(), 1u);
    t->flow_begin(g.flows[0]);  // a call lives on it
    close(fd);
    std::span<const FlowFault> faults;
    for (int i = 0; i < 100 && faults.empty(); ++i) {
        poll_for(*t, 1, 10);
        faults = t->take_faults();
    }
    ASSERT_EQ(faults.size(), 1u);
    EXPECT_EQ(faults[0].flow, g.flows[0]);
    EXPECT_NE(std::string(faults[0].detail).find("closed by the peer"), std::string::npos)
        << faults[0].detail;
}

TEST(StreamTransport, IdleTimeoutCloses) {
    StreamOptions o;
    o.idle_timeout_ns = 200'000'000;
    auto t = open_server(o);
    const int fd = connect_raw(t->local_address());
    poll_for(*t, 1, 500);
    bool eof = false;
    read_raw(fd, 500, &eof);
    EXPECT_TRUE(eof);
    EXPECT_EQ(t->stream_stats().failed[static_cast<size_t>(ConnError::kIdleTimeout)], 1u);
    close(fd);
}

TEST(StreamTransport, MaxConnections) {
    StreamOptions o;
    o.max_connections = 1;
    auto t = open_server(o);
    const int a = connect_raw(t->local_address());
    poll_for(*t, 1, 100);
    const int b = connect_raw(t->local_address());
    poll_for(*t, 1, 100);
    bool eof = false;
    read_raw(b, 300, &eof);
    EXPECT_TRUE(eof);
    EXPECT_EQ(t->stream_stats().failed[static_cast<size_t>(ConnError::kOverLimit)], 1u);
    EXPECT_EQ(t->connections(), 1u);
    close(a);
    close(b);
}

// A client transport: one message per flow to `to`.
void send_flow(StreamTransport& t, uint64_t flow, const Address& to, std::string_view text) {
    TxPacket* p = t.alloc_tx();
    ASSERT_NE(p, nullptr);
    std::memcpy(p->data, text.data(), text.size());
    p->len = static_cast<uint32_t>(text.size());
    p->flow = flow;
    p->to = to;
    t.flush();
}

std::unique_ptr<StreamTransport> open_client(ConnectionModel model, uint32_t pool = 1) {
    StreamOptions o;
    o.local = loopback();
    o.listen = false;
    o.model = model;
    o.pool = pool;
    std::string err;
    auto t = open_stream(o, &err);
    EXPECT_NE(t, nullptr) << err;
    return t;
}

TEST(StreamTransport, SharedConnectionCarriesEveryFlow) {
    auto server = open_server();
    auto client = open_client(ConnectionModel::kShared);
    for (uint64_t flow = 1; flow <= 3; ++flow) send_flow(*client, flow, server->local_address(), kMsg);
    Got g;
    for (int i = 0; i < 100 && g.messages.size() < 3; ++i) {
        client->poll(0);
        Got part = poll_for(*server, 3, 10);
        g.messages.insert(g.messages.end(), part.messages.begin(), part.messages.end());
        g.flows.insert(g.flows.end(), part.flows.begin(), part.flows.end());
    }
    ASSERT_EQ(g.messages.size(), 3u);
    EXPECT_EQ(g.flows[0], g.flows[2]);  // one connection
    EXPECT_EQ(server->stream_stats().accepted, 1u);
    // The answer comes back on it.
    reply(*server, g.flows[0], kMsg);
    Got back = poll_for(*client, 1);
    EXPECT_EQ(back.messages.size(), 1u);
}

TEST(StreamTransport, PerCallConnectionsOpenAndClose) {
    auto server = open_server();
    auto client = open_client(ConnectionModel::kPerCall);
    for (uint64_t flow = 1; flow <= 3; ++flow) {
        client->flow_begin(flow);
        send_flow(*client, flow, server->local_address(), kMsg);
    }
    Got g;
    for (int i = 0; i < 100 && g.messages.size() < 3; ++i) {
        client->poll(0);
        Got part = poll_for(*server, 3, 10);
        g.messages.insert(g.messages.end(), part.messages.begin(), part.messages.end());
    }
    ASSERT_EQ(g.messages.size(), 3u);
    EXPECT_EQ(server->stream_stats().accepted, 3u);
    for (uint64_t flow = 1; flow <= 3; ++flow) client->flow_end(flow);
    EXPECT_EQ(client->connections(), 0u);
    EXPECT_EQ(client->stream_stats().closed, 3u);
}

TEST(StreamTransport, RefusedConnectionFailsTheFlow) {
    // A port nobody listens on: bind one and close it.
    Address dead;
    {
        auto s = open_server();
        dead = s->local_address();
    }
    auto client = open_client(ConnectionModel::kPerCall);
    client->flow_begin(7);
    send_flow(*client, 7, dead, kMsg);
    std::vector<FlowFault> faults;
    for (int i = 0; i < 100 && faults.empty(); ++i) {
        client->poll(10'000);
        for (const FlowFault& f : client->take_faults()) faults.push_back(f);
    }
    ASSERT_EQ(faults.size(), 1u);
    EXPECT_EQ(faults[0].flow, 7u);
    EXPECT_NE(std::string(faults[0].detail).find("refused"), std::string::npos) << faults[0].detail;
    EXPECT_EQ(client->stream_stats().failed[static_cast<size_t>(ConnError::kRefused)], 1u);
}

TEST(StreamTransport, SharedConnectionGivesUpAfterReconnects) {
    Address dead;
    {
        auto s = open_server();
        dead = s->local_address();
    }
    StreamOptions o;
    o.local = loopback();
    o.listen = false;
    o.reconnect = 2;
    std::string err;
    auto client = open_stream(o, &err);
    ASSERT_NE(client, nullptr);
    client->flow_begin(1);
    send_flow(*client, 1, dead, kMsg);
    // Back-off 100, 200 ms ... then every new flow fails at once.
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    bool gave_up = false;
    uint64_t flow = 2;
    while (!gave_up && std::chrono::steady_clock::now() < end) {
        client->poll(20'000);
        for (const FlowFault& f : client->take_faults())
            gave_up = gave_up || std::string(f.detail).find("gave up") != std::string::npos;
        send_flow(*client, flow++, dead, kMsg);
    }
    EXPECT_TRUE(gave_up);
    EXPECT_EQ(client->stream_stats().reconnects, 2u);
}

TEST(StreamTransport, SlowReaderGetsItsOutputQueued) {
    // 24 MB written while the peer reads nothing: more than the kernel's buffers hold, so the rest
    // waits in the connection's output and goes out as the peer reads (EPOLLOUT).
    StreamOptions o;
    o.max_output = 64u << 20;
    auto t = open_server(o);
    const int fd = connect_raw(t->local_address());
    send_all(fd, kMsg);
    Got g = poll_for(*t, 1);
    ASSERT_EQ(g.messages.size(), 1u);
    const std::string big(4000, 'x');
    const size_t count = 6000;
    for (size_t i = 0; i < count; ++i) reply(*t, g.flows[0], big);
    EXPECT_LT(t->stats().tx_bytes, count * big.size());  // some of it is still ours to send
    size_t got = 0;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (got < count * big.size() && std::chrono::steady_clock::now() < end) {
        t->poll(0);
        got += drain_raw(fd);
    }
    EXPECT_EQ(got, count * big.size());
    EXPECT_EQ(t->stream_stats().closed, 0u);
    close(fd);
}

TEST(StreamTransport, SlowReaderBeyondTheCapIsClosed) {
    StreamOptions o;
    o.max_output = 256 * 1024;
    auto t = open_server(o);
    const int fd = connect_raw(t->local_address());
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    send_all(fd, kMsg);
    Got g = poll_for(*t, 1);
    ASSERT_EQ(g.messages.size(), 1u);
    const std::string big(4000, 'x');
    for (int i = 0; i < 2000; ++i) reply(*t, g.flows[0], big);
    EXPECT_EQ(t->stream_stats().failed[static_cast<size_t>(ConnError::kSlowPeer)], 1u);
    close(fd);
}

TEST(StreamTransport, PeerThatReadsNothingIsClosedAfterTheStallTime) {
    StreamOptions o;
    o.output_stall_ns = 300'000'000;
    auto t = open_server(o);
    const int fd = connect_raw(t->local_address());
    send_all(fd, kMsg);
    Got g = poll_for(*t, 1);
    ASSERT_EQ(g.messages.size(), 1u);
    const std::string big(4000, 'x');
    for (int i = 0; i < 6000; ++i) reply(*t, g.flows[0], big);  // more than the kernel holds
    EXPECT_EQ(t->stream_stats().failed[static_cast<size_t>(ConnError::kSlowPeer)], 0u);  // not yet
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (t->stream_stats().failed[static_cast<size_t>(ConnError::kSlowPeer)] == 0 &&
           std::chrono::steady_clock::now() < end)
        t->poll(10'000);
    EXPECT_EQ(t->stream_stats().failed[static_cast<size_t>(ConnError::kSlowPeer)], 1u);
    close(fd);
}

}  // namespace
}  // namespace sipstorm::net
