// RTP packets (RFC 3550 §5.1): the fixed 12-byte header read from and written into caller buffers.
// No allocation; a received view points into the datagram.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace sipstorm::media {

inline constexpr size_t kRtpHeaderBytes = 12;

struct RtpHeader {
    bool marker = false;
    uint8_t payload_type = 0;  // 0..127
    uint16_t seq = 0;
    uint32_t timestamp = 0;
    uint32_t ssrc = 0;
};

struct RtpView {
    RtpHeader header;
    std::span<const uint8_t> payload;  // after CSRCs and any header extension, without padding
};

// False when the datagram is not RTP version 2 or its lengths do not add up (CSRC list, extension
// or padding longer than the packet). RTCP (payload types 200-204 in the second byte, RFC 5761) is
// not RTP: the caller demultiplexes by port.
bool parse_rtp(std::span<const uint8_t> datagram, RtpView& out);

// Writes the 12-byte header (no CSRCs, no extension, no padding) and returns 12, or 0 if cap is short.
size_t write_rtp_header(const RtpHeader& h, uint8_t* out, size_t cap);

}  // namespace sipstorm::media
