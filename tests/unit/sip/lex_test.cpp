#include "sip/lex.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "sip/escape.hpp"
#include "sip/params.hpp"

namespace sipstorm::sip {
namespace {

std::vector<std::string> split(std::string_view v, bool* ok = nullptr) {
    std::vector<std::string> out;
    const bool r = lex::for_each_value(v, [&](std::string_view e) {
        out.emplace_back(e);
        return true;
    });
    if (ok) *ok = r;
    return out;
}

TEST(Lex, CharacterClasses) {
    EXPECT_TRUE(lex::is_token('a'));
    EXPECT_TRUE(lex::is_token('`'));
    EXPECT_FALSE(lex::is_token(':'));
    EXPECT_FALSE(lex::is_token('"'));
    EXPECT_FALSE(lex::is_token(static_cast<char>(0xc3)));
    EXPECT_TRUE(lex::is(':', lex::kWord));
    EXPECT_FALSE(lex::is('@', lex::kWord));
    EXPECT_TRUE(lex::is(';', lex::kUser));
    EXPECT_FALSE(lex::is(';', lex::kPassword));
    EXPECT_TRUE(lex::is('[', lex::kParamChar));
    EXPECT_FALSE(lex::is(' ', lex::kHostChar));
    static_assert(lex::is_hex('F') && !lex::is_hex('g'));
}

TEST(Lex, SkipLwsHandlesFolds) {
    EXPECT_EQ(lex::skip_lws("  \t x", 0), 4u);
    EXPECT_EQ(lex::skip_lws(" \r\n x", 0), 4u);
    EXPECT_EQ(lex::skip_lws("\r\n\tx", 0), 3u);
    EXPECT_EQ(lex::skip_lws(" \r\nx", 0), 1u);  // not a fold: the break stays
    EXPECT_EQ(lex::skip_lws(" \r\n", 0), 1u);
    EXPECT_EQ(lex::skip_lws(" \n x", 0), 3u);
    EXPECT_EQ(lex::trim_lws(" \r\n a b \t"), "a b");
    EXPECT_EQ(lex::trim_lws(""), "");
}

TEST(Lex, QuotedString) {
    EXPECT_EQ(lex::scan_quoted(R"("abc" x)", 0), 5u);
    EXPECT_EQ(lex::scan_quoted(R"("a\"b")", 0), 6u);
    EXPECT_EQ(lex::scan_quoted(R"("J Rosenberg \\\"")", 0), 18u);  // RFC 4475 wsinv
    EXPECT_EQ(lex::scan_quoted(R"("abc)", 0), lex::npos);
    EXPECT_EQ(lex::scan_quoted(R"("abc\")", 0), lex::npos);
    EXPECT_EQ(lex::scan_quoted("\"a\r\n b\"", 0), 7u);
    EXPECT_EQ(lex::scan_quoted("\"a\r\nb\"", 0), lex::npos);
    EXPECT_EQ(lex::scan_quoted(std::string_view("\"a\0b\"", 5), 0), lex::npos);
    EXPECT_EQ(lex::scan_quoted("\"caf\xc3\xa9\"", 0), 7u);  // UTF8-NONASCII is qdtext
}

TEST(Lex, CommaSplitRespectsQuotesAndAngles) {
    EXPECT_EQ(split("a, b ,c"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(split(R"("Watson, T" <sip:a@b>, <sip:c@d;x=1,2>)"),
              (std::vector<std::string>{R"("Watson, T" <sip:a@b>)", "<sip:c@d;x=1,2>"}));
    EXPECT_EQ(split(R"("a\",b", c)"), (std::vector<std::string>{R"("a\",b")", "c"}));
    EXPECT_EQ(split("x,,y"), (std::vector<std::string>{"x", "", "y"}));
    EXPECT_EQ(split(""), (std::vector<std::string>{""}));
    EXPECT_EQ(split("a,\r\n b"), (std::vector<std::string>{"a", "b"}));
    bool ok = true;
    split(R"(a, "b)", &ok);
    EXPECT_FALSE(ok);
    split("<sip:a@b, c", &ok);
    EXPECT_FALSE(ok);
}

TEST(Lex, ValueIterStopsEarly) {
    int n = 0;
    EXPECT_TRUE(lex::for_each_value("a,b,c", [&](std::string_view) { return ++n < 2; }));
    EXPECT_EQ(n, 2);
}

TEST(Params, HeaderParamsWithLwsQuotesAndIpv6) {
    ParamIter it(" ; tag = abc ;lr; x=\"a;b,c\" ;maddr=[2001:db8::1] ;\r\n  q=0.5", ParamSyntax::kHeader);
    Param p;
    ASSERT_TRUE(it.next(p));
    EXPECT_EQ(p.name, "tag");
    EXPECT_EQ(p.value, "abc");
    ASSERT_TRUE(it.next(p));
    EXPECT_EQ(p.name, "lr");
    EXPECT_FALSE(p.has_value);
    ASSERT_TRUE(it.next(p));
    EXPECT_EQ(p.value, "a;b,c");
    EXPECT_TRUE(p.quoted);
    ASSERT_TRUE(it.next(p));
    EXPECT_EQ(p.value, "[2001:db8::1]");
    ASSERT_TRUE(it.next(p));
    EXPECT_EQ(p.name, "q");
    EXPECT_EQ(p.value, "0.5");
    EXPECT_FALSE(it.next(p));
    EXPECT_EQ(it.error(), FieldError::kOk);
    EXPECT_TRUE(it.at_end());
}

TEST(Params, StopsAtCommaAndReportsErrors) {
    ParamIter it(";a=1 , next", ParamSyntax::kHeader);
    Param p;
    EXPECT_TRUE(it.next(p));
    EXPECT_FALSE(it.next(p));
    EXPECT_EQ(it.error(), FieldError::kOk);
    EXPECT_EQ(it.pos(), 5u);

    FieldError err;
    EXPECT_EQ(scan_params(";a=", 0, ParamSyntax::kHeader, err), lex::npos);
    EXPECT_EQ(err, FieldError::kBadParam);
    EXPECT_EQ(scan_params(";=x", 0, ParamSyntax::kHeader, err), lex::npos);
    EXPECT_EQ(scan_params(";x=\"open", 0, ParamSyntax::kHeader, err), lex::npos);
    EXPECT_EQ(scan_params(";a;", 0, ParamSyntax::kHeader, err), lex::npos);
    EXPECT_EQ(scan_params(";a=%zz", 0, ParamSyntax::kUri, err), lex::npos);
    EXPECT_EQ(err, FieldError::kBadEscape);
    EXPECT_EQ(scan_params("; a", 0, ParamSyntax::kUri, err), lex::npos);  // no LWS in URIs
    EXPECT_EQ(err, FieldError::kWhitespace);
    EXPECT_EQ(scan_params(";a=1;b", 0, ParamSyntax::kUri, err), 6u);
}

TEST(Params, FindIsCaseInsensitiveAndEscapeAware) {
    Param p;
    EXPECT_TRUE(find_param(";Tag=1;TRANSPORT=tcp", ParamSyntax::kHeader, "transport", p));
    EXPECT_EQ(p.value, "tcp");
    EXPECT_FALSE(find_param(";tag=1", ParamSyntax::kHeader, "ta", p));
    // RFC 4475 esc01: ";%6C%72" is "lr".
    EXPECT_TRUE(find_param(";%6C%72;n%61me=v%61lue%25%34%31", ParamSyntax::kUri, "lr", p));
    EXPECT_TRUE(find_param(";%6C%72;n%61me=v%61lue%25%34%31", ParamSyntax::kUri, "name", p));
    EXPECT_EQ(p.value, "v%61lue%25%34%31");
    EXPECT_TRUE(iequals_unescaped("%41b", "ab"));
    EXPECT_FALSE(iequals_unescaped("%41b", "abc"));
    EXPECT_FALSE(iequals_unescaped("%41bc", "ab"));
}

TEST(Escape, UnescapeAndUnquote) {
    std::array<char, 32> buf{};
    size_t n = 0;
    ASSERT_EQ(unescape("v%61lue%25%34%31", buf, n), FieldError::kOk);
    EXPECT_EQ(std::string_view(buf.data(), n), "value%41");
    ASSERT_EQ(unescape("null-%00-null", buf, n), FieldError::kOk);  // RFC 4475 escnull
    EXPECT_EQ(std::string_view(buf.data(), n), std::string_view("null-\0-null", 11));
    EXPECT_EQ(unescape("%4", buf, n), FieldError::kBadEscape);
    EXPECT_EQ(unescape("%g0", buf, n), FieldError::kBadEscape);
    std::array<char, 2> small{};
    EXPECT_EQ(unescape("abc", small, n), FieldError::kOverflow);
    EXPECT_TRUE(valid_escapes("a%20b%2f"));
    EXPECT_FALSE(valid_escapes("a%2"));
    EXPECT_FALSE(valid_escapes("%"));
    ASSERT_EQ(unquote(R"(J Rosenberg \\\")", buf, n), FieldError::kOk);
    EXPECT_EQ(std::string_view(buf.data(), n), R"(J Rosenberg \")");
    EXPECT_EQ(unquote("a\\", buf, n), FieldError::kSyntax);
}

}  // namespace
}  // namespace sipstorm::sip
