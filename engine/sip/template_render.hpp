// Renders a compiled Template into a caller's buffer: copies literal runs and slot values, nothing else.
//
// SlotSource is anything with `std::string_view value(Slot slot, uint16_t arg) const`. Each slot value
// is asked for exactly once per render and copied before the next is asked for, so a source may hand
// out per-render values (a new branch) and reuse one scratch buffer for all of them.
// kRoutes and kLastHeader values may span several lines (see Slot); on a line of their own
// (Segment::own_line) an empty value writes nothing. ${len} is filled by the renderer.
#pragma once
#include <cstddef>
#include <cstring>
#include <string_view>

#include "sip/template.hpp"

namespace sipstorm::sip {

namespace render_detail {

template <class SlotSource>
std::string_view piece(const Template& t, const Segment& seg, const SlotSource& src) {
    if (seg.slot == Slot::kLiteral) return std::string_view(t.text.data() + seg.offset, seg.length);
    return src.value(seg.slot, seg.arg);
}

// Decimal digits of n, written at the end of buf; returns the view of them.
inline std::string_view format_length(size_t n, char (&buf)[24]) {
    char* end = buf + sizeof(buf);
    char* p = end;
    do {
        *--p = static_cast<char>('0' + n % 10);
        n /= 10;
    } while (n != 0);
    return std::string_view(p, static_cast<size_t>(end - p));
}

}  // namespace render_detail

// Returns the message size, or 0 if it doesn't fit in `cap` bytes (out's contents are then unspecified).
// The body is rendered first, backwards into the tail of `out`, so its length is known when the headers
// (and ${len}) are written from the front; one memmove then closes the gap.
template <class SlotSource>
size_t render(const Template& t, const SlotSource& src, char* out, size_t cap) {
    size_t tail = cap;
    for (size_t i = t.segments.size(); i-- > t.body_segment;) {
        std::string_view v = render_detail::piece(t, t.segments[i], src);
        if (v.size() > tail) return 0;
        tail -= v.size();
        if (!v.empty()) std::memcpy(out + tail, v.data(), v.size());
    }
    const size_t body_len = cap - tail;
    char len_buf[24];
    const std::string_view len_text = render_detail::format_length(body_len, len_buf);

    size_t pos = 0;
    for (size_t i = 0; i < t.body_segment && i < t.segments.size(); ++i) {
        const Segment& seg = t.segments[i];
        std::string_view v = seg.slot == Slot::kContentLength ? len_text : render_detail::piece(t, seg, src);
        const bool add_crlf = seg.own_line && !v.empty() && v.back() != '\n';
        if (v.size() + (add_crlf ? 2 : 0) > tail - pos) return 0;
        if (!v.empty()) std::memcpy(out + pos, v.data(), v.size());
        pos += v.size();
        if (add_crlf) {
            out[pos++] = '\r';
            out[pos++] = '\n';
        }
    }
    if (body_len != 0 && tail != pos) std::memmove(out + pos, out + tail, body_len);
    return pos + body_len;
}

}  // namespace sipstorm::sip
