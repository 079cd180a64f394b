#include "ua/via_received.hpp"

#include <gtest/gtest.h>

#include <string>

#include "sip/parser.hpp"

namespace sipstorm::ua {
namespace {

net::Address source(const char* text) {
    net::Address a;
    EXPECT_TRUE(net::Address::parse(text, 5060, a));
    return a;
}

std::string complete(std::string_view via, const char* from) {
    char buf[512];
    return std::string(complete_top_via(via, source(from), buf, sizeof buf));
}

TEST(ViaReceived, SameAddressWithoutRportIsLeftAlone) {
    EXPECT_EQ(complete("SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK1", "10.0.0.1:5070"),
              "SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK1");
}

TEST(ViaReceived, NameOrOtherAddressGetsReceived) {  // RFC 3261 §18.2.1
    EXPECT_EQ(complete("SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1", "192.0.2.4:5060"),
              "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1;received=192.0.2.4");
    EXPECT_EQ(complete("SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1", "192.0.2.4:5060"),
              "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1;received=192.0.2.4");
}

TEST(ViaReceived, RportIsFilledAndReceivedAlwaysAdded) {  // RFC 3581 §4
    EXPECT_EQ(complete("SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1", "10.0.0.1:40000"),
              "SIP/2.0/UDP 10.0.0.1:5060;rport=40000;branch=z9hG4bK1;received=10.0.0.1");
    EXPECT_EQ(complete("SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1;RPort", "10.0.0.1:40000"),
              "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1;RPort=40000;received=10.0.0.1");
}

TEST(ViaReceived, OnlyTheFirstViaParmChanges) {
    EXPECT_EQ(
        complete("SIP/2.0/UDP a.example;branch=z9hG4bK1 , SIP/2.0/UDP b.example;branch=z9hG4bK2",
                 "192.0.2.4:5060"),
        "SIP/2.0/UDP a.example;branch=z9hG4bK1;received=192.0.2.4 , SIP/2.0/UDP b.example;branch=z9hG4bK2");
}

TEST(ViaReceived, Ipv6SourceInBrackets) {
    EXPECT_EQ(complete("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1", "[2001:db8::1]:5060"),
              "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1");
    EXPECT_EQ(complete("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1", "[2001:db8::2]:5060"),
              "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;received=2001:db8::2");
}

TEST(ViaReceived, TooSmallABufferKeepsTheValue) {
    char buf[8];
    std::string_view v = "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1";
    EXPECT_EQ(complete_top_via(v, source("192.0.2.4:5060"), buf, sizeof buf), v);
}

TEST(ViaReceived, ResponseGoesToTheSentByPortWithoutRport) {  // RFC 3261 §18.2.2
    const std::string req =
        "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK1\r\nCall-ID: x\r\n"
        "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    sip::MessageView m;
    ASSERT_TRUE(sip::parse(req, m).ok());
    EXPECT_EQ(response_destination(m, source("10.0.0.1:40000")).port, 5070);
    const std::string with_rport =
        "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5070;rport;branch=z9hG4bK1\r\nCall-ID: x\r\n"
        "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    ASSERT_TRUE(sip::parse(with_rport, m).ok());
    EXPECT_EQ(response_destination(m, source("10.0.0.1:40000")).port, 40000);
}

}  // namespace
}  // namespace sipstorm::ua
