// UDP GSO on send and GRO on receive: both must be invisible to the layers above, datagram for datagram.
#include <gtest/gtest.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/udp_transport.hpp"
#include "udp_test_util.hpp"

namespace sipstorm::net {
namespace {

using test::loopback;
using test::open_or_fail;

std::unique_ptr<UdpTransport> open_with(bool gso, bool gro, uint32_t batch = 64,
                                        const char* local = "127.0.0.1:0") {
    UdpOptions opt;
    opt.local = loopback(local);
    opt.gso = gso;
    opt.gro = gro;
    opt.batch = batch;
    return open_or_fail(opt);
}

void expect_sequence(const test::Received& r, uint32_t count, uint32_t len) {
    ASSERT_EQ(r.payloads.size(), count);
    for (uint32_t seq = 0; seq < count; ++seq) {
        ASSERT_EQ(r.payloads[seq].size(), len) << seq;
        uint32_t got;
        std::memcpy(&got, r.payloads[seq].data(), 4);
        EXPECT_EQ(got, seq);
    }
}

TEST(UdpGso, EqualDatagramsLeaveAsSuperDatagramsAndArriveOneByOne) {
    auto tx = open_with(true, false, 256);
    auto rx = open_with(false, false, 256);
    ASSERT_TRUE(tx && rx);
    if (!tx->gso_enabled()) GTEST_SKIP() << "kernel without UDP_SEGMENT";
    constexpr uint32_t kCount = 200;
    for (uint32_t seq = 0; seq < kCount; ++seq) test::send_one(*tx, rx->local_address(), seq, 500);
    tx->flush();
    // 200 = 64 + 64 + 64 + 8 segments, all in one sendmmsg.
    EXPECT_EQ(tx->udp_counters().gso_sends, 4u);
    EXPECT_EQ(tx->udp_counters().gso_segments, kCount);
    EXPECT_EQ(tx->stats().tx_packets, kCount);
    EXPECT_EQ(tx->stats().tx_bytes, kCount * 500u);
    EXPECT_EQ(tx->stats().tx_syscalls, 1u);
    expect_sequence(test::receive(*rx, kCount), kCount, 500);
    EXPECT_EQ(rx->stats().rx_bytes, kCount * 500u);
}

TEST(UdpGso, WorksOverIpv6) {
    UdpOptions probe;
    probe.local = loopback("[::1]:0");
    if (open_udp(probe, nullptr) == nullptr) GTEST_SKIP() << "no IPv6 loopback";
    auto tx = open_with(true, false, 64, "[::1]:0");
    auto rx = open_with(false, true, 64, "[::1]:0");
    ASSERT_TRUE(tx && rx);
    if (!tx->gso_enabled()) GTEST_SKIP() << "kernel without UDP_SEGMENT";
    for (uint32_t seq = 0; seq < 64; ++seq) test::send_one(*tx, rx->local_address(), seq, 1000);
    tx->flush();
    EXPECT_EQ(tx->udp_counters().gso_sends, 1u);
    expect_sequence(test::receive(*rx, 64), 64, 1000);
}

TEST(UdpGso, RunsBreakOnPeerAndLengthAndKeepOrder) {
    auto tx = open_with(true, false);
    auto rx1 = open_with(false, false);
    auto rx2 = open_with(false, false);
    ASSERT_TRUE(tx && rx1 && rx2);
    if (!tx->gso_enabled()) GTEST_SKIP() << "kernel without UDP_SEGMENT";
    // rx1: 5 x 300 then a shorter tail of 100 (one run); rx2: 3 x 300; rx1: 2 x 700 (a new run).
    uint32_t seq = 0;
    for (int i = 0; i < 5; ++i) test::send_one(*tx, rx1->local_address(), seq++, 300);
    test::send_one(*tx, rx1->local_address(), seq++, 100);
    for (uint32_t i = 0; i < 3; ++i) test::send_one(*tx, rx2->local_address(), i, 300);
    for (int i = 0; i < 2; ++i) test::send_one(*tx, rx1->local_address(), seq++, 700);
    tx->flush();
    EXPECT_EQ(tx->udp_counters().gso_sends, 3u);
    EXPECT_EQ(tx->udp_counters().gso_segments, 11u);
    const test::Received r1 = test::receive(*rx1, 8);
    ASSERT_EQ(r1.payloads.size(), 8u);
    const uint32_t want[] = {300, 300, 300, 300, 300, 100, 700, 700};
    for (uint32_t i = 0; i < 8; ++i) {
        EXPECT_EQ(r1.payloads[i].size(), want[i]);
        uint32_t got;
        std::memcpy(&got, r1.payloads[i].data(), 4);
        EXPECT_EQ(got, i);
    }
    expect_sequence(test::receive(*rx2, 3), 3, 300);
}

TEST(UdpGso, RefusedSuperDatagramIsResentUnsegmented) {
    auto tx = open_with(true, false);
    auto rx = open_with(false, false);
    ASSERT_TRUE(tx && rx);
    if (!tx->gso_enabled()) GTEST_SKIP() << "kernel without UDP_SEGMENT";
    // Without UDP checksums the kernel refuses segmentation with EINVAL, as it does for a segment
    // size the path MTU cannot carry: the datagrams must still go out, one by one.
    int one = 1;
    ASSERT_EQ(setsockopt(tx->fd(), SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)), 0);
    for (uint32_t seq = 0; seq < 40; ++seq) test::send_one(*tx, rx->local_address(), seq, 500);
    tx->flush();
    EXPECT_EQ(tx->udp_counters().gso_fallbacks, 1u);
    EXPECT_EQ(tx->udp_counters().gso_sends, 0u);
    EXPECT_EQ(tx->stats().tx_errors, 0u);
    expect_sequence(test::receive(*rx, 40), 40, 500);
    // That size is now known not to pass; it is not tried again.
    for (uint32_t seq = 0; seq < 10; ++seq) test::send_one(*tx, rx->local_address(), seq, 500);
    tx->flush();
    EXPECT_EQ(tx->udp_counters().gso_fallbacks, 1u);
    expect_sequence(test::receive(*rx, 10), 10, 500);
}

TEST(UdpGso, DisabledMeansOneDatagramPerMessage) {
    auto tx = open_with(false, false);
    auto rx = open_with(false, false);
    ASSERT_TRUE(tx && rx);
    EXPECT_FALSE(tx->gso_enabled());
    for (uint32_t seq = 0; seq < 50; ++seq) test::send_one(*tx, rx->local_address(), seq, 500);
    tx->flush();
    EXPECT_EQ(tx->udp_counters().gso_sends, 0u);
    expect_sequence(test::receive(*rx, 50), 50, 500);
}

TEST(UdpGro, CoalescedBuffersAreSplitIntoDatagrams) {
    auto tx = open_with(true, false, 256);
    auto rx = open_with(false, true, 4);
    ASSERT_TRUE(tx && rx);
    if (!tx->gso_enabled() || !rx->gro_enabled()) GTEST_SKIP() << "kernel without UDP GSO/GRO";
    // 64 x 500 + a 123-byte tail per super-datagram, four of them: the receive side must hand out
    // every datagram with its own length, even though a 4-buffer ring holds 260 of them.
    constexpr uint32_t kRuns = 4;
    uint32_t seq = 0;
    for (uint32_t run = 0; run < kRuns; ++run) {
        for (int i = 0; i < 63; ++i) test::send_one(*tx, rx->local_address(), seq++, 500);
        test::send_one(*tx, rx->local_address(), seq++, 123);
    }
    tx->flush();
    EXPECT_EQ(tx->udp_counters().gso_sends, kRuns);
    const test::Received r = test::receive(*rx, seq);
    ASSERT_EQ(r.payloads.size(), seq);
    for (uint32_t i = 0; i < seq; ++i) {
        EXPECT_EQ(r.payloads[i].size(), i % 64 == 63 ? 123u : 500u) << i;
        uint32_t got;
        std::memcpy(&got, r.payloads[i].data(), 4);
        EXPECT_EQ(got, i);
        EXPECT_EQ(r.from[i], tx->local_address());
    }
    EXPECT_GE(rx->udp_counters().gro_buffers, 1u);
    EXPECT_EQ(rx->stats().rx_packets, seq);
    EXPECT_EQ(rx->stats().rx_bytes, kRuns * (63 * 500u + 123));
}

TEST(UdpGro, SplitsAcrossPollsWhenOutputIsFull) {
    auto tx = open_with(true, false, 256);
    auto rx = open_with(false, true, 1);  // room for 64 RxPackets per poll
    ASSERT_TRUE(tx && rx);
    if (!tx->gso_enabled() || !rx->gro_enabled()) GTEST_SKIP() << "kernel without UDP GSO/GRO";
    // A peer's kernel may coalesce more segments than our own sender ever would.
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(fd, 0);
    int seg = 100;
    if (setsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)) != 0) GTEST_SKIP();
    std::vector<char> buf(100 * 100);
    for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i / 100);
    sockaddr_storage ss;
    const socklen_t len = rx->local_address().to_sockaddr(ss);
    const ssize_t sent = sendto(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&ss), len);
    close(fd);
    if (sent < 0) GTEST_SKIP() << "kernel limits segments per send below 100";
    std::vector<std::string> got;
    for (const RxPacket& p : rx->poll(1'000'000)) got.emplace_back(p.data, p.len);
    EXPECT_EQ(got.size(), 64u);
    EXPECT_TRUE(rx->rx_pending()) << "the rest of the buffer waits for the next poll";
    for (const std::string& p : test::receive(*rx, 100 - got.size()).payloads) got.push_back(p);
    EXPECT_FALSE(rx->rx_pending());
    ASSERT_EQ(got.size(), 100u);
    for (uint32_t i = 0; i < 100; ++i) {
        ASSERT_EQ(got[i].size(), 100u);
        EXPECT_EQ(got[i][0], static_cast<char>(i));
    }
}

}  // namespace
}  // namespace sipstorm::net
