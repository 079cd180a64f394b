#include "sip/scalars.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sipstorm::sip {
namespace {

TEST(Scalars, CSeq) {
    CSeq c;
    ASSERT_EQ(parse_cseq("4711 INVITE", c), FieldError::kOk);
    EXPECT_EQ(c.number, 4711u);
    EXPECT_EQ(c.method, Method::kInvite);
    EXPECT_EQ(c.method_text, "INVITE");
    // wsinv: leading zeros and a folded line between number and method
    ASSERT_EQ(parse_cseq("0009\r\n  INVITE", c), FieldError::kOk);
    EXPECT_EQ(c.number, 9u);
    ASSERT_EQ(parse_cseq("1 NEWMETHOD", c), FieldError::kOk);
    EXPECT_EQ(c.method, Method::kUnknown);
    EXPECT_EQ(c.method_text, "NEWMETHOD");
    ASSERT_EQ(parse_cseq("2147483647 ACK", c), FieldError::kOk);  // 2^31-1 is the limit
    EXPECT_EQ(c.number, kMaxCSeq);
    ASSERT_EQ(parse_cseq("0 BYE", c), FieldError::kOk);
}

TEST(Scalars, CSeqErrors) {
    CSeq c;
    EXPECT_EQ(parse_cseq("2147483648 INVITE", c), FieldError::kOverflow);
    EXPECT_EQ(parse_cseq("36893488147419103232 REGISTER", c), FieldError::kOverflow);   // scalar02
    EXPECT_EQ(parse_cseq("9292394834772304023312 OPTIONS", c), FieldError::kOverflow);  // scalarlg
    EXPECT_EQ(parse_cseq("-1 INVITE", c), FieldError::kSyntax);
    EXPECT_EQ(parse_cseq("INVITE", c), FieldError::kSyntax);
    EXPECT_EQ(parse_cseq("1INVITE", c), FieldError::kSyntax);
    EXPECT_EQ(parse_cseq("1", c), FieldError::kEmpty);
    EXPECT_EQ(parse_cseq("1 INVITE x", c), FieldError::kSyntax);
    EXPECT_EQ(parse_cseq("1 INV@TE", c), FieldError::kSyntax);
    EXPECT_EQ(parse_cseq("", c), FieldError::kEmpty);
    EXPECT_EQ(parse_cseq(" \t ", c), FieldError::kEmpty);
}

TEST(Scalars, MaxForwards) {
    uint8_t mf = 0;
    EXPECT_EQ(parse_max_forwards("70", mf), FieldError::kOk);
    EXPECT_EQ(mf, 70);
    EXPECT_EQ(parse_max_forwards("0068", mf), FieldError::kOk);  // wsinv
    EXPECT_EQ(mf, 68);
    EXPECT_EQ(parse_max_forwards("0", mf), FieldError::kOk);  // zeromf
    EXPECT_EQ(parse_max_forwards("255", mf), FieldError::kOk);
    EXPECT_EQ(parse_max_forwards("256", mf), FieldError::kOverflow);
    EXPECT_EQ(parse_max_forwards("300", mf), FieldError::kOverflow);  // scalar02
    EXPECT_EQ(parse_max_forwards("-1", mf), FieldError::kSyntax);
    EXPECT_EQ(parse_max_forwards("7 0", mf), FieldError::kSyntax);
    EXPECT_EQ(parse_max_forwards("", mf), FieldError::kEmpty);
}

TEST(Scalars, ContentLengthAndExpires) {
    uint32_t v = 0;
    EXPECT_EQ(parse_content_length(" 150 ", v), FieldError::kOk);
    EXPECT_EQ(v, 150u);
    EXPECT_EQ(parse_content_length("0", v), FieldError::kOk);
    EXPECT_EQ(parse_content_length("-5", v), FieldError::kSyntax);
    EXPECT_EQ(parse_content_length("99999999999", v), FieldError::kOverflow);
    EXPECT_EQ(parse_content_length("67108865", v), FieldError::kOverflow);
    EXPECT_EQ(parse_content_length("12a", v), FieldError::kSyntax);
    EXPECT_EQ(parse_expires("4294967295", v), FieldError::kOk);
    EXPECT_EQ(v, 0xffffffffu);
    EXPECT_EQ(parse_expires("4294967296", v), FieldError::kOverflow);
    EXPECT_EQ(v, 0xffffffffu);  // saturated so a caller may use RFC 3261's "treat as max"
    EXPECT_EQ(parse_expires(std::string(103, '1'), v), FieldError::kOverflow);  // scalar02
    EXPECT_EQ(parse_expires("3600", v), FieldError::kOk);
    EXPECT_EQ(v, 3600u);
    EXPECT_EQ(parse_uint("18446744073709551616", 0xffffffffu, v), FieldError::kOverflow);  // would wrap u64
}

TEST(Scalars, RSeqRAck) {
    uint32_t r = 0;
    EXPECT_EQ(parse_rseq("988789", r), FieldError::kOk);
    EXPECT_EQ(r, 988789u);
    EXPECT_EQ(parse_rseq("0", r), FieldError::kSyntax);
    EXPECT_EQ(parse_rseq("4294967296", r), FieldError::kOverflow);
    RAck a;
    ASSERT_EQ(parse_rack("776656 1 INVITE", a), FieldError::kOk);
    EXPECT_EQ(a.rseq, 776656u);
    EXPECT_EQ(a.cseq, 1u);
    EXPECT_EQ(a.method, Method::kInvite);
    EXPECT_EQ(parse_rack("776656 1", a), FieldError::kEmpty);
    EXPECT_EQ(parse_rack("776656", a), FieldError::kEmpty);
    EXPECT_EQ(parse_rack("0 1 INVITE", a), FieldError::kSyntax);
    EXPECT_EQ(parse_rack("1 2147483648 INVITE", a), FieldError::kOverflow);
}

TEST(Scalars, CallId) {
    EXPECT_EQ(validate_call_id("f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com"), FieldError::kOk);
    EXPECT_EQ(validate_call_id("wsinv.ndaksdj@192.0.2.1"), FieldError::kOk);
    EXPECT_EQ(validate_call_id("esc01.239409asdfakjkn23onasd0-3234"), FieldError::kOk);
    // intmeth: word characters include "()<>:\"/[]?{}"
    EXPECT_EQ(validate_call_id("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"), FieldError::kOk);
    EXPECT_EQ(validate_call_id("a@b@c"), FieldError::kSyntax);
    EXPECT_EQ(validate_call_id("@b"), FieldError::kSyntax);
    EXPECT_EQ(validate_call_id("a@"), FieldError::kSyntax);
    EXPECT_EQ(validate_call_id("a b"), FieldError::kSyntax);
    EXPECT_EQ(validate_call_id(""), FieldError::kEmpty);
    EXPECT_EQ(validate_call_id("caf\xc3\xa9"), FieldError::kSyntax);
}

}  // namespace
}  // namespace sipstorm::sip
