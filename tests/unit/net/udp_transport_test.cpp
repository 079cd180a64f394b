#include "net/udp_transport.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "udp_test_util.hpp"

namespace sipstorm::net {
namespace {

using test::loopback;
using test::open_or_fail;

uint32_t length_of(uint32_t seq) {
    return 4 + (seq * 37) % 1400;
}

void exchange(UdpTransport& from, UdpTransport& to, uint32_t count) {
    uint64_t bytes = 0;
    for (uint32_t seq = 0; seq < count; ++seq) {
        test::send_one(from, to.local_address(), seq, length_of(seq));
        bytes += length_of(seq);
    }
    from.flush();
    EXPECT_EQ(from.tx_pending(), 0u);
    const test::Received r = test::receive(to, count);
    ASSERT_EQ(r.payloads.size(), count);
    EXPECT_EQ(r.bytes, bytes);
    for (uint32_t seq = 0; seq < count; ++seq) {
        ASSERT_EQ(r.payloads[seq].size(), length_of(seq));
        uint32_t got;
        std::memcpy(&got, r.payloads[seq].data(), 4);
        EXPECT_EQ(got, seq);
        EXPECT_EQ(r.from[seq], from.local_address());
    }
}

TEST(UdpTransport, BindsEphemeralPort) {
    UdpOptions opt;
    opt.local = loopback();
    auto t = open_or_fail(opt);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->local_address().ip_string(), "127.0.0.1");
    EXPECT_NE(t->local_address().port, 0);
}

// The runner sleeps on wait_fd() when idle; without one (the Transport default, -1) it must spin.
TEST(UdpTransport, OffersItsSocketToWaitOn) {
    UdpOptions opt;
    opt.local = loopback();
    auto t = open_or_fail(opt);
    ASSERT_NE(t, nullptr);
    const Transport& base = *t;
    EXPECT_GE(base.wait_fd(), 0);
    EXPECT_EQ(base.wait_fd(), t->fd());
}

TEST(UdpTransport, TwoTransportsExchangeBatches) {
    UdpOptions opt;
    opt.local = loopback();
    auto a = open_or_fail(opt);
    auto b = open_or_fail(opt);
    ASSERT_TRUE(a && b);
    exchange(*a, *b, 300);
    exchange(*b, *a, 300);
    EXPECT_EQ(a->stats().tx_packets, 300u);
    EXPECT_EQ(b->stats().rx_packets, 300u);
    EXPECT_EQ(a->stats().tx_bytes, b->stats().rx_bytes);
    EXPECT_EQ(b->stats().tx_bytes, a->stats().rx_bytes);
    EXPECT_EQ(a->stats().tx_errors + b->stats().rx_errors + b->stats().rx_drops_kernel, 0u);
    // 300 datagrams in batches of 64: a handful of syscalls, not 300.
    EXPECT_LE(a->stats().tx_syscalls, 10u);
}

TEST(UdpTransport, Ipv6Loopback) {
    UdpOptions opt;
    opt.local = loopback("[::1]:0");
    std::string error;
    auto a = open_udp(opt, &error);
    if (a == nullptr) GTEST_SKIP() << "no IPv6 loopback: " << error;
    auto b = open_or_fail(opt);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(a->local_address().family, AF_INET6);
    exchange(*a, *b, 100);
    exchange(*b, *a, 100);
}

TEST(UdpTransport, BindConflictIsAClearError) {
    UdpOptions opt;
    opt.local = loopback();
    auto a = open_or_fail(opt);
    ASSERT_NE(a, nullptr);
    opt.local = a->local_address();
    std::string error;
    EXPECT_EQ(open_udp(opt, &error), nullptr);
    EXPECT_NE(error.find("bind 127.0.0.1:"), std::string::npos) << error;
    EXPECT_NE(error.find("in use"), std::string::npos) << error;
}

TEST(UdpTransport, RejectsBadOptions) {
    UdpOptions opt;
    std::string error;
    EXPECT_EQ(open_udp(opt, &error), nullptr) << "no local address";
    EXPECT_FALSE(error.empty());
    opt.local = loopback();
    opt.batch = 0;
    EXPECT_EQ(open_udp(opt, &error), nullptr);
    opt.batch = 64;
    opt.loss_percent = 101;
    EXPECT_EQ(open_udp(opt, &error), nullptr);
}

TEST(UdpTransport, ZeroTimeoutNeverBlocks) {
    UdpOptions opt;
    opt.local = loopback();
    auto t = open_or_fail(opt);
    ASSERT_NE(t, nullptr);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(t->poll(0).empty());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST(UdpTransport, TimeoutWaitsRoughlyThatLong) {
    for (bool busy : {false, true}) {
        UdpOptions opt;
        opt.local = loopback();
        opt.busy_poll = busy;
        auto t = open_or_fail(opt);
        ASSERT_NE(t, nullptr);
        const auto start = std::chrono::steady_clock::now();
        EXPECT_TRUE(t->poll(20'000).empty());
        const auto waited = std::chrono::steady_clock::now() - start;
        EXPECT_GE(waited, std::chrono::milliseconds(19)) << "busy=" << busy;
        EXPECT_LT(waited, std::chrono::milliseconds(500)) << "busy=" << busy;
    }
}

TEST(UdpTransport, BusyPollReceives) {
    UdpOptions opt;
    opt.local = loopback();
    opt.busy_poll = true;
    auto a = open_or_fail(opt);
    auto b = open_or_fail(opt);
    ASSERT_TRUE(a && b);
    exchange(*a, *b, 150);
}

TEST(UdpTransport, TxSlotsRunOutUntilFlush) {
    UdpOptions opt;
    opt.local = loopback();
    opt.batch = 8;
    auto t = open_or_fail(opt);
    ASSERT_NE(t, nullptr);
    for (int i = 0; i < 8; ++i) {
        TxPacket* p = t->alloc_tx();
        ASSERT_NE(p, nullptr);
        p->len = 1;
        p->to = t->local_address();
    }
    EXPECT_EQ(t->alloc_tx(), nullptr);
    t->flush();
    EXPECT_NE(t->alloc_tx(), nullptr);
}

TEST(UdpTransport, InvalidDatagramsCountAsErrorsAndDoNotBlockOthers) {
    UdpOptions opt;
    opt.local = loopback();
    auto a = open_or_fail(opt);
    auto b = open_or_fail(opt);
    ASSERT_TRUE(a && b);
    TxPacket* p = a->alloc_tx();
    p->len = 10;  // no destination
    p = a->alloc_tx();
    p->len = kMaxDatagram + 1;
    p->to = b->local_address();
    test::send_one(*a, b->local_address(), 7, 100);
    a->flush();
    EXPECT_EQ(a->stats().tx_errors, 2u);
    EXPECT_EQ(test::receive(*b, 1).payloads.size(), 1u);
}

TEST(UdpTransport, UnreachablePeerDoesNotStopTheLoop) {
    UdpOptions opt;
    opt.local = loopback();
    auto a = open_or_fail(opt);
    auto b = open_or_fail(opt);
    ASSERT_TRUE(a && b);
    Address closed;
    {
        auto gone = open_or_fail(opt);
        ASSERT_NE(gone, nullptr);
        closed = gone->local_address();
    }
    // The closed port answers with ICMP port unreachable; traffic to a live peer must go on.
    for (int round = 0; round < 3; ++round) {
        for (uint32_t i = 0; i < 20; ++i) test::send_one(*a, closed, i, 50);
        a->flush();
        a->poll(1000);
        exchange(*a, *b, 20);
    }
}

TEST(UdpTransport, KernelRefusalDropsOnlyTheFailingDatagram) {
    UdpOptions opt;
    opt.local = loopback("[::1]:0");
    auto a = open_udp(opt, nullptr);
    if (a == nullptr) GTEST_SKIP() << "no IPv6 loopback";
    auto b = open_or_fail(opt);
    ASSERT_NE(b, nullptr);
    // An IPV6_V6ONLY socket cannot reach an IPv4 peer: the kernel says ENETUNREACH for that one only.
    test::send_one(*a, loopback("127.0.0.1:9"), 0, 100);
    test::send_one(*a, b->local_address(), 1, 100);
    test::send_one(*a, loopback("127.0.0.1:9"), 2, 100);
    test::send_one(*a, b->local_address(), 3, 100);
    a->flush();
    EXPECT_EQ(a->stats().tx_errors, 2u);
    EXPECT_EQ(a->stats().tx_packets, 2u);
    EXPECT_EQ(a->tx_pending(), 0u);
    EXPECT_EQ(test::receive(*b, 2).payloads.size(), 2u);
}

TEST(UdpTransport, OversizedDatagramIsDroppedNotTruncated) {
    UdpOptions opt;
    opt.local = loopback();
    opt.gro = false;
    auto rx = open_or_fail(opt);
    ASSERT_NE(rx, nullptr);
    // A raw socket can send what the transport never would: more than kMaxDatagram bytes.
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(fd, 0);
    std::vector<char> big(kMaxDatagram + 100, 'x');
    sockaddr_storage ss;
    const socklen_t len = rx->local_address().to_sockaddr(ss);
    ASSERT_EQ(sendto(fd, big.data(), big.size(), 0, reinterpret_cast<sockaddr*>(&ss), len),
              static_cast<ssize_t>(big.size()));
    ASSERT_EQ(sendto(fd, big.data(), 10, 0, reinterpret_cast<sockaddr*>(&ss), len), 10);
    close(fd);
    const test::Received r = test::receive(*rx, 1);
    ASSERT_EQ(r.payloads.size(), 1u);
    EXPECT_EQ(r.payloads[0].size(), 10u);
    EXPECT_EQ(rx->stats().rx_errors, 1u);
}

}  // namespace
}  // namespace sipstorm::net
