// G.711 (ITU-T) mu-law and A-law: 16-bit linear PCM <-> 8-bit code words, the segment algorithm.
#pragma once
#include <cstdint>

namespace sipstorm::media {

uint8_t linear_to_ulaw(int16_t pcm);
int16_t ulaw_to_linear(uint8_t u);
uint8_t linear_to_alaw(int16_t pcm);
int16_t alaw_to_linear(uint8_t a);

}  // namespace sipstorm::media
