// RFC 4733 telephone events (DTMF digits on the RTP stream): the 4-byte payload, a sender that
// turns digits into the packet sequence §2.5 asks for, and a receiver that collects digits once each.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sipstorm::media {

struct TelephoneEvent {
    uint8_t event = 0;  // 0-9, 10 '*', 11 '#', 12-15 'A'-'D'
    bool end = false;
    uint8_t volume = 10;    // -dBm0, 0..63
    uint16_t duration = 0;  // in RTP timestamp units since the event's start
};

// The event code of a DTMF character, or -1.
int dtmf_event_of(char digit);
// The character of an event code 0..15, or '\0'.
char dtmf_char_of(uint8_t event);

bool parse_telephone_event(std::span<const uint8_t> payload, TelephoneEvent& out);
size_t write_telephone_event(const TelephoneEvent& e, uint8_t* out, size_t cap);  // 4, or 0

// Collects the digits of a stream: one per event (an event's packets share its RTP timestamp; its
// end packet is sent three times), in arrival order, up to a fixed number.
class DtmfCollector {
  public:
    // A telephone-event packet with this RTP timestamp arrived.
    void on_packet(const TelephoneEvent& e, uint32_t rtp_timestamp);
    std::string_view digits() const { return std::string_view(digits_, count_); }

  private:
    static constexpr size_t kMaxDigits = 32;
    char digits_[kMaxDigits] = {};
    size_t count_ = 0;
    uint32_t last_ts_ = 0;
    bool have_last_ = false;
};

}  // namespace sipstorm::media
