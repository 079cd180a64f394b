#include "ua/stack_warnings.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sipstorm::ua {
namespace {

std::vector<StackCount> counts(uint64_t rx_udp, uint64_t bad_checksum) {
    return {{"rx_packets", rx_udp + bad_checksum + 5, false},
            {"rx_udp", rx_udp, false},
            {"not_our_ip", 3, true},
            {"bad_udp_checksum", bad_checksum, true}};
}

TEST(StackWarnings, NoneOnTheKernelEngineOrACleanRun) {
    EXPECT_TRUE(stack_warnings({}, "").empty());
    EXPECT_TRUE(stack_warnings(counts(1000, 0), "").empty());
}

TEST(StackWarnings, AFewBadChecksumsAreNotAPattern) {
    EXPECT_TRUE(stack_warnings(counts(0, kChecksumMinBad - 1), "").empty());  // too few to tell
    EXPECT_TRUE(stack_warnings(counts(1000, 400), "").empty());               // a minority
    EXPECT_TRUE(stack_warnings(counts(50, 50), "").empty());                  // half is not most
}

TEST(StackWarnings, MostDatagramsWithBadChecksumsPointToTxOffload) {
    auto w = stack_warnings(counts(4, 180), "-l 0 --no-huge --vdev=net_ring0");
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].reason, "udp_checksum_offload");
    EXPECT_NE(w[0].message.find("180 of 184 UDP datagrams received (98%) failed the UDP checksum"),
              std::string::npos)
        << w[0].message;
    EXPECT_NE(w[0].message.find("TX checksum offload"), std::string::npos);
    EXPECT_NE(w[0].message.find("ethtool -K IFACE tx off"), std::string::npos);
    EXPECT_EQ(w[0].message.find("veth peer"), std::string::npos);  // no interface known
    EXPECT_EQ(stack_warnings(counts(0, kChecksumMinBad), "").size(), 1u);
}

TEST(StackWarnings, NamesTheAfPacketInterface) {
    auto w = stack_warnings(counts(0, 20), "--no-pci --vdev=net_af_packet0,iface=sscXa,qpairs=2 -m 1024");
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(
        w[0].message.find("ethtool -K IFACE tx off (IFACE: the other end of sscXa, e.g. its veth peer)"),
        std::string::npos)
        << w[0].message;
    w = stack_warnings(counts(0, 20), "--vdev 'net_af_packet0,iface=eth1'");
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].message.find("the other end of eth1,"), std::string::npos) << w[0].message;
}

}  // namespace
}  // namespace sipstorm::ua
