#include "media/g711.hpp"

namespace sipstorm::media {

namespace {

// The segment (0..7, or 8 when beyond the last) whose end is the first at or above v.
int segment(int v, const int (&ends)[8]) {
    for (int s = 0; s < 8; ++s)
        if (v <= ends[s]) return s;
    return 8;
}

constexpr int kUlawEnds[8] = {0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff};  // 14-bit magnitudes
constexpr int kAlawEnds[8] = {0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff};    // 13-bit magnitudes
constexpr int kUlawBias = 0x84;
constexpr int kUlawClip = 8159;

}  // namespace

uint8_t linear_to_ulaw(int16_t pcm) {
    int v = pcm >> 2;
    int mask = 0xff;
    if (v < 0) {
        v = -v;
        mask = 0x7f;
    }
    if (v > kUlawClip) v = kUlawClip;
    v += kUlawBias >> 2;
    const int seg = segment(v, kUlawEnds);
    if (seg >= 8) return static_cast<uint8_t>(0x7f ^ mask);
    return static_cast<uint8_t>(((seg << 4) | ((v >> (seg + 1)) & 0xf)) ^ mask);
}

int16_t ulaw_to_linear(uint8_t u) {
    u = static_cast<uint8_t>(~u);
    int t = ((u & 0xf) << 3) + kUlawBias;
    t <<= (u & 0x70) >> 4;
    return static_cast<int16_t>((u & 0x80) ? kUlawBias - t : t - kUlawBias);
}

uint8_t linear_to_alaw(int16_t pcm) {
    int v = pcm >> 3;
    int mask = 0xd5;
    if (v < 0) {
        mask = 0x55;
        v = -v - 1;
    }
    const int seg = segment(v, kAlawEnds);
    if (seg >= 8) return static_cast<uint8_t>(0x7f ^ mask);
    int a = seg << 4;
    a |= seg < 2 ? (v >> 1) & 0xf : (v >> seg) & 0xf;
    return static_cast<uint8_t>(a ^ mask);
}

int16_t alaw_to_linear(uint8_t a) {
    a ^= 0x55;
    int t = (a & 0xf) << 4;
    const int seg = (a & 0x70) >> 4;
    if (seg == 0) {
        t += 8;
    } else {
        t += 0x108;
        t <<= seg - 1;
    }
    return static_cast<int16_t>((a & 0x80) ? t : -t);
}

}  // namespace sipstorm::media
