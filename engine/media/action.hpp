// What a scenario's media steps ask of a call's stream, compiled once (script/step_compiler) and
// shared by every call of the program.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "media/clip.hpp"

namespace sipstorm::media {

struct MediaAction {
    enum class Kind : uint8_t { kPlay, kEcho, kStop, kDtmf };
    Kind kind = Kind::kPlay;
    std::shared_ptr<const Clip> clip;  // kPlay
    uint32_t ptime_ms = 20;            // kPlay: a packet every ptime (audio clips)
    uint64_t duration_ns = 0;  // kPlay: stop after this long; 0 = the clip's length, or forever with loop
    bool loop = false;         // kPlay: start the clip again at its end
    std::string digits;        // kDtmf: RFC 4733 events, 0-9 * # A-D
};

}  // namespace sipstorm::media
