// What a stream plays, loaded once when the scenario is compiled and shared read-only by every call:
// continuous G.711 audio (a tone or a WAV file, already encoded in the stream's codec) cut into ptime
// frames, or the RTP packets of a capture with their timing (pcap:, as SIPp's play_pcap_audio).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sipstorm::media {

enum class Codec : uint8_t { kPcmu = 0, kPcma = 8 };  // the value is the static payload type

struct CapturedPacket {
    uint64_t offset_ns = 0;  // since the capture's first RTP packet
    uint8_t payload_type = 0;
    bool marker = false;
    uint32_t ts_offset = 0;                    // RTP timestamp since the first packet's
    uint16_t seq_offset = 0;                   // sequence number since the first packet's: gaps replay
    uint32_t payload_at = 0, payload_len = 0;  // in Clip::bytes
};

struct Clip {
    std::string source;  // as written in the scenario, for messages
    Codec codec = Codec::kPcmu;
    std::vector<uint8_t> bytes;           // audio: encoded samples at 8 kHz; capture: the payloads
    std::vector<CapturedPacket> packets;  // empty for audio
    bool is_capture() const { return !packets.empty(); }
};

// "tone:1000" (Hz, 1 s of a -10 dBm0 sine, loops seamlessly for whole-cycle frequencies), a WAV file
// (8 kHz mono: 16-bit PCM, or 8-bit A-law / mu-law, converted to `codec` if need be), or
// "pcap:FILE" (the RTP packets of the capture's first UDP flow that carries RTP). False with `error`.
bool load_clip(std::string_view spec, Codec codec, Clip& out, std::string& error);

}  // namespace sipstorm::media
