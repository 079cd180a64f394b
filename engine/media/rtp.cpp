#include "media/rtp.hpp"

namespace sipstorm::media {

namespace {

uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t be32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
void put32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

}  // namespace

bool parse_rtp(std::span<const uint8_t> d, RtpView& out) {
    if (d.size() < kRtpHeaderBytes || (d[0] >> 6) != 2) return false;
    size_t head = kRtpHeaderBytes + 4u * (d[0] & 0x0f);  // CSRC list
    if (d.size() < head) return false;
    if (d[0] & 0x10) {  // header extension: 16-bit profile, 16-bit length in 32-bit words
        if (d.size() < head + 4) return false;
        head += 4 + 4u * be16(d.data() + head + 2);
        if (d.size() < head) return false;
    }
    size_t end = d.size();
    if (d[0] & 0x20) {  // padding: the last octet counts the padding octets, itself included
        const uint8_t pad = d[end - 1];
        if (pad == 0 || pad > end - head) return false;
        end -= pad;
    }
    out.header.marker = (d[1] & 0x80) != 0;
    out.header.payload_type = d[1] & 0x7f;
    out.header.seq = be16(d.data() + 2);
    out.header.timestamp = be32(d.data() + 4);
    out.header.ssrc = be32(d.data() + 8);
    out.payload = d.subspan(head, end - head);
    return true;
}

size_t write_rtp_header(const RtpHeader& h, uint8_t* out, size_t cap) {
    if (cap < kRtpHeaderBytes) return 0;
    out[0] = 0x80;  // version 2, no padding, no extension, no CSRCs
    out[1] = static_cast<uint8_t>((h.marker ? 0x80 : 0) | (h.payload_type & 0x7f));
    out[2] = static_cast<uint8_t>(h.seq >> 8);
    out[3] = static_cast<uint8_t>(h.seq);
    put32(out + 4, h.timestamp);
    put32(out + 8, h.ssrc);
    return kRtpHeaderBytes;
}

}  // namespace sipstorm::media
