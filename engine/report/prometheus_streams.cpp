// The connection and media families of /metrics: the same counters and histograms the result file's
// `connections` and `media` objects report, under Prometheus names.
#include <array>
#include <string>
#include <string_view>

#include "report/prometheus.hpp"
#include "report/prometheus_writer.hpp"

namespace sipstorm::report::prom {
namespace {

void counter(Writer& w, const char* name, const char* help, uint64_t v) {
    w.family(name, "counter", help);
    w.sample(name, "", v);
}

void gauge(Writer& w, const char* name, const char* help, uint64_t v) {
    w.family(name, "gauge", help);
    w.sample(name, "", v);
}

void in_out(Writer& w, const char* name, const char* help, uint64_t in, uint64_t out) {
    w.family(name, "counter", help);
    w.sample(name, "direction=\"in\"", in);
    w.sample(name, "direction=\"out\"", out);
}

template <size_t N>
void histogram(Writer& w, const char* name, const char* help, const stats::Histogram& h,
               const std::array<double, N>& bounds, double per_unit) {
    w.family(name, "histogram", help);
    w.histogram(name, "", h, bounds, per_unit);
}

constexpr std::string_view kDtmfDigits = "0123456789*#ABCD";

}  // namespace

void write_connections(Writer& w, const stats::Snapshot& total) {
    const stats::Counts& c = total.counts;
    counter(w, "sipstorm_connections_opened_total",
            "Outgoing TCP/TLS connections established (TLS: handshake done).", c.conn_opened);
    counter(w, "sipstorm_connections_accepted_total", "Incoming TCP/TLS connections accepted.",
            c.conn_accepted);
    counter(w, "sipstorm_connections_closed_total", "TCP/TLS connections that ended, for any reason.",
            c.conn_closed);
    w.family("sipstorm_connections_failed_total", "counter",
             "TCP/TLS connections that ended badly, by reason.");
    for (size_t i = 0; i < stats::kConnFailReasons; ++i)
        w.sample("sipstorm_connections_failed_total",
                 "reason=\"" + std::string(stats::kConnFailReasonNames[i]) + "\"", c.conn_failed[i]);
    gauge(w, "sipstorm_connections_live", "TCP/TLS connections open.", c.conn_current);
    gauge(w, "sipstorm_connections_peak",
          "The most TCP/TLS connections open at once (each shard's peak, added).", c.conn_peak);
    counter(w, "sipstorm_connection_reconnects_total",
            "Reconnect attempts of shared or pooled connections after a failure.", c.conn_reconnects);
    counter(w, "sipstorm_tls_sessions_resumed_total", "TLS handshakes that resumed a session.",
            c.tls_resumed);
    counter(w, "sipstorm_keepalive_pings_sent_total", "RFC 5626 CRLFCRLF keep-alive pings sent.",
            c.keepalives_sent);
    counter(w, "sipstorm_keepalive_pongs_received_total", "CRLF pongs that answered our pings.",
            c.keepalive_pongs);
    counter(w, "sipstorm_keepalive_pings_answered_total", "Peers' keep-alive pings answered with a pong.",
            c.keepalives_answered);
    in_out(w, "sipstorm_sip_bytes_total", "SIP bytes received and sent, any transport (TLS: the plaintext).",
           c.bytes_in, c.bytes_out);
    histogram(w, "sipstorm_connect_seconds", "TCP/TLS connect() to connected.", total.hist.connect_us,
              kLatencyBounds, 1e6);
    histogram(w, "sipstorm_tls_handshake_seconds",
              "TLS handshake start to done; its count is the handshakes.", total.hist.handshake_us,
              kLatencyBounds, 1e6);
}

void write_media(Writer& w, const stats::Snapshot& total) {
    const stats::Counts& c = total.counts;
    const stats::Histograms& h = total.hist;
    gauge(w, "sipstorm_media_streams_live", "RTP streams open.", c.media_live);
    counter(w, "sipstorm_media_streams_ended_total", "RTP streams ended (their figures are taken then).",
            c.media_streams);
    counter(w, "sipstorm_media_no_rtp_calls_total", "Streams the peer's SDP let send that received no RTP.",
            c.media_no_rtp_calls);
    in_out(w, "sipstorm_rtp_packets_total", "RTP packets received and sent, echoes included.",
           c.media_packets_in, c.media_packets_out);
    in_out(w, "sipstorm_rtp_bytes_total", "RTP bytes received and sent, headers included.", c.media_bytes_in,
           c.media_bytes_out);
    counter(w, "sipstorm_rtp_packets_expected_total", "RFC 3550 A.3 packets expected, over ended streams.",
            c.media_expected);
    counter(w, "sipstorm_rtp_packets_lost_total",
            "RFC 3550 A.3 packets lost, over ended streams; loss ratio = lost / expected.", c.media_lost);
    counter(w, "sipstorm_rtp_packets_duplicate_total", "RTP packets received twice.", c.media_duplicates);
    counter(w, "sipstorm_rtp_packets_reordered_total", "RTP packets that arrived after a later one.",
            c.media_reordered);
    counter(w, "sipstorm_rtp_packets_late_total",
            "RTP packets we sent more than 10 ms after their ptime mark.", c.media_late_packets);
    counter(w, "sipstorm_rtp_packets_bad_total",
            "RTP packets from a second SSRC or with a payload type the SDP did not name.",
            c.media_bad_packets);
    in_out(w, "sipstorm_rtcp_packets_total", "RTCP compound packets received and sent.", c.media_rtcp_in,
           c.media_rtcp_out);
    counter(w, "sipstorm_dtmf_events_sent_total", "RFC 4733 events sent.", c.dtmf_sent);
    w.family("sipstorm_dtmf_events_received_total", "counter", "RFC 4733 digits received, by digit.");
    for (size_t i = 0; i < stats::kDtmfEvents; ++i)
        w.sample("sipstorm_dtmf_events_received_total", "digit=\"" + escape(kDtmfDigits.substr(i, 1)) + "\"",
                 c.dtmf_received[i]);
    histogram(w, "sipstorm_rtp_jitter_seconds", "A stream's RFC 3550 interarrival jitter at its end.",
              h.media_jitter_us, kMediaTimeBounds, 1e6);
    histogram(w, "sipstorm_rtp_jitter_max_seconds", "A stream's largest jitter during its life.",
              h.media_jitter_max_us, kMediaTimeBounds, 1e6);
    histogram(w, "sipstorm_media_mos", "A stream's E-model MOS (1 to 4.5) at its end.", h.media_mos_milli,
              kMosBounds, 1000);
    histogram(w, "sipstorm_rtcp_rtt_seconds", "A stream's RTCP round-trip time.", h.media_rtt_us,
              kLatencyBounds, 1e6);
    histogram(w, "sipstorm_rtp_echo_rtt_seconds", "A stream's mean round trip of its echoed RTP packets.",
              h.media_echo_rtt_us, kLatencyBounds, 1e6);
    histogram(w, "sipstorm_rtp_send_late_seconds", "Each RTP packet's send time after its ptime mark.",
              h.media_send_late_us, kMediaTimeBounds, 1e6);
}

}  // namespace sipstorm::report::prom
