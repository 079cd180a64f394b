#include "net/stream_framer.hpp"

#include <cstring>

namespace sipstorm::net {

namespace {

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

// "Content-Length" or its compact form "l" at the start of `line`, then optional whitespace and ':'.
// Returns the offset just past the ':' or 0 when the line is another header.
size_t length_header(std::string_view line) {
    static constexpr std::string_view kLong = "content-length";
    size_t n = 0;
    if (line.size() > kLong.size()) {
        n = kLong.size();
        for (size_t i = 0; i < n; ++i)
            if (lower(line[i]) != kLong[i]) {
                n = 0;
                break;
            }
    }
    if (n == 0 && !line.empty() && lower(line[0]) == 'l') n = 1;
    if (n == 0) return 0;
    while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
    return n < line.size() && line[n] == ':' ? n + 1 : 0;
}

enum class LengthScan { kFound, kMissing, kBad };

// The first Content-Length of the header lines (the start line excluded). Folded values are rare
// enough in framing headers to be refused as kBad by the digit check.
LengthScan find_length(std::string_view headers, uint64_t& value) {
    size_t at = headers.find("\r\n");
    while (at != std::string_view::npos && at + 2 < headers.size()) {
        const size_t start = at + 2;
        size_t end = headers.find("\r\n", start);
        if (end == std::string_view::npos) end = headers.size();
        const std::string_view line = headers.substr(start, end - start);
        if (size_t colon = length_header(line)) {
            size_t i = colon;
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
            if (i == line.size()) return LengthScan::kBad;
            uint64_t v = 0;
            for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
                v = v * 10 + static_cast<uint64_t>(line[i] - '0');
                if (v > (1ull << 40)) return LengthScan::kBad;
            }
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
            if (i != line.size() || colon == line.size()) return LengthScan::kBad;
            value = v;
            return LengthScan::kFound;
        }
        at = end;
    }
    return LengthScan::kMissing;
}

}  // namespace

Frame frame_stream(std::string_view data, bool awaiting_pong, uint32_t max_message, uint32_t& scan_from) {
    size_t pos = 0;
    // CRLFs at a boundary: a CRLFCRLF is a ping, a lone CRLF a pong (when one is due) or padding.
    while (data.size() - pos >= 2 && data[pos] == '\r' && data[pos + 1] == '\n') {
        const std::string_view rest = data.substr(pos);
        if (rest.size() >= 4 && rest[2] == '\r' && rest[3] == '\n') {
            scan_from = 0;
            return {FrameKind::kPing, static_cast<uint32_t>(pos + 4), 0};
        }
        if (awaiting_pong) {
            scan_from = 0;
            return {FrameKind::kPong, static_cast<uint32_t>(pos + 2), 0};
        }
        if (rest.size() == 2 || (rest.size() == 3 && rest[2] == '\r')) return {FrameKind::kNeedMore, 0, 0};
        pos += 2;
    }
    const std::string_view msg = data.substr(pos);
    const size_t from = scan_from > pos ? scan_from - pos : 0;
    const void* hit = msg.size() >= 4 && from < msg.size()
                          ? memmem(msg.data() + from, msg.size() - from, "\r\n\r\n", 4)
                          : nullptr;
    if (!hit) {
        if (msg.size() > max_message) return {FrameKind::kTooLarge, 0, 0};
        scan_from = static_cast<uint32_t>(pos + (msg.size() > 3 ? msg.size() - 3 : 0));
        return {FrameKind::kNeedMore, 0, 0};
    }
    const size_t head = static_cast<size_t>(static_cast<const char*>(hit) - msg.data()) + 4;
    scan_from = 0;
    uint64_t body = 0;
    switch (find_length(msg.substr(0, head - 2), body)) {
        case LengthScan::kMissing:
            return {FrameKind::kNoLength, 0, 0};
        case LengthScan::kBad:
            return {FrameKind::kBadLength, 0, 0};
        case LengthScan::kFound:
            break;
    }
    if (head + body > max_message) return {FrameKind::kTooLarge, 0, 0};
    if (msg.size() < head + body) {
        scan_from = static_cast<uint32_t>(pos + head - 4);  // the same end of headers next time
        return {FrameKind::kNeedMore, 0, 0};
    }
    return {FrameKind::kMessage, static_cast<uint32_t>(pos), static_cast<uint32_t>(head + body)};
}

}  // namespace sipstorm::net
