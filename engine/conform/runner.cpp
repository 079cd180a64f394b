#include "conform/runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "conform/checks.hpp"
#include "conform/slots.hpp"
#include "runtime/clock.hpp"
#include "sip/lex.hpp"
#include "sip/name_addr.hpp"
#include "sip/parser.hpp"
#include "sip/scalars.hpp"
#include "sip/via.hpp"

namespace sipstorm::conform {

std::string_view to_string(Verdict v) {
    switch (v) {
        case Verdict::kPass:
            return "pass";
        case Verdict::kFail:
            return "fail";
        case Verdict::kInconclusive:
            return "inconclusive";
        case Verdict::kNotApplicable:
            return "n/a";
    }
    return "?";
}

namespace {

constexpr uint64_t kMs = 1'000'000;

struct Socket {
    int fd = -1;
    net::Address local;
};

struct Rx {
    uint64_t t_ns = 0;
    std::string bytes;
    int sock = 0;
    net::Address from;
    bool consumed = false;
};

struct Sent {
    std::string bytes;
    int sock = 0;
    bool parsed = false;
    std::string branch, call_id, cseq_method;
};

std::string host_of(const net::Address& a) {
    return a.family == AF_INET6 ? "[" + a.ip_string() + "]" : a.ip_string();
}

std::string hex(uint32_t v, int digits) {
    static const char* d = "0123456789abcdef";
    std::string s(static_cast<size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = d[v & 15];
    return s;
}

std::string codes_text(const Expect& e) {
    if (e.codes.empty()) return "a final response";
    std::string s;
    for (auto [lo, hi] : e.codes) {
        if (!s.empty()) s += " or ";
        s += lo == hi ? std::to_string(lo) : std::to_string(lo / 100) + "xx";
    }
    return s;
}

// The status code of a response's start line, 0 if it is not one.
int status_of(std::string_view b) {
    if (b.size() < 12 || b.substr(0, 8) != "SIP/2.0 ") return 0;
    int code = 0;
    for (size_t i = 8; i < 11; ++i) {
        if (b[i] < '0' || b[i] > '9') return 0;
        code = code * 10 + (b[i] - '0');
    }
    return code;
}

bool code_in(const Expect& e, int code) {
    for (auto [lo, hi] : e.codes)
        if (code >= lo && code <= hi) return true;
    return e.codes.empty() && code >= 200;
}

// The sockets and what every case shares.
struct Session {
    RunOptions opt;
    Socket sock[2];         // main, alt
    std::string run_token;  // "sc" + 6 hex digits
    uint64_t start_ns = 0;
    // Call-IDs the cases sent, so answers to messages without our token (torture) find their case
    // even after it ended (a late 2xx still gets its ACK and BYE).
    std::map<std::string, size_t> call_ids;

    bool send(int s, const std::string& bytes, std::string& error) {
        sockaddr_storage ss;
        socklen_t len = opt.target.to_sockaddr(ss);
        if (::sendto(sock[s].fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) < 0) {
            error = std::string("cannot send the datagram (") + std::to_string(bytes.size()) +
                    " bytes): " + std::strerror(errno);
            return false;
        }
        return true;
    }
    bool send_to(int s, const net::Address& to, const std::string& bytes) {
        sockaddr_storage ss;
        socklen_t len = to.to_sockaddr(ss);
        return ::sendto(sock[s].fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) >=
               0;
    }
};

class CaseRun {
  public:
    CaseRun(const Case& c, size_t index, Session& s, CaseResult& r)
        : c_(c), s_(s), r_(r), index_(index), token_(s.run_token + hex(static_cast<uint32_t>(index), 4)) {
        r_.c = &c;
    }

    void on_message(Rx rx) {
        r_.evidence.push_back({ms_since_start(rx.t_ns), false, rx.from.to_string(),
                               s_.sock[rx.sock].local.to_string(), rx.bytes});
        if (c_.hangup) hang_up(rx);
        inbox_.push_back(std::move(rx));
    }

    bool finished() const { return pc_ >= c_.steps.size(); }
    uint64_t deadline() const { return deadline_; }

    // Listening (role uac): the case has no call yet and its current step expects this request.
    bool awaiting_call(std::string_view method) const {
        if (has_peer_ || pc_ >= c_.steps.size()) return false;
        const Step& st = c_.steps[pc_];
        return st.kind == StepKind::kExpect && !st.expect.request.empty() &&
               sip::lex::iequals(st.expect.request, method);
    }
    // The call is this case's: what it sends goes to the request's source.
    void claim(const net::Address& from) {
        peer_ = from;
        has_peer_ = true;
    }

    void start(uint64_t now) {
        start_ns_ = now;
        step_start_ = now;
    }

    void advance(uint64_t now) {
        deadline_ = 0;
        while (pc_ < c_.steps.size()) {
            const Step& st = c_.steps[pc_];
            if (decided_ && !(st.cleanup && (st.kind == StepKind::kSend || st.kind == StepKind::kResend))) {
                next(now);
                continue;
            }
            bool done = false;
            switch (st.kind) {
                case StepKind::kSend:
                    done = do_send(st);
                    break;
                case StepKind::kResend:
                    done = do_resend(st);
                    break;
                case StepKind::kWait:
                    done = now >= step_start_ + st.within_ms * kMs;
                    if (!done) deadline_ = step_start_ + st.within_ms * kMs;
                    break;
                case StepKind::kExpect:
                    done = do_expect(st, now);
                    break;
                case StepKind::kSilence:
                    done = do_silence(st, now);
                    break;
                case StepKind::kRetrans:
                    done = do_retrans(st, now);
                    break;
                case StepKind::kAlive:
                    done = do_alive(st, now);
                    break;
            }
            if (!done) return;
            next(now);
        }
        r_.duration_ms = ms_since_start(now);
    }

    // Gives up: the run ends (probe failure) or the case was never started.
    void abandon(Verdict v, const std::string& why) {
        r_.verdict = v;
        r_.message = why;
        pc_ = c_.steps.size();
    }

  private:
    double ms_since_start(uint64_t t) const {
        return t >= start_ns_ ? static_cast<double>(t - start_ns_) / 1e6 : 0;
    }

    void next(uint64_t now) {
        ++pc_;
        step_start_ = now;
        alive_sent_ = 0;
    }

    // The step's verdict when it does not hold: a setup step makes the case inconclusive.
    bool verdict(const Step& st, Verdict v, const std::string& why) {
        if (!decided_) {
            decided_ = true;
            r_.verdict = (v == Verdict::kFail && st.setup) ? Verdict::kInconclusive : v;
            std::string where =
                "step " + std::to_string(st.line) + (st.name.empty() ? "" : " (" + st.name + ")");
            r_.message =
                (st.setup && v == Verdict::kFail ? "an earlier step did not work out: " : std::string()) +
                where + ": " + why;
        }
        return true;  // the step is over
    }
    bool fail(const Step& st, const std::string& why) { return verdict(st, Verdict::kFail, why); }

    std::optional<std::string> slot(std::string_view name, std::string_view arg,
                                    const sip::MessageView* req) {
        const net::Address& tg = has_peer_ ? peer_ : s_.opt.target;
        const net::Address& lc = s_.sock[0].local;
        if (name == "target") return host_of(tg) + ":" + std::to_string(tg.port);
        if (name == "target_host") return host_of(tg);
        if (name == "target_port") return std::to_string(tg.port);
        if (name == "local") return host_of(lc) + ":" + std::to_string(lc.port);
        if (name == "local_ip") return lc.ip_string();
        if (name == "local_host") return host_of(lc);
        if (name == "local_port") return std::to_string(lc.port);
        if (name == "alt_port") return std::to_string(s_.sock[1].local.port);
        if (name == "alt") return host_of(lc) + ":" + std::to_string(s_.sock[1].local.port);
        if (name == "transport") return std::string("UDP");
        if (name == "call_id")
            return token_ + "-c" + (arg.empty() ? std::string("0") : "-" + std::string(arg));
        if (name == "branch") {
            if (arg.empty()) return "z9hG4bK" + token_ + "-" + std::to_string(++branch_seq_);
            return "z9hG4bK" + token_ + "-" + std::string(arg);
        }
        if (name == "tag") return token_ + "-t" + std::string(arg);
        if (name == "token") return token_;
        if (name == "to_tag" || name == "contact" || name == "route") {
            const Rx* rx = arg.empty()
                               ? (last_answer_ < 0 ? nullptr : &inbox_[static_cast<size_t>(last_answer_)])
                               : got(std::string(arg));
            auto m = std::make_unique<sip::MessageView>();
            bool ok = rx && sip::parse(rx->bytes, *m).ok();
            if (name == "to_tag") return ok ? std::string(to_tag(*m)) : std::string();
            if (name == "contact") {
                sip::NameAddr na;
                std::string_view v = ok ? first_header(*m, "Contact") : std::string_view();
                if (!v.empty() && sip::parse_name_addr(v, na) == sip::FieldError::kOk)
                    return std::string(na.uri);
                return "sip:" + host_of(tg) + ":" + std::to_string(tg.port);
            }
            std::string out;
            if (ok) {
                auto rr = header_values(*m, "Record-Route");
                for (auto it = rr.rbegin(); it != rr.rend(); ++it)
                    out += "Route: " + std::string(*it) + "\r\n";
            }
            return out;
        }
        // A template outside a reply (a send) echoes the latest request from the target (role uac).
        auto last = std::make_unique<sip::MessageView>();
        if (name == "echo" && !req && arg.find('/') == std::string_view::npos && last_request_ >= 0 &&
            sip::parse(inbox_[static_cast<size_t>(last_request_)].bytes, *last).ok())
            req = last.get();
        return received_slot(name, arg, req);
    }

    // Slots read from a message the case received: ${header:Name/got}, ${branch_of:got},
    // ${uri_of:got}, and ${echo}, ${echo:FLAGS/got} (or ${echo:FLAGS} in a reply template): the Via, From,
    // To, Call-ID, CSeq lines of that request, with FLAGS "tag" (a To tag added where it has none)
    // and "rr" (its Record-Route lines too), so an answer can be built for a request a proxy
    // forwarded (§8.2.6.2, §12.1.1).
    std::optional<std::string> received_slot(std::string_view name, std::string_view arg,
                                             const sip::MessageView* req) {
        if (name != "header" && name != "branch_of" && name != "uri_of" && name != "echo")
            return std::nullopt;
        size_t slash = arg.find('/');
        std::string_view what =
            name == "branch_of" || name == "uri_of" ? std::string_view() : arg.substr(0, slash);
        std::string_view from =
            name == "branch_of" || name == "uri_of"
                ? arg
                : (slash == std::string_view::npos ? std::string_view() : arg.substr(slash + 1));
        auto m = std::make_unique<sip::MessageView>();
        if (!from.empty()) {
            const Rx* rx = got(std::string(from));
            if (!rx || !sip::parse(rx->bytes, *m).ok()) return std::string();
            req = m.get();
        }
        if (!req) return name == "echo" ? std::nullopt : std::optional<std::string>(std::string());
        if (name == "header") {
            auto v = header_values(*req, what);
            return v.empty() ? std::string() : std::string(v.front());
        }
        if (name == "uri_of") return std::string(req->request_uri);
        if (name == "branch_of") {
            sip::Via v;
            return sip::parse_first_via(first_header(*req, "Via"), v) == sip::FieldError::kOk
                       ? std::string(v.branch)
                       : std::string();
        }
        bool tag = what.find("tag") != std::string_view::npos, rr = what.find("rr") != std::string_view::npos;
        std::string out;
        for (uint16_t i = 0; i < req->header_count; ++i) {
            const sip::Header& h = req->headers[i];
            bool to = h.id == sip::HeaderId::kTo;
            if (h.id == sip::HeaderId::kVia || h.id == sip::HeaderId::kFrom || to ||
                h.id == sip::HeaderId::kCallId || h.id == sip::HeaderId::kCSeq ||
                (rr && h.id == sip::HeaderId::kRecordRoute)) {
                out += std::string(h.name) + ": " + std::string(h.value);
                if (to && tag && to_tag(*req).empty()) out += ";tag=" + token_ + "-dt";
                out += "\r\n";
            }
        }
        if (!out.empty()) out.resize(out.size() - 2);
        return out;
    }

    std::string render(const std::string& tpl, const sip::MessageView* req = nullptr) {
        return fill_slots(tpl, [&](std::string_view n, std::string_view a) { return slot(n, a, req); });
    }

    const Rx* got(const std::string& name) const {
        auto it = got_.find(name);
        return it == got_.end() ? nullptr : &inbox_[it->second];
    }

    bool transmit(const Step& st, int sock, const std::string& bytes, Sent* record) {
        std::string err;
        uint64_t now = runtime::now_ns();
        r_.evidence.push_back({ms_since_start(now), true, s_.sock[sock].local.to_string(),
                               (has_peer_ ? peer_ : s_.opt.target).to_string(), bytes});
        const bool sent = has_peer_ ? s_.send_to(sock, peer_, bytes) : s_.send(sock, bytes, err);
        if (!sent) {
            if (has_peer_)
                err = std::string("cannot send the datagram to the caller: ") + std::strerror(errno);
            verdict(st, Verdict::kInconclusive, err);  // our side could not send: nothing to judge
            return false;
        }
        if (record) {
            record->bytes = bytes;
            record->sock = sock;
            auto m = std::make_unique<sip::MessageView>();
            record->parsed = sip::parse(bytes, *m).ok();
            if (record->parsed) {
                sip::Via v;
                if (sip::parse_first_via(first_header(*m, "Via"), v) == sip::FieldError::kOk)
                    record->branch = std::string(v.branch);
                record->call_id = std::string(sip::lex::trim_lws(first_header(*m, "Call-ID")));
                s_.call_ids[record->call_id] = index_;
                if (m->method == sip::Method::kInvite) invites_.push_back(bytes);
                sip::CSeq cs;
                if (sip::parse_cseq(first_header(*m, "CSeq"), cs) == sip::FieldError::kOk)
                    record->cseq_method = std::string(cs.method_text);
                else
                    record->parsed = false;
            }
        }
        return true;
    }

    bool do_send(const Step& st) {
        std::string name = st.name.empty() ? "#" + std::to_string(pc_) : st.name;
        Sent& rec = sent_[name];
        last_sent_ = name;
        transmit(st, st.socket == "alt" ? 1 : 0, render(st.text), &rec);
        return true;
    }

    bool do_resend(const Step& st) {
        auto it = sent_.find(st.expect.of);
        if (it == sent_.end())
            return fail(st, "resend: no earlier send step is named '" + st.expect.of + "'");
        transmit(st, it->second.sock, it->second.bytes, nullptr);
        return true;
    }

    const Sent* sent_for(const Expect& e) const {
        auto it = sent_.find(e.of.empty() ? last_sent_ : e.of);
        return it == sent_.end() ? nullptr : &it->second;
    }

    bool matches(const Expect& e, const Sent* s, const sip::MessageView& m) const {
        if (!e.request.empty()) return m.is_request && sip::lex::iequals(m.method_text, e.request);
        if (m.is_request) return false;
        if (!s || !s->parsed || e.any_transaction) return true;  // the case's token routed it here
        sip::CSeq cs;
        if (sip::parse_cseq(first_header(m, "CSeq"), cs) != sip::FieldError::kOk) return false;
        sip::Via v;
        // A top Via that does not parse (sent that way on purpose) is matched by Call-ID and CSeq.
        if (sip::parse_first_via(first_header(m, "Via"), v) != sip::FieldError::kOk)
            return sip::lex::trim_lws(first_header(m, "Call-ID")) == s->call_id &&
                   cs.method_text == s->cseq_method;
        if (cs.method_text != s->cseq_method) return false;
        if (v.branch == s->branch) return true;
        // Our Via further down (a target that reorders the Via list): still the answer, which the
        // Via checks then judge.
        if (sip::lex::trim_lws(first_header(m, "Call-ID")) != s->call_id) return false;
        for (std::string_view via : header_values(m, "Via")) {
            sip::Via other;
            if (sip::parse_via(via, other) == sip::FieldError::kOk && other.branch == s->branch) return true;
        }
        return false;
    }

    std::string what_of(const Expect& e) const {
        if (!e.request.empty()) return "a " + e.request + " request";
        if (!e.want.empty()) return e.want;
        const Sent* s = sent_for(e);
        std::string to = s && s->parsed ? " to the " + s->cseq_method : std::string();
        return codes_text(e) + to;
    }

    bool do_expect(const Step& st, uint64_t now) {
        const Expect& e = st.expect;
        const Sent* s = sent_for(e);
        auto m = std::make_unique<sip::MessageView>();
        for (size_t i = 0; i < inbox_.size(); ++i) {
            Rx& rx = inbox_[i];
            if (rx.consumed) continue;
            if (!sip::parse(rx.bytes, *m).ok()) {
                // A response that does not parse is judged by its status line alone, where the
                // case cannot match it to a transaction otherwise (torture messages).
                int code = status_of(rx.bytes);
                if (!code || !e.request.empty() || (s && s->parsed && !e.any_transaction) ||
                    (code < 200 && !code_in(e, code)))
                    continue;
                rx.consumed = true;
                if (code_in(e, code)) return true;
                return fail(st, "expected " + what_of(e) + ", got " + std::to_string(code) +
                                    " (a response that does not parse)");
            }
            if (!matches(e, s, *m)) continue;
            if (!arrived_on(e.on, rx)) continue;
            // A provisional response is taken only where the codes name it.
            if (e.request.empty() && m->status_code < 200 && !code_in(e, m->status_code)) continue;
            rx.consumed = true;
            if (!st.name.empty()) got_[st.name] = i;
            if (!m->is_request) last_answer_ = static_cast<int>(i);
            if (m->is_request) last_request_ = static_cast<int>(i);
            return judge(st, *m, rx, s);
        }
        if (now >= step_start_ + st.within_ms * kMs)
            return fail(st, "expected " + what_of(e) + " within " + std::to_string(st.within_ms) +
                                " ms: nothing arrived (waited " + std::to_string(st.within_ms) + " ms)");
        deadline_ = step_start_ + st.within_ms * kMs;
        return false;
    }

    // Expect.on: a message on the other socket is not the one this step waits for.
    static bool arrived_on(const std::string& on, const Rx& rx) {
        return on.empty() || (on == "alt") == (rx.sock == 1);
    }

    bool judge(const Step& st, const sip::MessageView& m, const Rx& rx, const Sent* s) {
        const Expect& e = st.expect;
        if (e.request.empty() && !code_in(e, m.status_code)) {
            if (std::find(e.na_codes.begin(), e.na_codes.end(), m.status_code) != e.na_codes.end())
                return verdict(st, Verdict::kNotApplicable,
                               e.na_reason.empty()
                                   ? "the target answered " + describe_status(m)
                                   : e.na_reason + " (it answered " + describe_status(m) + ")");
            return fail(st, "expected " + what_of(e) + ", got " + describe_status(m));
        }
        std::string why;
        auto req = std::make_unique<sip::MessageView>();
        bool have_req = s && sip::parse(s->bytes, *req).ok();
        if (e.echo && have_req) why = check_echo(*req, m);
        if (why.empty() && e.via_exact && have_req) why = check_via_exact(*req, m);
        if (why.empty() && have_req) why = check_relayed(e, *req, m);
        if (why.empty() && !e.uri.empty() && m.is_request && m.request_uri != render(e.uri))
            why = "Request-URI " + render(e.uri) + ": got " + std::string(m.request_uri);
        if (why.empty() && e.to_tag >= 0) {
            bool has = !to_tag(m).empty();
            if (e.to_tag == 1 && !has)
                why = "a To tag on the " + describe_status(m) + ": it has none (§8.2.6.2)";
            if (e.to_tag == 0 && has)
                why = "no To tag on the " + describe_status(m) + ": got tag=" + std::string(to_tag(m)) +
                      " (§8.2.6.2)";
        }
        if (why.empty() && !e.same_tag_as.empty()) {
            const Rx* other = got(e.same_tag_as);
            auto o = std::make_unique<sip::MessageView>();
            if (other && sip::parse(other->bytes, *o).ok() && to_tag(*o) != to_tag(m))
                why = "the same To tag as the earlier " + describe_status(*o) + " ('" +
                      std::string(to_tag(*o)) + "'): got '" + std::string(to_tag(m)) + "' (§8.2.6.2)";
        }
        if (why.empty() && (!e.received.empty() || !e.rport.empty())) {
            sip::Via v;
            if (sip::parse_first_via(first_header(m, "Via"), v) != sip::FieldError::kOk) {
                why = "a top Via that parses";
            } else {
                std::string want_r = render(e.received), want_p = render(e.rport);
                if (!want_r.empty() && v.received != want_r)
                    why = "top Via received=" + want_r + " (§18.2.1): got " +
                          (v.received.empty() ? std::string("none") : std::string(v.received));
                else if (!want_p.empty() && (!v.rport_has_value || std::to_string(v.rport) != want_p))
                    why = "top Via rport=" + want_p + " (RFC 3581 §4): got " +
                          (v.rport_has_value ? std::to_string(v.rport) : std::string("no value"));
            }
        }
        if (why.empty() && !e.request_uri.empty() && m.is_request && m.request_uri != render(e.request_uri))
            why = "the " + e.request + " to " + render(e.request_uri) + ": its Request-URI is " +
                  std::string(m.request_uri);
        if (why.empty() && !e.socket.empty() && (e.socket == "alt") != (rx.sock == 1))
            why = "the " + describe_status(m) + " on the " + (e.socket == "alt" ? "alternate" : "main") +
                  " socket (port " + std::to_string(s_.sock[e.socket == "alt" ? 1 : 0].local.port) +
                  "): it arrived on port " + std::to_string(s_.sock[rx.sock].local.port);
        for (const HeaderCheck& hc : e.headers) {
            if (!why.empty()) break;
            HeaderCheck filled = hc;
            filled.value = render(hc.value);
            why = check_header(filled, m);
            if (!why.empty()) why += " (in the " + describe_status(m) + ")";
        }
        if (!e.reply.empty()) s_.send_to(rx.sock, rx.from, reply_text(e.reply, m, rx));
        if (!why.empty()) return fail(st, why);
        return true;
    }

    std::string reply_text(const std::string& tpl, const sip::MessageView& req, const Rx& rx) {
        std::string bytes = render(tpl, &req);
        r_.evidence.push_back({ms_since_start(runtime::now_ns()), true, s_.sock[rx.sock].local.to_string(),
                               rx.from.to_string(), bytes});
        return bytes;
    }

    bool do_silence(const Step& st, uint64_t now) {
        const Expect& e = st.expect;
        const Sent* s = e.of.empty() ? nullptr : sent_for(e);
        auto m = std::make_unique<sip::MessageView>();
        uint32_t seen = 0;
        for (Rx& rx : inbox_) {
            if (rx.consumed || rx.t_ns < step_start_ || !sip::parse(rx.bytes, *m).ok()) continue;
            if (!e.socket.empty() && (e.socket == "alt") != (rx.sock == 1)) continue;
            if (!e.of.empty() && !matches(e, s, *m)) continue;
            if (!e.request.empty() && !matches(e, s, *m)) continue;
            if (!e.codes.empty() && (m->is_request || !code_in(e, m->status_code))) continue;
            if (e.codes.empty() && e.request.empty() && m->is_request && !e.of.empty()) continue;
            if (++seen > e.at_most)
                return fail(st, "expected " +
                                    (e.at_most ? "at most " + std::to_string(e.at_most) + " " : "no ") +
                                    (e.codes.empty() ? std::string("message") : codes_text(e)) + " for " +
                                    std::to_string(st.within_ms) + " ms, got " + describe_status(*m) +
                                    " after " + std::to_string((rx.t_ns - step_start_) / kMs) + " ms");
        }
        if (now >= step_start_ + st.within_ms * kMs) {
            for (Rx& rx : inbox_)
                if (rx.t_ns >= step_start_ && (e.socket.empty() || (e.socket == "alt") == (rx.sock == 1)))
                    rx.consumed = true;
            return true;
        }
        deadline_ = step_start_ + st.within_ms * kMs;
        return false;
    }

    // The arrival times of a request's copies from the target: the one step `of` got, then every
    // later request of that method in the case's call.
    std::vector<uint64_t> request_copies(const RetransSpec& r) const {
        std::vector<uint64_t> times;
        const Rx* first = got(r.of);
        if (!first) return times;
        times.push_back(first->t_ns);
        auto m = std::make_unique<sip::MessageView>();
        sip::Via v0, v;
        if (!sip::parse(first->bytes, *m).ok() ||
            sip::parse_first_via(first_header(*m, "Via"), v0) != sip::FieldError::kOk)
            return times;
        const std::string branch(v0.branch), cseq(first_header(*m, "CSeq"));
        // A copy is the same transaction: its branch and CSeq (a new request is not a copy).
        for (const Rx& rx : inbox_)
            if (&rx != first && rx.t_ns >= first->t_ns && sip::parse(rx.bytes, *m).ok() && m->is_request &&
                sip::lex::iequals(m->method_text, r.request) &&
                sip::parse_first_via(first_header(*m, "Via"), v) == sip::FieldError::kOk &&
                v.branch == branch && first_header(*m, "CSeq") == cseq)
                times.push_back(rx.t_ns);
        return times;
    }

    bool do_retrans(const Step& st, uint64_t now) {
        const RetransSpec& r = st.retrans;
        Expect e;
        e.of = r.of;
        e.codes.push_back({r.code_lo, r.code_hi});
        const Sent* s = sent_for(e);
        auto m = std::make_unique<sip::MessageView>();
        std::vector<uint64_t> times;
        if (!r.request.empty()) times = request_copies(r);
        for (Rx& rx : inbox_)
            if (r.request.empty() && sip::parse(rx.bytes, *m).ok() && matches(e, s, *m) && !m->is_request &&
                m->status_code >= r.code_lo && m->status_code <= r.code_hi)
                times.push_back(rx.t_ns);
        const size_t want = r.intervals_ms.size() + 1;
        const bool timed_out = now >= step_start_ + st.within_ms * kMs;
        if (times.size() < want && !timed_out) {
            deadline_ = step_start_ + st.within_ms * kMs;
            return false;
        }
        std::string seen, expected;
        bool ok = times.size() >= want;
        for (size_t i = 1; i < times.size() && i < want; ++i) {
            double gap = static_cast<double>(times[i] - times[i - 1]) / 1e6;
            double due = r.intervals_ms[i - 1];
            if (gap < due * (1 - r.tolerance) - r.slack_ms || gap > due * (1 + r.tolerance) + r.slack_ms)
                ok = false;
            seen += (seen.empty() ? "" : ", ") + std::to_string(static_cast<long>(gap + 0.5));
        }
        for (uint32_t i : r.intervals_ms) expected += (expected.empty() ? "" : ", ") + std::to_string(i);
        for (Rx& rx : inbox_) rx.consumed = true;
        if (ok) return true;
        std::string code = !r.request.empty()       ? r.request
                           : r.code_lo == r.code_hi ? std::to_string(r.code_lo)
                                                    : std::to_string(r.code_lo / 100) + "xx";
        if (times.empty())
            return fail(st, "expected the " + code + " and copies of it " + expected + " ms apart: no " +
                                code + " arrived in " + std::to_string(st.within_ms) + " ms");
        return fail(st, "expected copies of the " + code + " at gaps of " + expected + " ms (±" +
                            std::to_string(static_cast<int>(r.tolerance * 100)) + "%): got " +
                            std::to_string(times.size() - 1) + " cop" + (times.size() == 2 ? "y" : "ies") +
                            (seen.empty() ? std::string() : " at gaps of " + seen + " ms") + " within " +
                            std::to_string(st.within_ms) + " ms");
    }

    bool do_alive(const Step& st, uint64_t now) {
        const std::string call_id = token_ + "-alive" + std::to_string(pc_);
        auto m = std::make_unique<sip::MessageView>();
        for (Rx& rx : inbox_) {
            if (rx.consumed || !sip::parse(rx.bytes, *m).ok() || m->is_request) continue;
            if (sip::lex::trim_lws(first_header(*m, "Call-ID")) != call_id) continue;
            for (Rx& x : inbox_)
                if (!x.consumed && sip::parse(x.bytes, *m).ok() &&
                    sip::lex::trim_lws(first_header(*m, "Call-ID")) == call_id)
                    x.consumed = true;
            return true;
        }
        if (now >= step_start_ + st.within_ms * kMs) {
            r_.target_down = true;
            return fail(st, "the target stopped answering: no response to an OPTIONS within " +
                                std::to_string(st.within_ms) + " ms");
        }
        uint64_t due = step_start_;
        uint64_t gap = s_.opt.t1_ms * kMs;
        for (int i = 0; i < alive_sent_; ++i, gap = std::min<uint64_t>(gap * 2, 4000 * kMs)) due += gap;
        if (now >= due) {
            if (alive_sent_ == 0) alive_branch_ = "z9hG4bK" + token_ + "-alive" + std::to_string(pc_);
            std::string opt =
                "OPTIONS sip:" + *slot("target", "", nullptr) + " SIP/2.0\r\nVia: SIP/2.0/UDP " +
                *slot("local", "", nullptr) + ";branch=" + alive_branch_ +
                ";rport\r\nMax-Forwards: 70\r\nFrom: <sip:conform@" + *slot("local", "", nullptr) +
                ">;tag=" + token_ + "-alive\r\nTo: <sip:" + *slot("target", "", nullptr) +
                ">\r\nCall-ID: " + call_id +
                "\r\nCSeq: 1 OPTIONS\r\nAccept: application/sdp\r\nContent-Length: 0\r\n\r\n";
            transmit(st, 0, opt, nullptr);
            ++alive_sent_;
            due += gap;
        }
        deadline_ = std::min(due, step_start_ + st.within_ms * kMs);
        return false;
    }

    // Case.hangup: ACK and BYE for a 2xx to an INVITE, built from the response (§13.2.2.4), once
    // per To tag.
    void hang_up(const Rx& rx) {
        auto m = std::make_unique<sip::MessageView>();
        if (!sip::parse(rx.bytes, *m).ok() || m->is_request || m->status_code < 101) return;
        sip::CSeq cs;
        if (sip::parse_cseq(first_header(*m, "CSeq"), cs) != sip::FieldError::kOk ||
            cs.method != sip::Method::kInvite)
            return;
        sip::Via via;
        sip::parse_first_via(first_header(*m, "Via"), via);
        if (m->status_code < 200) {
            ringing_.insert(std::string(via.branch));
            return;
        }
        ringing_.erase(std::string(via.branch));
        // §17.1.1.3: the ACK is part of the INVITE transaction; sent once the case is over, so a
        // case may withhold it (retransmissions of the final come again and get it then).
        if (m->status_code >= 300 && !finished()) return;
        if (m->status_code >= 300) {
            std::string bytes = "ACK sip:" + *slot("target", "", nullptr) +
                                " SIP/2.0\r\nVia: " + std::string(first_header(*m, "Via")) +
                                "\r\nMax-Forwards: 70\r\nFrom: " + std::string(first_header(*m, "From")) +
                                "\r\nTo: " + std::string(first_header(*m, "To")) +
                                "\r\nCall-ID: " + std::string(first_header(*m, "Call-ID")) +
                                "\r\nCSeq: " + std::to_string(cs.number) +
                                " ACK\r\nContent-Length: 0\r\n\r\n";
            r_.evidence.push_back({ms_since_start(runtime::now_ns()), true,
                                   s_.sock[rx.sock].local.to_string(), rx.from.to_string(), bytes});
            s_.send_to(rx.sock, rx.from, bytes);
            return;
        }
        std::string tag(to_tag(*m));
        if (!hung_up_.insert(tag).second) return;
        sip::NameAddr na;
        std::string_view contact = first_header(*m, "Contact");
        std::string uri = !contact.empty() && sip::parse_name_addr(contact, na) == sip::FieldError::kOk
                              ? std::string(na.uri)
                              : "sip:" + *slot("target", "", nullptr);
        std::string route;
        auto rr = header_values(*m, "Record-Route");
        for (auto it = rr.rbegin(); it != rr.rend(); ++it) route += "Route: " + std::string(*it) + "\r\n";
        std::string common = "Max-Forwards: 70\r\n" + route +
                             "From: " + std::string(first_header(*m, "From")) +
                             "\r\nTo: " + std::string(first_header(*m, "To")) +
                             "\r\nCall-ID: " + std::string(first_header(*m, "Call-ID")) + "\r\n";
        for (const char* method : {"ACK", "BYE"}) {
            std::string num = method[0] == 'A' ? std::to_string(cs.number) : std::to_string(cs.number + 1);
            std::string bytes = std::string(method) + " " + uri + " SIP/2.0\r\nVia: SIP/2.0/UDP " +
                                *slot("local", "", nullptr) + ";branch=" + *slot("branch", "", nullptr) +
                                ";rport\r\n" + common + "CSeq: " + num + " " + method +
                                "\r\nContent-Length: 0\r\n\r\n";
            r_.evidence.push_back({ms_since_start(runtime::now_ns()), true,
                                   s_.sock[rx.sock].local.to_string(), rx.from.to_string(), bytes});
            s_.send_to(rx.sock, rx.from, bytes);
        }
    }

  public:
    // Case.hangup, at the end: a CANCEL for each INVITE still ringing (§9.1), built from it.
    void cancel_ringing() {
        if (!c_.hangup || ringing_.empty()) return;
        for (const std::string& inv : invites_) {
            auto m = std::make_unique<sip::MessageView>();
            if (!sip::parse(inv, *m).ok()) continue;
            sip::Via via;
            sip::CSeq cs;
            if (sip::parse_first_via(first_header(*m, "Via"), via) != sip::FieldError::kOk ||
                !ringing_.count(std::string(via.branch)) ||
                sip::parse_cseq(first_header(*m, "CSeq"), cs) != sip::FieldError::kOk)
                continue;
            std::string_view top = first_header(*m, "Via");
            std::string bytes = "CANCEL " + std::string(m->request_uri) +
                                " SIP/2.0\r\nVia: " + std::string(top.substr(0, top.find(','))) +
                                "\r\nMax-Forwards: 70\r\nFrom: " + std::string(first_header(*m, "From")) +
                                "\r\nTo: " + std::string(first_header(*m, "To")) +
                                "\r\nCall-ID: " + std::string(first_header(*m, "Call-ID")) +
                                "\r\nCSeq: " + std::to_string(cs.number) +
                                " CANCEL\r\nContent-Length: 0\r\n\r\n";
            r_.evidence.push_back({ms_since_start(runtime::now_ns()), true, s_.sock[0].local.to_string(),
                                   s_.opt.target.to_string(), bytes});
            std::string err;
            s_.send(0, bytes, err);
        }
        ringing_.clear();
    }

  private:
    const Case& c_;
    std::set<std::string> hung_up_, ringing_;
    std::vector<std::string> invites_;
    Session& s_;
    CaseResult& r_;
    size_t index_;
    std::string token_;
    std::deque<Rx> inbox_;
    std::map<std::string, Sent> sent_;
    std::map<std::string, size_t> got_;
    std::string last_sent_;
    int last_answer_ = -1;
    int last_request_ = -1;  // the latest request from the target an expect step took (${echo})
    net::Address peer_;      // listening: where the case's call came from
    bool has_peer_ = false;
    size_t pc_ = 0;
    uint64_t start_ns_ = 0, step_start_ = 0, deadline_ = 0;
    bool decided_ = false;
    int branch_seq_ = 0;
    int alive_sent_ = 0;
    std::string alive_branch_;
};

bool open_socket(const net::Address& local, Socket& s, std::string& error) {
    s.fd = ::socket(local.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s.fd < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return false;
    }
    // Many cases answered at once must not overflow it: past net.core.rmem_max where allowed (root).
    int big = 4 << 20;
    if (::setsockopt(s.fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) < 0)
        ::setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    sockaddr_storage ss;
    socklen_t len = local.to_sockaddr(ss);
    if (::bind(s.fd, reinterpret_cast<sockaddr*>(&ss), len) < 0) {
        error = "cannot bind " + local.to_string() + ": " + std::strerror(errno);
        return false;
    }
    len = sizeof ss;
    ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&ss), &len);
    s.local = net::Address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss));
    return true;
}

// The case a datagram belongs to: the index after the run token, wherever it appears (Call-ID,
// branch, tag), else -1.
long route(std::string_view bytes, const std::string& token) {
    size_t p = 0;
    while ((p = bytes.find(token, p)) != std::string_view::npos) {
        p += token.size();
        if (p + 4 > bytes.size()) return -1;
        long v = 0;
        bool ok = true;
        for (size_t i = 0; i < 4 && ok; ++i) {
            char c = bytes[p + i];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            ok = d >= 0;
            v = v * 16 + d;
        }
        if (ok) return v;
    }
    return -1;
}

class Loop {
  public:
    Loop(Session& s, const std::vector<Case>& cases, std::vector<CaseResult>& results) : s_(s) {
        for (size_t i = 0; i < cases.size(); ++i)
            runs_.push_back(std::make_unique<CaseRun>(cases[i], i, s, results[i]));
    }

    // Runs the cases with these indices, at most `parallel` at a time.
    void run(const std::vector<size_t>& order, size_t parallel) {
        std::vector<size_t> active;
        size_t next = 0;
        while (next < order.size() || !active.empty()) {
            uint64_t now = runtime::now_ns();
            while (next < order.size() && active.size() < parallel) {
                size_t i = order[next++];
                runs_[i]->start(now);
                runs_[i]->advance(now);
                if (!runs_[i]->finished()) active.push_back(i);
            }
            uint64_t wake = now + 200 * kMs;
            for (size_t i : active)
                if (runs_[i]->deadline()) wake = std::min(wake, runs_[i]->deadline());
            int timeout = wake > now ? static_cast<int>((wake - now + kMs - 1) / kMs) : 0;
            pollfd fds[2] = {{s_.sock[0].fd, POLLIN, 0}, {s_.sock[1].fd, POLLIN, 0}};
            ::poll(fds, 2, timeout);
            for (int k = 0; k < 2; ++k) drain(k, active);
            now = runtime::now_ns();
            for (size_t i : active) runs_[i]->advance(now);
            for (size_t i : active)
                if (runs_[i]->finished()) runs_[i]->cancel_ringing();
            active.erase(
                std::remove_if(active.begin(), active.end(), [&](size_t i) { return runs_[i]->finished(); }),
                active.end());
        }
    }

    CaseRun& at(size_t i) { return *runs_[i]; }

  private:
    void drain(int k, const std::vector<size_t>& active) {
        for (;;) {
            sockaddr_storage ss;
            socklen_t len = sizeof ss;
            ssize_t n =
                ::recvfrom(s_.sock[k].fd, buf_, sizeof buf_, 0, reinterpret_cast<sockaddr*>(&ss), &len);
            if (n < 0) return;
            Rx rx;
            rx.t_ns = runtime::now_ns();
            rx.bytes.assign(buf_, static_cast<size_t>(n));
            rx.sock = k;
            rx.from = net::Address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss));
            long idx = route(rx.bytes, s_.run_token);
            // Without our token (a message whose Call-ID and Via we did not write): the case that
            // sent its Call-ID, else the only case running, if one runs alone (serial cases).
            if (idx < 0) {
                auto m = std::make_unique<sip::MessageView>();
                if (sip::parse(rx.bytes, *m).ok()) {
                    auto it = s_.call_ids.find(std::string(sip::lex::trim_lws(first_header(*m, "Call-ID"))));
                    if (it != s_.call_ids.end()) idx = static_cast<long>(it->second);
                }
            }
            if (idx < 0 && s_.opt.listen) idx = claim_call(rx, active);
            if (idx < 0 && active.size() == 1 && !s_.opt.listen) idx = static_cast<long>(active[0]);
            if (idx < 0 || static_cast<size_t>(idx) >= runs_.size()) continue;
            runs_[static_cast<size_t>(idx)]->on_message(std::move(rx));
        }
    }

    // Listening: a request opening a call no case has gives it to the first case waiting for one.
    long claim_call(const Rx& rx, const std::vector<size_t>& active) {
        auto m = std::make_unique<sip::MessageView>();
        if (!sip::parse(rx.bytes, *m).ok() || !m->is_request) return -1;
        for (size_t i : active)
            if (runs_[i]->awaiting_call(m->method_text)) {
                runs_[i]->claim(rx.from);
                s_.call_ids[std::string(sip::lex::trim_lws(first_header(*m, "Call-ID")))] = i;
                return static_cast<long>(i);
            }
        return -1;
    }

    Session& s_;
    std::vector<std::unique_ptr<CaseRun>> runs_;
    char buf_[65536];
};

}  // namespace

bool run_cases(const std::vector<Case>& cases, const RunOptions& opt, std::vector<CaseResult>& results,
               std::string& error) {
    Session s;
    s.opt = opt;
    uint32_t salt = static_cast<uint32_t>(runtime::now_ns() ^ (static_cast<uint64_t>(::getpid()) << 20));
    s.run_token = "sc" + hex(salt & 0xffffff, 6);
    net::Address local = opt.local;
    local.port = opt.local.port;
    if (!open_socket(local, s.sock[0], error)) return false;
    local.port = 0;
    if (!open_socket(local, s.sock[1], error)) return false;

    results.assign(cases.size(), {});
    // The probe: a target that answers nothing makes every case impossible to judge.
    std::vector<Case> probe(1);
    probe[0].id = "probe";
    probe[0].steps.resize(1);
    probe[0].steps[0].kind = StepKind::kAlive;
    probe[0].steps[0].within_ms = 3000;
    std::vector<CaseResult> probe_result(1);
    bool target_up = true;
    if (opt.probe_first && !opt.listen) {
        Session ps = s;
        ps.run_token = s.run_token + "p";
        Loop pl(ps, probe, probe_result);
        pl.run({0}, 1);
        target_up = probe_result[0].verdict == Verdict::kPass;
    }
    Loop loop(s, cases, results);
    if (!target_up) {
        for (size_t i = 0; i < cases.size(); ++i)
            loop.at(i).abandon(
                Verdict::kInconclusive,
                "the target answers nothing: no response to an OPTIONS within 3000 ms before the run");
    } else {
        std::vector<size_t> parallel, serial;
        for (size_t i = 0; i < cases.size(); ++i) (cases[i].serial ? serial : parallel).push_back(i);
        loop.run(parallel, opt.max_parallel);
        // Serial cases (torture, robustness) one by one: once one has stopped the target, the rest
        // cannot be judged, and the case that did it is the finding.
        for (size_t k = 0; k < serial.size(); ++k) {
            if (k) ::usleep(300 * 1000);  // a pause between them, so a slow target settles
            loop.run({serial[k]}, 1);
            if (!results[serial[k]].target_down) continue;
            for (size_t j = k + 1; j < serial.size(); ++j)
                loop.at(serial[j]).abandon(
                    Verdict::kInconclusive,
                    "not run: the target stopped answering after " + cases[serial[k]].id);
            break;
        }
    }
    for (auto& so : s.sock)
        if (so.fd >= 0) ::close(so.fd);
    return true;
}

}  // namespace sipstorm::conform
