// Two media engines on loopback, as the two sides of a call, driven with the real clock.
#include "media/media_engine.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "runtime/clock.hpp"
#include "stats/shard_stats.hpp"

namespace sipstorm::media {
namespace {

std::string sdp(uint16_t port, const char* pts = "0 101") {
    return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " +
           std::to_string(port) + " RTP/AVP " + pts +
           "\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
}

struct Side {
    stats::ShardStats stats{runtime::now_ns()};
    std::unique_ptr<MediaEngine> engine;
    Side(uint16_t lo, uint16_t hi, uint64_t timeout_ns = 5'000'000'000) {
        MediaConfig c;
        c.port_lo = lo;
        c.port_hi = hi;
        net::Address::parse("127.0.0.1", 0, c.local);
        c.media_timeout_ns = timeout_ns;
        c.max_streams = 8;
        engine = std::make_unique<MediaEngine>(c, &stats);
    }
};

void run_for(uint64_t ns, std::initializer_list<Side*> sides) {
    const uint64_t end = runtime::now_ns() + ns;
    for (uint64_t now = runtime::now_ns(); now < end; now = runtime::now_ns()) {
        for (Side* s : sides) {
            s->engine->poll(now);
            s->engine->advance(now);
        }
    }
}

std::shared_ptr<const Clip> tone() {
    auto c = std::make_shared<Clip>();
    std::string err;
    EXPECT_TRUE(load_clip("tone:1000", Codec::kPcmu, *c, err)) << err;
    return c;
}

TEST(MediaEngine, PortsComeFromTheShardsStripeAndGoBack) {
    MediaConfig c;
    c.port_lo = 31000;
    c.port_hi = 31011;  // pairs 31000, 31002, ... 31010
    c.shard = 1;
    c.shards = 2;
    c.max_streams = 8;
    net::Address::parse("127.0.0.1", 0, c.local);
    MediaEngine m(c);
    EXPECT_EQ(m.port_of({0, 1}), 31002);
    EXPECT_EQ(m.port_of({0, 1}), 31002);  // the same call, the same port
    EXPECT_EQ(m.port_of({1, 1}), 31006);
    EXPECT_EQ(m.port_of({2, 1}), 31010);
    EXPECT_EQ(m.port_of({3, 1}), 0);  // the stripe is used up
    EXPECT_EQ(m.live_streams(), 3u);
    m.end({1, 1});
    EXPECT_EQ(m.port_of({3, 1}), 31006);
}

TEST(MediaEngine, ToneToAnEchoingPeerIsMeasuredBothWays) {
    Side a(32000, 32099), b(32100, 32199);
    const CallRef ca{0, 1}, cb{0, 7};
    const uint64_t now = runtime::now_ns();
    const uint16_t pa = a.engine->port_of(ca), pb = b.engine->port_of(cb);
    ASSERT_NE(pa, 0);
    ASSERT_NE(pb, 0);
    a.engine->on_remote_sdp(ca, sdp(pb), now);
    b.engine->on_remote_sdp(cb, sdp(pa), now);
    MediaAction play;
    play.clip = tone();
    play.duration_ns = 1'000'000'000;
    MediaAction echo;
    echo.kind = MediaAction::Kind::kEcho;
    b.engine->apply(cb, echo, now);
    a.engine->apply(ca, play, now);
    run_for(1'200'000'000, {&a, &b});
    a.engine->end(ca);
    b.engine->end(cb);

    const stats::ShardCounters& ac = a.stats.counters();
    const stats::ShardCounters& bc = b.stats.counters();
    EXPECT_EQ(ac.media_packets_out.get(), 50u);  // 1 s at 20 ms
    EXPECT_EQ(bc.media_packets_in.get(), 50u);
    EXPECT_EQ(bc.media_expected.get(), 50u);
    EXPECT_EQ(bc.media_lost.get(), 0u);
    EXPECT_EQ(ac.media_packets_in.get(), 50u);  // the echo
    EXPECT_EQ(ac.media_lost.get(), 0u);
    EXPECT_EQ(a.stats.hist().media_echo_rtt_us.count(), 1u);
    EXPECT_LT(a.stats.hist().media_echo_rtt_us.max(), 500'000u);
    EXPECT_EQ(a.stats.hist().media_mos_milli.count(), 1u);
    EXPECT_GT(a.stats.hist().media_mos_milli.max(), 4000u);
    EXPECT_EQ(a.stats.hist().media_send_late_us.count(), 50u);
    EXPECT_EQ(ac.media_live.get(), 0u);
}

TEST(MediaEngine, DtmfDigitsArriveOnceEach) {
    Side a(32200, 32299), b(32300, 32399);
    const CallRef ca{3, 1}, cb{4, 1};
    const uint64_t now = runtime::now_ns();
    const uint16_t pa = a.engine->port_of(ca), pb = b.engine->port_of(cb);
    a.engine->on_remote_sdp(ca, sdp(pb), now);
    b.engine->on_remote_sdp(cb, sdp(pa), now);
    MediaAction dtmf;
    dtmf.kind = MediaAction::Kind::kDtmf;
    dtmf.digits = "12#";
    a.engine->apply(ca, dtmf, now);
    run_for(700'000'000, {&a, &b});  // 3 digits x (5 + 3 + 3) packets x 20 ms
    EXPECT_EQ(b.engine->dtmf_received(cb), "12#");
    EXPECT_EQ(b.stats.counters().dtmf_received[1].get(), 1u);
    EXPECT_EQ(b.stats.counters().dtmf_received[11].get(), 1u);
    EXPECT_EQ(a.stats.counters().dtmf_sent.get(), 3u);
}

TEST(MediaEngine, ACapturesSequenceGapsReplayAsLosses) {
    // Sequence offsets 0 1 3 4 (5 and 6 missing) 7, then 6 late: 8 expected, 2 lost, 1 reordered.
    auto c = std::make_shared<Clip>();
    const uint16_t seqs[] = {0, 1, 3, 4, 7, 6};
    for (size_t i = 0; i < std::size(seqs); ++i) {
        CapturedPacket p;
        p.offset_ns = i * 20'000'000;
        p.seq_offset = seqs[i];
        p.ts_offset = seqs[i] * 160u;
        p.payload_at = 0;
        p.payload_len = 160;
        c->packets.push_back(p);
    }
    c->bytes.assign(160, 0xff);
    Side a(32500, 32599), b(32600, 32699);
    const CallRef ca{0, 1}, cb{0, 1};
    const uint64_t now = runtime::now_ns();
    const uint16_t pa = a.engine->port_of(ca), pb = b.engine->port_of(cb);
    a.engine->on_remote_sdp(ca, sdp(pb), now);
    b.engine->on_remote_sdp(cb, sdp(pa), now);
    MediaAction play;
    play.clip = c;
    a.engine->apply(ca, play, now);
    run_for(250'000'000, {&a, &b});
    b.engine->end(cb);
    const stats::ShardCounters& bc = b.stats.counters();
    EXPECT_EQ(bc.media_packets_in.get(), 6u);
    EXPECT_EQ(bc.media_expected.get(), 8u);
    EXPECT_EQ(bc.media_lost.get(), 2u);
    EXPECT_EQ(bc.media_reordered.get(), 1u);
}

TEST(MediaEngine, NoRtpFromThePeerIsAMediaTimeout) {
    Side a(32400, 32499, 200'000'000);
    const CallRef ca{5, 2};
    const uint64_t now = runtime::now_ns();
    a.engine->port_of(ca);
    a.engine->on_remote_sdp(ca, sdp(32498), now);  // nobody there
    run_for(150'000'000, {&a});
    EXPECT_TRUE(a.engine->take_timeouts().empty());
    run_for(100'000'000, {&a});
    const auto t = a.engine->take_timeouts();
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].index, 5u);
    EXPECT_EQ(t[0].generation, 2u);
    a.engine->end(ca);
    EXPECT_EQ(a.stats.counters().media_no_rtp_calls.get(), 1u);
}

}  // namespace
}  // namespace sipstorm::media
