#include "sipp_stat.hpp"

#include <fmt/core.h>
#include <time.h>

#include <cmath>
#include <fstream>

#include "stats/histogram.hpp"

namespace sipstorm::cli {
namespace {

// SIPp's failure counters, in its column order.
constexpr const char* kFailures[] = {
    "FailedCannotSendMessage", "FailedMaxUDPRetrans",      "FailedTcpConnect",
    "FailedTcpClosed",         "FailedUnexpectedMessage",  "FailedCallRejected",
    "FailedCmdNotSent",        "FailedRegexpDoesntMatch",  "FailedRegexpShouldntMatch",
    "FailedRegexpHdrNotFound", "FailedOutboundCongestion", "FailedTimeoutOnRecv",
    "FailedTimeoutOnSend",     "FailedTestDoesntMatch",    "FailedTestShouldntMatch",
    "FailedStrcmpDoesntMatch", "FailedStrcmpShouldntMatch"};
constexpr const char* kOthers[] = {"OutOfCallMsgs", "DeadCallMsgs", "Retransmissions", "AutoAnswered",
                                   "Warnings",      "FatalErrors",  "WatchdogMajor",   "WatchdogMinor"};

// "2026-12-02\t07:26:35.106575\t1796196395.106575", as SIPp writes its time stamps.
std::string stamp(double unix_s) {
    time_t secs = static_cast<time_t>(std::floor(unix_s));
    const long us = std::lround((unix_s - static_cast<double>(secs)) * 1e6) % 1000000;
    tm t{};
    localtime_r(&secs, &t);
    return fmt::format("{:04}-{:02}-{:02}\t{:02}:{:02}:{:02}.{:06}\t{}.{:06}", t.tm_year + 1900, t.tm_mon + 1,
                       t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, us, static_cast<long long>(secs), us);
}

std::string hms(double s) {
    const long n = std::lround(s);
    return fmt::format("{:02}:{:02}:{:02}", n / 3600, n / 60 % 60, n % 60);
}

// A duration in ms as SIPp prints response times: "HH:MM:SS:uuuuuu".
std::string hmsu(double ms) {
    const long long us = std::llround(ms * 1000);
    const long long s = us / 1000000;
    return fmt::format("{:02}:{:02}:{:02}:{:06}", s / 3600, s / 60 % 60, s % 60, us % 1000000);
}

std::string rate(double v) {
    return fmt::format("{:g}", v);
}

struct Counts {
    double attempted = 0, succeeded = 0, failed = 0, retrans = 0, out_of_call = 0, setup_ms_sum = 0,
           setup_count = 0;
    double failures[std::size(kFailures)] = {};
};

// A series row's failures in SIPp's counters: transaction timeouts as max UDP retransmissions,
// final error responses and other unexpected messages as unexpected messages.
void add_row(Counts& c, const nlohmann::json& row) {
    c.attempted += row.value("attempted", 0.0);
    c.succeeded += row.value("succeeded", 0.0);
    c.failed += row.value("failed", 0.0);
    c.retrans += row.value("retransmissions", 0.0);
    c.out_of_call += row.value("unexpected", 0.0);
    const double n = row.value("setup_count", 0.0);
    c.setup_count += n;
    c.setup_ms_sum += n * row.value("setup_p50_ms", 0.0);
    const auto& r = row.contains("failed_by_reason") ? row["failed_by_reason"] : nlohmann::json::object();
    auto get = [&](const char* k) { return r.contains(k) ? r[k].get<double>() : 0.0; };
    c.failures[0] += get("transport_error");
    c.failures[1] += get("timeout");
    c.failures[4] +=
        get("unexpected_message") + get("4xx") + get("5xx") + get("6xx") + get("other") + get("aborted");
}

struct HistStats {
    double mean_ms = 0, stdev_ms = 0;
    std::vector<uint64_t> under;  // counts below each bound, then the rest
};

HistStats histogram(const nlohmann::json& h, const std::vector<double>& bounds_ms) {
    HistStats s;
    s.under.assign(bounds_ms.size() + 1, 0);
    if (!h.is_object() || !h.contains("buckets")) return s;
    const double count = h.value("count", 0.0);
    if (count <= 0) return s;
    s.mean_ms = h.value("sum", 0.0) / count / 1000.0;
    double var = 0;
    for (const auto& b : h["buckets"]) {
        const unsigned index = b[0].get<unsigned>();
        const double n = b[1].get<double>();
        const double mid_us = static_cast<double>(stats::Histogram::bucket_low(index)) +
                              static_cast<double>(stats::Histogram::bucket_width(index) - 1) / 2.0;
        const double d = mid_us / 1000.0 - s.mean_ms;
        var += n * d * d;
        size_t k = 0;
        while (k < bounds_ms.size() && mid_us / 1000.0 >= bounds_ms[k]) ++k;
        s.under[k] += static_cast<uint64_t>(n);
    }
    s.stdev_ms = std::sqrt(var / count);
    return s;
}

std::string bound(double v) {
    return fmt::format("{:g}", v);
}

}  // namespace

bool write_sipp_stat(const nlohmann::json& result, const SippStatOptions& o, const std::string& path,
                     std::string& error) {
    std::ofstream out(path, std::ios::binary);
    if (!out) {
        error = "cannot write " + path;
        return false;
    }
    std::vector<std::string> cols = {
        "StartTime",         "LastResetTime",   "CurrentTime",      "ElapsedTime(P)",  "ElapsedTime(C)",
        "TargetRate",        "CallRate(P)",     "CallRate(C)",      "IncomingCall(P)", "IncomingCall(C)",
        "OutgoingCall(P)",   "OutgoingCall(C)", "TotalCallCreated", "CurrentCall",     "SuccessfulCall(P)",
        "SuccessfulCall(C)", "FailedCall(P)",   "FailedCall(C)"};
    for (const char* f : kFailures) cols.insert(cols.end(), {std::string(f) + "(P)", std::string(f) + "(C)"});
    for (const char* f : kOthers) cols.insert(cols.end(), {std::string(f) + "(P)", std::string(f) + "(C)"});
    const auto& hists = result.contains("histograms") ? result["histograms"] : nlohmann::json::object();
    // The scenario's rtd timers, each its own ResponseTime<name> columns as SIPp names them; without
    // any, ResponseTime1 is the setup time (SIPp's default rtd runs from the call's start).
    std::vector<std::string> timer_names;
    if (hists.contains("timer_us"))
        for (auto it = hists["timer_us"].begin(); it != hists["timer_us"].end(); ++it)
            timer_names.push_back(it.key());
    if (timer_names.empty()) timer_names.push_back("");
    for (const std::string& n : timer_names) {
        const std::string base = "ResponseTime" + (n.empty() ? std::string("1") : n);
        for (const std::string& f : {base, base + "StDev"}) cols.insert(cols.end(), {f + "(P)", f + "(C)"});
    }
    for (const char* f : {"CallLength", "CallLengthStDev"})
        cols.insert(cols.end(), {std::string(f) + "(P)", std::string(f) + "(C)"});
    auto repartition = [&](const std::string& name, const std::vector<double>& b) {
        if (b.empty()) return;
        cols.push_back(name);
        for (double x : b) cols.push_back(name + "_<" + bound(x));
        cols.push_back(name + "_>=" + bound(b.back()));
    };
    repartition("ResponseTimeRepartition1", o.response_time_ms);
    repartition("CallLengthRepartition", o.call_length_ms);
    for (const std::string& c : cols) out << c << ';';
    out << '\n';

    const double start = result.value("started_unix_ms", 0.0) / 1000.0;
    const double duration = result.value("duration_s", 0.0);
    const double target = result.contains("rate") ? result["rate"].value("target", 0.0) : 0.0;
    const auto& series = result.contains("series") ? result["series"] : nlohmann::json::array();
    const nlohmann::json& rt_hist = hists.contains("setup_us") && hists["setup_us"].value("count", 0) > 0
                                        ? hists["setup_us"]
                                    : hists.contains("response_us") ? hists["response_us"]
                                                                    : nlohmann::json();
    const HistStats rt = histogram(rt_hist, o.response_time_ms);
    std::vector<HistStats> timers;
    for (const std::string& n : timer_names)
        if (!n.empty()) timers.push_back(histogram(hists["timer_us"][n], {}));
    const HistStats cl =
        histogram(hists.contains("call_us") ? hists["call_us"] : nlohmann::json(), o.call_length_ms);

    Counts total;
    double last_t = 0;
    size_t next_row = 0;
    auto write_row = [&](double t, const Counts& p, double concurrent, bool final_row) {
        const double pt = t - last_t;
        std::vector<std::string> v = {stamp(start),
                                      stamp(start + last_t),
                                      stamp(start + t),
                                      hms(pt),
                                      hms(t),
                                      rate(target),
                                      rate(pt > 0 ? p.attempted / pt : 0),
                                      rate(t > 0 ? total.attempted / t : 0)};
        const auto pair = [&](double a, double b) {
            v.insert(v.end(), {fmt::format("{:g}", a), fmt::format("{:g}", b)});
        };
        pair(o.uas ? p.attempted : 0, o.uas ? total.attempted : 0);
        pair(o.uas ? 0 : p.attempted, o.uas ? 0 : total.attempted);
        v.push_back(fmt::format("{:g}", total.attempted));
        v.push_back(fmt::format("{:g}", concurrent));
        pair(p.succeeded, total.succeeded);
        pair(p.failed, total.failed);
        for (size_t i = 0; i < std::size(kFailures); ++i) pair(p.failures[i], total.failures[i]);
        const double others_p[] = {p.out_of_call, 0, p.retrans, 0, 0, 0, 0, 0};
        const double others_c[] = {total.out_of_call, 0, total.retrans, 0, 0, 0, 0, 0};
        for (size_t i = 0; i < std::size(kOthers); ++i) pair(others_p[i], others_c[i]);
        const double rt_p = p.setup_count > 0 ? p.setup_ms_sum / p.setup_count : 0;
        if (timers.empty())
            v.insert(v.end(), {hmsu(rt_p), hmsu(total.attempted > 0 ? rt.mean_ms : 0), hmsu(0),
                               hmsu(total.attempted > 0 ? rt.stdev_ms : 0)});
        // Named timers are kept for the whole run: their figures are cumulative, the periods' 0.
        for (const HistStats& h : timers)
            v.insert(v.end(), {hmsu(0), hmsu(total.attempted > 0 ? h.mean_ms : 0), hmsu(0),
                               hmsu(total.attempted > 0 ? h.stdev_ms : 0)});
        v.insert(v.end(), {hmsu(0), hmsu(total.attempted > 0 ? cl.mean_ms : 0), hmsu(0),
                           hmsu(total.attempted > 0 ? cl.stdev_ms : 0)});
        // The repartitions cover the whole run: written on the last row.
        auto reps = [&](const std::vector<double>& b, const HistStats& h) {
            if (b.empty()) return;
            v.push_back("");
            for (uint64_t n : h.under) v.push_back(std::to_string(final_row ? n : 0));
        };
        reps(o.response_time_ms, rt);
        reps(o.call_length_ms, cl);
        for (const std::string& x : v) out << x << ';';
        out << '\n';
        last_t = t;
    };
    write_row(0, Counts{}, 0, false);
    Counts period;
    double concurrent = 0;
    const double step = o.period_s > 0 ? o.period_s : 60;
    double boundary = step;
    for (; next_row < series.size(); ++next_row) {
        const auto& row = series[next_row];
        const double t = row.value("t", 0.0);
        if (t > boundary + 1e-9) {
            write_row(boundary, period, concurrent, false);
            period = Counts{};
            boundary += step;
        }
        add_row(period, row);
        add_row(total, row);
        concurrent = row.value("concurrent", 0.0);
    }
    write_row(std::max(duration, last_t), period, concurrent, true);
    if (!out) {
        error = "cannot write " + path;
        return false;
    }
    return true;
}

}  // namespace sipstorm::cli
