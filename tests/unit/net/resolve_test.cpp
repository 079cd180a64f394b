#include "net/resolve.hpp"

#include <gtest/gtest.h>

namespace sipstorm::net {
namespace {

Address ok(std::string_view text, FamilyPreference prefer = FamilyPreference::kIPv4) {
    Address a;
    std::string error;
    EXPECT_TRUE(resolve(text, 5060, prefer, a, error)) << text << ": " << error;
    return a;
}

std::string err(std::string_view text) {
    Address a;
    std::string error;
    EXPECT_FALSE(resolve(text, 5060, FamilyPreference::kIPv4, a, error)) << text;
    return error;
}

TEST(Resolve, NumericAddressesNeedNoLookUp) {
    EXPECT_EQ(ok("192.0.2.7:5080").to_string(), "192.0.2.7:5080");
    EXPECT_EQ(ok("192.0.2.7").port, 5060);
    EXPECT_EQ(ok("[2001:db8::1]:5070", FamilyPreference::kIPv4).to_string(), "[2001:db8::1]:5070");
    EXPECT_EQ(ok("2001:db8::1").port, 5060);
}

TEST(Resolve, LocalhostNamesAreLoopbackWithoutALookUp) {
    // RFC 6761 §6.3: no hosts file or DNS needed.
    EXPECT_EQ(ok("localhost:5070").to_string(), "127.0.0.1:5070");
    EXPECT_EQ(ok("LocalHost").to_string(), "127.0.0.1:5060");
    EXPECT_EQ(ok("pbx.localhost:5080").to_string(), "127.0.0.1:5080");
    EXPECT_EQ(ok("localhost:5070", FamilyPreference::kIPv6).to_string(), "[::1]:5070");
}

TEST(Resolve, NamesGoThroughTheHostsFile) {
    // "localhost." (the absolute form) is not short-circuited, so this exercises getaddrinfo; every
    // Debian hosts file maps localhost to 127.0.0.1.
    EXPECT_EQ(ok("localhost.:5071").to_string(), "127.0.0.1:5071");
}

TEST(Resolve, ClearErrors) {
    EXPECT_EQ(err("localhost:99999"), "bad port '99999' in 'localhost:99999'");
    EXPECT_EQ(err("localhost:"), "bad port '' in 'localhost:'");
    EXPECT_EQ(err(":5060"), "no host in ':5060'");
    EXPECT_EQ(err("[::1"), "'[::1' is not a valid IPv6 address or [IPv6]:PORT");
    // .invalid never resolves (RFC 6761 §6.4).
    EXPECT_EQ(err("nosuch.invalid:5060").rfind("cannot resolve 'nosuch.invalid': ", 0), 0u);
}

}  // namespace
}  // namespace sipstorm::net
