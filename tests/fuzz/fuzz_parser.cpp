// Fuzzes parse() in both framings, validate() and the serialize/parse round trip.  Invariants:
// every view lies inside the input, sizes add up, the SIMD and scalar scanners agree, and an
// accepted message re-parses to the same start line, headers and body after serialize().
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "sip/parser.hpp"
#include "sip/serialize.hpp"
#include "sip/validate.hpp"

namespace sip = sipstorm::sip;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
    return part.empty() ||
           (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_views(const sip::MessageView& m, std::string_view in) {
    check(m.size <= in.size());
    check(inside(m.method_text, in) && inside(m.request_uri, in) && inside(m.reason, in) &&
          inside(m.version, in));
    check(inside(m.body, in));
    check(m.body.data() + m.body.size() == in.data() + m.size);
    check(m.header_count <= sip::kMaxHeaders);
    for (uint16_t i = 0; i < m.header_count; ++i) {
        check(inside(m.headers[i].name, in) && inside(m.headers[i].value, in));
        check(!m.headers[i].name.empty());
    }
    for (size_t id = 1; id < m.first.size(); ++id) {
        if (m.first[id] >= 0) check(static_cast<size_t>(m.headers[m.first[id]].id) == id);
    }
}

bool same(const sip::MessageView& a, const sip::MessageView& b) {
    if (a.is_request != b.is_request || a.method_text != b.method_text || a.request_uri != b.request_uri ||
        a.status_code != b.status_code || a.reason != b.reason || a.version != b.version ||
        a.header_count != b.header_count || a.body != b.body || a.first != b.first) {
        return false;
    }
    for (uint16_t i = 0; i < a.header_count; ++i) {
        if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    static sip::MessageView m, scalar, again;

    for (sip::Framing framing : {sip::Framing::kDatagram, sip::Framing::kStream}) {
        sip::force_scalar_scan(false);
        const sip::ParseResult r = sip::parse(in, m, framing);
        sip::force_scalar_scan(true);
        const sip::ParseResult rs = sip::parse(in, scalar, framing);
        sip::force_scalar_scan(false);
        check(r.status == rs.status && r.verdict.code == rs.verdict.code &&
              r.verdict.detail == rs.verdict.detail);
        if (r.status == sip::ParseStatus::kIncomplete) check(framing == sip::Framing::kStream);
        if (r.status == sip::ParseStatus::kInvalid) check(r.verdict.code >= 400 && !r.verdict.detail.empty());
        if (!r.ok()) continue;
        check(same(m, scalar) && m.size == scalar.size);
        check_views(m, in);

        const sip::Verdict v = sip::validate(m);
        check(v.ok() || (v.code >= 400 && !v.detail.empty()));

        std::vector<char> out(sip::serialized_size(m));
        check(sip::serialize(m, out.data(), out.size()) == out.size());
        if (!out.empty()) check(sip::serialize(m, out.data(), out.size() - 1) == 0);
        const std::string_view text(out.data(), out.size());
        const sip::ParseResult r2 = sip::parse(text, again, framing);
        // Datagram messages without Content-Length keep their body as "the rest", so the round
        // trip holds in both framings.
        check(r2.ok());
        check(same(m, again));
        check(again.size == text.size());
        check(sip::validate(again).code == v.code);
    }
    return 0;
}
