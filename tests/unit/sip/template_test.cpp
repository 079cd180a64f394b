#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sip/template_compile.hpp"
#include "sip/template_render.hpp"

namespace sipstorm::sip {
namespace {

// Hands out "<slot name>" style values so renders are easy to read in assertions.
struct FakeSource {
    std::string routes;
    std::string_view value(Slot s, uint16_t arg) const {
        switch (s) {
            case Slot::kCallId:
                return "cid-1";
            case Slot::kBranch:
                return "z9hG4bK-7";
            case Slot::kLocalTag:
                return "lt";
            case Slot::kRemoteTag:
                return "rt";
            case Slot::kCSeq:
                return "42";
            case Slot::kLocalIp:
                return "10.0.0.1";
            case Slot::kLocalPort:
                return "5060";
            case Slot::kRemoteIp:
                return "10.0.0.2";
            case Slot::kRemotePort:
                return "5070";
            case Slot::kTransport:
                return "UDP";
            case Slot::kMediaPort:
                return "40000";
            case Slot::kRemoteTarget:
                return "sip:peer@10.0.0.2:5070";
            case Slot::kRoutes:
                return routes;
            case Slot::kLastHeader:
                return arg == static_cast<uint16_t>(HeaderId::kVia)
                           ? "Via: SIP/2.0/UDP a;branch=1\r\nVia: SIP/2.0/UDP b"
                           : "X: y";
            default:
                return "?";
        }
    }
};

std::string render_string(const Template& t, const FakeSource& src, size_t cap = 4096) {
    std::vector<char> buf(cap);
    size_t n = render(t, src, buf.data(), buf.size());
    return std::string(buf.data(), n);
}

Template compile_ok(std::string_view text, const TemplateParams& params = {}) {
    Template t;
    TemplateError err;
    EXPECT_TRUE(compile_template(text, params, t, err)) << err.line << ": " << err.message;
    return t;
}

TEST(Template, SlotsParamsAndCrlf) {
    Template t = compile_ok(R"(
        INVITE sip:${service}@${remote_ip}:${remote_port} SIP/2.0
        Via: SIP/2.0/${transport} ${local_ip}:${local_port};branch=${branch}
        Call-ID: ${call_id}
        CSeq: ${cseq} INVITE
        Content-Length: 0

    )",
                            {{"service", "echo"}});
    EXPECT_TRUE(t.is_request);
    EXPECT_EQ(t.method, Method::kInvite);
    EXPECT_FALSE(t.has_body);
    EXPECT_EQ(render_string(t, FakeSource{}),
              "INVITE sip:echo@10.0.0.2:5070 SIP/2.0\r\n"
              "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-7\r\n"
              "Call-ID: cid-1\r\n"
              "CSeq: 42 INVITE\r\n"
              "Content-Length: 0\r\n\r\n");
}

TEST(Template, TextWhenAParameterIsSet) {
    const char* text = "OPTIONS sip:${service}${service:+@}${remote_ip}:${remote_port} SIP/2.0\n\n";
    EXPECT_EQ(render_string(compile_ok(text, {{"service", ""}}), FakeSource{}),
              "OPTIONS sip:10.0.0.2:5070 SIP/2.0\r\n\r\n");
    EXPECT_EQ(render_string(compile_ok(text, {{"service", "1000"}}), FakeSource{}),
              "OPTIONS sip:1000@10.0.0.2:5070 SIP/2.0\r\n\r\n");
}

TEST(Template, CrlfInputAndOneBlankLine) {
    Template t = compile_ok("SIP/2.0 200 OK\r\nContent-Length: ${len}\r\n\r\n\n\r\nv=0\n\no=x\r\n\n");
    EXPECT_FALSE(t.is_request);
    EXPECT_EQ(t.status_code, 200);
    EXPECT_TRUE(t.has_body);
    EXPECT_EQ(render_string(t, FakeSource{}),
              "SIP/2.0 200 OK\r\nContent-Length: 12\r\n\r\nv=0\r\n\r\no=x\r\n");
}

TEST(Template, LenCountsSlotsInsideTheBody) {
    Template t = compile_ok(R"(
        SIP/2.0 200 OK
        Content-Type: application/sdp
        Content-Length: ${len}

        v=0
        c=IN IP4 ${local_ip}
        m=audio ${media_port} RTP/AVP 0
    )");
    std::string body = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 40000 RTP/AVP 0\r\n";
    std::string msg = render_string(t, FakeSource{});
    EXPECT_EQ(msg, "SIP/2.0 200 OK\r\nContent-Type: application/sdp\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body);
}

TEST(Template, LastHeadersAndRoutes) {
    Template t = compile_ok("SIP/2.0 200 OK\n${last_via}\n${routes}\n${last_Call-ID}\n\n");
    FakeSource src;
    EXPECT_EQ(render_string(t, src),
              "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=1\r\nVia: SIP/2.0/UDP b\r\nX: y\r\n\r\n");
    src.routes = "Route: <sip:p1;lr>\r\n";
    EXPECT_EQ(
        render_string(t, src),
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=1\r\nVia: SIP/2.0/UDP b\r\nRoute: <sip:p1;lr>\r\nX: "
        "y\r\n\r\n");
}

TEST(Template, EmptyOwnLineSlotLeavesNoBlankLine) {
    Template t = compile_ok("SIP/2.0 200 OK\n${last_Record-Route}\nX: ${routes}\n\n");
    struct Empty {
        std::string_view value(Slot, uint16_t) const { return {}; }
    };
    std::vector<char> buf(256);
    size_t n = render(t, Empty{}, buf.data(), buf.size());
    EXPECT_EQ(std::string(buf.data(), n), "SIP/2.0 200 OK\r\nX: \r\n\r\n");
}

TEST(Template, TooSmallBufferReturnsZero) {
    Template t = compile_ok("SIP/2.0 200 OK\nContent-Length: ${len}\n\nabc\n");
    std::string full = render_string(t, FakeSource{});
    EXPECT_EQ(render_string(t, FakeSource{}, full.size()), full);
    EXPECT_EQ(render_string(t, FakeSource{}, full.size() - 1), "");
    EXPECT_EQ(render_string(t, FakeSource{}, 3), "");
}

TEST(Template, ExtensionMethod) {
    Template t = compile_ok("FOO sip:x SIP/2.0\n\n");
    EXPECT_TRUE(t.is_request);
    EXPECT_EQ(t.method, Method::kUnknown);
}

void expect_error(std::string_view text, int line, std::string_view message) {
    Template t;
    TemplateError err;
    EXPECT_FALSE(compile_template(text, {{"p", "v"}}, t, err)) << text;
    EXPECT_EQ(err.line, line) << text;
    EXPECT_EQ(err.message, message) << text;
}

TEST(Template, Errors) {
    expect_error("\nOPTIONS sip:x SIP/2.0\nX: ${nope}\n", 3,
                 "unknown name '${nope}' (neither a built-in slot, a scenario parameter, a capture nor an "
                 "--inf field)");
    expect_error("OPTIONS sip:x SIP/2.0\nX: ${p\n", 2, "unterminated '${'");
    expect_error("OPTIONS sip:x SIP/2.0\nX: ${q:+@}\n", 2,
                 "'${q:+@}': 'q' is not a scenario parameter (${NAME:+TEXT} tests a parameter)");
    expect_error("OPTIONS sip:x SIP/2.0\nX: ${}\n", 2, "empty name in '${}'");
    expect_error("OPTIONS sip:x SIP/2.0\n${last_Nope}\n", 2,
                 "unknown header name in '${last_Nope}' (last_ takes a known SIP header)");
    expect_error("OPTIONS sip:x SIP/2.0\n\nbody ${len}\n", 3, "${len} can only be used in the headers");
    expect_error("  \n\n  hello world\n", 3,
                 "the first line must be a request line 'METHOD uri SIP/2.0' or a status line 'SIP/2.0 code "
                 "reason'");
    expect_error("SIP/2.0 20 OK\n", 1, "status line must be 'SIP/2.0 <code 100-699> <reason>'");
    expect_error("\n \n", 1, "empty message");
}

}  // namespace
}  // namespace sipstorm::sip
