#include "net/address.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace sipstorm::net {
namespace {

TEST(Address, ParsesIpv4WithPort) {
    Address a;
    ASSERT_TRUE(Address::parse("192.0.2.7:5080", 5060, a));
    EXPECT_EQ(a.family, AF_INET);
    EXPECT_EQ(a.port, 5080);
    EXPECT_EQ(a.ip_string(), "192.0.2.7");
    EXPECT_EQ(a.to_string(), "192.0.2.7:5080");
}

TEST(Address, DefaultPortWhenAbsent) {
    Address a;
    ASSERT_TRUE(Address::parse("10.1.2.3", 5060, a));
    EXPECT_EQ(a.port, 5060);
    ASSERT_TRUE(Address::parse("[::1]", 5061, a));
    EXPECT_EQ(a.family, AF_INET6);
    EXPECT_EQ(a.port, 5061);
    ASSERT_TRUE(Address::parse("fe80::1:2", 7, a));
    EXPECT_EQ(a.family, AF_INET6);
    EXPECT_EQ(a.port, 7);
    EXPECT_EQ(a.ip_string(), "fe80::1:2");
}

TEST(Address, ParsesBracketedIpv6) {
    Address a;
    ASSERT_TRUE(Address::parse("[::1]:5060", 0, a));
    EXPECT_EQ(a.family, AF_INET6);
    EXPECT_EQ(a.port, 5060);
    EXPECT_EQ(a.ip[15], 1);
    EXPECT_EQ(a.to_string(), "[::1]:5060");
}

TEST(Address, Localhost) {
    Address a;
    ASSERT_TRUE(Address::parse("localhost", 5060, a));
    EXPECT_EQ(a.to_string(), "127.0.0.1:5060");
    ASSERT_TRUE(Address::parse("localhost:0", 5060, a));
    EXPECT_EQ(a.to_string(), "127.0.0.1:0");
}

TEST(Address, RejectsMalformed) {
    Address a;
    a.port = 42;
    for (const char* bad : {"", ":5060", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3.4:50a", "1.2.3",
                            "example.com:5060", "[::1", "[::1]5060", "[::1]:", "[1.2.3.4]:5", "256.1.1.1",
                            "1.2.3.4:123456", "[::1]:5060x", "::g"}) {
        EXPECT_FALSE(Address::parse(bad, 5060, a)) << bad;
    }
    EXPECT_EQ(a.port, 42) << "a failed parse leaves the output alone";
}

TEST(Address, SockaddrRoundTrip) {
    for (const char* text : {"127.0.0.1:5060", "[::1]:65535", "[2001:db8::5]:1"}) {
        Address a;
        ASSERT_TRUE(Address::parse(text, 0, a));
        sockaddr_storage ss;
        const socklen_t len = a.to_sockaddr(ss);
        EXPECT_EQ(len, a.family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
        const Address b = Address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss));
        EXPECT_EQ(a, b) << text;
        EXPECT_EQ(b.to_string(), text);
    }
    sockaddr_in sin = {};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(5060);
    sin.sin_addr.s_addr = htonl(0x7f000001);
    EXPECT_EQ(Address::from_sockaddr(reinterpret_cast<sockaddr*>(&sin)).to_string(), "127.0.0.1:5060");
}

TEST(Address, UnsetHasNoSockaddr) {
    Address a;
    sockaddr_storage ss;
    EXPECT_EQ(a.to_sockaddr(ss), 0u);
    EXPECT_EQ(a.to_string(), "");
    EXPECT_EQ(Address::from_sockaddr(nullptr).family, 0);
}

}  // namespace
}  // namespace sipstorm::net
