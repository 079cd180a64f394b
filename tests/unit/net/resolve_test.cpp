#include "net/resolve.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

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

// A name of the machine's hosts file (other than localhost, which needs no look-up) resolves to its
// address through getaddrinfo.
TEST(Resolve, NamesGoThroughTheHostsFile) {
    std::ifstream hosts("/etc/hosts");
    std::string line, ip, name;
    while (std::getline(hosts, line)) {
        std::istringstream words(line.substr(0, line.find('#')));
        std::string addr, n;
        words >> addr;
        if (addr.find('.') == std::string::npos) continue;  // IPv4 entries only
        while (words >> n)
            if (n.find("localhost") == std::string::npos && n.find('.') == std::string::npos) {
                ip = addr, name = n;
                break;
            }
        if (!name.empty()) break;
    }
    if (name.empty()) GTEST_SKIP() << "/etc/hosts names no host but localhost";
    EXPECT_EQ(ok(name + ":5071").to_string(), ip + ":5071") << name;
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
