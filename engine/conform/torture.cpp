#include <algorithm>
#include <fstream>
#include <sstream>

#include "conform/generated.hpp"
#include "sip/lex.hpp"

namespace sipstorm::conform {
namespace {

bool read_file(const std::string& path, std::string& out) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    std::ostringstream ss;
    ss << f.rdbuf();
    out = ss.str();
    return true;
}

// A normal answer: anything but the parser's refusals.
void add_normal(Expect& e) {
    e.codes.push_back({101, 399});
    e.codes.push_back({401, 504});
    e.codes.push_back({506, 699});
}

// The 4xx-6xx codes a manifest's phrase names: three digits standing alone ("^" before them marks
// something else in the manifests' notation).
std::vector<int> status_codes_in(std::string_view phrase) {
    std::vector<int> codes;
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    for (size_t i = 0; i + 3 <= phrase.size(); ++i) {
        if (phrase[i] < '4' || phrase[i] > '6' || !digit(phrase[i + 1]) || !digit(phrase[i + 2])) continue;
        if (i > 0 && (digit(phrase[i - 1]) || phrase[i - 1] == '^')) continue;
        if (i + 3 < phrase.size() && digit(phrase[i + 3])) continue;
        codes.push_back((phrase[i] - '0') * 100 + (phrase[i + 1] - '0') * 10 + (phrase[i + 2] - '0'));
        i += 2;
    }
    return codes;
}

}  // namespace

std::string readdress(std::string_view m) {
    std::string out(m);
    size_t eol = out.find("\r\n");
    if (eol == std::string::npos) return out;
    size_t via_from = eol;
    if (out.compare(0, 4, "SIP/") != 0) {
        size_t sp = out.find(' ');
        if (sp != std::string::npos && sp < eol) {
            size_t uri = sp + 1;
            while (uri < eol && out[uri] == ' ') ++uri;
            if (uri < eol && out[uri] == '<') ++uri;
            size_t uri_end = out.find(' ', uri);
            if (uri_end == std::string::npos || uri_end > eol) uri_end = eol;
            size_t at = out.find('@', uri);
            size_t hs = std::string::npos;
            if (at != std::string::npos && at < uri_end) {
                hs = at + 1;
            } else if (out.compare(uri, 4, "sip:") == 0) {
                hs = uri + 4;
            } else if (out.compare(uri, 5, "sips:") == 0) {
                hs = uri + 5;
            }
            if (hs != std::string::npos) {
                size_t he = hs;
                if (he < uri_end && out[he] == '[') {
                    he = out.find(']', he);
                    he = he == std::string::npos || he > uri_end ? uri_end : he + 1;
                    if (he < uri_end && out[he] == ':')
                        for (++he; he < uri_end && sip::lex::is_digit(out[he]);) ++he;
                } else {
                    while (he < uri_end && std::string_view(";?> \t").find(out[he]) == std::string_view::npos)
                        ++he;
                }
                std::string host = out.substr(hs, he - hs);
                size_t colons = std::count(host.begin(), host.end(), ':');
                if (he > hs && (host[0] == '[' || colons <= 1)) {
                    out.replace(hs, he - hs, "${target}");
                    via_from = out.find("\r\n");
                }
            }
        }
    }
    // The top Via: the first header line named Via or v.
    for (size_t line = via_from + 2; line < out.size();) {
        size_t end = out.find("\r\n", line);
        if (end == std::string::npos || end == line) break;
        size_t colon = out.find(':', line);
        if (colon != std::string::npos && colon < end) {
            std::string name = out.substr(line, colon - line);
            while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
            if (sip::lex::iequals(name, "via") || sip::lex::iequals(name, "v")) {
                // SIP / 2.0 / UDP sent-by: skip two '/' then the transport token, across LWS and folds.
                size_t p = colon + 1;
                int slashes = 0;
                while (p < out.size() && slashes < 2) slashes += out[p++] == '/';
                auto skip_lws = [&] {
                    while (p < out.size() &&
                           (out[p] == ' ' || out[p] == '\t' || out[p] == '\r' || out[p] == '\n'))
                        ++p;
                };
                skip_lws();
                while (p < out.size() && sip::lex::is_token(out[p])) ++p;
                skip_lws();
                size_t sb = p;
                if (p < out.size() && out[p] == '[') {
                    p = out.find(']', p);
                    p = p == std::string::npos ? out.size() : p + 1;
                }
                while (p < out.size() && std::string_view(";, \t\r").find(out[p]) == std::string_view::npos)
                    ++p;
                if (p > sb) out.replace(sb, p - sb, "${local}");
                break;
            }
        }
        line = end + 2;
    }
    return out;
}

bool torture_cases(const std::string& dir, const std::string& role, std::vector<Case>& out,
                   std::string& error) {
    for (const char* rfc : {"rfc4475", "rfc5118"}) {
        std::string manifest;
        std::string folder = dir + "/" + rfc;
        if (!read_file(folder + "/MANIFEST.tsv", manifest)) {
            error = folder +
                    "/MANIFEST.tsv: cannot read it (--messages DIR names the folder holding rfc4475/ and "
                    "rfc5118/)";
            return false;
        }
        std::istringstream lines(manifest);
        std::string line;
        std::getline(lines, line);  // the header
        while (std::getline(lines, line)) {
            std::vector<std::string> col;
            std::istringstream cols(line);
            for (std::string c; std::getline(cols, c, '\t');) col.push_back(c);
            if (col.size() < 4) continue;
            std::string bytes;
            if (!read_file(folder + "/" + col[0], bytes)) {
                error = folder + "/" + col[0] + ": cannot read it";
                return false;
            }
            const std::string& kind = col[2];
            const std::string& phrase = col[3];
            std::string stem = col[0].substr(0, col[0].rfind('.'));
            Case c;
            c.id = std::string(rfc[3] == '4' ? "T4475-" : "T5118-") + stem;
            c.title = stem + " (" + kind + ")";
            c.section = std::string(rfc[3] == '4' ? "RFC 4475 §" : "RFC 5118 §") + col[1];
            c.role = "any";
            c.suite = "torture";
            c.file = folder + "/" + col[0];
            c.serial = true;
            c.hangup = true;
            Step send;
            send.kind = StepKind::kSend;
            send.name = "msg";
            send.text = readdress(bytes);
            c.steps.push_back(send);
            const bool response = bytes.compare(0, 4, "SIP/") == 0;
            Step answer;
            answer.name = "answer";
            if (response) {
                answer.kind = StepKind::kSilence;
                answer.within_ms = 1000;
                c.passes = "no answer to the response; the target still answers an OPTIONS";
            } else {
                answer.kind = StepKind::kExpect;
                answer.within_ms = 4000;
                answer.expect.of = "msg";
                std::vector<int> codes = status_codes_in(phrase);
                bool lenient =
                    phrase.find("either") != std::string::npos ||
                    phrase.find("accept it") != std::string::npos ||
                    phrase.find("ignores it") != std::string::npos ||
                    (role != "uas" && phrase.find("forward") != std::string::npos) ||
                    (role != "registrar" && phrase.find("a registrar answers") != std::string::npos);
                std::string want;
                if (kind == "valid" || codes.empty()) {
                    add_normal(answer.expect);
                    want = "a normal answer (not 400 or 505)";
                    for (int k : codes) answer.expect.codes.push_back({k, k});
                } else {
                    for (int k : codes) {
                        answer.expect.codes.push_back({k, k});
                        want += (want.empty() ? "" : " or ") + std::to_string(k);
                    }
                    if (lenient) {
                        add_normal(answer.expect);
                        want += " or a normal answer";
                    }
                }
                answer.expect.want = want;
                c.passes = want + "; the target still answers an OPTIONS";
            }
            c.steps.push_back(answer);
            Step alive;
            alive.kind = StepKind::kAlive;
            alive.within_ms = 4000;
            c.steps.push_back(alive);
            for (size_t i = 0; i < c.steps.size(); ++i) c.steps[i].line = static_cast<int>(i + 1);
            out.push_back(std::move(c));
        }
    }
    return true;
}

}  // namespace sipstorm::conform
