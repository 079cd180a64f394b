#include "media/dtmf.hpp"

namespace sipstorm::media {

namespace {
constexpr std::string_view kDigits = "0123456789*#ABCD";
}

int dtmf_event_of(char digit) {
    if (digit >= 'a' && digit <= 'd') digit = static_cast<char>(digit - 'a' + 'A');
    const size_t i = kDigits.find(digit);
    return i == std::string_view::npos ? -1 : static_cast<int>(i);
}

char dtmf_char_of(uint8_t event) {
    return event < kDigits.size() ? kDigits[event] : '\0';
}

bool parse_telephone_event(std::span<const uint8_t> p, TelephoneEvent& out) {
    if (p.size() < 4) return false;
    out.event = p[0];
    out.end = (p[1] & 0x80) != 0;
    out.volume = p[1] & 0x3f;
    out.duration = static_cast<uint16_t>(p[2] << 8 | p[3]);
    return true;
}

size_t write_telephone_event(const TelephoneEvent& e, uint8_t* out, size_t cap) {
    if (cap < 4) return 0;
    out[0] = e.event;
    out[1] = static_cast<uint8_t>((e.end ? 0x80 : 0) | (e.volume & 0x3f));
    out[2] = static_cast<uint8_t>(e.duration >> 8);
    out[3] = static_cast<uint8_t>(e.duration);
    return 4;
}

void DtmfCollector::on_packet(const TelephoneEvent& e, uint32_t rtp_timestamp) {
    // Every packet of one event carries the event's start time as its timestamp (RFC 4733 §2.5.1.3),
    // so a new timestamp is a new digit; the repeats of its end packet change nothing.
    if (have_last_ && rtp_timestamp == last_ts_) return;
    have_last_ = true;
    last_ts_ = rtp_timestamp;
    const char c = dtmf_char_of(e.event);
    if (c != '\0' && count_ < kMaxDigits) digits_[count_++] = c;
}

}  // namespace sipstorm::media
