// Inside report/prometheus*.cpp only: the text-format writer the /metrics families share, so the call
// figures (prometheus.cpp) and the connection and media figures (prometheus_streams.cpp) fold their
// histograms the same way.
#pragma once
#include <span>
#include <string>
#include <string_view>

#include "stats/histogram.hpp"
#include "stats/snapshot.hpp"

namespace sipstorm::report::prom {

// Label values: backslash, double quote and newline are escaped.
std::string escape(std::string_view v);
std::string number(double v);

class Writer {
  public:
    void family(const char* name, const char* type, const char* help);
    void sample(std::string_view name, const std::string& labels, uint64_t v);
    void sample(std::string_view name, const std::string& labels, double v);
    void sample(std::string_view name, const std::string& labels, const std::string& v);
    // A histogram's _bucket, _sum and _count samples (the family line written by the caller). `bounds`
    // are in the exposed unit; `per_unit` is how many of the histogram's units make one of it (1e6 for
    // µs exposed as seconds, 1000 for thousandths of a MOS point).
    void histogram(const char* name, const std::string& labels, const stats::Histogram& h,
                   std::span<const double> bounds, double per_unit);
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

// TCP/TLS connections: opened, accepted, closed, failed by reason, live, peak, reconnects, keep-alives,
// TLS resumptions, SIP bytes, and the connect and TLS handshake time histograms.
void write_connections(Writer& w, const stats::Snapshot& total);
// RTP media: streams live and ended, packets and bytes each way, RFC 3550 loss, late, duplicate,
// reordered and bad packets, RTCP, DTMF, and the jitter, MOS, RTT and send-lateness histograms.
void write_media(Writer& w, const stats::Snapshot& total);

}  // namespace sipstorm::report::prom
