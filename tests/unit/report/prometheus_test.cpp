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
    for (uint64_t us : {100, 400, 900, 1000, 3000, 70'000, 2'000'000, 400'000'000}) s->hist.setup_us.record(us);
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
    EXPECT_TRUE(has_line(text, "sipstorm_setup_seconds_bucket{le=\"0.001\"} 3"))   // + 900; 1000's bucket ends above
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

}  // namespace
}  // namespace sipstorm::report
