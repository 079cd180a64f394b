// The Contact checks the registrar suite uses: a header parameter as an integer range, a value count,
// the values' URIs as a set without parameters.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "conform/checks.hpp"
#include "sip/parser.hpp"

namespace sipstorm::conform {
namespace {

const std::string kOk =
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\n"
    "To: <sip:a@h>;tag=2\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n"
    "Contact: <sip:A@127.0.0.1:5000;transport=udp>;expires=120;q=0.5, <sip:b@127.0.0.1:5001>;Expires=60\r\n"
    "Content-Length: 0\r\n\r\n";

HeaderCheck check(HeaderCheck::Op op, std::string value = {}, int64_t lo = 0, int64_t hi = 0,
                  std::string param = {}) {
    HeaderCheck c;
    c.name = "Contact";
    c.op = op;
    c.value = std::move(value);
    c.lo = lo;
    c.hi = hi;
    c.param = std::move(param);
    return c;
}

TEST(ContactChecks, ParamRangeCountAndUriSet) {
    auto m = std::make_unique<sip::MessageView>();
    ASSERT_TRUE(sip::parse(kOk, *m).ok());
    using Op = HeaderCheck::Op;
    EXPECT_EQ(check_header(check(Op::kParamRange, {}, 1, 120, "expires"), *m), "");
    EXPECT_NE(check_header(check(Op::kParamRange, {}, 61, 120, "expires"), *m), "");
    EXPECT_NE(check_header(check(Op::kParamRange, {}, 0, 9, "q"), *m), "");  // the second has no q
    EXPECT_EQ(check_header(check(Op::kCount, {}, 2, 2), *m), "");
    EXPECT_NE(check_header(check(Op::kCount, {}, 1, 1), *m), "");
    EXPECT_EQ(
        check_header(check(Op::kUriSet, "sip:b@127.0.0.1:5001, <sip:a@127.0.0.1:5000;transport=udp>"), *m),
        "");
    EXPECT_NE(check_header(check(Op::kUriSet, "<sip:a@127.0.0.1:5000;transport=udp>"), *m), "");
}

}  // namespace
}  // namespace sipstorm::conform
