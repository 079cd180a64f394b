// Parser unit tests: start lines, header index, LWS/folding, body framing and every rejection
// detail.  Each test runs on both the SIMD and the scalar line scanner.
#include "sip/parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "sip/header_names.hpp"
#include "sip/method.hpp"

namespace sipstorm::sip {
namespace {

constexpr std::string_view kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

// A literal that holds NUL bytes, whole.
template <size_t N>
std::string with_nul(const char (&s)[N]) {
    return std::string(s, N - 1);
}

class ParserTest : public ::testing::TestWithParam<bool> {
  protected:
    void SetUp() override { force_scalar_scan(GetParam()); }
    void TearDown() override { force_scalar_scan(false); }

    ParseResult parse_d(std::string_view s) { return parse(s, m, Framing::kDatagram); }
    // Parses `s` expecting rejection with `code`; returns the detail for checking.
    std::string_view reject(std::string_view s, uint16_t code = 400) {
        ParseResult r = parse_d(s);
        EXPECT_EQ(r.status, ParseStatus::kInvalid) << s;
        EXPECT_EQ(r.verdict.code, code) << s;
        EXPECT_FALSE(r.verdict.detail.empty());
        return r.verdict.detail;
    }
    std::string_view value(HeaderId id) {
        const Header* h = m.find(id);
        return h ? h->value : std::string_view("<absent>");
    }

    MessageView m;
};

INSTANTIATE_TEST_SUITE_P(Scanners, ParserTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "scalar" : "simd"; });

TEST_P(ParserTest, RequestLineAndIndex) {
    ASSERT_TRUE(parse_d(kInvite).ok());
    EXPECT_TRUE(m.is_request);
    EXPECT_EQ(m.method, Method::kInvite);
    EXPECT_EQ(m.method_text, "INVITE");
    EXPECT_EQ(m.request_uri, "sip:bob@biloxi.example.com");
    EXPECT_EQ(m.version, "SIP/2.0");
    EXPECT_EQ(m.header_count, 9);
    EXPECT_EQ(value(HeaderId::kVia), "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds");
    EXPECT_EQ(value(HeaderId::kCallId), "a84b4c76e66710@pc33.atlanta.example.com");
    EXPECT_EQ(value(HeaderId::kCSeq), "314159 INVITE");
    EXPECT_EQ(value(HeaderId::kContentLength), "4");
    EXPECT_EQ(m.headers[2].name, "To");
    EXPECT_EQ(m.headers[2].id, HeaderId::kTo);
    EXPECT_EQ(m.first[static_cast<size_t>(HeaderId::kFrom)], 3);
    EXPECT_EQ(m.find(HeaderId::kRoute), nullptr);
    EXPECT_EQ(m.body, "v=0\n");
    EXPECT_EQ(m.size, kInvite.size());
}

TEST_P(ParserTest, ViewsPointIntoTheInput) {
    std::string copy(kInvite);
    ASSERT_TRUE(parse_d(copy).ok());
    EXPECT_EQ(m.request_uri.data(), copy.data() + 7);
    EXPECT_EQ(m.body.data(), copy.data() + copy.size() - 4);
}

TEST_P(ParserTest, StatusLine) {
    ASSERT_TRUE(parse_d("SIP/2.0 180 Ringing\r\nContent-Length: 0\r\n\r\n").ok());
    EXPECT_FALSE(m.is_request);
    EXPECT_EQ(m.status_code, 180);
    EXPECT_EQ(m.reason, "Ringing");
    EXPECT_EQ(m.version, "SIP/2.0");
    EXPECT_TRUE(m.method_text.empty());

    ASSERT_TRUE(parse_d("SIP/2.0 200 OK with spaces\tand tab\r\n\r\n").ok());
    EXPECT_EQ(m.reason, "OK with spaces\tand tab");
    ASSERT_TRUE(parse_d("SIP/2.0 100 \r\n\r\n").ok());
    EXPECT_EQ(m.reason, "");
    ASSERT_TRUE(parse_d("SIP/2.0 699\r\n\r\n").ok());  // tolerated: no SP before the empty reason
    EXPECT_EQ(m.status_code, 699);
    ASSERT_TRUE(parse_d("SIP/2.0 200 \xd0\xbe\xd0\xba\r\n\r\n").ok());  // UTF-8 reason
    EXPECT_EQ(m.reason, "\xd0\xbe\xd0\xba");
    ASSERT_TRUE(parse_d("sip/2.0 200 OK\r\n\r\n").ok());  // the literal is case-insensitive
}

TEST_P(ParserTest, BadStatusLines) {
    EXPECT_EQ(reject("SIP/2.0 4294967301 big\r\n\r\n"), "status code is not exactly 3 digits");
    EXPECT_EQ(reject("SIP/2.0 20 OK\r\n\r\n"), "status code is not exactly 3 digits");
    EXPECT_EQ(reject("SIP/2.0 099 Low\r\n\r\n"), "status code outside 100-699");
    EXPECT_EQ(reject("SIP/2.0 700 High\r\n\r\n"), "status code outside 100-699");
    EXPECT_EQ(reject("SIP/2.0 200OK\r\n\r\n"), "status code is not followed by SP");
    EXPECT_EQ(reject("SIP/2.0\r\n\r\n"), "status line has no status code");
    EXPECT_EQ(reject("SIP/3.0 200 OK\r\n\r\n", 505), "SIP-Version is not SIP/2.0");
    EXPECT_EQ(reject("SIP/2.0 200 O\x01K\r\n\r\n"), "control character in the reason phrase");
}

TEST_P(ParserTest, ExtensionMethods) {
    ASSERT_TRUE(parse_d("FOO-bar.1 sip:x SIP/2.0\r\n\r\n").ok());
    EXPECT_EQ(m.method, Method::kUnknown);
    EXPECT_EQ(m.method_text, "FOO-bar.1");
    // Methods are case-sensitive: "invite" is an extension method.
    ASSERT_TRUE(parse_d("invite sip:x SIP/2.0\r\n\r\n").ok());
    EXPECT_EQ(m.method, Method::kUnknown);
    for (int i = 1; i < static_cast<int>(Method::kCount); ++i) {
        auto method = static_cast<Method>(i);
        std::string msg = std::string(method_text(method)) + " sip:x SIP/2.0\r\n\r\n";
        ASSERT_TRUE(parse_d(msg).ok()) << msg;
        EXPECT_EQ(m.method, method) << msg;
    }
}

TEST_P(ParserTest, BadRequestLines) {
    EXPECT_EQ(reject("INVITE  sip:x SIP/2.0\r\n\r\n"), "more than one SP between method and Request-URI");
    EXPECT_EQ(reject("INVITE sip:x  SIP/2.0\r\n\r\n"),
              "more than one SP between Request-URI and SIP-Version");
    EXPECT_EQ(reject("INVITE sip:x SIP/2.0 \r\n\r\n"),
              "SP after the SIP-Version at the end of the request line");
    EXPECT_EQ(reject("INVITE sip:x; lr SIP/2.0\r\n\r\n"), "whitespace inside the Request-URI");
    EXPECT_EQ(reject("INVITE <sip:x> SIP/2.0\r\n\r\n"), "Request-URI enclosed in <>");
    EXPECT_EQ(reject("INVITE sip:x\r\n\r\n"), "request line has no SIP-Version");
    EXPECT_EQ(reject("INVITE\r\n\r\n"), "method is not followed by SP");
    EXPECT_EQ(reject("INVITE \r\n\r\n"), "request line has no Request-URI");
    EXPECT_EQ(reject("INV@TE sip:x SIP/2.0\r\n\r\n"), "method is not followed by SP");
    EXPECT_EQ(reject(" INVITE sip:x SIP/2.0\r\n\r\n"), "request line does not start with a method token");
    EXPECT_EQ(reject("INVITE sip:x\ty SIP/2.0\r\n\r\n"), "control character or HT in the Request-URI");
    EXPECT_EQ(reject("OPTIONS sip:x SIP/7.0\r\n\r\n", 505), "SIP-Version is not SIP/2.0");
    EXPECT_EQ(reject("OPTIONS sip:x SIP/2.0.1\r\n\r\n"), "malformed SIP-Version");
    EXPECT_EQ(reject("OPTIONS sip:x HTTP/1.1\r\n\r\n"), "malformed SIP-Version");
    EXPECT_EQ(reject("OPTIONS sip:x SIP/2.0\rX\r\n\r\n"), "CR without LF in the start line");
}

TEST_P(ParserTest, EveryCompactForm) {
    struct Case {
        char c;
        HeaderId id;
    };
    constexpr Case kCases[] = {
        {'i', HeaderId::kCallId},        {'m', HeaderId::kContact},     {'e', HeaderId::kContentEncoding},
        {'l', HeaderId::kContentLength}, {'c', HeaderId::kContentType}, {'f', HeaderId::kFrom},
        {'s', HeaderId::kSubject},       {'k', HeaderId::kSupported},   {'t', HeaderId::kTo},
        {'v', HeaderId::kVia},           {'o', HeaderId::kEvent},       {'u', HeaderId::kAllowEvents},
        {'r', HeaderId::kReferTo},       {'b', HeaderId::kReferredBy},  {'x', HeaderId::kSessionExpires},
        {'y', HeaderId::kIdentity},
    };
    for (const Case& c : kCases) {
        for (char form : {c.c, static_cast<char>(c.c - 'a' + 'A')}) {
            std::string msg = std::string("OPTIONS sip:x SIP/2.0\r\n") + form + ": 0\r\n\r\n";
            ASSERT_TRUE(parse_d(msg).ok()) << msg;
            EXPECT_EQ(m.headers[0].id, c.id) << form;
            EXPECT_EQ(m.find(c.id), &m.headers[0]) << form;
            EXPECT_EQ(header_compact_form(c.id), c.c);
        }
    }
    EXPECT_EQ(header_id("a"), HeaderId::kOther);
    EXPECT_EQ(header_id("z"), HeaderId::kOther);
}

TEST_P(ParserTest, EveryLongNameAnyCase) {
    for (int i = 1; i < static_cast<int>(HeaderId::kCount); ++i) {
        auto id = static_cast<HeaderId>(i);
        std::string name(header_name(id));
        ASSERT_FALSE(name.empty());
        EXPECT_EQ(header_id(name), id) << name;
        std::string upper = name, lower = name;
        for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        EXPECT_EQ(header_id(upper), id) << upper;
        EXPECT_EQ(header_id(lower), id) << lower;
        // One character off is another header.
        std::string off = name;
        off.back() = off.back() == 'x' ? 'y' : 'x';
        EXPECT_EQ(header_id(off), HeaderId::kOther) << off;
    }
    EXPECT_EQ(header_id("Call_ID"), HeaderId::kOther);
    EXPECT_EQ(header_id("X-Call-ID"), HeaderId::kOther);
}

TEST_P(ParserTest, LwsBeforeColonAndFolding) {
    constexpr std::string_view kMsg =
        "OPTIONS sip:x SIP/2.0\r\n"
        "TO :\r\n"
        " sip:vivekg@example.com ;   tag    = 1918181833n\r\n"
        "Via  : SIP  /   2.0\r\n"
        " /UDP\r\n"
        "    192.0.2.2;branch=390skdjuw\r\n"
        "s :\r\n"
        "X-Trailing: value \t \r\n"
        "\t \r\n"
        "cseq\t: 9 OPTIONS\r\n"
        "\r\n";
    ASSERT_TRUE(parse_d(kMsg).ok());
    ASSERT_EQ(m.header_count, 5);
    EXPECT_EQ(m.headers[0].name, "TO");
    EXPECT_EQ(value(HeaderId::kTo), "sip:vivekg@example.com ;   tag    = 1918181833n");
    EXPECT_EQ(value(HeaderId::kVia), "SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw");
    EXPECT_EQ(m.headers[2].name, "s");
    EXPECT_EQ(value(HeaderId::kSubject), "");
    EXPECT_EQ(m.headers[3].value, "value");  // trailing LWS and a whitespace-only fold trimmed
    EXPECT_EQ(value(HeaderId::kCSeq), "9 OPTIONS");
}

TEST_P(ParserTest, BareLfTolerated) {
    ASSERT_TRUE(parse_d("OPTIONS sip:x SIP/2.0\nVia: a\n b\nCall-ID: c\n\nbody").ok());
    EXPECT_EQ(m.header_count, 2);
    EXPECT_EQ(value(HeaderId::kVia), "a\n b");
    EXPECT_EQ(value(HeaderId::kCallId), "c");
    EXPECT_EQ(m.body, "body");
}

TEST_P(ParserTest, MultipleLinesOfOneName) {
    ASSERT_TRUE(parse_d("SIP/2.0 200 OK\r\nVia: a\r\nv: b\r\nXy: 1\r\nVIA: c, d\r\n\r\n").ok());
    ASSERT_EQ(m.header_count, 4);
    EXPECT_EQ(m.first[static_cast<size_t>(HeaderId::kVia)], 0);
    EXPECT_EQ(m.headers[1].id, HeaderId::kVia);
    EXPECT_EQ(m.headers[3].id, HeaderId::kVia);
    EXPECT_EQ(m.headers[3].value, "c, d");  // comma lists are split by sub-parsers, not here
    EXPECT_EQ(m.headers[2].id, HeaderId::kOther);
    EXPECT_EQ(m.first[static_cast<size_t>(HeaderId::kOther)], -1);
}

TEST_P(ParserTest, LeadingCrlfIgnored) {
    ASSERT_TRUE(parse_d("\r\n\r\nOPTIONS sip:x SIP/2.0\r\n\r\n").ok());
    EXPECT_EQ(m.method, Method::kOptions);
    EXPECT_EQ(m.size, 29u);
}

TEST_P(ParserTest, BodyFraming) {
    // No Content-Length in a datagram: the body is the rest.
    ASSERT_TRUE(parse_d("MESSAGE sip:x SIP/2.0\r\n\r\nhello\r\n").ok());
    EXPECT_EQ(m.body, "hello\r\n");
    // Trailing octets beyond Content-Length are ignored.
    ASSERT_TRUE(parse_d("MESSAGE sip:x SIP/2.0\r\nl: 3\r\n\r\nhello").ok());
    EXPECT_EQ(m.body, "hel");
    EXPECT_EQ(m.size, 34u);
    ASSERT_TRUE(parse_d("MESSAGE sip:x SIP/2.0\r\nContent-Length: 000\r\n\r\nhello").ok());
    EXPECT_EQ(m.body, "");
    // A body holding NUL bytes is fine: it is sized, never scanned.
    std::string nul = with_nul("MESSAGE sip:x SIP/2.0\r\nl: 3\r\n\r\na\0b");
    ASSERT_TRUE(parse_d(nul).ok());
    EXPECT_EQ(m.body, std::string_view("a\0b", 3));
}

TEST_P(ParserTest, BadContentLength) {
    EXPECT_EQ(reject("INVITE sip:x SIP/2.0\r\nl: -999\r\n\r\n"), "negative Content-Length");
    EXPECT_EQ(reject("INVITE sip:x SIP/2.0\r\nl: 9999\r\n\r\nshort"),
              "Content-Length larger than the message");
    EXPECT_EQ(reject("INVITE sip:x SIP/2.0\r\nl: 12a\r\n\r\n"), "Content-Length is not a number");
    EXPECT_EQ(reject("INVITE sip:x SIP/2.0\r\nl: 1 2\r\n\r\n"), "Content-Length is not a number");
    EXPECT_EQ(reject("INVITE sip:x SIP/2.0\r\nl:\r\n\r\n"), "empty Content-Length");
    EXPECT_EQ(reject("INVITE sip:x SIP/2.0\r\nl: 99999999999999999999999999\r\n\r\n"),
              "Content-Length larger than the message");
}

TEST_P(ParserTest, HugeValues) {
    std::string longval(70000, 'a');
    std::string msg =
        "OPTIONS sip:x SIP/2.0\r\nX-Long: " + longval + "\r\nCSeq: 99999999999999999999 OPTIONS\r\n\r\n";
    ASSERT_TRUE(parse_d(msg).ok());
    EXPECT_EQ(m.headers[0].value.size(), 70000u);
    // Overlarge scalars are validate()'s business; the parser keeps the text.
    EXPECT_EQ(value(HeaderId::kCSeq), "99999999999999999999 OPTIONS");
}

TEST_P(ParserTest, HeaderLimit) {
    std::string msg = "OPTIONS sip:x SIP/2.0\r\n";
    for (int i = 0; i < kMaxHeaders; ++i) msg += "X: 1\r\n";
    ASSERT_TRUE(parse_d(msg + "\r\n").ok());
    EXPECT_EQ(m.header_count, kMaxHeaders);
    EXPECT_EQ(reject(msg + "X: 1\r\n\r\n"), "more than kMaxHeaders (128) header lines");
}

TEST_P(ParserTest, BadHeaderLines) {
    EXPECT_EQ(reject("OPTIONS sip:x SIP/2.0\r\nVia a\r\n\r\n"), "header line without a colon");
    EXPECT_EQ(reject("OPTIONS sip:x SIP/2.0\r\n: a\r\n\r\n"), "header name is not a token");
    EXPECT_EQ(reject("OPTIONS sip:x SIP/2.0\r\nX(y): a\r\n\r\n"), "header name is not a token");
    EXPECT_EQ(reject("OPTIONS sip:x SIP/2.0\r\nMax Forwards: 1\r\n\r\n"), "header name is not a token");
    EXPECT_EQ(reject("OPTIONS sip:x SIP/2.0\r\n folded: a\r\n\r\n"), "line folding after the start line");
    EXPECT_EQ(reject("OPTIONS sip:x SIP/2.0\r\nX: a\rb\r\n\r\n"), "CR without LF in a header value");
    EXPECT_EQ(reject("OPTIONS sip:x SIP/2.0\r\nX: a\r\n\rb"), "CR without LF in the header section");
    EXPECT_EQ(reject("OPTIONS sip:x SIP/2.0\r\nX: a\r\n"), "message ends inside the header section");
    EXPECT_EQ(reject("OPTIONS sip:x SIP/2.0\r\nX: a"), "message ends inside the header section");
    EXPECT_EQ(reject("OPTIONS sip:x SIP/2.0"), "message ends inside the header section");
    EXPECT_EQ(reject(""), "no message: empty or only CRLF (keep-alive)");
    EXPECT_EQ(reject("\r\n\r\n"), "no message: empty or only CRLF (keep-alive)");
}

TEST_P(ParserTest, ControlBytesInValuesAreLeftToSubParsers) {
    // RFC 4475 intmeth: quoted-pairs may carry NUL, BEL and DEL inside a display name.
    std::string msg = with_nul("OPTIONS sip:x SIP/2.0\r\nTo: \"NUL:\\\0 BEL:\\\a\" <sip:x>\r\n\r\n");
    ASSERT_TRUE(parse_d(msg).ok());
    EXPECT_EQ(value(HeaderId::kTo).size(), 23u);
}

TEST_P(ParserTest, ReparseResetsState) {
    ASSERT_TRUE(parse_d(kInvite).ok());
    ASSERT_TRUE(parse_d("SIP/2.0 100 Trying\r\nX: 1\r\n\r\n").ok());
    EXPECT_EQ(m.header_count, 1);
    EXPECT_EQ(m.find(HeaderId::kVia), nullptr);
    EXPECT_TRUE(m.request_uri.empty());
    EXPECT_EQ(m.method, Method::kUnknown);
}

// The SIMD scanner steps 16 and 32 bytes at a time: line ends at every offset around those
// boundaries, with CRLF, bare LF and folds, must give exactly what the scalar scanner gives.
TEST(Scanners, AgreeAtEveryBlockBoundary) {
    MessageView simd, scalar;
    for (size_t name_len = 1; name_len <= 40; name_len += 13) {
        for (size_t len = 0; len <= 70; ++len) {
            for (const char* eol : {"\r\n", "\n", "\r\n folded\r\n", "\rX"}) {
                std::string msg = "OPTIONS sip:x SIP/2.0\r\n" + std::string(name_len, 'N') + ": " +
                                  std::string(len, 'v') + eol + "Call-ID: " + std::string(len, 'c') +
                                  "\r\n\r\n";
                for (size_t cut = msg.size() - 3; cut <= msg.size(); ++cut) {
                    std::string_view in = std::string_view(msg).substr(0, cut);
                    for (Framing f : {Framing::kDatagram, Framing::kStream}) {
                        force_scalar_scan(false);
                        ParseResult a = parse(in, simd, f);
                        force_scalar_scan(true);
                        ParseResult b = parse(in, scalar, f);
                        force_scalar_scan(false);
                        ASSERT_EQ(a.status, b.status) << msg;
                        ASSERT_EQ(a.verdict.detail, b.verdict.detail) << msg;
                        if (!a.ok()) continue;
                        ASSERT_EQ(simd.header_count, scalar.header_count);
                        for (uint16_t i = 0; i < simd.header_count; ++i) {
                            ASSERT_EQ(simd.headers[i].name, scalar.headers[i].name);
                            ASSERT_EQ(simd.headers[i].value, scalar.headers[i].value);
                        }
                        ASSERT_EQ(simd.headers[0].value.substr(0, len), std::string(len, 'v'));
                    }
                }
            }
        }
    }
}

TEST(MethodText, RoundTrip) {
    for (int i = 1; i < static_cast<int>(Method::kCount); ++i) {
        auto method = static_cast<Method>(i);
        EXPECT_EQ(method_from_text(method_text(method)), method);
    }
    EXPECT_EQ(method_from_text(""), Method::kUnknown);
    EXPECT_EQ(method_from_text("INVITEX"), Method::kUnknown);
    EXPECT_EQ(method_from_text("Invite"), Method::kUnknown);
    EXPECT_EQ(method_text(Method::kUnknown), "");
}

}  // namespace
}  // namespace sipstorm::sip
