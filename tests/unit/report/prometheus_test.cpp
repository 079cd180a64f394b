// The /metrics exposition: our histogram buckets folded into fixed `le` bounds, counters by reason and
// shard, label values escaped.
#include "report/prometheus.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace sipstorm::report {
namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(Prometheus, HistogramBucketsFoldIntoFixedBounds) {
    auto s = std::make_unique<stats::Snapshot>();
    for (uint64_t us : {100, 400, 900, 1000, 3000, 70'000, 2'000'000, 400'000'000})
        s->hist.setup_us.record(us);
    s->counts.calls_attempted = 8;
    s->counts.failed_by_reason[0] = 2;
    s->counts.lag_ns = 3'000'000;
    s->counts.busy_ns = 250;
    s->counts.loop_ns = 1000;
    PrometheusInfo info;
    info.scenario = "a \"quoted\" \\ name";
    info.command = "run";
    info.shard_index = 1;
    info.shard_total = 2;
    const stats::Snapshot* shards[] = {s.get(), s.get()};
    const std::string text = prometheus_text(info, *s, shards, 1.5);
    EXPECT_TRUE(has_line(text, "sipstorm_setup_seconds_bucket{le=\"0.0005\"} 2"));  // 100, 400
    EXPECT_TRUE(
        has_line(text, "sipstorm_setup_seconds_bucket{le=\"0.001\"} 3"))  // + 900; 1000's bucket ends above
        << text;
    EXPECT_TRUE(has_line(text, "sipstorm_setup_seconds_bucket{le=\"0.0025\"} 4"));
    EXPECT_TRUE(has_line(text, "sipstorm_setup_seconds_bucket{le=\"0.005\"} 5"));
    EXPECT_TRUE(has_line(text, "sipstorm_setup_seconds_bucket{le=\"0.1\"} 6"));
    EXPECT_TRUE(has_line(text, "sipstorm_setup_seconds_bucket{le=\"2.5\"} 7"));
    EXPECT_TRUE(has_line(text, "sipstorm_setup_seconds_bucket{le=\"300\"} 7"));
    EXPECT_TRUE(has_line(text, "sipstorm_setup_seconds_bucket{le=\"+Inf\"} 8"));
    EXPECT_TRUE(has_line(text, "sipstorm_setup_seconds_count 8"));
    EXPECT_TRUE(has_line(text, "sipstorm_setup_seconds_sum 402.0754"));
    EXPECT_TRUE(has_line(text, "sipstorm_calls_attempted_total 8"));
    EXPECT_TRUE(has_line(text, "sipstorm_calls_failed_total{reason=\"timeout\"} 2"));
    EXPECT_TRUE(has_line(text, "sipstorm_generator_lag_seconds{shard=\"1\"} 0.003"));
    EXPECT_TRUE(has_line(text, "sipstorm_generator_busy_ratio{shard=\"0\"} 0.25"));
    EXPECT_NE(text.find("scenario=\"a \\\"quoted\\\" \\\\ name\",shard=\"1/2\""), std::string::npos) << text;
    EXPECT_NE(text.find("# TYPE sipstorm_setup_seconds histogram\n"), std::string::npos);
    EXPECT_EQ(text.find("sipstorm_response_seconds_bucket"), std::string::npos);  // no samples, no series
}

TEST(Prometheus, ConnectionFiguresByReasonAndHandshakeHistogram) {
    auto s = std::make_unique<stats::Snapshot>();
    s->counts.conn_opened = 5;
    s->counts.conn_accepted = 7;
    s->counts.conn_closed = 4;
    s->counts.conn_current = 3;
    s->counts.conn_failed[0] = 2;   // refused
    s->counts.conn_failed[12] = 1;  // over_limit
    s->counts.bytes_in = 100;
    s->counts.bytes_out = 200;
    for (uint64_t us : {300, 800, 40'000}) s->hist.handshake_us.record(us);
    s->hist.connect_us.record(90);
    PrometheusInfo info;
    const stats::Snapshot* shards[] = {s.get()};
    const std::string text = prometheus_text(info, *s, shards, 1);
    EXPECT_TRUE(has_line(text, "sipstorm_connections_opened_total 5")) << text;
    EXPECT_TRUE(has_line(text, "sipstorm_connections_accepted_total 7"));
    EXPECT_TRUE(has_line(text, "sipstorm_connections_closed_total 4"));
    EXPECT_TRUE(has_line(text, "sipstorm_connections_live 3"));
    EXPECT_TRUE(has_line(text, "sipstorm_connections_failed_total{reason=\"refused\"} 2"));
    EXPECT_TRUE(has_line(text, "sipstorm_connections_failed_total{reason=\"over_limit\"} 1"));
    EXPECT_TRUE(has_line(text, "sipstorm_connections_failed_total{reason=\"reset\"} 0"));
    EXPECT_TRUE(has_line(text, "sipstorm_sip_bytes_total{direction=\"out\"} 200"));
    EXPECT_TRUE(has_line(text, "sipstorm_tls_handshake_seconds_bucket{le=\"0.0005\"} 1"));
    EXPECT_TRUE(has_line(text, "sipstorm_tls_handshake_seconds_bucket{le=\"0.001\"} 2"));
    EXPECT_TRUE(has_line(text, "sipstorm_tls_handshake_seconds_bucket{le=\"0.05\"} 3"));
    EXPECT_TRUE(has_line(text, "sipstorm_tls_handshake_seconds_count 3"));
    EXPECT_TRUE(has_line(text, "sipstorm_connect_seconds_count 1"));
    EXPECT_NE(text.find("# TYPE sipstorm_tls_handshake_seconds histogram\n"), std::string::npos);
}

TEST(Prometheus, MediaFiguresFoldJitterAndMosIntoTheirOwnBounds) {
    auto s = std::make_unique<stats::Snapshot>();
    s->counts.media_live = 2;
    s->counts.media_streams = 4;
    s->counts.media_packets_in = 1000;
    s->counts.media_packets_out = 1002;
    s->counts.media_expected = 1010;
    s->counts.media_lost = 10;
    s->counts.media_late_packets = 3;
    s->counts.dtmf_received[11] = 2;  // '#'
    for (uint64_t us : {50, 120, 3000, 3000}) s->hist.media_jitter_us.record(us);
    for (uint64_t milli : {4410, 4410, 4290, 2600}) s->hist.media_mos_milli.record(milli);
    PrometheusInfo info;
    const stats::Snapshot* shards[] = {s.get()};
    const std::string text = prometheus_text(info, *s, shards, 1);
    EXPECT_TRUE(has_line(text, "sipstorm_media_streams_live 2")) << text;
    EXPECT_TRUE(has_line(text, "sipstorm_media_streams_ended_total 4"));
    EXPECT_TRUE(has_line(text, "sipstorm_rtp_packets_total{direction=\"in\"} 1000"));
    EXPECT_TRUE(has_line(text, "sipstorm_rtp_packets_total{direction=\"out\"} 1002"));
    EXPECT_TRUE(has_line(text, "sipstorm_rtp_packets_expected_total 1010"));
    EXPECT_TRUE(has_line(text, "sipstorm_rtp_packets_lost_total 10"));
    EXPECT_TRUE(has_line(text, "sipstorm_rtp_packets_late_total 3"));
    EXPECT_TRUE(has_line(text, "sipstorm_dtmf_events_received_total{digit=\"#\"} 2"));
    EXPECT_TRUE(has_line(text, "sipstorm_rtp_jitter_seconds_bucket{le=\"0.0001\"} 1"));
    EXPECT_TRUE(has_line(text, "sipstorm_rtp_jitter_seconds_bucket{le=\"0.00025\"} 2"));
    EXPECT_TRUE(has_line(text, "sipstorm_rtp_jitter_seconds_bucket{le=\"0.002\"} 2"));
    EXPECT_TRUE(has_line(text, "sipstorm_rtp_jitter_seconds_bucket{le=\"0.005\"} 4"));
    EXPECT_TRUE(has_line(text, "sipstorm_rtp_jitter_seconds_sum 0.00617"));
    // Thousandths of a MOS point, exposed as the MOS. Above 4.096 our buckets are 0.032 wide: 4.29's
    // ends at 4.319, so it counts under 4.4 (and 4.41's, ending at 4.415, under 4.5).
    EXPECT_TRUE(has_line(text, "sipstorm_media_mos_bucket{le=\"2.5\"} 0"));
    EXPECT_TRUE(has_line(text, "sipstorm_media_mos_bucket{le=\"3\"} 1"));
    EXPECT_TRUE(has_line(text, "sipstorm_media_mos_bucket{le=\"4.3\"} 1"));
    EXPECT_TRUE(has_line(text, "sipstorm_media_mos_bucket{le=\"4.4\"} 2"));
    EXPECT_TRUE(has_line(text, "sipstorm_media_mos_bucket{le=\"4.5\"} 4"));
    EXPECT_TRUE(has_line(text, "sipstorm_media_mos_sum 15.71"));
    EXPECT_TRUE(has_line(text, "sipstorm_media_mos_count 4"));
}

}  // namespace
}  // namespace sipstorm::report
