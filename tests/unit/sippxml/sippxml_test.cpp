// SIPp XML scenarios: keyword translation, the compiled program, and a compiled scenario driven
// through the call engine (captures, variable actions, conditional next) with a fake transport.
#include "sippxml/compiler.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "../ua/fake_transport.hpp"
#include "sip/parser.hpp"
#include "sippxml/keywords.hpp"
#include "ua/engine.hpp"
#include "ua/var_ops.hpp"

namespace sipstorm::sippxml {
namespace {

constexpr uint64_t kMs = 1'000'000;

std::string write_temp(const std::string& text) {
    char path[] = "/tmp/sippxml_testXXXXXX.xml";
    int fd = mkstemps(path, 4);
    EXPECT_GE(fd, 0);
    close(fd);
    std::ofstream(path) << text;
    return path;
}

bool compile_text(const std::string& xml, ua::Program& p, script::CompileError& err,
                  std::map<std::string, std::string> params = {}) {
    const std::string path = write_temp(xml);
    bool ok = compile_sipp_xml(path, params, script::CompileOptions{}, p, err);
    std::remove(path.c_str());
    return ok;
}

TEST(SippKeywords, TranslatesToSlots) {
    KeywordContext kc;
    kc.is_variable = [](std::string_view v) { return v == "1" || v == "user"; };
    kc.pid = "42";
    std::string out;
    KeywordError err;
    ASSERT_TRUE(translate_message(R"(
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0 file="users.csv"]@[local_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[$user]@[remote_ip]>[peer_tag_param]
      CSeq: 7 INVITE
      [authentication username=joe password=[field1]]
      X: [$1] [last_Via:] [media_ip] IP[media_ip_type]
      Content-Length: [len]
    )",
                                  kc, out, err))
        << err.message;
    EXPECT_NE(out.find("INVITE sip:${service}@${remote_ip}:${remote_port} SIP/2.0\n"), std::string::npos);
    EXPECT_NE(out.find("\nFrom: <sip:${users.field0}@${local_ip}>;tag=42SIPpTag00${call_number}\n"),
              std::string::npos);
    EXPECT_NE(out.find("\nTo: <sip:${user}@${remote_ip}>${peer_tag_param}\n"), std::string::npos);
    EXPECT_NE(out.find("\nCSeq: ${cseq} INVITE\n"), std::string::npos);  // the engine numbers requests
    EXPECT_NE(out.find("\n${auth}\n"), std::string::npos);
    EXPECT_NE(out.find("\nX: ${1} ${last_Via} ${local_ip} IP${local_ip_type}\n"), std::string::npos);
    EXPECT_TRUE(kc.auth_seen);
    EXPECT_EQ(kc.auth_user, "joe");
    EXPECT_EQ(kc.auth_password, "${field1}");
}

TEST(SippKeywords, ErrorsNameTheLine) {
    KeywordContext kc;
    kc.is_variable = [](std::string_view) { return false; };
    std::string out;
    KeywordError err;
    EXPECT_FALSE(translate_message("\nOPTIONS sip:x SIP/2.0\nX: [bogus]\n", kc, out, err));
    EXPECT_EQ(err.line, 2);
    EXPECT_EQ(err.message, "unknown keyword [bogus]");
    EXPECT_FALSE(translate_message("OPTIONS sip:x SIP/2.0\nX: [$v]\n", kc, out, err));
    EXPECT_EQ(err.line, 1);
    EXPECT_FALSE(translate_message("OPTIONS sip:x SIP/2.0\nX: [users]\n", kc, out, err));
    EXPECT_EQ(err.message, "keyword [users] is not supported yet");
    EXPECT_FALSE(translate_message("OPTIONS sip:x SIP/2.0\nX: [fill text=ab]\n", kc, out, err));
    EXPECT_EQ(err.message, "[fill]: needs variable=NAME (the variable that holds the length)");
}

TEST(VarOps, ArithmeticTestsAndStrcmpAsSippPrintsThem) {
    struct Vars final : ua::VarAccess {
        std::vector<std::string> v = std::vector<std::string>(4);
        std::string_view get(int i) const override { return v[static_cast<size_t>(i)]; }
        bool set(int i, std::string_view s) override {
            v[static_cast<size_t>(i)] = std::string(s);
            return true;
        }
        double sample_ms(const ua::PauseSpec& d) override { return d.a_ms; }
        double now_seconds() const override { return 1000.25; }
        bool credentials_are(std::string_view, std::string_view) const override { return false; }
        std::string_view set_destination(std::string_view, std::string_view) override { return {}; }
    } vars;
    auto op = [](ua::VarOpKind k, int dest, int src, double value) {
        ua::VarOp o;
        o.kind = k;
        o.dest = dest;
        o.src = src;
        o.value = value;
        return o;
    };
    std::vector<ua::VarOp> ops(7);
    ops[0] = op(ua::VarOpKind::kAssign, 0, -1, 3);
    ops[1] = op(ua::VarOpKind::kAdd, 0, -1, 2);
    ops[2] = op(ua::VarOpKind::kDivide, 0, -1, 4);
    ops[3] = op(ua::VarOpKind::kTest, 1, 0, 1);
    ops[3].compare = ua::Compare::kGreater;
    ops[4].kind = ua::VarOpKind::kStrcmp;
    ops[4].dest = 2;
    ops[4].src = 0;
    ops[4].text = "1.250000";
    ops[5] = op(ua::VarOpKind::kGettimeofday, 3, -1, 0);
    ops[6].kind = ua::VarOpKind::kFail;
    ops[6].text = "stop here";
    ua::OpsOutcome o = ua::run_var_ops(ops, vars);
    EXPECT_EQ(vars.v[0], "1.250000");  // SIPp prints doubles with %f
    EXPECT_EQ(vars.v[1], "true");
    EXPECT_EQ(vars.v[2], "0.000000");
    EXPECT_EQ(vars.v[3], "1000.000000");
    EXPECT_EQ(o.kind, ua::OpsOutcome::kFail);
    EXPECT_EQ(o.reason, "stop here");
}

constexpr const char* kUac = R"X(<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="regexp-like">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Content-Length: 0
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="200">
    <action>
      <ereg regexp="o=([[:alnum:]]*) ([[:alnum:]]*)" search_in="body" check_it="true" assign_to="all,user,sess"/>
      <ereg regexp="PROXY" search_in="hdr" header="X-Who:" case_indep="true" assign_to="proxied"/>
      <assign assign_to="n" value="2"/>
      <multiply assign_to="n" value="3"/>
      <test assign_to="big" variable="n" compare="greater_than_equal" value="6"/>
    </action>
  </recv>
  <send next="skip" test="proxied">
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      X-Got: [$user] [$sess] [$n] [$big] [$all]
      Content-Length: 0
    ]]>
  </send>
  <pause milliseconds="1000"/>
  <label id="skip"/>
  <send>
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Content-Length: 0
    ]]>
  </send>
  <recv response="200"/>
  <ResponseTimeRepartition value="10, 20"/>
</scenario>
)X";

TEST(SippXml, CompilesIntoTheProgram) {
    ua::Program p;
    script::CompileError err;
    ASSERT_TRUE(compile_text(kUac, p, err)) << to_string(err);
    EXPECT_EQ(p.name, "regexp-like");
    EXPECT_EQ(p.role, ua::Role::kUac);
    ASSERT_EQ(p.steps.size(), 7u);  // the label is no step
    EXPECT_EQ(p.steps[0].source_line, 4u);
    EXPECT_TRUE(p.steps[1].optional);
    EXPECT_EQ(p.steps[2].captures.size(), 4u);
    EXPECT_EQ(p.steps[2].captures[2].group, 2);
    EXPECT_TRUE(p.steps[2].captures[0].required);
    EXPECT_TRUE(p.steps[2].captures[0].body);
    EXPECT_EQ(p.steps[2].ops.size(), 3u);
    EXPECT_EQ(p.steps[3].next, 5);
    EXPECT_GE(p.steps[3].next_test, 0);
    EXPECT_EQ(p.labels.at("skip"), 5);
    EXPECT_EQ(p.regex_icase.at(1), 1);
}

std::string header(const std::string& msg, const std::string& name) {
    sip::MessageView v;
    EXPECT_TRUE(sip::parse(msg, v).ok());
    for (uint16_t i = 0; i < v.header_count; ++i)
        if (v.headers[i].name == name) return std::string(v.headers[i].value);
    return {};
}

struct NullRecorder final : ua::Recorder {
    int succeeded = 0, failed = 0;
    std::string last_failure;
    void call_started(uint64_t, uint64_t) override {}
    void call_succeeded(uint64_t, uint64_t) override { ++succeeded; }
    void call_failed(ua::FailReason, std::string_view d, uint16_t) override {
        ++failed;
        last_failure = d;
    }
    void call_setup(uint64_t) override {}
    void response_time(sip::Method, uint64_t) override {}
    void message_out(bool, sip::Method, uint16_t, bool) override {}
    void message_in(bool, sip::Method, uint16_t) override {}
    void retransmission_in() override {}
    void parse_error() override {}
    void unknown_call() override {}
    std::vector<unsigned> counters;
    std::vector<std::pair<unsigned, uint64_t>> timers;
    void scenario_counter(unsigned index) override { counters.push_back(index); }
    void scenario_timer(unsigned index, uint64_t ns) override { timers.emplace_back(index, ns); }
};

std::string ok_with_sdp(const std::string& invite, const std::string& extra) {
    const std::string body = "v=0\r\no=alice 2890844526 2890842807 IN IP4 10.0.0.1\r\n";
    return "SIP/2.0 200 OK\r\nVia: " + header(invite, "Via") + "\r\nFrom: " + header(invite, "From") +
           "\r\nTo: " + header(invite, "To") + ";tag=t9\r\nCall-ID: " + header(invite, "Call-ID") +
           "\r\nCSeq: " + header(invite, "CSeq") + "\r\nContact: <sip:uas@127.0.0.1:5090>\r\n" + extra +
           "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
           body;
}

struct Harness {
    ua::Program program;
    ua::test::FakeTransport transport;
    NullRecorder rec;
    ua::EngineConfig config = [] {
        ua::EngineConfig c;
        c.run_id = 0xabcdef01;
        c.max_calls = 4;
        net::Address::parse("127.0.0.1:5090", 5060, c.remote);
        return c;
    }();
    void inject(ua::Engine& e, const std::string& m, uint64_t now) {
        net::RxPacket pk{m.data(), static_cast<uint32_t>(m.size()), config.remote};
        e.on_packet(pk, now);
        transport.flush();
    }
};

// A <send> of a request to the harness's peer, with the slots the test scenarios use.
std::string send_request(const std::string& method, const std::string& attrs = "") {
    const bool invite = method == "INVITE";
    return "<send" + attrs + "><![CDATA[\n" + method +
           " sip:uas@127.0.0.1:5090 SIP/2.0\n"
           "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=[branch]\n"
           "From: <sip:uac@127.0.0.1>;tag=[call_number]\n"
           "To: <sip:uas@127.0.0.1:5090>" +
           (invite ? "" : "[peer_tag_param]") +
           "\nCall-ID: [call_id]\nCSeq: " + (invite || method == "ACK" ? "1 " : "[cseq] ") + method +
           "\nContent-Length: 0\n]]></send>\n";
}

TEST(SippXml, CapturesActionsAndConditionalNextInTheEngine) {
    for (bool proxied : {false, true}) {
        Harness r;
        script::CompileError err;
        ASSERT_TRUE(compile_text(kUac, r.program, err)) << to_string(err);
        ua::Engine engine{r.config, r.program, r.transport, r.rec, nullptr, 0};
        ASSERT_TRUE(engine.start_call(0, 0));
        r.transport.flush();
        const std::string invite = r.transport.sent.at(0);
        EXPECT_EQ(header(invite, "CSeq"), "1 INVITE");
        r.inject(engine, ok_with_sdp(invite, proxied ? "X-Who: a proxy\r\n" : ""), kMs);
        ASSERT_EQ(r.transport.sent.size(), proxied ? 3u : 2u);
        const std::string ack = r.transport.sent[1];
        EXPECT_EQ(header(ack, "X-Got"), "alice 2890844526 6.000000 true o=alice 2890844526");
        EXPECT_NE(header(ack, "To").find(";tag=t9"), std::string::npos);
        if (!proxied) {  // the pause, then the BYE
            engine.advance(1200 * kMs);
            r.transport.flush();
            ASSERT_EQ(r.transport.sent.size(), 3u);
        }
        const std::string bye = r.transport.sent[2];
        EXPECT_EQ(header(bye, "CSeq"), "2 BYE");
        r.inject(engine,
                 "SIP/2.0 200 OK\r\nVia: " + header(bye, "Via") + "\r\nFrom: " + header(bye, "From") +
                     "\r\nTo: " + header(bye, "To") + "\r\nCall-ID: " + header(bye, "Call-ID") +
                     "\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
                 1300 * kMs);
        EXPECT_EQ(r.rec.succeeded, 1) << r.rec.last_failure;
    }
}

TEST(SippXml, CheckItFailsTheCallWhenNothingMatches) {
    Harness r;
    script::CompileError err;
    ASSERT_TRUE(compile_text(kUac, r.program, err)) << to_string(err);
    ua::Engine engine{r.config, r.program, r.transport, r.rec, nullptr, 0};
    ASSERT_TRUE(engine.start_call(0, 0));
    r.transport.flush();
    std::string ok = ok_with_sdp(r.transport.sent.at(0), "");
    ok.replace(ok.find("o=alice"), 7, "x=alice");
    r.inject(engine, ok, kMs);
    EXPECT_EQ(r.rec.failed, 1);
    EXPECT_EQ(r.rec.last_failure, "a required capture found nothing");
}

TEST(SippXml, UasResponsesToTheInviteKeepItsHeaders) {
    ua::Program p;
    script::CompileError err;
    ASSERT_TRUE(compile_text(R"(<scenario>
  <recv request="INVITE"/>
  <send><![CDATA[
    SIP/2.0 200 OK
    [last_Via:]
    [last_To:];tag=[pid]
    Content-Length: 0
  ]]></send>
  <recv request="BYE"/>
  <send><![CDATA[
    SIP/2.0 200 OK
    [last_Via:]
    Content-Length: 0
  ]]></send>
</scenario>)",
                             p, err))
        << to_string(err);
    EXPECT_EQ(p.role, ua::Role::kUas);
    ASSERT_EQ(p.templates.size(), 2u);
    auto uses = [](const sip::Template& t, sip::Slot s) {
        for (const sip::Segment& seg : t.segments)
            if (seg.slot == s) return true;
        return false;
    };
    EXPECT_TRUE(uses(p.templates[0], sip::Slot::kInviteHeader));
    EXPECT_FALSE(uses(p.templates[0], sip::Slot::kLastHeader));
    EXPECT_TRUE(uses(p.templates[1], sip::Slot::kLastHeader));
}

TEST(SippXml, ErrorsCarryTheLine) {
    struct Case {
        const char* xml;
        int line;
        const char* message;
    };
    const Case cases[] = {
        {"<scenario>\n<send><![CDATA[\nOPTIONS sip:x SIP/2.0\nX: [nope]\n]]></send>\n</scenario>", 4,
         "unknown keyword [nope]"},
        {"<scenario>\n<recv request=\"INVITE\"/>\n<recvCmd/>\n</scenario>", 3,
         "<recvCmd> (3PCC) is not supported"},
        {"<scenario>\n<recv request=\"INVITE\" response_txn=\"t\"/>\n</scenario>", 2,
         "<recv>: response_txn applies to response="},
        {"<scenario>\n<recv request=\"INVITE\"/>\n<nop><action><verifyauth assign_to=\"ok\" username=\"a\" "
         "password=\"b\"/></action></nop>\n</scenario>",
         3, "<verifyauth> checks a received request: it belongs in a <recv>"},
        {"<scenario>\n<recv request=\"INVITE\"><action><verifyauth assign_to=\"ok\" username=\"[field0]\" "
         "password=\"b\"/></action></recv>\n</scenario>",
         2, "<verifyauth>: username is a literal or one [$variable]"},
        {"<scenario>\n<recv request=\"INVITE\" lost=\"150\"/>\n</scenario>", 2,
         "<recv>: lost must be a percentage from 0 to 100, not '150'"},
        {"<scenario>\n<recv request=\"INVITE\">\n<action><ereg regexp=\"(\" "
         "assign_to=\"a\"/></action></recv>\n</scenario>",
         3, "<ereg>: bad regexp '('"},
        {"<scenario>\n<recv request=\"INVITE\"/>\n<pause distribution=\"weibull\" lambda=\"1\" "
         "k=\"2\"/>\n</scenario>",
         3, "<pause>: distribution 'weibull' is not supported"},
        {"<scenario>\n<recv request=\"INVITE\">\n</scenario>", 3, "malformed XML: mismatched tag"},
        {"<scenario>\n<send><![CDATA[\nOPTIONS sip:x SIP/2.0\n[authentication]\n]]></send>\n</scenario>", 4,
         "[authentication] needs credentials"},
    };
    for (const Case& c : cases) {
        ua::Program p;
        script::CompileError err;
        EXPECT_FALSE(compile_text(c.xml, p, err)) << c.xml;
        EXPECT_EQ(err.line, c.line) << err.message << " in " << c.xml;
        EXPECT_EQ(err.message.rfind(c.message, 0), 0u) << err.message;
    }
}

TEST(SippXml, PauseForms) {
    ua::Program p;
    script::CompileError err;
    ASSERT_TRUE(compile_text(R"(<scenario>
<recv request="INVITE"><action><assign assign_to="d" value="250"/></action></recv>
<pause/>
<pause min="10" max="20"/>
<pause distribution="normal" mean="100" stdev="10"/>
<pause distribution="lognormal" mean="0" stdev="0"/>
<pause distribution="exponential" mean="30"/>
<pause variable="d"/>
<timewait milliseconds="40"/>
</scenario>)",
                             p, err, {{"duration", "1500"}}))
        << to_string(err);
    ASSERT_EQ(p.steps.size(), 8u);
    EXPECT_EQ(p.steps[1].pause.a_ms, 1500);  // SIPp's -d
    EXPECT_EQ(p.steps[2].pause.dist, ua::Distribution::kUniform);
    EXPECT_EQ(p.steps[3].pause.b_ms, 10);
    EXPECT_DOUBLE_EQ(p.steps[4].pause.a_ms, 1.0);  // exp(mu + sigma^2/2)
    EXPECT_EQ(p.steps[5].pause.dist, ua::Distribution::kExponential);
    EXPECT_EQ(p.steps[6].pause.var, 0);
    EXPECT_EQ(p.steps[7].pause.a_ms, 40);
}

TEST(SippXml, RegexpMatchBecomesOneMatchPerMethod) {
    ua::Program p;
    script::CompileError err;
    ASSERT_TRUE(compile_text(R"(<scenario>
<recv request="INVITE|UPDATE" regexp_match="true"/>
<recv request="^(BYE|CANCEL)$" regexp_match="true"/>
</scenario>)",
                             p, err))
        << to_string(err);
    ASSERT_EQ(p.steps.size(), 2u);
    std::vector<sip::Method> first, second;
    for (const ua::RecvMatch& m : p.steps[0].matches) first.push_back(m.method);
    for (const ua::RecvMatch& m : p.steps[1].matches) second.push_back(m.method);
    EXPECT_EQ(first, (std::vector<sip::Method>{sip::Method::kInvite, sip::Method::kUpdate}));
    EXPECT_EQ(second, (std::vector<sip::Method>{sip::Method::kBye, sip::Method::kCancel}));
    for (const char* bad :
         {"<recv request=\"FOO\" regexp_match=\"true\"/>", "<recv request=\"(\" regexp_match=\"true\"/>"}) {
        EXPECT_FALSE(compile_text(std::string("<scenario>\n") + bad + "\n</scenario>", p, err)) << bad;
        EXPECT_EQ(err.line, 2) << err.message;
    }
}

// An INVITE that starts timer "t" and counts, its 200 that stops "t" and counts; two INFOs, each
// timed by "loop" (repeat_rtd); a third INFO whose 200 stops "t" again (recorded once a call).
const std::string kTimed = "<scenario>\n" + send_request("INVITE", R"( start_rtd="t" counter="sent")") +
                           R"(<recv response="200" rtd="t" counter="answered"/>
<label id="again"/>
)" + send_request("INFO", R"( start_rtd="loop")") +
                           R"(<recv response="200" rtd="loop" repeat_rtd="true" counter="answered">
<action><add assign_to="n" value="1"/><test assign_to="more" variable="n" compare="less_than" value="2"/></action>
</recv>
<nop next="again" test="more"/>
)" + send_request("INFO") + R"(<recv response="200" rtd="t"/>
</scenario>)";

TEST(SippXml, TimersAndCountersAsSippKeepsThem) {
    Harness r;
    script::CompileError err;
    ASSERT_TRUE(compile_text(kTimed, r.program, err)) << to_string(err);
    EXPECT_EQ(r.program.timer_names, (std::vector<std::string>{"t", "loop"}));
    EXPECT_EQ(r.program.counter_names, (std::vector<std::string>{"sent", "answered"}));
    ua::Engine engine{r.config, r.program, r.transport, r.rec, nullptr, 0};
    ASSERT_TRUE(engine.start_call(0, 0));  // intended at 0, the INVITE leaves at 0
    r.transport.flush();
    r.inject(engine, ok_with_sdp(r.transport.sent.at(0), ""), 5 * kMs);
    auto answer_last = [&](uint64_t at) {
        const std::string req = r.transport.sent.back();
        r.inject(engine,
                 "SIP/2.0 200 OK\r\nVia: " + header(req, "Via") + "\r\nFrom: " + header(req, "From") +
                     "\r\nTo: " + header(req, "To") + "\r\nCall-ID: " + header(req, "Call-ID") +
                     "\r\nCSeq: " + header(req, "CSeq") + "\r\nContent-Length: 0\r\n\r\n",
                 at);
    };
    answer_last(7 * kMs);   // the first INFO, sent at 5 ms
    answer_last(10 * kMs);  // the second, sent at 7 ms
    answer_last(11 * kMs);  // the third: "t" was recorded already
    using T = std::pair<unsigned, uint64_t>;
    EXPECT_EQ(r.rec.timers, (std::vector<T>{{0, 5 * kMs}, {1, 2 * kMs}, {1, 3 * kMs}}));
    EXPECT_EQ(r.rec.counters, (std::vector<unsigned>{0, 1, 1, 1}));
    EXPECT_EQ(r.rec.succeeded, 1) << r.rec.last_failure;
}

TEST(SippXml, TimerAndCounterErrors) {
    ua::Program p;
    script::CompileError err;
    EXPECT_FALSE(
        compile_text("<scenario>\n<recv request=\"INVITE\" repeat_rtd=\"true\"/>\n</scenario>", p, err));
    EXPECT_EQ(err.message, "repeat_rtd needs rtd");
    std::string many = "<scenario>\n<recv request=\"INVITE\"/>\n";
    for (int i = 0; i < 6; ++i) many += "<nop start_rtd=\"t" + std::to_string(i) + "\"/>\n";
    EXPECT_FALSE(compile_text(many + "</scenario>", p, err));
    EXPECT_EQ(err.line, 8);
    EXPECT_NE(err.message.find("5 response-time timers at most"), std::string::npos) << err.message;
}

TEST(SippXml, ClockTickTimestampAndFillInTheEngine) {
    Harness r;
    script::CompileError err;
    ASSERT_TRUE(compile_text(R"(<scenario>
<nop><action><assign assign_to="n" value="7"/></action></nop>
<send><![CDATA[
OPTIONS sip:uas@127.0.0.1:5090 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=[branch]
From: <sip:uac@127.0.0.1>;tag=[call_number]
To: <sip:uas@127.0.0.1:5090>
Call-ID: [call_id]
CSeq: 1 OPTIONS
X-Tick: [clock_tick]
X-Time: [timestamp]
X-Fill: [fill variable=n text="ab"]|[fill variable=n]
Content-Length: 0
]]></send>
</scenario>)",
                             r.program, err))
        << to_string(err);
    ua::Engine engine{r.config, r.program, r.transport, r.rec, nullptr, 1000 * kMs};
    ASSERT_TRUE(engine.start_call(1250 * kMs, 1250 * kMs));
    r.transport.flush();
    const std::string m = r.transport.sent.at(0);
    EXPECT_EQ(header(m, "X-Tick"), "250");  // ms since the engine (the run) started
    EXPECT_EQ(header(m, "X-Fill"), "abababa|XXXXXXX");
    const std::string t = header(m, "X-Time");  // "2026-12-02\t14:30:00.123456\t1796196600.123456"
    ASSERT_EQ(t.size(), 44u) << t;
    EXPECT_EQ(t[4], '-');
    EXPECT_EQ(t[10], '\t');
    EXPECT_EQ(t[26], '\t');
    EXPECT_EQ(t[37], '.');
    ua::Program p;
    EXPECT_FALSE(
        compile_text("<scenario>\n<send><![CDATA[\nOPTIONS sip:x SIP/2.0\nX: [fill "
                     "variable=nope]\n]]></send>\n</scenario>",
                     p, err));
    EXPECT_EQ(err.line, 4);
    EXPECT_EQ(err.message, "[fill]: no action assigns the variable 'nope'");
}

// A caller that holds the call for 10 s, unless the peer hangs up first: the BYE handler is a recv
// with optional="global", which takes the BYE in the middle of the pause.
TEST(SippXml, GlobalRecvTakesItsMessageInAPause) {
    Harness r;
    script::CompileError err;
    ASSERT_TRUE(compile_text("<scenario>\n" + send_request("INVITE") + R"(<recv response="200"/>
)" + send_request("ACK") + R"(<pause milliseconds="10000"/>
)" + send_request("BYE") + R"(<recv response="200" next="end"/>
<recv request="BYE" optional="global" counter="peer_hung_up"/>
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
<label id="end"/>
</scenario>)",
                             r.program, err))
        << to_string(err);
    EXPECT_EQ(r.program.global_recvs, (std::vector<int>{6}));
    ua::Engine engine{r.config, r.program, r.transport, r.rec, nullptr, 0};
    ASSERT_TRUE(engine.start_call(0, 0));
    r.transport.flush();
    const std::string invite = r.transport.sent.at(0);
    r.inject(engine, ok_with_sdp(invite, ""), kMs);
    ASSERT_EQ(r.transport.sent.size(), 2u);  // the ACK; now the pause
    r.inject(engine,
             "BYE sip:uac@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bKpeerbye\r\n"
             "From: " +
                 header(invite, "To") + ";tag=t9\r\nTo: " + header(invite, "From") +
                 "\r\nCall-ID: " + header(invite, "Call-ID") + "\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n",
             50 * kMs);
    ASSERT_EQ(r.transport.sent.size(), 3u);
    EXPECT_EQ(r.transport.sent[2].substr(0, 15), "SIP/2.0 200 OK\r");
    EXPECT_EQ(header(r.transport.sent[2], "CSeq"), "1 BYE");
    EXPECT_EQ(r.rec.succeeded, 1) << r.rec.last_failure;
    EXPECT_EQ(r.rec.counters, (std::vector<unsigned>{0}));
}

// SIPp's media actions become media steps after the step that carries them.
TEST(SippXml, MediaActionsBecomeMediaSteps) {
    const std::string wav = ::testing::TempDir() + "sippxml_media_test.wav";
    {
        std::ofstream f(wav, std::ios::binary);
        auto le32 = [&](uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
        auto le16 = [&](uint16_t v) { f.write(reinterpret_cast<const char*>(&v), 2); };
        f.write("RIFF", 4), le32(36 + 1600), f.write("WAVEfmt ", 8), le32(16);
        le16(1), le16(1), le32(8000), le32(16000), le16(2), le16(16);
        f.write("data", 4), le32(1600);
        for (int i = 0; i < 800; ++i) le16(0);
    }
    ua::Program p;
    script::CompileError err;
    ASSERT_TRUE(
        compile_text("<scenario>\n<recv request=\"INVITE\"/>\n"
                     "<nop><action><exec rtp_stream=\"" +
                         wav +
                         ",3,8\"/></action></nop>\n"
                         "<recv request=\"ACK\"><action><exec rtp_echo=\"startaudio\"/>"
                         "<exec rtp_stream=\"" +
                         wav +
                         ",-1\"/></action></recv>\n"
                         "<nop><action><exec rtp_stream=\"pause\"/></action></nop>\n"
                         "<nop><action><exec play_pcap_audio=\"pcap/g711a.pcap\"/></action></nop>\n"
                         "</scenario>",
                     p, err))
        << to_string(err);
    using K = ua::StepKind;
    std::vector<K> kinds;
    for (const ua::Step& st : p.steps) kinds.push_back(st.kind);
    EXPECT_EQ(kinds, (std::vector<K>{K::kRecv, K::kNop, K::kMedia, K::kRecv, K::kMedia, K::kMedia, K::kNop,
                                     K::kMedia, K::kNop, K::kMedia}));
    ASSERT_EQ(p.media.size(), 5u);
    EXPECT_EQ(p.media[0].clip->codec, media::Codec::kPcma);
    EXPECT_TRUE(p.media[0].loop);
    EXPECT_EQ(p.media[0].duration_ns, 3 * 100 * kMs);  // 800 samples a loop, three loops
    EXPECT_EQ(p.media[1].kind, media::MediaAction::Kind::kEcho);
    EXPECT_TRUE(p.media[2].loop);
    EXPECT_EQ(p.media[2].duration_ns, 0u);
    EXPECT_EQ(p.media[3].kind, media::MediaAction::Kind::kStop);
    EXPECT_TRUE(p.media[4].clip->is_capture());  // found among sip-tester's captures
    EXPECT_EQ(p.media[4].clip->source, "/usr/share/sip-tester/g711a.pcap");
    const struct {
        const char* action;
        const char* message;
    } bad[] = {
        {"<exec rtp_stream=\"resume\"/>", "<exec rtp_stream=\"resume\">: not supported"},
        {"<exec rtp_echo=\"startvideo\"/>", "<exec rtp_echo=\"startvideo\">: startaudio or stopaudio"},
        {"<exec play_pcap_video=\"v.pcap\"/>", "<exec play_pcap_video>: only audio is supported"},
        {"<exec rtp_stream=\"/nonexistent.wav\"/>", "<exec>: cannot open '/nonexistent.wav'"},
        {"<exec rtp_stream=\"x.wav,0\"/>", "<exec rtp_stream>: the loop count must be -1"},
    };
    for (const auto& b : bad) {
        EXPECT_FALSE(compile_text(std::string("<scenario>\n<recv request=\"INVITE\"/>\n<nop><action>") +
                                      b.action + "</action></nop>\n</scenario>",
                                  p, err))
            << b.action;
        EXPECT_EQ(err.line, 3) << err.message;
        EXPECT_EQ(err.message.rfind(b.message, 0), 0u) << err.message;
    }
    EXPECT_FALSE(
        compile_text("<scenario>\n<recv request=\"INVITE\"/>\n<nop next=\"x\"><action><exec "
                     "rtp_echo=\"startaudio\"/></action></nop>\n<label id=\"x\"/>\n</scenario>",
                     p, err));
    EXPECT_NE(err.message.find("a media action on a step that jumps"), std::string::npos) << err.message;
    std::remove(wav.c_str());
}

// lost="100": the INVITE's first transmission never leaves (Timer A sends it again); the 200 the recv
// takes is dropped as if it never came.
TEST(SippXml, LostEmulatesPacketLoss) {
    Harness r;
    script::CompileError err;
    ASSERT_TRUE(compile_text(
        "<scenario>\n" + send_request("INVITE", R"( lost="100")") + R"(<recv response="200" lost="100"/>
</scenario>)",
        r.program, err))
        << to_string(err);
    EXPECT_FLOAT_EQ(r.program.steps[0].lost, 1.0f);
    EXPECT_TRUE(r.program.loses_received);
    ua::Engine engine{r.config, r.program, r.transport, r.rec, nullptr, 0};
    ASSERT_TRUE(engine.start_call(0, 0));
    r.transport.flush();
    EXPECT_TRUE(r.transport.sent.empty());
    engine.advance(600 * kMs);  // Timer A (T1 = 500 ms)
    r.transport.flush();
    ASSERT_EQ(r.transport.sent.size(), 1u);
    r.inject(engine, ok_with_sdp(r.transport.sent[0], ""), 700 * kMs);
    EXPECT_EQ(r.rec.succeeded, 0);  // the 200 was lost: the call still waits for it
    EXPECT_EQ(r.rec.failed, 0);
}

// setdest: the call's messages go elsewhere from then on (the port from a variable).
TEST(SippXml, SetdestSendsTheCallElsewhere) {
    Harness r;
    script::CompileError err;
    ua::Program p;
    ASSERT_TRUE(compile_text(R"(<scenario>
<nop><action><assign assign_to="port" value="5099"/><setdest host="127.0.0.9" port="[$port]" protocol="udp"/></action></nop>
<send><![CDATA[
OPTIONS sip:uas@127.0.0.9:5099 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=[branch]
From: <sip:uac@127.0.0.1>;tag=[call_number]
To: <sip:uas@127.0.0.9:5099>
Call-ID: [call_id]
CSeq: 1 OPTIONS
Content-Length: 0
]]></send>
<recv response="200"/>
</scenario>)",
                             r.program, err))
        << to_string(err);
    ua::Engine engine{r.config, r.program, r.transport, r.rec, nullptr, 0};
    ASSERT_TRUE(engine.start_call(0, 0));
    r.transport.flush();
    ASSERT_EQ(r.transport.sent_to.size(), 1u);
    EXPECT_EQ(r.transport.sent_to[0].to_string(), "127.0.0.9:5099");
    engine.advance(600 * kMs);  // its retransmission goes there too
    r.transport.flush();
    ASSERT_EQ(r.transport.sent_to.size(), 2u);
    EXPECT_EQ(r.transport.sent_to[1].to_string(), "127.0.0.9:5099");
    EXPECT_FALSE(
        compile_text("<scenario>\n<recv request=\"INVITE\"/>\n<nop><action><setdest host=\"h\" port=\"1\" "
                     "protocol=\"tcp\"/></action></nop>\n</scenario>",
                     p, err));
    EXPECT_EQ(err.message.rfind("<setdest>: protocol tcp: only udp", 0), 0u) << err.message;
}

// start_txn / response_txn / ack_txn: a name stands for its request's method; a recv with
// response_txn takes only responses whose CSeq names it.
TEST(SippXml, ResponseTxnMatchesByTheTransactionsMethod) {
    ua::Program p;
    script::CompileError err;
    const std::string req = "<![CDATA[\n%s sip:x SIP/2.0\nCall-ID: [call_id]\nCSeq: [cseq] %s\n]]>";
    auto msg = [&](const char* m) {
        std::string s = req;
        for (int i = 0; i < 2; ++i) s.replace(s.find("%s"), 2, m);
        return s;
    };
    ASSERT_TRUE(compile_text("<scenario>\n<send start_txn=\"inv\">" + msg("INVITE") +
                                 "</send>\n<send start_txn=\"info\">" + msg("INFO") +
                                 "</send>\n<recv response=\"200\" response_txn=\"info\"/>\n"
                                 "<recv response=\"200\" response_txn=\"inv\"/>\n<send ack_txn=\"inv\">" +
                                 msg("ACK") + "</send>\n</scenario>",
                             p, err))
        << to_string(err);
    ASSERT_EQ(p.steps.size(), 5u);
    EXPECT_EQ(p.steps[2].matches.at(0).method, sip::Method::kInfo);
    EXPECT_EQ(p.steps[3].matches.at(0).method, sip::Method::kInvite);
    sip::MessageView ok_info, ok_invite;
    const std::string a = "SIP/2.0 200 OK\r\nCall-ID: c\r\nCSeq: 2 INFO\r\nContent-Length: 0\r\n\r\n";
    const std::string b = "SIP/2.0 200 OK\r\nCall-ID: c\r\nCSeq: 1  INVITE \r\nContent-Length: 0\r\n\r\n";
    ASSERT_TRUE(sip::parse(a, ok_info).ok());
    ASSERT_TRUE(sip::parse(b, ok_invite).ok());
    EXPECT_TRUE(ua::step_matches(p.steps[2], ok_info));
    EXPECT_FALSE(ua::step_matches(p.steps[2], ok_invite));
    EXPECT_TRUE(ua::step_matches(p.steps[3], ok_invite));
    EXPECT_FALSE(compile_text("<scenario>\n<send>" + msg("INVITE") +
                                  "</send>\n<recv response=\"200\" response_txn=\"nope\"/>\n</scenario>",
                              p, err));
    EXPECT_EQ(err.message, "<recv>: response_txn=\"nope\": no <send start_txn> names it");
    EXPECT_FALSE(compile_text("<scenario>\n<send start_txn=\"o\">" + msg("OPTIONS") +
                                  "</send>\n<send ack_txn=\"o\">" + msg("ACK") + "</send>\n</scenario>",
                              p, err));
    EXPECT_EQ(err.message, "<send ack_txn=\"o\">: no INVITE of <send start_txn> names it");
}

}  // namespace
}  // namespace sipstorm::sippxml
