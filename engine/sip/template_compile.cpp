#include "sip/template_compile.hpp"

#include "sip/header_names.hpp"
#include "sip/method.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace sipstorm::sip {
namespace {

struct SlotName {
    std::string_view name;
    Slot slot;
};
constexpr std::array<SlotName, 25> kSlots{{
    {"call_id", Slot::kCallId},
    {"branch", Slot::kBranch},
    {"local_tag", Slot::kLocalTag},
    {"remote_tag", Slot::kRemoteTag},
    {"cseq", Slot::kCSeq},
    {"local_ip", Slot::kLocalIp},
    {"local_port", Slot::kLocalPort},
    {"remote_ip", Slot::kRemoteIp},
    {"remote_port", Slot::kRemotePort},
    {"transport", Slot::kTransport},
    {"call_number", Slot::kCallNumber},
    {"remote_target", Slot::kRemoteTarget},
    {"routes", Slot::kRoutes},
    {"media_port", Slot::kMediaPort},
    {"len", Slot::kContentLength},
    {"local_uri", Slot::kLocalUri},
    {"remote_uri", Slot::kRemoteUri},
    {"auth", Slot::kAuth},
    {"challenge", Slot::kChallenge},
    {"media_pt", Slot::kMediaPt},
    {"media_codec", Slot::kMediaCodec},
    {"peer_tag_param", Slot::kPeerTagParam},
    {"local_ip_type", Slot::kLocalIpType},
    {"clock_tick", Slot::kClockTick},
    {"timestamp", Slot::kTimestamp},
}};

constexpr std::string_view kLastPrefix = "last_";
constexpr std::string_view kInvitePrefix = "invite_";

bool multi_line_slot(Slot s) {
    return s == Slot::kRoutes || s == Slot::kLastHeader || s == Slot::kInviteHeader || s == Slot::kAuth;
}

bool is_blank(std::string_view line) {
    return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t'; });
}

size_t indent_of(std::string_view line) {
    size_t n = 0;
    while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
    return n;
}

struct Line {
    std::string_view text;
    int number;  // 1-based in the original text
};

// Splits on LF, drops a CR before it, then applies the blank-line and indentation rules.
std::vector<Line> normalised_lines(std::string_view text) {
    std::vector<Line> lines;
    int number = 1;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        std::string_view line = text.substr(pos, eol - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back({line, number++});
        pos = eol + 1;
    }
    while (!lines.empty() && is_blank(lines.front().text)) lines.erase(lines.begin());
    while (!lines.empty() && is_blank(lines.back().text)) lines.pop_back();
    size_t common = std::string_view::npos;
    for (const Line& l : lines) {
        if (!is_blank(l.text)) common = std::min(common, indent_of(l.text));
    }
    for (Line& l : lines) l.text = is_blank(l.text) ? std::string_view() : l.text.substr(common);
    return lines;
}

class Builder {
  public:
    Builder(const TemplateParams& params, const SlotResolver& resolver, Template& out, TemplateError& err)
        : params_(params), resolver_(resolver), out_(out), err_(err) {}

    void literal(std::string_view s) {
        if (s.empty()) return;
        if (!pending_) {
            pending_ = true;
            pending_offset_ = static_cast<uint32_t>(out_.text.size());
        }
        out_.text.append(s);
    }

    void slot(Slot s, uint16_t arg) {
        flush();
        out_.segments.push_back({s, arg, 0, 0});
    }

    void flush() {
        if (!pending_) return;
        pending_ = false;
        out_.segments.push_back(
            {Slot::kLiteral, 0, pending_offset_, static_cast<uint32_t>(out_.text.size()) - pending_offset_});
    }

    bool fail(int line, std::string message) {
        err_.line = line;
        err_.message = std::move(message);
        return false;
    }

    // Appends one line (without its CRLF) resolving ${...}; `in_body` forbids ${len}.
    bool line(const Line& l, bool in_body) {
        std::string_view s = l.text;
        size_t pos = 0;
        while (pos < s.size()) {
            size_t open = s.find("${", pos);
            if (open == std::string_view::npos) {
                literal(s.substr(pos));
                break;
            }
            literal(s.substr(pos, open - pos));
            size_t close = s.find('}', open + 2);
            if (close == std::string_view::npos) return fail(l.number, "unterminated '${'");
            if (!name(s.substr(open + 2, close - open - 2), l.number, in_body)) return false;
            pos = close + 1;
        }
        return true;
    }

  private:
    bool name(std::string_view n, int line_no, bool in_body) {
        std::string quoted = "'${" + std::string(n) + "}'";
        if (n.empty()) return fail(line_no, "empty name in '${}'");
        for (const SlotName& s : kSlots) {
            if (n != s.name) continue;
            if (s.slot == Slot::kContentLength && in_body)
                return fail(line_no, "${len} can only be used in the headers");
            slot(s.slot, 0);
            return true;
        }
        for (auto [prefix, kind] :
             {std::pair{kLastPrefix, Slot::kLastHeader}, {kInvitePrefix, Slot::kInviteHeader}}) {
            if (n.substr(0, prefix.size()) != prefix) continue;
            HeaderId id = header_id(n.substr(prefix.size()));
            if (id == HeaderId::kOther)
                return fail(line_no, "unknown header name in " + quoted + " (" + std::string(prefix) +
                                         " takes a known SIP header)");
            slot(kind, static_cast<uint16_t>(id));
            return true;
        }
        // ${param:+TEXT}: TEXT when the parameter is not empty, else nothing (as in the shell), e.g.
        // "sip:${service}${service:+@}${remote_ip}" addresses the server itself when service is "".
        if (const size_t alt = n.find(":+"); alt != std::string_view::npos) {
            auto it = params_.find(std::string(n.substr(0, alt)));
            if (it == params_.end())
                return fail(line_no, quoted + ": '" + std::string(n.substr(0, alt)) +
                                         "' is not a scenario parameter (${NAME:+TEXT} tests a parameter)");
            if (!it->second.empty()) literal(n.substr(alt + 2));
            return true;
        }
        if (resolver_) {
            Slot s = Slot::kLiteral;
            uint16_t arg = 0;
            std::string why;
            int r = resolver_(n, s, arg, why);
            if (r < 0) return fail(line_no, quoted + ": " + why);
            if (r > 0) {
                slot(s, arg);
                return true;
            }
        }
        auto it = params_.find(std::string(n));
        if (it == params_.end())
            return fail(line_no,
                        "unknown name " + quoted +
                            " (neither a built-in slot, a scenario parameter, a capture nor an --inf field)");
        // A parameter may name a slot itself (--set user='${field0}'): one level of expansion.
        if (it->second.find("${") != std::string::npos && !expanding_) {
            expanding_ = true;
            bool ok = line({it->second, line_no}, in_body);
            expanding_ = false;
            return ok;
        }
        literal(it->second);
        return true;
    }

    const TemplateParams& params_;
    const SlotResolver& resolver_;
    Template& out_;
    TemplateError& err_;
    bool pending_ = false;
    bool expanding_ = false;
    uint32_t pending_offset_ = 0;
};

// The start line as text, with slots shown as '$' so they can't be mistaken for a method or code.
std::string start_line_text(const Template& t) {
    std::string s;
    for (const Segment& seg : t.segments) {
        if (seg.slot != Slot::kLiteral) {
            s.push_back('$');
            continue;
        }
        std::string_view lit(t.text.data() + seg.offset, seg.length);
        size_t eol = lit.find("\r\n");
        s.append(lit.substr(0, eol));
        if (eol != std::string_view::npos) break;
    }
    return s;
}

bool read_start_line(Template& t, int line_no, TemplateError& err) {
    std::string s = start_line_text(t);
    constexpr std::string_view kVersion = "SIP/2.0";
    if (s.compare(0, kVersion.size() + 1, "SIP/2.0 ") == 0) {
        std::string_view code = std::string_view(s).substr(kVersion.size() + 1, 3);
        bool digits = code.size() == 3 &&
                      std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || code[0] < '1' || code[0] > '6' || (s.size() > 11 && s[11] != ' ')) {
            err = {line_no, "status line must be 'SIP/2.0 <code 100-699> <reason>'"};
            return false;
        }
        t.is_request = false;
        t.status_code = static_cast<uint16_t>((code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0'));
        return true;
    }
    size_t sp = s.find(' ');
    bool ok = sp != std::string::npos && sp > 0 && s.size() > kVersion.size() &&
              s.compare(s.size() - kVersion.size() - 1, kVersion.size() + 1, " SIP/2.0") == 0 &&
              sp + 1 < s.size() - kVersion.size() - 1;
    std::string_view method = std::string_view(s).substr(0, sp == std::string::npos ? 0 : sp);
    ok = ok && std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (!ok) {
        err = {line_no,
               "the first line must be a request line 'METHOD uri SIP/2.0' or a status line "
               "'SIP/2.0 code reason'"};
        return false;
    }
    t.is_request = true;
    t.method = method_from_text(method);
    return true;
}

}  // namespace

bool is_builtin_slot_name(std::string_view name) {
    for (const SlotName& s : kSlots) {
        if (s.name == name) return true;
    }
    return name.substr(0, kLastPrefix.size()) == kLastPrefix ||
           name.substr(0, kInvitePrefix.size()) == kInvitePrefix;
}

bool compile_template(std::string_view text, const TemplateParams& params, Template& out, TemplateError& err,
                      const SlotResolver& resolver) {
    out = Template{};
    std::vector<Line> lines = normalised_lines(text);
    if (lines.empty()) {
        err = {1, "empty message"};
        return false;
    }
    Builder b(params, resolver, out, err);
    size_t i = 0;
    for (; i < lines.size() && !lines[i].text.empty(); ++i) {
        if (lines[i].text.starts_with("${")) b.flush();  // keeps literals merged unless this may be own_line
        size_t before = out.segments.size();
        if (!b.line(lines[i], false)) return false;
        b.flush();
        // A multi-line slot alone on its line must vanish when empty: it ends its own lines instead.
        if (out.segments.size() == before + 1 && multi_line_slot(out.segments.back().slot)) {
            out.segments.back().own_line = true;
            continue;
        }
        b.literal("\r\n");
    }
    b.literal("\r\n");
    b.flush();
    out.body_segment = static_cast<uint32_t>(out.segments.size());
    while (i < lines.size() && lines[i].text.empty()) ++i;
    out.has_body = i < lines.size();
    for (; i < lines.size(); ++i) {
        if (!b.line(lines[i], true)) return false;
        b.literal("\r\n");
    }
    b.flush();
    for (const Segment& seg : out.segments) {
        out.has_challenge = out.has_challenge || seg.slot == Slot::kChallenge;
        if (seg.slot != Slot::kAuth) continue;
        if (!seg.own_line) return b.fail(lines.front().number, "${auth} must stand alone on a header line");
        out.has_auth = true;
    }
    if (!read_start_line(out, lines.front().number, err)) return false;
    if (out.has_auth && !out.is_request) return b.fail(lines.front().number, "${auth} belongs in a request");
    return true;
}

}  // namespace sipstorm::sip
