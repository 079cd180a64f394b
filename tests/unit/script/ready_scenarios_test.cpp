#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sip/template_render.hpp"

#include "scenario_files.hpp"

namespace sipstorm::script {
namespace {

using testing::kSourceDir;

// The literal text of a template with slots shown as ${?}, to check what the helpers produced.
std::string shape(const sip::Template& t) {
    std::string s;
    for (const sip::Segment& seg : t.segments) {
        if (seg.slot == sip::Slot::kLiteral)
            s.append(t.text, seg.offset, seg.length);
        else
            s += seg.own_line ? "${?line}" : "${?}";
    }
    return s;
}

std::string start_line(const ua::Program& p, const ua::Step& s) {
    std::string text = shape(p.templates.at(s.template_index));
    return text.substr(0, text.find("\r\n"));
}

ua::Step recv_code(int code, bool optional = false) {
    ua::Step s;
    s.kind = ua::StepKind::kRecv;
    s.matches.push_back(
        {false, sip::Method::kUnknown, static_cast<uint16_t>(code), static_cast<uint16_t>(code)});
    s.optional = optional;
    return s;
}

ua::Step recv_method(sip::Method m) {
    ua::Step s;
    s.kind = ua::StepKind::kRecv;
    s.matches.push_back({true, m, 0, 0});
    return s;
}

void expect_recv(const ua::Step& got, const ua::Step& want, int index) {
    SCOPED_TRACE("step " + std::to_string(index + 1));
    EXPECT_EQ(got.kind, ua::StepKind::kRecv);
    ASSERT_EQ(got.matches.size(), 1u);
    EXPECT_EQ(got.matches[0].request, want.matches[0].request);
    EXPECT_EQ(got.matches[0].method, want.matches[0].method);
    EXPECT_EQ(got.matches[0].code_lo, want.matches[0].code_lo);
    EXPECT_EQ(got.matches[0].code_hi, want.matches[0].code_hi);
    EXPECT_EQ(got.optional, want.optional);
    EXPECT_EQ(got.hook, -1);
}

TEST(ReadyScenarios, BasicCall) {
    ua::Program p;
    CompileError err;
    ASSERT_TRUE(testing::compile(kSourceDir + "/scenarios/basic_call.lua", p, err)) << to_string(err);
    EXPECT_EQ(p.name, "basic_call");
    EXPECT_EQ(p.role, ua::Role::kUac);
    EXPECT_EQ(p.params.at("service"), "service");
    EXPECT_EQ(p.params.at("hold"), "0");
    ASSERT_EQ(p.steps.size(), 8u);
    ASSERT_EQ(p.templates.size(), 3u);
    using K = ua::StepKind;
    EXPECT_EQ(p.steps[0].kind, K::kSend);
    EXPECT_EQ(start_line(p, p.steps[0]), "INVITE sip:service@${?}:${?} SIP/2.0");
    expect_recv(p.steps[1], recv_code(100, true), 1);
    expect_recv(p.steps[2], recv_code(180, true), 2);
    expect_recv(p.steps[3], recv_code(200), 3);
    EXPECT_EQ(p.steps[4].kind, K::kSend);
    EXPECT_EQ(p.steps[5].kind, K::kPause);
    EXPECT_EQ(p.steps[5].pause.dist, ua::Distribution::kFixed);
    EXPECT_EQ(p.steps[5].pause.a_ms, 0);
    EXPECT_EQ(p.steps[6].kind, K::kSend);
    expect_recv(p.steps[7], recv_code(200), 7);

    const sip::Template& invite = p.templates[p.steps[0].template_index];
    EXPECT_TRUE(invite.is_request);
    EXPECT_EQ(invite.method, sip::Method::kInvite);
    EXPECT_TRUE(invite.has_body);
    const sip::Template& ack = p.templates[p.steps[4].template_index];
    EXPECT_EQ(ack.method, sip::Method::kAck);
    EXPECT_FALSE(ack.has_body);
    EXPECT_EQ(p.templates[p.steps[6].template_index].method, sip::Method::kBye);
    // Lines as written in the file, for the interpreter's messages.
    EXPECT_EQ(p.steps[0].source_line, 25u);
    EXPECT_EQ(p.steps[7].source_line, 80u);
}

TEST(ReadyScenarios, Answer) {
    ua::Program p;
    CompileError err;
    ASSERT_TRUE(testing::compile(kSourceDir + "/scenarios/answer.lua", p, err, {{"ring", "1.5"}}))
        << to_string(err);
    EXPECT_EQ(p.name, "answer");
    EXPECT_EQ(p.role, ua::Role::kUas);
    ASSERT_EQ(p.steps.size(), 8u);
    using K = ua::StepKind;
    expect_recv(p.steps[0], recv_method(sip::Method::kInvite), 0);
    const int codes[] = {100, 180, 0, 200, 0, 0, 200};
    for (int i = 1; i < 8; ++i) {
        if (codes[i - 1] == 0) continue;
        ASSERT_EQ(p.steps[i].kind, K::kSend) << i;
        const sip::Template& t = p.templates[p.steps[i].template_index];
        EXPECT_FALSE(t.is_request);
        EXPECT_EQ(t.status_code, codes[i - 1]);
    }
    EXPECT_EQ(p.steps[3].kind, K::kPause);
    EXPECT_EQ(p.steps[3].pause.a_ms, 1500);
    expect_recv(p.steps[5], recv_method(sip::Method::kAck), 5);
    expect_recv(p.steps[6], recv_method(sip::Method::kBye), 6);

    const sip::Template& ok = p.templates[p.steps[4].template_index];
    EXPECT_TRUE(ok.has_body);
    EXPECT_EQ(start_line(p, p.steps[4]), "SIP/2.0 200 OK");
    EXPECT_EQ(shape(ok).substr(0, shape(ok).find("\r\n\r\n")),
              "SIP/2.0 200 OK\r\n${?line}${?line}${?line}${?};tag=${?}\r\n${?line}${?line}"
              "Contact: <sip:sipstorm@${?}:${?};transport=${?}>\r\n"
              "Content-Type: application/sdp\r\nContent-Length: ${?}");
    const sip::Template& trying = p.templates[p.steps[1].template_index];
    EXPECT_EQ(shape(trying),
              "SIP/2.0 100 Trying\r\n${?line}${?line}${?line}${?line}${?line}Content-Length: 0\r\n\r\n");
    const sip::Template& bye_ok = p.templates[p.steps[7].template_index];
    EXPECT_EQ(shape(bye_ok),
              "SIP/2.0 200 OK\r\n${?line}${?line}${?line}${?line}${?line}Content-Length: 0\r\n\r\n");
}

TEST(ReadyScenarios, ParamsOverride) {
    ua::Program p;
    CompileError err;
    ASSERT_TRUE(testing::compile(kSourceDir + "/scenarios/basic_call.lua", p, err,
                                 {{"service", "4711"}, {"hold", "2.5"}}))
        << to_string(err);
    EXPECT_EQ(start_line(p, p.steps[0]), "INVITE sip:4711@${?}:${?} SIP/2.0");
    EXPECT_EQ(p.steps[5].pause.a_ms, 2500);
    EXPECT_EQ(p.params.at("service"), "4711");
}

// The helpers build what basic_call.lua spells out, so the two styles can't drift apart.
TEST(ReadyScenarios, HelpersMatchVerbatimBasicCall) {
    ua::Program verbatim, helpers;
    CompileError err;
    ASSERT_TRUE(testing::compile(kSourceDir + "/scenarios/basic_call.lua", verbatim, err)) << to_string(err);
    std::string path = testing::write_scenario("helpers_call.lua", R"(
local sip = require "sipstorm"
return {
  role = "uac",
  params = { service = "service", hold = "0" },
  steps = {
    { send = sip.invite{ to = "sip:${service}@${remote_ip}:${remote_port}", sdp = sip.sdp_offer() } },
    { recv = 100, optional = true },
    { recv = 180, optional = true },
    { recv = 200 },
    { send = sip.ack_2xx() },
    { pause = "${hold}s" },
    { send = sip.bye() },
    { recv = 200 },
  },
}
)");
    ASSERT_TRUE(testing::compile(path, helpers, err)) << to_string(err);
    ASSERT_EQ(helpers.templates.size(), verbatim.templates.size());
    for (size_t i = 0; i < verbatim.templates.size(); ++i) {
        EXPECT_EQ(shape(helpers.templates[i]), shape(verbatim.templates[i])) << i;
        EXPECT_EQ(helpers.templates[i].body_segment, verbatim.templates[i].body_segment) << i;
    }
}

struct CallValues {
    std::string_view value(sip::Slot s, uint16_t) const {
        switch (s) {
            case sip::Slot::kLocalIp:
                return "192.0.2.1";
            case sip::Slot::kMediaPort:
                return "16384";
            case sip::Slot::kCallNumber:
                return "123456";
            default:
                return "v";
        }
    }
};

TEST(ReadyScenarios, BasicCallInviteRendersWithExactContentLength) {
    ua::Program p;
    CompileError err;
    ASSERT_TRUE(testing::compile(kSourceDir + "/scenarios/basic_call.lua", p, err)) << to_string(err);
    std::vector<char> buf(2048);
    size_t n = sip::render(p.templates[0], CallValues{}, buf.data(), buf.size());
    ASSERT_GT(n, 0u);
    std::string msg(buf.data(), n);
    size_t sep = msg.find("\r\n\r\n");
    ASSERT_NE(sep, std::string::npos);
    std::string body = msg.substr(sep + 4);
    EXPECT_NE(msg.find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos)
        << msg;
    EXPECT_EQ(body.substr(0, 48), "v=0\r\no=sipstorm 123456 1 IN IP4 192.0.2.1\r\ns=-\r\n");
    EXPECT_EQ(body.substr(body.size() - 12), "a=sendrecv\r\n");
    EXPECT_EQ(msg.find('\n'), msg.find("\r\n") + 1);  // CRLF, not LF
}

}  // namespace
}  // namespace sipstorm::script
