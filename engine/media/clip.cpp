#include "media/clip.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <numbers>

#include "media/g711.hpp"
#include "media/rtp.hpp"

namespace sipstorm::media {

namespace {

uint8_t encode(Codec c, int16_t pcm) {
    return c == Codec::kPcmu ? linear_to_ulaw(pcm) : linear_to_alaw(pcm);
}

bool read_file(const std::string& path, std::vector<uint8_t>& out, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot open '" + path + "'";
        return false;
    }
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

uint16_t le16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] | p[1] << 8);
}
uint32_t le32(const uint8_t* p) {
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint32_t be32(const uint8_t* p) {
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

bool tone(std::string_view hz_text, Codec codec, Clip& out, std::string& error) {
    unsigned hz = 0;
    auto [end, ec] = std::from_chars(hz_text.data(), hz_text.data() + hz_text.size(), hz);
    if (ec != std::errc() || end != hz_text.data() + hz_text.size() || hz == 0 || hz >= 4000) {
        error = "tone: needs a frequency in Hz below 4000, e.g. tone:1000";
        return false;
    }
    out.bytes.resize(8000);
    const double amplitude = 32767 * 0.316;  // -10 dB below full scale, about -7 dBm0
    for (size_t i = 0; i < out.bytes.size(); ++i)
        out.bytes[i] = encode(
            codec, static_cast<int16_t>(
                       std::lround(amplitude * std::sin(2 * std::numbers::pi * hz * double(i) / 8000))));
    return true;
}

bool wav(const std::string& path, Codec codec, Clip& out, std::string& error) {
    std::vector<uint8_t> f;
    if (!read_file(path, f, error)) return false;
    if (f.size() < 12 || std::memcmp(f.data(), "RIFF", 4) != 0 || std::memcmp(f.data() + 8, "WAVE", 4) != 0) {
        error = "'" + path + "' is not a WAV file";
        return false;
    }
    uint16_t format = 0, channels = 0, bits = 0;
    uint32_t rate = 0;
    const uint8_t* data = nullptr;
    uint32_t data_len = 0;
    for (size_t p = 12; p + 8 <= f.size();) {
        const uint32_t len = le32(f.data() + p + 4);
        const uint8_t* body = f.data() + p + 8;
        if (len > f.size() - p - 8) break;
        if (std::memcmp(f.data() + p, "fmt ", 4) == 0 && len >= 16) {
            format = le16(body);
            channels = le16(body + 2);
            rate = le32(body + 4);
            bits = le16(body + 14);
        } else if (std::memcmp(f.data() + p, "data", 4) == 0) {
            data = body;
            data_len = len;
        }
        p += 8 + len + (len & 1);
    }
    if (!data || channels != 1 || rate != 8000) {
        error = "'" + path + "': only 8 kHz mono WAV files are supported";
        return false;
    }
    if (format == 1 && bits == 16) {
        out.bytes.resize(data_len / 2);
        for (size_t i = 0; i < out.bytes.size(); ++i)
            out.bytes[i] = encode(codec, static_cast<int16_t>(le16(data + 2 * i)));
    } else if ((format == 6 || format == 7) && bits == 8) {  // A-law, mu-law
        const Codec have = format == 6 ? Codec::kPcma : Codec::kPcmu;
        out.bytes.assign(data, data + data_len);
        if (have != codec)
            for (uint8_t& b : out.bytes)
                b = encode(codec, have == Codec::kPcma ? alaw_to_linear(b) : ulaw_to_linear(b));
    } else {
        error = "'" + path + "': the samples must be 16-bit PCM or 8-bit G.711";
        return false;
    }
    if (out.bytes.empty()) {
        error = "'" + path + "' has no samples";
        return false;
    }
    return true;
}

// The UDP payload of one captured frame, or an empty span (not UDP over IPv4/IPv6).
std::span<const uint8_t> udp_payload(uint32_t linktype, std::span<const uint8_t> frame, uint32_t& flow) {
    size_t ip = 0;
    if (linktype == 1) {  // Ethernet, maybe with one VLAN tag
        if (frame.size() < 14) return {};
        size_t at = 12;
        uint16_t type = static_cast<uint16_t>(frame[at] << 8 | frame[at + 1]);
        if (type == 0x8100 && frame.size() >= 18) {
            at = 16;
            type = static_cast<uint16_t>(frame[at] << 8 | frame[at + 1]);
        }
        if (type != 0x0800 && type != 0x86dd) return {};
        ip = at + 2;
    } else if (linktype == 113) {  // Linux cooked capture
        ip = 16;
    } else if (linktype != 101 && linktype != 12) {  // raw IP
        return {};
    }
    if (frame.size() < ip + 20) return {};
    size_t udp = 0;
    const uint8_t version = frame[ip] >> 4;
    if (version == 4) {
        if (frame[ip + 9] != 17) return {};
        udp = ip + 4u * (frame[ip] & 0x0f);
    } else if (version == 6) {
        if (frame.size() < ip + 40 || frame[ip + 6] != 17) return {};
        udp = ip + 40;
    } else {
        return {};
    }
    if (frame.size() < udp + 8) return {};
    const uint16_t len = static_cast<uint16_t>(frame[udp + 4] << 8 | frame[udp + 5]);
    if (len < 8 || udp + len > frame.size()) return {};
    flow = uint32_t{frame[udp]} << 24 | uint32_t{frame[udp + 1]} << 16 | uint32_t{frame[udp + 2]} << 8 |
           frame[udp + 3];  // source and destination ports
    return frame.subspan(udp + 8, len - 8u);
}

bool capture(const std::string& path, Clip& out, std::string& error) {
    std::vector<uint8_t> f;
    if (!read_file(path, f, error)) return false;
    if (f.size() < 24) {
        error = "'" + path + "' is not a pcap file";
        return false;
    }
    const uint32_t magic = le32(f.data());
    const bool swapped = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
    const bool nanos = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
    if (!swapped && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
        error =
            "'" + path + "' is not a pcap file (pcapng is not supported: convert it with editcap -F pcap)";
        return false;
    }
    auto u32 = [&](size_t at) { return swapped ? be32(f.data() + at) : le32(f.data() + at); };
    const uint32_t linktype = u32(20);
    bool have_first = false, have_flow = false;
    uint64_t first_ns = 0;
    uint32_t first_ts = 0, flow = 0;
    uint16_t first_seq = 0;
    for (size_t p = 24; p + 16 <= f.size();) {
        const uint64_t t = uint64_t{u32(p)} * 1'000'000'000 + uint64_t{u32(p + 4)} * (nanos ? 1 : 1000);
        const uint32_t caplen = u32(p + 8);
        if (caplen > f.size() - p - 16) break;
        uint32_t this_flow = 0;
        const auto udp =
            udp_payload(linktype, std::span<const uint8_t>(f.data() + p + 16, caplen), this_flow);
        p += 16 + caplen;
        RtpView rtp;
        if (udp.empty() || !parse_rtp(udp, rtp) ||
            (rtp.header.payload_type >= 72 && rtp.header.payload_type <= 76))
            continue;  // not RTP, or RTCP
        if (have_flow && this_flow != flow) continue;
        if (!have_first) {
            have_first = have_flow = true;
            first_ns = t;
            first_ts = rtp.header.timestamp;
            first_seq = rtp.header.seq;
            flow = this_flow;
        }
        CapturedPacket cp;
        cp.offset_ns = t - first_ns;
        cp.payload_type = rtp.header.payload_type;
        cp.marker = rtp.header.marker;
        cp.ts_offset = rtp.header.timestamp - first_ts;
        cp.seq_offset = static_cast<uint16_t>(rtp.header.seq - first_seq);
        cp.payload_at = static_cast<uint32_t>(out.bytes.size());
        cp.payload_len = static_cast<uint32_t>(rtp.payload.size());
        out.bytes.insert(out.bytes.end(), rtp.payload.begin(), rtp.payload.end());
        out.packets.push_back(cp);
    }
    if (out.packets.empty()) {
        error = "'" + path + "' holds no RTP packets";
        return false;
    }
    return true;
}

}  // namespace

bool load_clip(std::string_view spec, Codec codec, Clip& out, std::string& error) {
    out = Clip{};
    out.source = std::string(spec);
    out.codec = codec;
    if (spec.starts_with("tone:")) return tone(spec.substr(5), codec, out, error);
    if (spec.starts_with("pcap:")) return capture(std::string(spec.substr(5)), out, error);
    return wav(std::string(spec), codec, out, error);
}

}  // namespace sipstorm::media
