#include "conform/checks.hpp"

#include <optional>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "sip/header_names.hpp"
#include "sip/lex.hpp"
#include "sip/name_addr.hpp"
#include "sip/scalars.hpp"

namespace sipstorm::conform {
namespace {

bool same_header(const sip::Header& h, std::string_view name, sip::HeaderId id) {
    if (id != sip::HeaderId::kOther) return h.id == id;
    return sip::lex::iequals(h.name, name);
}

std::string quote(std::string_view v) {
    return "'" + std::string(v) + "'";
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + quote(x);
    return s.empty() ? "none" : s;
}

std::vector<std::string> via_list(const sip::MessageView& m, bool strip) {
    std::vector<std::string> out;
    for (std::string_view v : header_values(m, "Via"))
        out.push_back(strip ? strip_received_rport(v) : std::string(v));
    return out;
}

std::string to_uri(const sip::MessageView& m) {
    sip::NameAddr na;
    std::string_view v = first_header(m, "To");
    if (v.empty() || sip::parse_name_addr(v, na) != sip::FieldError::kOk) return std::string(v);
    return std::string(na.uri);
}

// The URI of a name-addr (or the bare value), lower-cased, without its header parameters.
std::string lower_uri(std::string_view v) {
    v = sip::lex::trim_lws(v);
    std::string s;
    sip::NameAddr na;
    if (sip::parse_name_addr(v, na) == sip::FieldError::kOk)
        s = std::string(na.uri);
    else
        s = std::string(v.substr(0, v.find(';')));
    for (char& ch : s) ch = sip::lex::to_lower(ch);
    return s;
}

// A header parameter (after the name-addr's closing '>', or after the URI of a bare value) as an
// integer; nullopt when it is missing or not a number.
std::optional<long long> int_param(std::string_view v, std::string_view name) {
    size_t gt = v.rfind('>');
    std::string_view params =
        gt == std::string_view::npos ? v.substr(std::min(v.find(';'), v.size())) : v.substr(gt + 1);
    size_t pos = 0;
    while (pos < params.size()) {
        size_t semi = params.find(';', pos);
        if (semi == std::string_view::npos) break;
        size_t end = params.find(';', semi + 1);
        std::string_view p = sip::lex::trim_lws(
            params.substr(semi + 1, end == std::string_view::npos ? std::string_view::npos : end - semi - 1));
        size_t eq = p.find('=');
        std::string_view key = sip::lex::trim_lws(p.substr(0, eq));
        if (eq != std::string_view::npos && key.size() == name.size() &&
            std::equal(key.begin(), key.end(), name.begin(),
                       [](char a, char b) { return sip::lex::to_lower(a) == sip::lex::to_lower(b); })) {
            std::string n(sip::lex::trim_lws(p.substr(eq + 1)));
            char* e = nullptr;
            long long x = std::strtoll(n.c_str(), &e, 10);
            if (e == n.c_str() || *e != '\0') return std::nullopt;
            return x;
        }
        pos = semi + 1;
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string_view> header_values(const sip::MessageView& m, std::string_view name) {
    std::vector<std::string_view> out;
    sip::HeaderId id = sip::header_id(name);
    for (uint16_t i = 0; i < m.header_count; ++i) {
        if (!same_header(m.headers[i], name, id)) continue;
        sip::lex::for_each_value(m.headers[i].value,
                                 [&](std::string_view v) { out.push_back(sip::lex::trim_lws(v)); });
    }
    return out;
}

std::string_view first_header(const sip::MessageView& m, std::string_view name) {
    sip::HeaderId id = sip::header_id(name);
    for (uint16_t i = 0; i < m.header_count; ++i)
        if (same_header(m.headers[i], name, id)) return m.headers[i].value;
    return {};
}

std::string_view to_tag(const sip::MessageView& m) {
    sip::NameAddr na;
    std::string_view v = first_header(m, "To");
    if (v.empty() || sip::parse_name_addr(v, na) != sip::FieldError::kOk || !na.has_tag) return {};
    return na.tag;
}

std::string strip_received_rport(std::string_view via) {
    std::string out;
    size_t semi = via.find(';');
    out.assign(via.substr(0, semi));
    while (semi != std::string_view::npos) {
        size_t next = via.find(';', semi + 1);
        std::string_view param =
            via.substr(semi, next == std::string_view::npos ? std::string_view::npos : next - semi);
        std::string_view pname = sip::lex::trim_lws(param.substr(
            1, param.find('=') == std::string_view::npos ? std::string_view::npos : param.find('=') - 1));
        if (!sip::lex::iequals(pname, "received") && !sip::lex::iequals(pname, "rport")) out += param;
        semi = next;
    }
    return out;
}

std::string describe_status(const sip::MessageView& m) {
    if (m.is_request) return std::string(m.method_text) + " request";
    return std::to_string(m.status_code) + (m.reason.empty() ? "" : " " + std::string(m.reason));
}

std::string check_via_exact(const sip::MessageView& request, const sip::MessageView& response) {
    auto sent = via_list(request, true), got = via_list(response, true);
    if (sent == got) return {};
    return "Via values as sent and in the same order (received/rport aside): expected " + join(sent) +
           ", got " + join(got) + " (§8.2.6.2)";
}

std::string check_echo(const sip::MessageView& request, const sip::MessageView& response) {
    for (std::string_view name : {"From", "Call-ID"}) {
        std::string_view a = first_header(request, name), b = first_header(response, name);
        if (a.empty()) continue;
        if (a != b)
            return std::string(name) + " as in the request: expected " + quote(a) + ", got " +
                   (b.empty() ? std::string("none") : quote(b)) + " (§8.2.6.2)";
    }
    std::string_view qa = first_header(request, "CSeq"), qb = first_header(response, "CSeq");
    if (!qa.empty()) {
        sip::CSeq ca, cb;
        bool pa = sip::parse_cseq(qa, ca) == sip::FieldError::kOk;
        bool pb = !qb.empty() && sip::parse_cseq(qb, cb) == sip::FieldError::kOk;
        if (pa && (!pb || ca.number != cb.number || ca.method_text != cb.method_text))
            return "CSeq as in the request: expected " + quote(qa) + ", got " +
                   (qb.empty() ? "none" : quote(qb)) + " (§8.2.6.2)";
    }
    if (!first_header(request, "Via").empty()) {
        std::string v = check_via_exact(request, response);
        if (!v.empty()) return v;
    }
    if (!first_header(request, "To").empty()) {
        std::string a = to_uri(request), b = to_uri(response);
        if (a != b)
            return "To URI as in the request: expected " + quote(a) + ", got " + quote(b) + " (§8.2.6.2)";
    }
    return {};
}

std::string check_header(const HeaderCheck& c, const sip::MessageView& r) {
    auto values = header_values(r, c.name);
    std::string_view line = first_header(r, c.name);
    bool present =
        std::any_of(r.headers.begin(), r.headers.begin() + r.header_count,
                    [&](const sip::Header& h) { return same_header(h, c.name, sip::header_id(c.name)); });
    switch (c.op) {
        case HeaderCheck::Op::kPresent:
            return present ? "" : c.name + " present: it is missing";
        case HeaderCheck::Op::kAbsent:
            return present ? c.name + " absent: got " + quote(line) : "";
        case HeaderCheck::Op::kEquals:
            return present && line == c.value ? ""
                                              : c.name + ": expected " + quote(c.value) + ", got " +
                                                    (present ? quote(line) : std::string("none"));
        case HeaderCheck::Op::kContains: {
            bool found = false;
            for (uint16_t i = 0; i < r.header_count; ++i)
                if (same_header(r.headers[i], c.name, sip::header_id(c.name)) &&
                    r.headers[i].value.find(c.value) != std::string_view::npos)
                    found = true;
            return found ? ""
                         : c.name + " containing " + quote(c.value) + ": got " +
                               (present ? quote(line) : "none");
        }
        case HeaderCheck::Op::kExcludes: {
            for (uint16_t i = 0; i < r.header_count; ++i)
                if (same_header(r.headers[i], c.name, sip::header_id(c.name)) &&
                    r.headers[i].value.find(c.value) != std::string_view::npos)
                    return c.name + " not containing " + quote(c.value) + ": got " +
                           quote(r.headers[i].value);
            return {};
        }
        case HeaderCheck::Op::kListEquals: {
            std::multiset<std::string> want, got;
            sip::lex::for_each_value(c.value, [&](std::string_view v) {
                std::string s(sip::lex::trim_lws(v));
                for (char& ch : s) ch = sip::lex::to_lower(ch);
                want.insert(s);
            });
            std::string seen;
            for (std::string_view v : values) {
                std::string s(v);
                seen += (seen.empty() ? "" : ", ") + s;
                for (char& ch : s) ch = sip::lex::to_lower(ch);
                got.insert(s);
            }
            return want == got ? ""
                               : c.name + " listing exactly " + quote(c.value) + ": got " +
                                     (present ? quote(seen) : std::string("none"));
        }
        case HeaderCheck::Op::kFirstContains:
        case HeaderCheck::Op::kFirstEquals: {
            std::string_view top = values.empty() ? std::string_view() : values.front();
            bool ok = present &&
                      (c.op == HeaderCheck::Op::kFirstEquals ? top == c.value
                                                             : top.find(c.value) != std::string_view::npos);
            return ok ? ""
                      : "top " + c.name + (c.op == HeaderCheck::Op::kFirstEquals ? " " : " containing ") +
                            quote(c.value) + ": got " + (present ? quote(top) : std::string("none"));
        }
        case HeaderCheck::Op::kIntRange: {
            if (!present)
                return c.name + " in " + std::to_string(c.lo) + ".." + std::to_string(c.hi) + ": missing";
            char* end = nullptr;
            std::string s(line);
            long long v = std::strtoll(s.c_str(), &end, 10);
            if (end == s.c_str() || v < c.lo || v > c.hi)
                return c.name + " in " + std::to_string(c.lo) + ".." + std::to_string(c.hi) + ": got " +
                       quote(line);
            return {};
        }
        case HeaderCheck::Op::kParamRange: {
            std::string range = std::to_string(c.lo) + ".." + std::to_string(c.hi);
            if (values.empty()) return c.name + " ;" + c.param + " in " + range + ": no " + c.name;
            for (std::string_view v : values) {
                std::optional<long long> n = int_param(v, c.param);
                if (!n || *n < c.lo || *n > c.hi)
                    return c.name + " ;" + c.param + " in " + range + ": got " + quote(v);
            }
            return {};
        }
        case HeaderCheck::Op::kCount:
            return static_cast<int64_t>(values.size()) >= c.lo && static_cast<int64_t>(values.size()) <= c.hi
                       ? ""
                       : std::to_string(c.lo) + " " + c.name + " value(s) expected, got " +
                             std::to_string(values.size()) + (present ? ": " + quote(line) : std::string());
        case HeaderCheck::Op::kUriSet: {
            std::multiset<std::string> want, got;
            std::string seen;
            sip::lex::for_each_value(c.value, [&](std::string_view v) { want.insert(lower_uri(v)); });
            for (std::string_view v : values) {
                got.insert(lower_uri(v));
                seen += (seen.empty() ? "" : ", ") + std::string(v);
            }
            return want == got ? ""
                               : c.name + " URIs exactly " + quote(c.value) + ": got " +
                                     (present ? quote(seen) : std::string("none"));
        }
    }
    return {};
}

std::string check_relayed(const Expect& e, const sip::MessageView& sent, const sip::MessageView& got) {
    if (e.same_body && sent.body != got.body)
        return "the body byte for byte as sent (" + std::to_string(sent.body.size()) + " bytes): got " +
               std::to_string(got.body.size()) + " bytes" +
               (got.body.size() == sent.body.size() ? " that differ" : "");
    std::string names = e.same_headers;
    for (size_t p = 0; p <= names.size();) {
        size_t comma = names.find(',', p);
        if (comma == std::string::npos) comma = names.size();
        std::string name(sip::lex::trim_lws(std::string_view(names).substr(p, comma - p)));
        p = comma + 1;
        if (name.empty()) continue;
        std::vector<std::string> a, b;
        for (auto v : header_values(sent, name)) a.emplace_back(v);
        for (auto v : header_values(got, name)) b.emplace_back(v);
        if (a != b)
            return name + " values as sent and in that order: expected " + join(a) + ", got " + join(b);
    }
    if (e.vias_below) {
        auto a = via_list(sent, true), b = via_list(got, true);
        if (b.size() != a.size() + 1 || !std::equal(a.begin(), a.end(), b.begin() + 1))
            return "one Via added on top of the Vias as sent (" + join(a) + "): got " + join(b);
    }
    return {};
}

}  // namespace sipstorm::conform
