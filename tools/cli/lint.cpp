// sipstorm lint FILE...: parses each SIP message in the given files and prints one verdict line per
// message: what it is when valid, the defect and the response a UAS would send when not.
#include <fmt/core.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "sip/message.hpp"
#include "sip/parser.hpp"
#include "sip/validate.hpp"
#include "sip_files.hpp"

namespace sipstorm::cli {
namespace {

constexpr const char* kLintHelp = R"(Usage: sipstorm lint [--datagram] [--] FILE...

Parses the SIP messages in each FILE ('-' reads standard input) and prints one line per message:
  FILE: ok INVITE call-id=...
  FILE: ok 200 OK call-id=...
  FILE: invalid: <defect> (answer 400 Bad Request)
  FILE: invalid: <defect> (drop the response)      a bad response is discarded, never answered
A file may hold several messages back to back, delimited by their Content-Length; their lines
are then named FILE#1, FILE#2, ... A file that holds a single datagram needs no Content-Length.

  --datagram   take each FILE as one UDP datagram (as RFC 4475 does): only the message at its
               start is checked; octets after its Content-Length are ignored (RFC 3261 §18.3)

Exit status: 0 all messages valid, 1 some message invalid, 2 usage error or unreadable file.
)";

// Header values may hold folded line breaks or control octets: keep the verdict on one line.
std::string one_line(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    }
    return out;
}

std::string describe_valid(const sip::MessageView& m) {
    const sip::Header* call_id = m.find(sip::HeaderId::kCallId);
    std::string id = call_id ? one_line(call_id->value) : "-";
    if (m.is_request) return fmt::format("ok {} call-id={}", one_line(m.method_text), id);
    return fmt::format("ok {} {} call-id={}", m.status_code, one_line(m.reason), id);
}

std::string describe_invalid(const sip::Verdict& v, bool is_response) {
    // RFC 3261 §18.1.2: a client discards a malformed response; it is never answered.
    if (is_response) return fmt::format("invalid: {} (drop the response)", v.detail);
    return fmt::format("invalid: {} (answer {} {})", v.detail, v.code, v.reason_phrase);
}

// Lints one message; returns true when it is valid.
bool lint_message(const std::string& label, const MessageChunk& chunk) {
    sip::MessageView m;
    sip::ParseResult r = sip::parse(chunk.bytes, m, chunk.framing);
    sip::Verdict v = r.verdict;
    if (r.ok()) {
        v = sip::validate(m);
    } else if (v.ok()) {
        v = sip::bad_request("incomplete message");
    }
    if (v.ok()) {
        fmt::print("{}: {}\n", label, describe_valid(m));
        return true;
    }
    bool is_response = chunk.bytes.substr(0, 4) == "SIP/";
    fmt::print("{}: {}\n", label, describe_invalid(v, is_response));
    return false;
}

// Lints every message of one input; returns 0, 1 or 2 like the command.
int lint_input(const std::string& path, Split mode) {
    std::string name = display_name(path);
    std::string content;
    try {
        content = read_input(path);
    } catch (const IoError& e) {
        std::fflush(stdout);
        fmt::print(stderr, "sipstorm lint: cannot read {}\n", e.what());
        return 2;
    }
    std::vector<MessageChunk> chunks = split_messages(content, mode);
    if (chunks.empty()) {
        fmt::print("{}: invalid: no SIP message in the input\n", name);
        return 1;
    }
    bool all_ok = true;
    for (size_t i = 0; i < chunks.size(); ++i) {
        std::string label = chunks.size() == 1 ? name : fmt::format("{}#{}", name, i + 1);
        all_ok = lint_message(label, chunks[i]) && all_ok;
    }
    return all_ok ? 0 : 1;
}

}  // namespace

int cmd_lint(const Args& args) {
    std::vector<std::string> files;
    Split mode = Split::kStream;
    bool options_done = false;
    for (const std::string& a : args) {
        if (!options_done && (a == "--help" || a == "-h")) {
            fmt::print("{}", kLintHelp);
            return 0;
        }
        if (!options_done && (a == "--datagram" || a == "-d")) {
            mode = Split::kDatagram;
        } else if (!options_done && a == "--") {
            options_done = true;
        } else if (!options_done && a.size() > 1 && a[0] == '-') {
            throw UsageError(fmt::format("unknown option '{}' (see 'sipstorm lint --help')", a));
        } else {
            files.push_back(a);
        }
    }
    if (files.empty()) throw UsageError("no FILE given (see 'sipstorm lint --help')");
    int status = 0;
    for (const std::string& f : files) {
        int s = lint_input(f, mode);
        if (s > status) status = s;
    }
    return status;
}

}  // namespace sipstorm::cli
