// SO_RXQ_OVFL: datagrams the kernel dropped because our receive queue was full must be counted.
#include <gtest/gtest.h>

#include "net/udp_transport.hpp"
#include "udp_test_util.hpp"

namespace sipstorm::net {
namespace {

using test::loopback;
using test::open_or_fail;

TEST(UdpDrops, KernelQueueOverflowIsCounted) {
    UdpOptions opt;
    opt.local = loopback();
    opt.gso = false;
    auto tx = open_or_fail(opt);
    opt.rcvbuf = 1;  // the kernel rounds up to its minimum: a couple of datagrams
    auto rx = open_or_fail(opt);
    ASSERT_TRUE(tx && rx);
    for (uint32_t seq = 0; seq < 50; ++seq) test::send_one(*tx, rx->local_address(), seq, 1000);
    tx->flush();
    test::receive(*rx, 50, 50);
    // The count rides on the next datagram that gets in.
    test::send_one(*tx, rx->local_address(), 50, 1000);
    tx->flush();
    test::receive(*rx, 1, 200);
    EXPECT_GT(rx->stats().rx_drops_kernel, 0u);
    EXPECT_EQ(rx->stats().rx_packets + rx->stats().rx_drops_kernel, 51u);
}

}  // namespace
}  // namespace sipstorm::net
