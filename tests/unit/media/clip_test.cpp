#include "media/clip.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "media/dtmf.hpp"
#include "media/g711.hpp"

namespace sipstorm::media {
namespace {

// SIPp's own media captures, from Debian's sip-tester package (tools/setup.sh installs it).
const std::string kSippShare = "/usr/share/sip-tester/";

TEST(Clip, ToneIsOneSecondOfSine) {
    Clip c;
    std::string err;
    ASSERT_TRUE(load_clip("tone:1000", Codec::kPcmu, c, err)) << err;
    ASSERT_EQ(c.bytes.size(), 8000u);
    EXPECT_FALSE(c.is_capture());
    // 1000 Hz at 8 kHz: samples 2 and 6 of each period are the peaks.
    EXPECT_NEAR(ulaw_to_linear(c.bytes[2]), 10354, 400);
    EXPECT_NEAR(ulaw_to_linear(c.bytes[6]), -10354, 400);
    EXPECT_FALSE(load_clip("tone:abc", Codec::kPcmu, c, err));
    EXPECT_FALSE(load_clip("tone:5000", Codec::kPcmu, c, err));
}

TEST(Clip, WavFilesOf16BitPcmAreEncoded) {
    const std::string path = std::filesystem::temp_directory_path() / "sipstorm_clip_test.wav";
    {
        std::ofstream f(path, std::ios::binary);
        auto le32 = [&](uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
        auto le16 = [&](uint16_t v) { f.write(reinterpret_cast<const char*>(&v), 2); };
        f.write("RIFF", 4);
        le32(36 + 800);
        f.write("WAVEfmt ", 8);
        le32(16);
        le16(1), le16(1), le32(8000), le32(16000), le16(2), le16(16);
        f.write("data", 4);
        le32(800);
        for (int i = 0; i < 400; ++i) le16(static_cast<uint16_t>(static_cast<int16_t>(i * 50 - 10000)));
    }
    Clip c;
    std::string err;
    ASSERT_TRUE(load_clip(path, Codec::kPcma, c, err)) << err;
    ASSERT_EQ(c.bytes.size(), 400u);
    EXPECT_NEAR(alaw_to_linear(c.bytes[0]), -10000, 300);
    EXPECT_NEAR(alaw_to_linear(c.bytes[399]), 399 * 50 - 10000, 300);
    std::remove(path.c_str());
    EXPECT_FALSE(load_clip("/nonexistent.wav", Codec::kPcma, c, err));
    EXPECT_EQ(err, "cannot open '/nonexistent.wav'");
}

TEST(Clip, SippsG711CaptureKeepsItsTiming) {
    Clip c;
    std::string err;
    ASSERT_TRUE(std::filesystem::exists(kSippShare + "g711a.pcap")) << "apt-get install sip-tester";
    ASSERT_TRUE(load_clip("pcap:" + kSippShare + "g711a.pcap", Codec::kPcma, c, err)) << err;
    ASSERT_TRUE(c.is_capture());
    EXPECT_GT(c.packets.size(), 100u);
    EXPECT_EQ(c.packets[0].payload_type, 8);
    EXPECT_EQ(c.packets[0].payload_len, 240u);  // 30 ms of A-law
    EXPECT_EQ(c.packets[0].offset_ns, 0u);
    for (size_t i = 1; i < c.packets.size(); ++i) {
        EXPECT_GT(c.packets[i].offset_ns, c.packets[i - 1].offset_ns) << i;
        EXPECT_EQ(c.packets[i].ts_offset - c.packets[i - 1].ts_offset, 240u) << i;
        EXPECT_EQ(c.packets[i].seq_offset, i) << i;  // no gaps in this one
    }
    EXPECT_NEAR(static_cast<double>(c.packets[1].offset_ns), 30e6, 2e6);
}

TEST(Clip, SippsDtmfCapturesCarryTheirDigit) {
    for (auto [file, digit] : {std::pair{"dtmf_2833_1.pcap", '1'}, {"dtmf_2833_pound.pcap", '#'}}) {
        Clip c;
        std::string err;
        ASSERT_TRUE(load_clip("pcap:" + kSippShare + file, Codec::kPcmu, c, err)) << err;
        DtmfCollector dc;
        for (const CapturedPacket& p : c.packets) {
            TelephoneEvent e;
            if (parse_telephone_event(std::span<const uint8_t>(c.bytes.data() + p.payload_at, p.payload_len),
                                      e))
                dc.on_packet(e, p.ts_offset);
        }
        EXPECT_EQ(dc.digits(), std::string(1, digit)) << file;
    }
}

}  // namespace
}  // namespace sipstorm::media
