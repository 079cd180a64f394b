// What SIPp scenarios ask of a call beyond steps and variables: their own counters and timers
// (counter=, start_rtd=, rtd=, repeat_rtd=), marked as a step is done, lost= on received messages,
// [fill] text and setdest. A timer's start and "recorded" flag live in two hidden call variables
// (Program::timer_vars), so a scenario without timers keeps its call slot as it was.
#include <charconv>
#include <cstdio>

#include "ua/engine.hpp"
#include "ua/var_ops.hpp"

namespace sipstorm::ua {

void Engine::step_marks(Call& call, const Step& s) {
    if (s.counter >= 0) rec_.scenario_counter(static_cast<unsigned>(s.counter));
    if (s.timer_stop >= 0) {
        const auto [start_var, done_var] = program_.timer_vars[static_cast<size_t>(s.timer_stop)];
        if (s.timer_repeat || call.field(var_base_ + static_cast<unsigned>(done_var)).empty()) {
            const std::string_view text = call.field(var_base_ + static_cast<unsigned>(start_var));
            uint64_t start = call.intended_start_ns;
            if (!text.empty()) std::from_chars(text.data(), text.data() + text.size(), start);
            rec_.scenario_timer(static_cast<unsigned>(s.timer_stop), now_ns_ > start ? now_ns_ - start : 0);
            if (!s.timer_repeat && !store_field(call, var_base_ + static_cast<unsigned>(done_var), "1"))
                return fail_arena_full(call);
        }
    }
    if (s.timer_start >= 0) {
        // Started by the call's first INVITE: from the call's intended start, as the setup time is,
        // so a late generator shows in the timer rather than hiding in it.
        const bool first_invite =
            s.kind == StepKind::kSend && program_.templates[s.template_index].is_request &&
            program_.templates[s.template_index].method == sip::Method::kInvite && call.cseq == 1;
        char buf[24];
        const auto end =
            std::to_chars(buf, buf + sizeof(buf), first_invite ? call.intended_start_ns : now_ns_).ptr;
        const auto [start_var, done_var] = program_.timer_vars[static_cast<size_t>(s.timer_start)];
        if (!store_field(call, var_base_ + static_cast<unsigned>(start_var),
                         std::string_view(buf, end - buf)) ||
            !store_field(call, var_base_ + static_cast<unsigned>(done_var), ""))
            return fail_arena_full(call);
    }
}

bool Engine::scenario_loses(const Call* call, const sip::MessageView& msg) {
    const auto& steps = program_.steps;
    const Step* taker = nullptr;
    if (!call) {  // a request that would open a call
        if (program_.role == Role::kUas && msg.is_request && step_matches(steps[0], msg)) taker = &steps[0];
    } else if (call->wait == Wait::kRecv) {
        for (size_t j = call->pc; j < steps.size() && steps[j].kind == StepKind::kRecv; ++j) {
            if (step_matches(steps[j], msg)) {
                taker = &steps[j];
                break;
            }
            if (!steps[j].optional) break;
        }
    }
    return taker && taker->lost > 0 && rng_.uniform() < taker->lost;
}

std::string_view Engine::fill(const Call& call, uint16_t index) const {
    const Program::Fill& f = program_.fills[index];
    const double want = parse_number(variable(call, static_cast<unsigned>(f.var)));
    const size_t n = want > 0 ? std::min(static_cast<size_t>(want), fill_buf_.capacity()) : 0;
    fill_buf_.clear();
    while (fill_buf_.size() < n) fill_buf_.append(f.text, 0, std::min(f.text.size(), n - fill_buf_.size()));
    return fill_buf_;
}

std::string_view Engine::set_destination(Call& call, std::string_view host, std::string_view port) {
    if (stream_) return "setdest: UDP only (a TCP or TLS call keeps its connection)";
    // The port as SIPp reads it (a number variable prints "5099.000000").
    const double p = parse_number(port);
    if (!(p >= 1 && p <= 65535)) return "setdest: the port is not 1-65535";
    char text[128];
    const bool v6 = host.find(':') != std::string_view::npos && !host.starts_with("[");
    const int n = std::snprintf(text, sizeof text, v6 ? "[%.*s]:%d" : "%.*s:%d",
                                static_cast<int>(host.size()), host.data(), static_cast<int>(p));
    net::Address to;
    if (n <= 0 || static_cast<size_t>(n) >= sizeof text ||
        !net::Address::parse(std::string_view(text, static_cast<size_t>(n)), 5060, to) ||
        to.family != local_.family)
        return "setdest: the host is not a numeric address of our family";
    call.peer = to;
    call.flags |= kFlagOwnDestination;
    return {};
}

}  // namespace sipstorm::ua
