#include "media/rtcp.hpp"

#include <time.h>

#include <cstring>

namespace sipstorm::media {

namespace {

void put16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}
uint32_t be32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

constexpr uint8_t kSr = 200, kRr = 201, kSdes = 202;
constexpr char kCname[] = "sipstorm";

size_t write_block(const ReportBlock& b, uint8_t* p) {
    put32(p, b.ssrc);
    p[4] = b.fraction_lost;
    const uint32_t lost = static_cast<uint32_t>(b.cumulative_lost) & 0xffffff;
    p[5] = static_cast<uint8_t>(lost >> 16);
    p[6] = static_cast<uint8_t>(lost >> 8);
    p[7] = static_cast<uint8_t>(lost);
    put32(p + 8, b.extended_max_seq);
    put32(p + 12, b.jitter);
    put32(p + 16, b.lsr);
    put32(p + 20, b.dlsr);
    return 24;
}

ReportBlock read_block(const uint8_t* p) {
    ReportBlock b;
    b.ssrc = be32(p);
    b.fraction_lost = p[4];
    uint32_t lost = uint32_t{p[5]} << 16 | uint32_t{p[6]} << 8 | p[7];
    if (lost & 0x800000) lost |= 0xff000000;  // sign-extend the 24 bits
    b.cumulative_lost = static_cast<int32_t>(lost);
    b.extended_max_seq = be32(p + 8);
    b.jitter = be32(p + 12);
    b.lsr = be32(p + 16);
    b.dlsr = be32(p + 20);
    return b;
}

}  // namespace

uint64_t ntp_now() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    const uint64_t secs = static_cast<uint64_t>(ts.tv_sec) + 2'208'988'800ull;  // 1900 -> 1970
    const uint64_t frac = (static_cast<uint64_t>(ts.tv_nsec) << 32) / 1'000'000'000ull;
    return secs << 32 | frac;
}

size_t write_rtcp(const RtcpOut& r, uint8_t* out, size_t cap) {
    const size_t head = r.sender ? 28 : 8;
    const size_t report = head + (r.has_block ? 24 : 0);
    const size_t sdes_len = 4 + 4 + 2 + sizeof(kCname) - 1;  // header, SSRC, type+len, text
    const size_t sdes = (sdes_len + 1 + 3) / 4 * 4;          // an END item, padded to 32 bits
    if (cap < report + sdes) return 0;
    std::memset(out, 0, report + sdes);
    out[0] = static_cast<uint8_t>(0x80 | (r.has_block ? 1 : 0));
    out[1] = r.sender ? kSr : kRr;
    put16(out + 2, static_cast<uint16_t>(report / 4 - 1));
    put32(out + 4, r.ssrc);
    if (r.sender) {
        put32(out + 8, static_cast<uint32_t>(r.ntp >> 32));
        put32(out + 12, static_cast<uint32_t>(r.ntp));
        put32(out + 16, r.rtp_timestamp);
        put32(out + 20, r.packets);
        put32(out + 24, r.octets);
    }
    if (r.has_block) write_block(r.block, out + head);
    uint8_t* s = out + report;
    s[0] = 0x81;  // one chunk
    s[1] = kSdes;
    put16(s + 2, static_cast<uint16_t>(sdes / 4 - 1));
    put32(s + 4, r.ssrc);
    s[8] = 1;  // CNAME
    s[9] = sizeof(kCname) - 1;
    std::memcpy(s + 10, kCname, sizeof(kCname) - 1);
    return report + sdes;  // the zeros after the text are the END item and padding
}

bool parse_rtcp(std::span<const uint8_t> p, uint32_t our_ssrc, RtcpIn& out) {
    out = RtcpIn{};
    if (p.size() < 8 || (p[0] >> 6) != 2 || (p[1] != kSr && p[1] != kRr)) return false;
    for (size_t at = 0; at + 4 <= p.size();) {
        const uint8_t count = p[at] & 0x1f, type = p[at + 1];
        const size_t len = (size_t{p[at + 2]} << 8 | p[at + 3]) * 4 + 4;
        if ((p[at] >> 6) != 2 || at + len > p.size()) return false;
        const uint8_t* q = p.data() + at;
        size_t blocks_at = 0;
        if (type == kSr && len >= 28) {
            out.has_sr = true;
            out.sr_ssrc = be32(q + 4);
            out.sr_ntp_middle = static_cast<uint32_t>((uint64_t{be32(q + 8)} << 32 | be32(q + 12)) >> 16);
            blocks_at = 28;
        } else if (type == kRr && len >= 8) {
            blocks_at = 8;
        }
        for (size_t i = 0; blocks_at && i < count && blocks_at + 24 * (i + 1) <= len; ++i) {
            const ReportBlock b = read_block(q + blocks_at + 24 * i);
            if (b.ssrc == our_ssrc) {
                out.has_block_for_us = true;
                out.block = b;
            }
        }
        at += len;
    }
    return true;
}

}  // namespace sipstorm::media
