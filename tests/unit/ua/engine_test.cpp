// The call engine driven message by message with a fake transport and explicit time.
#include "ua/engine.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "fake_transport.hpp"
#include "script/scenario_compiler.hpp"
#include "script/scenario_state.hpp"
#include "sip/parser.hpp"

namespace sipstorm::ua {
namespace {

constexpr uint64_t kMs = 1'000'000;

struct TestRecorder final : Recorder {
    int started = 0, succeeded = 0, failed = 0, setups = 0, retrans_out = 0;
    std::string last_failure;
    void call_started(uint64_t, uint64_t) override { ++started; }
    void call_succeeded(uint64_t, uint64_t) override { ++succeeded; }
    void call_failed(FailReason, std::string_view detail, uint16_t) override {
        ++failed;
        last_failure = std::string(detail);
    }
    void call_setup(uint64_t) override { ++setups; }
    void response_time(sip::Method, uint64_t) override {}
    void message_out(bool, sip::Method, uint16_t, bool retransmission) override {
        retrans_out += retransmission;
    }
    void message_in(bool, sip::Method, uint16_t) override {}
    void retransmission_in() override {}
    void parse_error() override {}
    void unknown_call() override {}
    std::vector<int> counters;
    std::vector<std::pair<unsigned, uint64_t>> timers;
    void scenario_counter(unsigned index) override { counters.push_back(static_cast<int>(index)); }
    void scenario_timer(unsigned index, uint64_t ns) override { timers.emplace_back(index, ns); }
};

Program compile(const std::string& name, std::map<std::string, std::string> params = {}) {
    Program p;
    script::CompileError err;
    EXPECT_TRUE(
        script::compile_scenario(std::string(SIPSTORM_SOURCE_DIR) + "/scenarios/" + name, params, p, err))
        << err.message;
    return p;
}

std::string header(const std::string& msg, const std::string& name) {
    sip::MessageView v;
    EXPECT_TRUE(sip::parse(msg, v).ok());
    for (uint16_t i = 0; i < v.header_count; ++i)
        if (v.headers[i].name == name) return std::string(v.headers[i].value);
    return {};
}

std::string start_line(const std::string& msg) {
    return msg.substr(0, msg.find("\r\n"));
}

// A response to `request` as a UAS would send it.
std::string response(const std::string& request, int code, const std::string& reason, bool with_tag = true) {
    std::string to = header(request, "To");
    if (with_tag && to.find("tag=") == std::string::npos) to += ";tag=uas-tag";
    return "SIP/2.0 " + std::to_string(code) + " " + reason + "\r\nVia: " + header(request, "Via") +
           "\r\nFrom: " + header(request, "From") + "\r\nTo: " + to +
           "\r\nCall-ID: " + header(request, "Call-ID") + "\r\nCSeq: " + header(request, "CSeq") +
           "\r\nContact: <sip:uas@127.0.0.1:5090>\r\nRecord-Route: <sip:proxy.example.com;lr>\r\n"
           "Content-Length: 0\r\n\r\n";
}

struct Uac {
    Program program = compile("basic_call.lua");
    test::FakeTransport transport;
    TestRecorder rec;
    EngineConfig config = [] {
        EngineConfig c;
        c.run_id = 0xabcdef01;
        c.max_calls = 16;
        net::Address::parse("127.0.0.1:5090", 5060, c.remote);
        return c;
    }();
    Engine engine{config, program, transport, rec, nullptr, 0};

    void inject(const std::string& msg, uint64_t now) {
        net::RxPacket p{msg.data(), static_cast<uint32_t>(msg.size()), config.remote};
        engine.on_packet(p, now);
        transport.flush();
    }
    void at(uint64_t now) {
        engine.advance(now);
        transport.flush();
    }
};

TEST(Engine, BasicCallFollowsTheDialog) {
    Uac u;
    ASSERT_TRUE(u.engine.start_call(0, 0));
    u.transport.flush();
    ASSERT_EQ(u.transport.sent.size(), 1u);
    const std::string invite = u.transport.sent[0];
    EXPECT_EQ(start_line(invite), "INVITE sip:service@127.0.0.1:5090 SIP/2.0");
    EXPECT_EQ(header(invite, "CSeq"), "1 INVITE");

    u.inject(response(invite, 100, "Trying", false), 1 * kMs);
    u.inject(response(invite, 180, "Ringing"), 2 * kMs);
    u.inject(response(invite, 200, "OK"), 3 * kMs);
    ASSERT_EQ(u.transport.sent.size(), 3u);  // ACK and BYE (hold 0)
    const std::string ack = u.transport.sent[1], bye = u.transport.sent[2];
    // RFC 3261 §12: in-dialog requests go to the Contact, through the Record-Route, with the tag.
    EXPECT_EQ(start_line(ack), "ACK sip:uas@127.0.0.1:5090 SIP/2.0");
    EXPECT_EQ(header(ack, "CSeq"), "1 ACK");
    EXPECT_EQ(header(ack, "Route"), "<sip:proxy.example.com;lr>");
    EXPECT_NE(header(ack, "To").find("tag=uas-tag"), std::string::npos);
    EXPECT_NE(header(ack, "Via"), header(invite, "Via"));  // the 2xx ACK is a transaction of its own
    EXPECT_EQ(start_line(bye), "BYE sip:uas@127.0.0.1:5090 SIP/2.0");
    EXPECT_EQ(header(bye, "CSeq"), "2 BYE");
    EXPECT_EQ(u.rec.setups, 1);

    u.inject(response(bye, 200, "OK"), 4 * kMs);
    EXPECT_EQ(u.rec.succeeded, 1);
    EXPECT_EQ(u.engine.live_calls(), 0u);
}

TEST(Engine, RetransmitsTheInviteIdenticallyThenFailsOnTimerB) {
    Uac u;
    ASSERT_TRUE(u.engine.start_call(0, 0));
    u.transport.flush();
    for (uint64_t t = 0; t <= 33000; t += 10) u.at(t * kMs);
    // Timer A: 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; Timer B at 32 s.
    ASSERT_EQ(u.transport.sent.size(), 7u);
    for (const auto& m : u.transport.sent) EXPECT_EQ(m, u.transport.sent[0]);
    EXPECT_EQ(u.rec.retrans_out, 6);
    EXPECT_EQ(u.rec.failed, 1);
    EXPECT_EQ(u.rec.last_failure, "timeout (Timer B)");
}

TEST(Engine, AcksANon2xxFinalAndFailsTheCall) {
    Uac u;
    ASSERT_TRUE(u.engine.start_call(0, 0));
    u.transport.flush();
    const std::string invite = u.transport.sent[0];
    u.inject(response(invite, 486, "Busy Here"), 1 * kMs);
    ASSERT_EQ(u.transport.sent.size(), 2u);
    const std::string ack = u.transport.sent[1];
    // RFC 3261 §17.1.1.3: the INVITE's Request-URI and Via (same branch), CSeq number + ACK.
    EXPECT_EQ(start_line(ack), "ACK sip:service@127.0.0.1:5090 SIP/2.0");
    EXPECT_EQ(header(ack, "Via"), header(invite, "Via"));
    EXPECT_EQ(header(ack, "CSeq"), "1 ACK");
    EXPECT_NE(header(ack, "To").find("tag=uas-tag"), std::string::npos);
    EXPECT_EQ(u.rec.failed, 1);
    EXPECT_EQ(u.rec.last_failure, "unexpected 486 response");
}

TEST(Engine, ResendsTheAckWhenThe2xxComesAgain) {
    Uac u;
    u.program = compile("basic_call.lua", {{"hold", "5"}});
    Engine engine{u.config, u.program, u.transport, u.rec, nullptr, 0};
    ASSERT_TRUE(engine.start_call(0, 0));
    u.transport.flush();
    const std::string invite = u.transport.sent[0];
    const std::string ok = response(invite, 200, "OK");
    net::RxPacket p{ok.data(), static_cast<uint32_t>(ok.size()), u.config.remote};
    engine.on_packet(p, kMs);
    u.transport.flush();
    ASSERT_EQ(u.transport.sent.size(), 2u);
    engine.on_packet(p, 500 * kMs);  // the UAS did not see our ACK
    u.transport.flush();
    ASSERT_EQ(u.transport.sent.size(), 3u);
    EXPECT_EQ(u.transport.sent[2], u.transport.sent[1]);
}

struct Uas {
    Program program = compile("answer.lua");
    test::FakeTransport transport;
    TestRecorder rec;
    EngineConfig config = [] {
        EngineConfig c;
        c.run_id = 0x12345678;
        c.max_calls = 16;
        return c;
    }();
    Engine engine{config, program, transport, rec, nullptr, 0};
    net::Address peer = [] {
        net::Address a;
        net::Address::parse("127.0.0.1:5061", 0, a);
        return a;
    }();

    void inject(const std::string& msg, uint64_t now) {
        net::RxPacket p{msg.data(), static_cast<uint32_t>(msg.size()), peer};
        engine.on_packet(p, now);
        transport.flush();
    }
    void at(uint64_t now) {
        engine.advance(now);
        transport.flush();
    }
};

std::string request(const std::string& method, int cseq, const std::string& branch, bool to_tag) {
    return method + " sip:service@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK" +
           branch +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=caller\r\nTo: <sip:service@127.0.0.1>" +
           (to_tag ? ";tag=TAG" : "") + "\r\nCall-ID: abc@127.0.0.1\r\nCSeq: " + std::to_string(cseq) + " " +
           method + "\r\nContact: <sip:a@127.0.0.1:5061>\r\nContent-Length: 0\r\n\r\n";
}

TEST(Engine, UasAnswersAndRetransmitsTheFinalResponse) {
    Uas u;
    u.inject(request("INVITE", 1, "inv", false), 0);
    ASSERT_EQ(u.transport.sent.size(), 3u);
    EXPECT_EQ(start_line(u.transport.sent[0]), "SIP/2.0 100 Trying");
    EXPECT_EQ(start_line(u.transport.sent[2]), "SIP/2.0 200 OK");
    const std::string ok = u.transport.sent[2];
    EXPECT_EQ(header(ok, "Via"), "SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bKinv");
    EXPECT_EQ(header(ok, "Call-ID"), "abc@127.0.0.1");
    EXPECT_EQ(header(ok, "CSeq"), "1 INVITE");
    const std::string to = header(ok, "To");
    const std::string tag = to.substr(to.find("tag=") + 4);

    // The INVITE again: the 2xx again.
    u.inject(request("INVITE", 1, "inv", false), 100 * kMs);
    ASSERT_EQ(u.transport.sent.size(), 4u);
    EXPECT_EQ(u.transport.sent[3], ok);
    // No ACK yet: the core retransmits the 2xx at T1.
    u.at(700 * kMs);
    ASSERT_EQ(u.transport.sent.size(), 5u);
    EXPECT_EQ(u.transport.sent[4], ok);

    std::string ack = request("ACK", 1, "ack", true), bye = request("BYE", 2, "bye", true);
    ack.replace(ack.find("TAG"), 3, tag);
    bye.replace(bye.find("TAG"), 3, tag);
    u.inject(ack, 800 * kMs);
    u.at(2000 * kMs);  // the 2xx retransmissions stopped
    ASSERT_EQ(u.transport.sent.size(), 5u);
    u.inject(bye, 2100 * kMs);
    ASSERT_EQ(u.transport.sent.size(), 6u);
    EXPECT_EQ(start_line(u.transport.sent[5]), "SIP/2.0 200 OK");
    EXPECT_EQ(header(u.transport.sent[5], "CSeq"), "2 BYE");
    EXPECT_EQ(u.rec.succeeded, 1);

    // The BYE again after the call ended: answered without state.
    u.inject(bye, 2200 * kMs);
    ASSERT_EQ(u.transport.sent.size(), 7u);
    EXPECT_EQ(start_line(u.transport.sent[6]), "SIP/2.0 200 OK");
}

TEST(Engine, UasTakesAByeAsProofThatTheLostAckArrived) {
    Uas u;
    u.inject(request("INVITE", 1, "inv", false), 0);
    u.inject(request("BYE", 2, "bye", true), 10 * kMs);
    EXPECT_EQ(u.rec.succeeded, 1);
    EXPECT_EQ(u.rec.failed, 0);
}

TEST(Engine, UasFailsWithoutAnAckAfter64T1) {
    Uas u;
    u.inject(request("INVITE", 1, "inv", false), 0);
    for (uint64_t t = 0; t <= 40000; t += 10) u.at(t * kMs);
    EXPECT_EQ(u.rec.failed, 1);
    EXPECT_EQ(u.rec.last_failure, "no ACK for 2xx");
}

TEST(Engine, RefusesCallsBeyondTheTable) {
    Uac u;
    for (int i = 0; i < 16; ++i) ASSERT_TRUE(u.engine.start_call(0, 0));
    EXPECT_FALSE(u.engine.start_call(0, 0));
    EXPECT_EQ(u.engine.live_calls(), 16u);
    u.engine.abort_all(0);
    EXPECT_EQ(u.rec.failed, 16);
    EXPECT_EQ(u.engine.live_calls(), 0u);
}

}  // namespace
}  // namespace sipstorm::ua

namespace sipstorm::ua {
namespace {

TEST(Engine, HandsAnInDialogRequestToTheShardThatOwnsTheCall) {
    Uas u;
    u.config.shards = 2;
    Engine shard0{u.config, u.program, u.transport, u.rec, nullptr, 0};
    EngineConfig c1 = u.config;
    c1.shard = 1;
    Engine shard1{c1, u.program, u.transport, u.rec, nullptr, 0};
    auto packet = [&](const std::string& m) {
        return net::RxPacket{m.data(), static_cast<uint32_t>(m.size()), u.peer};
    };

    // The first request stays with the shard that received it...
    const std::string invite = request("INVITE", 1, "inv", false);
    EXPECT_EQ(shard1.on_packet(packet(invite), 0), -1);
    u.transport.flush();
    const std::string ok = u.transport.sent.back();
    const std::string to = header(ok, "To");
    const std::string tag = to.substr(to.find("tag=") + 4);
    // ...and a request of its dialog that reaches another shard names the owner in its To tag.
    std::string bye = request("BYE", 2, "bye", true);
    bye.replace(bye.find("TAG"), 3, tag);
    EXPECT_EQ(shard0.on_packet(packet(bye), kMs), 1);
    EXPECT_EQ(shard1.on_packet(packet(bye), kMs, false), -1);
    EXPECT_EQ(u.rec.succeeded, 1);
    EXPECT_EQ(u.rec.failed, 0);
}

}  // namespace
}  // namespace sipstorm::ua

namespace sipstorm::ua {
namespace {

TEST(Engine, FailsACallWhoseDialogStateDoesNotFit) {
    Uac u;
    ASSERT_TRUE(u.engine.start_call(0, 0));
    u.transport.flush();
    std::string ok = response(u.transport.sent[0], 200, "OK");
    std::string routes;
    for (int i = 0; i < 12; ++i)
        routes +=
            "Record-Route: <sip:proxy" + std::to_string(i) + ".a-rather-long-domain-name.example.com;lr>\r\n";
    ok.insert(ok.find("Content-Length"), routes);
    u.inject(ok, kMs);
    EXPECT_EQ(u.rec.failed, 1);
    EXPECT_NE(u.rec.last_failure.find("does not fit"), std::string::npos);
    EXPECT_EQ(u.transport.sent.size(), 1u);  // no ACK or BYE without their Route headers
}

}  // namespace
}  // namespace sipstorm::ua

namespace sipstorm::ua {
namespace {

// An engine for any scenario: a ready one by name, or Lua text written to a temporary file.
struct Side {
    Program program;
    test::FakeTransport transport;
    TestRecorder rec;
    EngineConfig config;
    net::Address peer;
    std::unique_ptr<Engine> engine;

    explicit Side(Program p) : program(std::move(p)) {
        config.run_id = 0x0badcafe;
        config.max_calls = 16;
        net::Address::parse("127.0.0.1:5090", 5060, config.remote);
        peer = config.remote;
        engine = std::make_unique<Engine>(config, program, transport, rec, nullptr, 0);
    }
    void inject(const std::string& msg, uint64_t now) {
        net::RxPacket p{msg.data(), static_cast<uint32_t>(msg.size()), peer};
        engine->on_packet(p, now);
        transport.flush();
    }
    void at(uint64_t now) {
        engine->advance(now);
        transport.flush();
    }
    void start() {
        ASSERT_TRUE(engine->start_call(0, 0));
        transport.flush();
    }
};

Program compile_text(const std::string& name, const std::string& lua) {
    const std::string path = ::testing::TempDir() + name;
    FILE* f = fopen(path.c_str(), "w");
    fputs(lua.c_str(), f);
    fclose(f);
    Program p;
    script::CompileError err;
    script::CompileOptions options;
    options.lua_dir = std::string(SIPSTORM_SOURCE_DIR) + "/lua";
    EXPECT_TRUE(script::compile_scenario(path, {}, options, p, err)) << err.message;
    return p;
}

TEST(EngineCancel, TheCancelIsItsOwnTransactionAndThe487IsAcked) {
    Side u(compile("call_cancel.lua", {{"ring", "0"}}));
    u.start();
    const std::string invite = u.transport.sent.at(0);
    u.inject(response(invite, 180, "Ringing"), kMs);
    ASSERT_EQ(u.transport.sent.size(), 2u);
    const std::string cancel = u.transport.sent[1];
    EXPECT_EQ(start_line(cancel), "CANCEL sip:service@127.0.0.1:5090 SIP/2.0");
    EXPECT_EQ(header(cancel, "Via"), header(invite, "Via"));  // RFC 3261 §9.1: the INVITE's branch
    EXPECT_EQ(header(cancel, "CSeq"), "1 CANCEL");
    u.inject(response(cancel, 200, "OK"), 2 * kMs);
    u.inject(response(invite, 487, "Request Terminated"), 3 * kMs);
    ASSERT_EQ(u.transport.sent.size(), 3u);
    EXPECT_EQ(start_line(u.transport.sent[2]), "ACK sip:service@127.0.0.1:5090 SIP/2.0");
    EXPECT_EQ(header(u.transport.sent[2], "CSeq"), "1 ACK");
    EXPECT_EQ(u.rec.succeeded, 1);
    // The 487 again (our ACK was lost): the call has ended, yet the ACK goes again, rebuilt from the
    // response, or the UAS would retransmit it until its Timer H.
    u.inject(response(invite, 487, "Request Terminated"), 4 * kMs);
    ASSERT_EQ(u.transport.sent.size(), 4u);
    EXPECT_EQ(start_line(u.transport.sent[3]), start_line(u.transport.sent[2]));
    EXPECT_EQ(header(u.transport.sent[3], "Via"), header(u.transport.sent[2], "Via"));
    EXPECT_EQ(header(u.transport.sent[3], "CSeq"), "1 ACK");
}

TEST(EngineCancel, TheUasAnswersTheCancelThenTheInviteWith487) {
    Side u(compile("answer_ring.lua"));
    u.inject(request("INVITE", 1, "inv", false), 0);
    ASSERT_EQ(u.transport.sent.size(), 2u);  // 100, 180
    u.inject(request("CANCEL", 1, "inv", false), 10 * kMs);
    ASSERT_EQ(u.transport.sent.size(), 4u);
    const std::string ok = u.transport.sent[2], terminated = u.transport.sent[3];
    EXPECT_EQ(start_line(ok), "SIP/2.0 200 OK");
    EXPECT_EQ(header(ok, "CSeq"), "1 CANCEL");
    EXPECT_EQ(start_line(terminated), "SIP/2.0 487 Request Terminated");
    EXPECT_EQ(header(terminated, "CSeq"), "1 INVITE");
    EXPECT_EQ(header(terminated, "Via"), "SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bKinv");
    // The 487 is retransmitted (Timer G) until the ACK.
    u.at(600 * kMs);
    ASSERT_EQ(u.transport.sent.size(), 5u);
    EXPECT_EQ(u.transport.sent[4], terminated);
    u.inject(request("ACK", 1, "inv", true), 700 * kMs);
    EXPECT_EQ(u.rec.succeeded, 1);
}

// RFC 3261 §17.2.1 / RFC 6026 §7.1: an INVITE that comes again after its UAS call has ended is that
// call's INVITE, not a new call: after a non-2xx it gets the same final response (with the same To
// tag), after a 2xx it is absorbed, until the caller's Timer B (64*T1) has run out.
TEST(EngineRetransmittedInvite, AfterABusyCallEndedGetsTheSameAnswer) {
    Side u(compile("answer_busy.lua"));
    const std::string invite = request("INVITE", 1, "inv", false);
    u.inject(invite, 0);
    ASSERT_EQ(u.transport.sent.size(), 2u);  // 100, 486
    const std::string busy = u.transport.sent[1];
    EXPECT_EQ(start_line(busy), "SIP/2.0 486 Busy Here");
    std::string ack = request("ACK", 1, "inv", true);
    ack.replace(ack.find("TAG"), 3, header(busy, "To").substr(header(busy, "To").find("tag=") + 4));
    u.inject(ack, 10 * kMs);
    ASSERT_EQ(u.rec.succeeded + u.rec.failed, 1);
    const int started = u.rec.started;

    u.inject(invite, 2000 * kMs);  // a copy the network delayed
    ASSERT_EQ(u.transport.sent.size(), 3u);
    EXPECT_EQ(start_line(u.transport.sent[2]), "SIP/2.0 486 Busy Here");
    EXPECT_EQ(header(u.transport.sent[2], "To"), header(busy, "To"));
    EXPECT_EQ(header(u.transport.sent[2], "CSeq"), "1 INVITE");
    EXPECT_EQ(u.rec.started, started);

    // After 64*T1 the caller has given up on that INVITE: the same bytes are a new call again.
    u.inject(invite, 33'000 * kMs);
    EXPECT_EQ(u.rec.started, started + 1);
}

TEST(EngineRetransmittedInvite, AfterAnsweredCallEndedIsAbsorbed) {
    Uas u;
    const std::string invite = request("INVITE", 1, "inv", false);
    u.inject(invite, 0);
    ASSERT_EQ(u.transport.sent.size(), 3u);  // 100, 180, 200
    const std::string to = header(u.transport.sent[2], "To");
    const std::string tag = to.substr(to.find("tag=") + 4);
    std::string ack = request("ACK", 1, "ack", true), bye = request("BYE", 2, "bye", true);
    ack.replace(ack.find("TAG"), 3, tag);
    bye.replace(bye.find("TAG"), 3, tag);
    u.inject(ack, 10 * kMs);
    u.inject(bye, 20 * kMs);
    ASSERT_EQ(u.rec.succeeded, 1);
    ASSERT_EQ(u.transport.sent.size(), 4u);

    u.inject(invite, 600 * kMs);
    EXPECT_EQ(u.transport.sent.size(), 4u);  // nothing sent
    EXPECT_EQ(u.rec.started, 1);
    // Another INVITE (a new CSeq) is a new call as before.
    u.inject(request("INVITE", 2, "inv2", false), 700 * kMs);
    EXPECT_EQ(u.rec.started, 2);
}

TEST(EngineCancel, WithoutACancelTheRingTimeoutAnswers) {
    Side u(compile("answer_ring.lua", {{"ring", "1"}}));
    u.inject(request("INVITE", 1, "inv", false), 0);
    u.at(1100 * kMs);
    ASSERT_EQ(u.transport.sent.size(), 3u);
    EXPECT_EQ(start_line(u.transport.sent[2]), "SIP/2.0 200 OK");
    EXPECT_EQ(header(u.transport.sent[2], "CSeq"), "1 INVITE");
}

const char* kBranchy = R"lua(
local sip = require "sipstorm"
return {
  role = "uac",
  steps = {
    { send = sip.invite{ to = "sip:x@${remote_ip}" } },
    { recv = 200, capture = { way = { header = "X-Way", regex = "^([a-z]+)" }, ct = "Contact" } },
    { send = sip.ack_2xx() },
    { jump = "left", when = { var = "way", equals = "left" } },
    { send = sip.request("INFO", { headers = { "X-Went: right ${ct}" } }), next = "wait" },
    { label = "left", send = sip.request("INFO", { headers = { "X-Went: left" } }) },
    { label = "wait", recv = 200, timeout = 100, on_timeout = "late", on_unexpected = "odd" },
    { fail = "not reached" },
    { label = "late", fail = "the INFO timed out" },
    { label = "odd", fail = "an odd answer" },
  },
}
)lua";

std::string with_header(std::string msg, const std::string& line) {
    msg.insert(msg.find("Content-Length"), line + "\r\n");
    return msg;
}

TEST(EngineBranching, CapturesChooseThePathAndLabelsEndIt) {
    for (const char* way : {"left", "right"}) {
        SCOPED_TRACE(way);
        Side u(compile_text("branchy.lua", kBranchy));
        u.start();
        u.inject(with_header(response(u.transport.sent[0], 200, "OK"), std::string("X-Way: ") + way + "!"),
                 kMs);
        ASSERT_EQ(u.transport.sent.size(), 3u);  // INVITE, ACK, INFO
        const std::string went = header(u.transport.sent[2], "X-Went");
        if (way == std::string("left"))
            EXPECT_EQ(went, "left");
        else
            EXPECT_EQ(went, "right <sip:uas@127.0.0.1:5090>");
        // A response the wait step does not expect takes on_unexpected: the call fails there.
        u.inject(response(u.transport.sent[2], 486, "Busy Here"), 2 * kMs);
        EXPECT_EQ(u.rec.last_failure, "an odd answer");
    }
}

TEST(EngineBranching, ATimeoutTakesOnTimeout) {
    Side u(compile_text("branchy2.lua", kBranchy));
    u.start();
    u.inject(response(u.transport.sent[0], 200, "OK"), kMs);
    for (uint64_t t = 2; t < 200; ++t) u.at(t * kMs);
    EXPECT_EQ(u.rec.failed, 1);
    EXPECT_EQ(u.rec.last_failure, "the INFO timed out");
}

TEST(EngineBranching, SdpCaptureTakesThePeersMediaAddress) {
    Side u(compile_text("sdp.lua", R"lua(
local sip = require "sipstorm"
return {
  role = "uac",
  steps = {
    { send = sip.invite{ to = "sip:x@${remote_ip}", sdp = sip.sdp_offer() } },
    { recv = 200, capture = sip.SDP_CAPTURE },
    { send = sip.request("INFO", { headers = { "X-Media: ${media_ip} ${media_port_remote}" } }) },
  },
}
)lua"));
    u.start();
    std::string ok = response(u.transport.sent[0], 200, "OK");
    ok.replace(ok.find("Content-Length: 0\r\n\r\n"), std::string::npos,
               "Content-Type: application/sdp\r\nContent-Length: 69\r\n\r\nv=0\r\nc=IN IP4 192.0.2.7\r\n"
               "t=0 0\r\nm=audio 40002 RTP/AVP 0\r\na=sendrecv\r\n");
    u.inject(ok, kMs);
    ASSERT_EQ(u.transport.sent.size(), 2u) << u.rec.last_failure;
    EXPECT_EQ(header(u.transport.sent[1], "X-Media"), "192.0.2.7 40002");
}

std::string challenge(const std::string& request, int code, bool stale) {
    return with_header(
        response(request, code, code == 407 ? "Proxy Authentication Required" : "Unauthorized"),
        std::string(code == 407 ? "Proxy-Authenticate" : "WWW-Authenticate") +
            ": Digest realm=\"sipstorm.test\", nonce=\"" + (stale ? "n2" : "n1") +
            "\", qop=\"auth\", algorithm=MD5" + (stale ? ", stale=true" : ""));
}

TEST(EngineAuth, AnswersA407ThenRefusesToLoopOnWrongCredentials) {
    Side u(compile("call_auth.lua"));
    u.start();
    const std::string first = u.transport.sent[0];
    EXPECT_EQ(header(first, "Proxy-Authorization"), "");
    u.inject(challenge(first, 407, false), kMs);
    ASSERT_EQ(u.transport.sent.size(), 3u);  // the ACK of the 407, the INVITE again
    EXPECT_EQ(start_line(u.transport.sent[1]), "ACK sip:service@127.0.0.1:5090 SIP/2.0");
    const std::string second = u.transport.sent[2];
    EXPECT_EQ(header(second, "CSeq"), "2 INVITE");
    EXPECT_EQ(header(second, "Call-ID"), header(first, "Call-ID"));
    const std::string creds = header(second, "Proxy-Authorization");
    EXPECT_NE(creds.find("username=\"alice\""), std::string::npos) << creds;
    EXPECT_NE(creds.find("nc=00000001"), std::string::npos) << creds;
    EXPECT_NE(creds.find("uri=\"sip:service@127.0.0.1:5090\""), std::string::npos) << creds;

    // stale=true: a new nonce, answered again from nc=1.
    u.inject(challenge(second, 407, true), 2 * kMs);
    ASSERT_EQ(u.transport.sent.size(), 5u);
    const std::string third = header(u.transport.sent[4], "Proxy-Authorization");
    EXPECT_NE(third.find("nonce=\"n2\""), std::string::npos) << third;
    EXPECT_NE(third.find("nc=00000001"), std::string::npos) << third;

    // A challenge without stale right after our credentials: they were wrong; no third INVITE.
    u.inject(challenge(u.transport.sent[4], 407, false), 3 * kMs);
    EXPECT_EQ(u.rec.failed, 1);
    EXPECT_EQ(u.rec.last_failure, "credentials rejected (407 again, not stale)");
    EXPECT_EQ(u.transport.sent.size(), 6u);  // only the ACK of that 407
}

TEST(EngineAuth, AChallengeToARequestWithoutCredentialsIsNotARejection) {
    Side u(compile("call_auth.lua"));
    u.start();
    u.inject(challenge(u.transport.sent[0], 407, false), kMs);
    const std::string second = u.transport.sent.at(2);
    u.inject(response(second, 200, "OK"), 2 * kMs);
    ASSERT_EQ(u.transport.sent.size(), 5u);  // ACK, BYE (hold 0)
    const std::string bye = u.transport.sent[4];
    EXPECT_EQ(header(bye, "Proxy-Authorization"), "");  // the BYE's template has no ${auth}
    // A 401 to that BYE is an unexpected answer, not "credentials rejected": the BYE had none.
    u.inject(challenge(bye, 401, false), 3 * kMs);
    EXPECT_EQ(u.rec.failed, 1);
    EXPECT_EQ(u.rec.last_failure, "unexpected 401 response");
}

TEST(EngineBranching, AHookReturningALabelJumpsThere) {
    Program p = compile_text("hooked.lua", R"lua(
local sip = require "sipstorm"
return {
  role = "uac",
  steps = {
    { send = sip.invite{ to = "sip:x@${remote_ip}" } },
    { recv = 200, hook = function(msg) if msg:header("X-Busy") then return "busy" end end },
    { send = sip.ack_2xx() },
    { send = sip.bye(), next = "done" },
    { label = "busy", fail = "the callee said busy" },
    { label = "done" },
  },
}
)lua");
    script::ScenarioState lua;
    script::CompileError err;
    ASSERT_TRUE(lua.load(p, err)) << err.message;
    for (bool busy : {false, true}) {
        SCOPED_TRACE(busy);
        test::FakeTransport transport;
        TestRecorder rec;
        EngineConfig config;
        config.run_id = 0x0badcafe;
        config.max_calls = 4;
        net::Address::parse("127.0.0.1:5090", 5060, config.remote);
        Engine engine(config, p, transport, rec, &lua, 0);
        ASSERT_TRUE(engine.start_call(0, 0));
        transport.flush();
        std::string ok = response(transport.sent.at(0), 200, "OK");
        if (busy) ok = with_header(ok, "X-Busy: yes");
        net::RxPacket pkt{ok.data(), static_cast<uint32_t>(ok.size()), config.remote};
        engine.on_packet(pkt, kMs);
        transport.flush();
        if (busy) {
            EXPECT_EQ(rec.last_failure, "the callee said busy");
            EXPECT_EQ(transport.sent.size(), 1u);  // the hook's label skipped the ACK and the BYE
        } else {
            EXPECT_EQ(rec.failed, 0);
            EXPECT_EQ(transport.sent.size(), 3u);  // ACK, BYE
        }
    }
}

TEST(EngineBranching, HooksReadAndSetCallVariables) {
    Program p = compile_text("vars.lua", R"lua(
local sip = require "sipstorm"
return {
  role = "uac",
  vars = { "tries", "note" },
  steps = {
    { send = sip.invite{ to = "sip:x@${remote_ip}" },
      hook = function(msg, call) call.vars.tries = (tonumber(call.vars.tries) or 0) + 1 end },
    { recv = 200, capture = { who = { header = "Contact", regex = "sip:([a-z]+)@", group = 1 } },
      hook = function(msg, call)
        if call.vars.note ~= nil then error("note should start empty") end
        call.vars.note = call.vars.who .. "/" .. call.vars.tries
        if call.vars.who == "busy" then return "busy" end
      end },
    { send = sip.ack_2xx():gsub("Content%-Length", "X-Note: ${note}\nContent-Length") },
    { send = sip.bye(), next = "done" },
    { label = "busy", fail = "the callee said busy" },
    { label = "done", hook = function(msg, call) local ok = pcall(function() call.vars.nope = 1 end)
        if ok then error("an undeclared variable was set") end end },
  },
}
)lua");
    script::ScenarioState lua;
    script::CompileError err;
    ASSERT_TRUE(lua.load(p, err)) << err.message;
    for (bool busy : {false, true}) {
        SCOPED_TRACE(busy);
        test::FakeTransport transport;
        TestRecorder rec;
        EngineConfig config;
        config.run_id = 0x0badcafe;
        config.max_calls = 4;
        net::Address::parse("127.0.0.1:5090", 5060, config.remote);
        Engine engine(config, p, transport, rec, &lua, 0);
        ASSERT_TRUE(engine.start_call(0, 0));
        transport.flush();
        std::string ok = response(transport.sent.at(0), 200, "OK");
        if (busy) ok.replace(ok.find("sip:uas@"), 8, "sip:busy@");
        net::RxPacket pkt{ok.data(), static_cast<uint32_t>(ok.size()), config.remote};
        engine.on_packet(pkt, kMs);
        transport.flush();
        if (busy) {
            EXPECT_EQ(rec.last_failure, "the callee said busy");
        } else {
            ASSERT_EQ(transport.sent.size(), 3u) << rec.last_failure;
            EXPECT_EQ(header(transport.sent[1], "X-Note"), "uas/1");
            const std::string bye = transport.sent[2];
            std::string bye_ok = response(bye, 200, "OK");
            net::RxPacket b{bye_ok.data(), static_cast<uint32_t>(bye_ok.size()), config.remote};
            engine.on_packet(b, 2 * kMs);
            EXPECT_EQ(rec.succeeded, 1) << rec.last_failure;
        }
    }
}

}  // namespace
}  // namespace sipstorm::ua
