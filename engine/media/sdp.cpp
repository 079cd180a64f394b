#include "media/sdp.hpp"

#include <charconv>

namespace sipstorm::media {

namespace {

// Splits the body into lines (CRLF or LF); returns false at the end.
bool next_line(std::string_view body, size_t& pos, std::string_view& line) {
    if (pos >= body.size()) return false;
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    line = body.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    return true;
}

std::string_view word(std::string_view& s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    size_t sp = s.find(' ');
    std::string_view w = s.substr(0, sp);
    s = sp == std::string_view::npos ? std::string_view() : s.substr(sp + 1);
    return w;
}

template <class T>
bool number(std::string_view s, T& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
    return true;
}

// "c=IN IP4 192.0.2.1" -> the address (an SDP multicast TTL suffix cut off).
bool connection(std::string_view v, std::string_view& addr, bool& ipv6) {
    if (word(v) != "IN") return false;
    const std::string_view type = word(v);
    addr = word(v);
    addr = addr.substr(0, addr.find('/'));
    ipv6 = type == "IP6";
    return !addr.empty() && (type == "IP4" || type == "IP6");
}

}  // namespace

bool parse_sdp_audio(std::string_view body, SdpAudio& out) {
    out = SdpAudio{};
    out.body = body;
    std::string_view session_addr, line;
    bool session_ipv6 = false, in_audio = false, seen_audio = false, media_addr = false;
    Direction session_dir = Direction::kSendRecv;
    bool media_dir = false;
    for (size_t pos = 0; next_line(body, pos, line);) {
        if (line.size() < 2 || line[1] != '=') continue;
        const char type = line[0];
        std::string_view v = line.substr(2);
        if (type == 'm') {
            if (seen_audio) break;  // only the first audio stream
            std::string_view media = word(v);
            in_audio = media == "audio";
            if (!in_audio) continue;
            seen_audio = true;
            std::string_view port = word(v);
            port = port.substr(0, port.find('/'));  // "49170/2": a port count
            if (!number(port, out.port)) return false;
            word(v);  // the protocol, RTP/AVP
            for (std::string_view f = word(v); !f.empty() && out.format_count < SdpAudio::kMaxFormats;
                 f = word(v)) {
                unsigned pt = 0;
                if (number(f, pt) && pt < 128) out.formats[out.format_count++] = static_cast<uint8_t>(pt);
            }
            continue;
        }
        if (seen_audio && !in_audio) continue;  // lines of another stream
        if (type == 'c') {
            std::string_view a;
            bool v6 = false;
            if (!connection(v, a, v6)) continue;
            if (in_audio) {
                out.address = a;
                out.ipv6 = v6;
                media_addr = true;
            } else {
                session_addr = a;
                session_ipv6 = v6;
            }
        } else if (type == 'a') {
            Direction* dir = in_audio ? &out.direction : &session_dir;
            bool* set = in_audio ? &media_dir : nullptr;
            auto direction = [&](Direction d) {
                *dir = d;
                if (set) *set = true;
            };
            if (v == "sendrecv")
                direction(Direction::kSendRecv);
            else if (v == "sendonly")
                direction(Direction::kSendOnly);
            else if (v == "recvonly")
                direction(Direction::kRecvOnly);
            else if (v == "inactive")
                direction(Direction::kInactive);
            else if (in_audio && v.starts_with("ptime:"))
                number(v.substr(6), out.ptime_ms);
            else if (in_audio && v.starts_with("ssrc:")) {
                std::string_view rest = v.substr(5);
                out.has_ssrc = number(word(rest), out.ssrc);
            } else if (in_audio && v.starts_with("rtpmap:")) {
                std::string_view rest = v.substr(7);
                unsigned pt = 0;
                if (number(word(rest), pt) && iequal(rest.substr(0, rest.find('/')), "telephone-event"))
                    out.telephone_event_pt = static_cast<int>(pt);
            }
        }
    }
    if (!seen_audio) return false;
    if (!media_addr) {
        out.address = session_addr;
        out.ipv6 = session_ipv6;
    }
    if (!media_dir) out.direction = session_dir;
    return !out.address.empty();
}

std::string_view SdpAudio::encoding_of(uint8_t pt) const {
    std::string_view line;
    for (size_t pos = 0; next_line(body, pos, line);) {
        if (!line.starts_with("a=rtpmap:")) continue;
        std::string_view rest = line.substr(9);
        unsigned n = 0;
        if (number(word(rest), n) && n == pt) return rest.substr(0, rest.find('/'));
    }
    switch (pt) {  // RFC 3551 static payload types we know
        case 0:
            return "PCMU";
        case 8:
            return "PCMA";
        case 18:
            return "G729";
        default:
            return {};
    }
}

int choose_codec(const SdpAudio& offer) {
    for (int i = 0; i < offer.format_count; ++i) {
        const std::string_view name = offer.encoding_of(offer.formats[i]);
        if (iequal(name, "PCMU") || iequal(name, "PCMA")) return offer.formats[i];
    }
    return -1;
}

}  // namespace sipstorm::media
