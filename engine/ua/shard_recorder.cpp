#include "ua/shard_recorder.hpp"

#include <algorithm>

namespace sipstorm::ua {

static_assert(static_cast<size_t>(sip::Method::kCount) <= stats::kMaxMethods);

void FailureTable::add(std::string_view text) {
    text = text.substr(0, sizeof(Entry::text) - 1);
    for (Entry& e : entries_) {
        if (e.count == 0) {
            std::memcpy(e.text, text.data(), text.size());
            e.count = 1;
            return;
        }
        if (std::string_view(e.text) == text) {
            ++e.count;
            return;
        }
    }
    ++other_;
}

void ShardRecorder::call_started(uint64_t, uint64_t) {
    c_.calls_attempted.add();
    c_.concurrent_calls.add();
}

void ShardRecorder::call_succeeded(uint64_t intended_ns, uint64_t now_ns) {
    c_.calls_succeeded.add();
    c_.concurrent_calls.sub();
    s_.hist().call_us.record_ns(now_ns > intended_ns ? now_ns - intended_ns : 0);
}

void ShardRecorder::call_failed(FailReason reason, std::string_view detail, uint16_t status_code) {
    c_.calls_failed.add();
    c_.concurrent_calls.sub();
    stats::FailReason r = stats::FailReason::kOther;
    switch (reason) {
        case FailReason::kTimeout:
            r = stats::FailReason::kTimeout;
            break;
        case FailReason::kUnexpectedMessage:
            r = stats::FailReason::kUnexpectedMessage;
            break;
        case FailReason::kFinalResponse:
            r = status_code >= 600   ? stats::FailReason::k6xx
                : status_code >= 500 ? stats::FailReason::k5xx
                : status_code >= 400 ? stats::FailReason::k4xx
                                     : stats::FailReason::kUnexpectedMessage;
            break;
        case FailReason::kTransportError:
            r = stats::FailReason::kTransportError;
            break;
        case FailReason::kAborted:
            r = stats::FailReason::kAborted;
            break;
        case FailReason::kScriptError:
        case FailReason::kScenario:
        case FailReason::kOther:
            break;
    }
    c_.failed_by_reason[static_cast<size_t>(r)].add();
    failures_.add(detail);
}

void ShardRecorder::response_time(sip::Method method, uint64_t ns) {
    s_.hist().response_us[static_cast<size_t>(method)].record_ns(ns);
}

void ShardRecorder::message_out(bool is_request, sip::Method method, uint16_t code, bool retransmission) {
    if (is_request)
        c_.requests_out[static_cast<size_t>(method)].add();
    else if (code >= 100 && code < 700)
        c_.responses_out[code / 100 - 1].add();
    if (!retransmission) return;
    stats::RetransKind k = is_request ? (method == sip::Method::kInvite ? stats::RetransKind::kInvite
                                         : method == sip::Method::kBye  ? stats::RetransKind::kBye
                                                                        : stats::RetransKind::kOtherRequest)
                                      : (code >= 200 && code < 300 ? stats::RetransKind::k2xx
                                                                   : stats::RetransKind::kOtherResponse);
    c_.retransmissions[static_cast<size_t>(k)].add();
}

void ShardRecorder::message_in(bool is_request, sip::Method method, uint16_t code) {
    if (is_request)
        c_.requests_in[static_cast<size_t>(method)].add();
    else if (code >= 100 && code < 700)
        c_.responses_in[code / 100 - 1].add();
}

}  // namespace sipstorm::ua
