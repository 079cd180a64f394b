#include "sip/lex.hpp"

#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "sip/digest.hpp"
#include "sip/escape.hpp"
#include "sip/name_addr.hpp"
#include "sip/params.hpp"
#include "sip/parser.hpp"
#include "sip/scalars.hpp"
#include "sip/via.hpp"

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

// The 16-byte classifier must agree with the table on every byte value, block boundary and tail.
template <uint16_t Cls>
void check_scan_run_matches_scan() {
    uint32_t seed = 12345;
    auto rnd = [&seed] { return seed = seed * 1103515245u + 12345u, seed >> 16; };
    for (int round = 0; round < 2000; ++round) {
        std::string s(rnd() % 70, 'a');
        for (char& c : s) c = static_cast<char>(rnd() % 8 == 0 ? rnd() % 256 : "az09-._~!%*+`'"[rnd() % 14]);
        for (size_t pos = 0; pos <= s.size(); ++pos)
            ASSERT_EQ(lex::scan_run<Cls>(s, pos), lex::scan(s, pos, Cls)) << s << " @" << pos;
    }
    for (int c = 0; c < 256; ++c) {
        const std::string s(20, static_cast<char>(c));
        ASSERT_EQ(lex::scan_run<Cls>(s, 0), lex::scan(s, 0, Cls)) << c;
    }
}

TEST(Lex, SimdScanMatchesTable) {
    check_scan_run_matches_scan<lex::kToken>();
    check_scan_run_matches_scan<lex::kWord>();
    check_scan_run_matches_scan<lex::kHostChar>();
    check_scan_run_matches_scan<lex::kQdText>();
    check_scan_run_matches_scan<lex::kUser>();
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
    n = 0;
    EXPECT_TRUE(lex::for_each_value("a,b,c", [&](std::string_view) { ++n; }));
    EXPECT_EQ(n, 3);
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

// Every typed sub-parser over the header fields of the RFC 4475 messages that must be accepted: the
// sub-parsers must accept them all. (Lives here because it exercises all of them at once.)
std::string slurp(const std::string& name) {
    std::ifstream in(std::string(SIPSTORM_SHARED_DIR) + "/conformance/rfc4475/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The first failing sub-parser for a message, as "header: error", or "" if all accept.
std::string check_fields(const MessageView& m) {
    auto fail = [](const Header& h, FieldError e) {
        return std::string(h.name) + ": " + std::string(to_string(e));
    };
    for (uint16_t i = 0; i < m.header_count; ++i) {
        const Header& h = m.headers[i];
        FieldError e = FieldError::kOk;
        switch (h.id) {
            case HeaderId::kVia: {
                ViaIter it(h.value);
                Via v;
                while (it.next(v)) {
                }
                e = it.error();
                break;
            }
            case HeaderId::kFrom:
            case HeaderId::kTo: {
                NameAddr na;
                Uri u;
                e = parse_name_addr(h.value, na, &u);
                break;
            }
            case HeaderId::kContact:
            case HeaderId::kRoute:
            case HeaderId::kRecordRoute: {
                NameAddrIter it(h.value);
                NameAddr na;
                Uri u;
                while (it.next(na, &u)) {
                }
                e = it.error();
                break;
            }
            case HeaderId::kCSeq: {
                CSeq c;
                e = parse_cseq(h.value, c);
                break;
            }
            case HeaderId::kCallId:
                e = validate_call_id(h.value);
                break;
            case HeaderId::kMaxForwards: {
                uint8_t mf;
                e = parse_max_forwards(h.value, mf);
                break;
            }
            case HeaderId::kContentLength: {
                uint32_t n;
                e = parse_content_length(h.value, n);
                break;
            }
            case HeaderId::kExpires: {
                uint32_t n;
                e = parse_expires(h.value, n);
                break;
            }
            case HeaderId::kAuthorization: {
                DigestCredentials d;
                e = parse_credentials(h.value, d);
                break;
            }
            default:
                break;
        }
        if (e != FieldError::kOk) return fail(h, e);
    }
    if (m.is_request) {
        Uri u;
        const FieldError e = parse_uri(m.request_uri, u);
        if (e != FieldError::kOk) return "Request-URI: " + std::string(to_string(e));
    }
    return "";
}

TEST(Rfc4475Sweep, ValidMessagesPassEverySubParser) {
    const char* kValid[] = {"wsinv.dat",    "intmeth.dat",  "esc01.dat",    "escnull.dat",   "esc02.dat",
                            "lwsdisp.dat",  "longreq.dat",  "dblreq.dat",   "semiuri.dat",   "transports.dat",
                            "mpart01.dat",  "unreason.dat", "noreason.dat", "badbranch.dat", "unksm2.dat",
                            "bcast.dat",    "zeromf.dat",   "cparam01.dat", "cparam02.dat",  "regescrt.dat",
                            "sdp01.dat",    "unkscm.dat",   "novelsc.dat",  "bext01.dat",    "invut.dat",
                            "regaut01.dat", "escruri.dat"};
    int parsed = 0;
    for (const char* name : kValid) {
        const std::string msg = slurp(name);
        ASSERT_FALSE(msg.empty()) << name;
        MessageView m;
        if (!parse(msg, m).ok()) continue;  // the message parser's verdicts are tested elsewhere
        ++parsed;
        EXPECT_EQ(check_fields(m), "") << name;
    }
    EXPECT_GE(parsed, 20);
}

// Invalid messages whose fault is inside a field: the sub-parser for that field must say so.
TEST(Rfc4475Sweep, InvalidFieldsAreCaught) {
    const std::pair<const char*, const char*> kCases[] = {
        {"scalar02.dat", "CSeq: overflow"},          {"scalarlg.dat", "CSeq: overflow"},
        {"quotbal.dat", "To: unterminated"},         {"baddn.dat", "From: bad scheme"},
        {"badaspec.dat", "To: whitespace"},          {"regbadct.dat", "Contact: syntax"},
        {"ltgtruri.dat", "Request-URI: bad scheme"}, {"ncl.dat", "Content-Length: syntax"},
    };
    int checked = 0;
    for (const auto& [name, want] : kCases) {
        std::string msg = slurp(name);
        // baddn.dat as archived lacks the empty line that ends its headers, so the message parser
        // rejects it first; with that line restored, the fault the RFC means is in From's display name.
        if (msg.find("\r\n\r\n") == std::string::npos) msg += "\r\n";
        MessageView m;
        if (!parse(msg, m).ok()) continue;  // rejected earlier, by the message parser
        ++checked;
        EXPECT_EQ(check_fields(m), want) << name;
    }
    EXPECT_GE(checked, 6);
}

}  // namespace
}  // namespace sipstorm::sip
