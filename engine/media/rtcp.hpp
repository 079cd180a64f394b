// RTCP (RFC 3550 §6.4): the compound packet a stream sends (an SR, or an RR when it has sent
// nothing, with one report block on the stream it receives, then SDES CNAME), and what it reads
// back: the peer's sender report time (for our LSR/DLSR) and report blocks about our stream (the
// round-trip time, §6.4.1).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace sipstorm::media {

// NTP time (RFC 3550 §4): seconds since 1900 in the high 32 bits, fraction in the low.
uint64_t ntp_now();
inline uint32_t ntp_middle(uint64_t ntp) {
    return static_cast<uint32_t>(ntp >> 16);
}

struct ReportBlock {
    uint32_t ssrc = 0;  // the source it reports on
    uint8_t fraction_lost = 0;
    int32_t cumulative_lost = 0;  // 24 bits signed
    uint32_t extended_max_seq = 0;
    uint32_t jitter = 0;  // RTP timestamp units
    uint32_t lsr = 0;     // middle 32 bits of the last SR's NTP time, 0 = none
    uint32_t dlsr = 0;    // 1/65536 s since that SR arrived
};

struct RtcpOut {
    uint32_t ssrc = 0;
    bool sender = false;  // SR (we sent RTP) or RR
    uint64_t ntp = 0;
    uint32_t rtp_timestamp = 0, packets = 0, octets = 0;
    bool has_block = false;
    ReportBlock block;
};

// Writes the compound packet; returns its length, or 0 when cap is too small.
size_t write_rtcp(const RtcpOut& r, uint8_t* out, size_t cap);

struct RtcpIn {
    bool has_sr = false;
    uint32_t sr_ssrc = 0;
    uint32_t sr_ntp_middle = 0;  // for our next LSR
    bool has_block_for_us = false;
    ReportBlock block;  // the block whose ssrc is ours
};

// Reads a compound packet; false when it is not RTCP (version 2, a known first type, lengths right).
bool parse_rtcp(std::span<const uint8_t> packet, uint32_t our_ssrc, RtcpIn& out);

// RFC 3550 §6.4.1: RTT = arrival - LSR - DLSR, in 1/65536 s units of NTP's middle 32 bits.
inline double rtcp_rtt_ms(uint32_t arrival_middle, const ReportBlock& b) {
    if (b.lsr == 0) return -1;
    const uint32_t rtt = arrival_middle - b.lsr - b.dlsr;
    return static_cast<double>(rtt) * 1000.0 / 65536.0;
}

}  // namespace sipstorm::media
