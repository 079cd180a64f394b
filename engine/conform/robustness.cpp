// Mutated INVITEs in the manner of PROTOS c07-sip: one mutation per case, chosen and sized by a
// PRNG seeded from (seed, case number), so ROB-SEED-N always rebuilds the same bytes.
#include <cstdlib>

#include "conform/generated.hpp"
#include "runtime/prng.hpp"

namespace sipstorm::conform {
namespace {

constexpr size_t kMaxDatagram = 65000;

// The INVITE every mutation starts from; slots keep it addressed to the target and routed to us.
std::string base_invite() {
    return "INVITE sip:service@${target} SIP/2.0\r\n"
           "Via: SIP/2.0/UDP ${local};branch=${branch:inv};rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: \"Robust\" <sip:robust@${local}>;tag=${tag}\r\n"
           "To: <sip:service@${target}>\r\n"
           "Call-ID: ${call_id}\r\n"
           "CSeq: 1 INVITE\r\n"
           "Contact: <sip:robust@${local}>\r\n"
           "Subject: robustness\r\n"
           "Content-Type: application/sdp\r\n"
           "Content-Length: ${len}\r\n"
           "\r\n"
           "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n";
}

// Replaces the value of header `name` (first line) with `value`.
void set_header(std::string& m, const std::string& name, const std::string& value) {
    size_t p = m.find("\r\n" + name + ":");
    if (p == std::string::npos) return;
    size_t vs = p + 2 + name.size() + 1;
    size_t ve = m.find("\r\n", vs);
    m.replace(vs, ve - vs, " " + value);
}

const char* kHeaders[] = {"Via",     "From",    "To",           "Call-ID",     "CSeq",
                          "Contact", "Subject", "Max-Forwards", "Content-Type"};
const char* kIntegers[] = {"-1",
                           "0",
                           "2147483647",
                           "2147483648",
                           "4294967295",
                           "4294967296",
                           "18446744073709551615",
                           "18446744073709551616",
                           "99999999999999999999999999999999",
                           "0x7fffffff",
                           "1e9",
                           "-2147483649",
                           "00000000000000000000000000000001",
                           ""};
const char* kFormats[] = {"%s", "%n", "%x", "%d", "%99999999s", "%.1024d", "%p%p%p%p"};
const char* kEscapes[] = {"%", "%G", "%0", "%%", "%zz", "%0g", "%00", "%FF%FE", "\\", "\""};

struct Mutation {
    std::string what;
    std::string bytes;
};

Mutation mutate(uint64_t seed, uint32_t n) {
    runtime::Xoshiro256 rng(seed * 0x9E3779B97F4A7C15ull + n + 1);
    auto pick = [&](size_t k) { return static_cast<size_t>(rng.next() % k); };
    std::string m = base_invite();
    const size_t sizes[] = {128, 1024, 4096, 16384, 60000};
    std::string header = kHeaders[pick(std::size(kHeaders))];
    switch (n % 10) {
        case 0: {  // an overlong field
            size_t len = sizes[pick(std::size(sizes))];
            std::string fill(len, "Aa9%@:;<"[pick(8)]);
            if (pick(2)) {
                size_t at = m.find("service@");
                m.replace(at, 7, fill);
                return {"a " + std::to_string(len) + "-byte Request-URI user", m};
            }
            set_header(m, header, fill);
            return {"a " + std::to_string(len) + "-byte " + header + " value", m};
        }
        case 1: {  // format strings
            std::string f;
            size_t reps = 1 + pick(64);
            for (size_t i = 0; i < reps; ++i) f += kFormats[pick(std::size(kFormats))];
            if (pick(2)) {
                size_t at = m.find("service@");
                m.replace(at, 7, f);
                return {"format strings in the Request-URI user", m};
            }
            set_header(m, header, f);
            return {"format strings as the " + header + " value", m};
        }
        case 2: {  // integer edge values
            const char* which[] = {"CSeq", "Max-Forwards", "Content-Length", "Expires"};
            std::string h = which[pick(4)];
            std::string v = kIntegers[pick(std::size(kIntegers))];
            if (h == "CSeq") v += " INVITE";
            if (h == "Expires")
                m.insert(m.find("\r\nContent-Type"), "\r\nExpires: " + v);
            else
                set_header(m, h, v);
            return {h + ": " + v, m};
        }
        case 3: {  // line ends
            switch (pick(5)) {
                case 0: {
                    size_t e = m.find("\r\n\r\n");
                    m.erase(e, 2);
                    return {"no empty line after the headers", m};
                }
                case 1:
                    m.insert(0, std::string(1 + pick(2000), '\r'));
                    return {"CRs before the start line", m};
                case 2: {
                    std::string lf;
                    for (char ch : m)
                        if (ch != '\r') lf += ch;
                    return {"bare LF line ends", lf};
                }
                case 3: {
                    size_t at = m.find("\r\nCall-ID");
                    m.insert(at, "\r\n\r\n");
                    return {"an empty line in the middle of the headers", m};
                }
                default: {
                    std::string crlfs;
                    for (size_t i = 0, k = 1 + pick(5000); i < k; ++i) crlfs += "\r\n";
                    m.insert(0, crlfs);
                    return {std::to_string(crlfs.size() / 2) + " CRLFs before the start line", m};
                }
            }
        }
        case 4: {  // NUL bytes
            size_t k = 1 + pick(8);
            for (size_t i = 0; i < k; ++i) m.insert(pick(m.size()), 1, '\0');
            return {std::to_string(k) + " NUL bytes", m};
        }
        case 5: {  // thousands of headers
            size_t k = 1000 + pick(4000), i = 0;
            std::string extra;
            for (; i < k && extra.size() < kMaxDatagram - m.size() - 64; ++i)
                extra += "X-Robust-" + std::to_string(i) + ": v\r\n";
            m.insert(m.find("Content-Type"), extra);
            return {std::to_string(i) + " extra headers", m};
        }
        case 6: {  // broken escapes
            std::string e = kEscapes[pick(std::size(kEscapes))];
            if (pick(2)) {
                size_t at = m.find("service@");
                m.replace(at, 7, "serv" + e + "ice");
                return {"broken escape '" + e + "' in the Request-URI", m};
            }
            size_t at = m.find("\"Robust\"");
            m.replace(at, 8, "\"Rob" + e + "ust");
            return {"broken escape '" + e + "' in the From display name", m};
        }
        case 7: {  // many Via values
            size_t k = 100 + pick(1900), i = 0;
            std::string vias;
            for (; i < k && vias.size() < kMaxDatagram - m.size() - 64; ++i)  // one UDP datagram
                vias += "Via: SIP/2.0/UDP 192.0.2." + std::to_string(i % 250) + ";branch=z9hG4bK" +
                        std::to_string(i) + "\r\n";
            m.insert(m.find("Max-Forwards"), vias);
            return {std::to_string(i) + " more Via lines", m};
        }
        case 8: {  // random byte flips, the addressing slots kept intact
            size_t k = 1 + pick(16);
            size_t body = m.find("\r\n\r\n");
            for (size_t i = 0; i < k; ++i) {
                size_t at = pick(body);
                if (m[at] == '$' || m[at] == '{' || m[at] == '}') continue;
                bool in_slot = false;
                for (size_t j = at; j > 0 && j + 12 > at; --j)
                    if (m[j] == '{') in_slot = true;
                if (!in_slot) m[at] = static_cast<char>(pick(256));
            }
            return {std::to_string(k) + " random bytes changed", m};
        }
        default: {  // an overlong method or header name
            size_t len = sizes[pick(std::size(sizes))];
            if (pick(2)) {
                std::string meth(len, 'I');
                m.replace(0, 6, meth);
                return {"a " + std::to_string(len) + "-byte method", m};
            }
            m.insert(m.find("Content-Type"), std::string(len, 'X') + ": v\r\n");
            return {"a " + std::to_string(len) + "-byte header name", m};
        }
    }
}

}  // namespace

bool robustness_case(const std::string& id, Case& c) {
    if (id.rfind("ROB-", 0) != 0) return false;
    size_t dash = id.find('-', 4);
    if (dash == std::string::npos) return false;
    char* end = nullptr;
    uint64_t seed = std::strtoull(id.c_str() + 4, &end, 10);
    if (end != id.c_str() + dash) return false;
    unsigned long n = std::strtoul(id.c_str() + dash + 1, &end, 10);
    if (*end || dash + 1 == id.size()) return false;
    Mutation mu = mutate(seed, static_cast<uint32_t>(n));
    c = {};
    c.id = id;
    c.title = mu.what;
    c.section = "PROTOS c07-sip";
    c.role = "any";
    c.passes = "the target still answers an OPTIONS afterwards";
    c.suite = "robustness";
    c.serial = true;
    c.hangup = true;
    Step send;
    send.kind = StepKind::kSend;
    send.name = "inv";
    send.text = mu.bytes;
    send.line = 1;
    Step pause;
    pause.kind = StepKind::kWait;
    pause.within_ms = 100;
    pause.line = 2;
    Step alive;
    alive.kind = StepKind::kAlive;
    alive.within_ms = 4000;
    alive.line = 3;
    // An INVITE the target took rings or is answered: a CANCEL frees what rings (best effort).
    Step ack;
    ack.kind = StepKind::kSend;
    ack.cleanup = true;
    ack.text =
        "CANCEL sip:service@${target} SIP/2.0\r\nVia: SIP/2.0/UDP ${local};branch=${branch:inv};rport\r\n"
        "Max-Forwards: 70\r\nFrom: \"Robust\" <sip:robust@${local}>;tag=${tag}\r\nTo: "
        "<sip:service@${target}>\r\n"
        "Call-ID: ${call_id}\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n";
    ack.line = 4;
    c.steps = {send, pause, alive, ack};
    return true;
}

void robustness_cases(uint64_t seed, uint32_t count, std::vector<Case>& out) {
    for (uint32_t n = 0; n < count; ++n) {
        Case c;
        robustness_case("ROB-" + std::to_string(seed) + "-" + std::to_string(n), c);
        out.push_back(std::move(c));
    }
}

}  // namespace sipstorm::conform
