// SO_REUSEPORT: shards bind one port and the kernel spreads peers over them by 4-tuple hash.
#include <gtest/gtest.h>

#include "net/udp_transport.hpp"
#include "udp_test_util.hpp"

namespace sipstorm::net {
namespace {

using test::loopback;
using test::open_or_fail;

TEST(UdpReuseport, TwoSocketsOnOnePortBothReceive) {
    UdpOptions opt;
    opt.local = loopback();
    opt.reuseport = true;
    auto shard0 = open_or_fail(opt);
    ASSERT_NE(shard0, nullptr);
    opt.local = shard0->local_address();
    auto shard1 = open_or_fail(opt);
    ASSERT_NE(shard1, nullptr);
    EXPECT_EQ(shard1->local_address(), shard0->local_address());

    // 64 source ports: the chance that the hash puts them all on one shard is 2^-63.
    constexpr uint32_t kPeers = 64, kEach = 5;
    UdpOptions peer_opt;
    peer_opt.local = loopback();
    for (uint32_t p = 0; p < kPeers; ++p) {
        auto peer = open_or_fail(peer_opt);
        ASSERT_NE(peer, nullptr);
        for (uint32_t i = 0; i < kEach; ++i) test::send_one(*peer, shard0->local_address(), i, 64);
        peer->flush();
    }
    size_t got0 = 0, got1 = 0;
    for (int quiet = 0; quiet < 20 && got0 + got1 < kPeers * kEach;) {
        const size_t n0 = shard0->poll(0).size(), n1 = shard1->poll(5000).size();
        got0 += n0;
        got1 += n1;
        quiet = n0 + n1 == 0 ? quiet + 1 : 0;
    }
    EXPECT_EQ(got0 + got1, kPeers * kEach);
    EXPECT_GT(got0, 0u);
    EXPECT_GT(got1, 0u);
}

TEST(UdpReuseport, WithoutItTheSecondBindFails) {
    UdpOptions opt;
    opt.local = loopback();
    auto a = open_or_fail(opt);
    ASSERT_NE(a, nullptr);
    opt.local = a->local_address();
    std::string error;
    EXPECT_EQ(open_udp(opt, &error), nullptr);
    EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace sipstorm::net
