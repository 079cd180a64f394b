#include "sippxml/keywords.hpp"

#include <algorithm>
#include <cctype>

namespace sipstorm::sippxml {
namespace {

struct Plain {
    std::string_view sipp;
    std::string_view ours;
};
// Keywords that are one of our slots (or the `service` parameter) under another name or the same.
constexpr Plain kPlain[] = {
    {"service", "${service}"},
    {"remote_ip", "${remote_ip}"},
    {"remote_port", "${remote_port}"},
    {"local_ip", "${local_ip}"},
    {"local_port", "${local_port}"},
    {"local_ip_type", "${local_ip_type}"},
    {"transport", "${transport}"},
    {"call_number", "${call_number}"},
    {"call_id", "${call_id}"},
    {"cseq", "${cseq}"},
    {"branch", "${branch}"},
    {"len", "${len}"},
    {"routes", "${routes}"},
    {"media_ip", "${local_ip}"},
    {"media_ip_type", "${local_ip_type}"},
    {"media_port", "${media_port}"},
    {"auto_media_port", "${media_port}"},
    {"next_url", "${remote_target}"},
    {"peer_tag_param", "${peer_tag_param}"},
    {"server_ip", "${local_ip}"},
    {"sipp_version", "sipstorm"},
    {"clock_tick", "${clock_tick}"},
    {"timestamp", "${timestamp}"},
};

// Keywords SIPp has that we refuse by name rather than as unknown.
constexpr std::string_view kNotYet[] = {"users",     "userid",       "tdmmap",
                                        "msg_index", "last_message", "rtpstream_audio_port",
                                        "custom_ip", "local_addr",   "remote_addr"};

bool is_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// The value of key=VALUE (VALUE may be quoted or hold [keywords]) in the text after a keyword.
bool arg_of(std::string_view args, std::string_view key, std::string& value) {
    size_t pos = 0;
    while (pos < args.size()) {
        while (pos < args.size() && args[pos] == ' ') ++pos;
        size_t eq = args.find('=', pos);
        if (eq == std::string_view::npos) return false;
        std::string_view k = trim(args.substr(pos, eq - pos));
        size_t v = eq + 1;
        size_t end = v;
        if (v < args.size() && (args[v] == '"' || args[v] == '\'')) {
            end = args.find(args[v], v + 1);
            if (end == std::string_view::npos) end = args.size();
            if (k == key) {
                value = std::string(args.substr(v + 1, end - v - 1));
                return true;
            }
            pos = end + 1;
            continue;
        }
        int depth = 0;
        while (end < args.size() && (depth > 0 || args[end] != ' ')) {
            depth += args[end] == '[' ? 1 : args[end] == ']' ? -1 : 0;
            ++end;
        }
        if (k == key) {
            value = std::string(args.substr(v, end - v));
            return true;
        }
        pos = end;
    }
    return false;
}

// One [keyword ...] (without the brackets) into `out`.
bool keyword(std::string_view kw, KeywordContext& ctx, std::string& out, std::string& err) {
    const size_t sp = kw.find(' ');
    const std::string_view name = kw.substr(0, sp);
    const std::string_view args = sp == std::string_view::npos ? std::string_view() : kw.substr(sp + 1);
    for (const Plain& p : kPlain)
        if (name == p.sipp) {
            if (!args.empty()) {
                err = "[" + std::string(kw) + "]: arguments to [" + std::string(name) + "] are not supported";
                return false;
            }
            out += p.ours;
            return true;
        }
    if (name == "pid") {
        out += ctx.pid;
        return true;
    }
    if (name.starts_with("branch-") && is_digits(name.substr(7))) {
        // SIPp names an earlier message's branch; the engine gives a CANCEL its INVITE's branch and
        // an ACK for a 2xx a new one, which is what [branch-N] is used for.
        out += "${branch}";
        return true;
    }
    if (name.starts_with("last_")) {
        std::string_view h = name.substr(5);
        if (!h.empty() && h.back() == ':') h.remove_suffix(1);
        if (h.empty() || !args.empty()) {
            err = "[" + std::string(kw) + "]: expected [last_Header:]";
            return false;
        }
        out += "${" + ctx.last_prefix + std::string(h) + "}";
        return true;
    }
    if (name.starts_with("field") && is_digits(name.substr(5))) {
        std::string file;
        if (!args.empty()) {
            if (!arg_of(args, "file", file)) {
                err = "[" + std::string(kw) + "]: only file=\"NAME\" is supported after [fieldN]";
                return false;
            }
            const size_t slash = file.rfind('/');
            if (slash != std::string::npos) file = file.substr(slash + 1);
            const size_t dot = file.rfind('.');
            if (dot != std::string::npos && dot > 0) file = file.substr(0, dot);
        }
        out += "${" + (file.empty() ? "" : file + ".") + std::string(name) + "}";
        return true;
    }
    if (name.starts_with("$")) {
        std::string_view var = name.substr(1);
        if (!args.empty() || var.empty()) {
            err = "[" + std::string(kw) + "]: expected [$variable]";
            return false;
        }
        if (!ctx.is_variable(var)) {
            err = "[$" + std::string(var) + "]: no action assigns the variable '" + std::string(var) + "'";
            return false;
        }
        out += "${" + std::string(var) + "}";
        return true;
    }
    if (name == "fill") {
        std::string var, text = "X";
        if (!arg_of(args, "variable", var) || var.empty()) {
            err = "[fill]: needs variable=NAME (the variable that holds the length)";
            return false;
        }
        arg_of(args, "text", text);
        if (text.empty()) {
            err = "[fill]: text must not be empty";
            return false;
        }
        if (!ctx.is_variable(var)) {
            err = "[fill]: no action assigns the variable '" + var + "'";
            return false;
        }
        if (!ctx.fill) {
            err = "[fill] belongs in a message";
            return false;
        }
        out += "${" + std::string(kFillSlotPrefix) + std::to_string(ctx.fill(var, text)) + "}";
        return true;
    }
    if (name == "authentication") {
        std::string v;
        for (auto [key, dest] : {std::pair{"username", &ctx.auth_user}, {"password", &ctx.auth_password}}) {
            if (!arg_of(args, key, v)) continue;
            std::string translated;
            if (!translate_value(v, ctx, translated, err)) return false;
            if (!dest->empty() && *dest != translated) {
                err = std::string("[authentication]: a second, different ") + key +
                      " (one set of credentials per scenario)";
                return false;
            }
            *dest = translated;
        }
        ctx.auth_seen = true;
        out += "${auth}";
        return true;
    }
    for (std::string_view n : kNotYet)
        if (name == n) {
            err = "keyword [" + std::string(name) + "] is not supported yet";
            return false;
        }
    if (args.empty() && ctx.is_param && ctx.is_param(name)) {
        out += "${" + std::string(name) + "}";
        return true;
    }
    err = "unknown keyword [" + std::string(kw) + "]";
    return false;
}

bool translate_line(std::string_view line, KeywordContext& ctx, std::string& out, std::string& err) {
    size_t pos = 0;
    while (pos < line.size()) {
        size_t open = line.find('[', pos);
        size_t dollar = line.find("${", pos);
        if (dollar != std::string_view::npos && (open == std::string_view::npos || dollar < open)) {
            err = "'${' in a SIPp message (sipstorm's slot syntax) is not supported";
            return false;
        }
        if (open == std::string_view::npos) {
            out.append(line.substr(pos));
            break;
        }
        out.append(line.substr(pos, open - pos));
        int depth = 0;
        size_t close = open;
        for (; close < line.size(); ++close) {
            depth += line[close] == '[' ? 1 : line[close] == ']' ? -1 : 0;
            if (depth == 0) break;
        }
        if (close >= line.size()) {
            err = "unterminated '[' (a keyword is [name])";
            return false;
        }
        if (!keyword(line.substr(open + 1, close - open - 1), ctx, out, err)) return false;
        pos = close + 1;
    }
    return true;
}

bool is_request_line(std::string_view line) {
    return !line.starts_with("SIP/2.0 ");
}

}  // namespace

bool translate_value(std::string_view text, KeywordContext& ctx, std::string& out, std::string& err) {
    return translate_line(text, ctx, out, err);
}

bool translate_message(std::string_view text, KeywordContext& ctx, std::string& out, KeywordError& err) {
    out.clear();
    bool first = true, request = false, headers = true;
    int n = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        std::string_view line = text.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        if (first && !line.empty()) {
            first = false;
            request = is_request_line(line);
        } else if (!first && line.empty()) {
            headers = false;
        }
        std::string translated;
        if (!translate_line(line, ctx, translated, err.message)) {
            err.line = n;
            return false;
        }
        if (ctx.auth_seen && ctx.auth_line < 0) ctx.auth_line = n;
        // CSeq: N METHOD of a request: the engine's number (1, 2, ... per request; ACK/CANCEL: the INVITE's).
        if (request && headers && translated.size() > 5 &&
            (translated.compare(0, 5, "CSeq:") == 0 || translated.compare(0, 5, "cseq:") == 0)) {
            std::string_view v = trim(std::string_view(translated).substr(5));
            const size_t sp = v.find(' ');
            if (sp != std::string_view::npos && (is_digits(v.substr(0, sp)) || v.substr(0, sp) == "${cseq}"))
                translated = "CSeq: ${cseq} " + std::string(trim(v.substr(sp + 1)));
        }
        out += translated;
        out += '\n';
        ++n;
    }
    return true;
}

}  // namespace sipstorm::sippxml
