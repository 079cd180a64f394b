// The parts of an SDP body (RFC 4566) a media stream needs, and the RFC 3264 answer rule: the
// connection address, the first audio stream's port and payload types, their rtpmap names, ptime,
// direction, and which payload type carries telephone-event (RFC 4733). Views into the body.
#pragma once
#include <cstdint>
#include <string_view>

namespace sipstorm::media {

enum class Direction : uint8_t { kSendRecv, kSendOnly, kRecvOnly, kInactive };

struct SdpAudio {
    std::string_view address;  // c= of the audio stream, else of the session
    bool ipv6 = false;
    uint16_t port = 0;  // m=audio port (0: stream refused, RFC 3264 §6)
    static constexpr int kMaxFormats = 16;
    uint8_t formats[kMaxFormats] = {};  // payload types in m= order
    int format_count = 0;
    int telephone_event_pt = -1;  // the payload type whose rtpmap is telephone-event/8000, or -1
    uint32_t ptime_ms = 20;       // a=ptime, default 20
    Direction direction = Direction::kSendRecv;
    uint32_t ssrc = 0;  // a=ssrc (RFC 5576) if given, else 0
    bool has_ssrc = false;

    // The rtpmap encoding name of a payload type ("PCMU"), or the static one for 0..34 (RFC 3551).
    std::string_view encoding_of(uint8_t pt) const;
    std::string_view body;  // for encoding_of()
};

// False when the body has no m=audio line or no connection address for it.
bool parse_sdp_audio(std::string_view body, SdpAudio& out);

// The first payload type of `offer` that we also support (PCMU 0, PCMA 8), in the offer's order
// (RFC 3264 §6.1), or -1.
int choose_codec(const SdpAudio& offer);

}  // namespace sipstorm::media
