// Parser throughput on the basic-call corpus (bench/corpus): one benchmark per message type and one
// for the whole mix. Each message is parsed the way a SIP stack needs it to match a transaction:
// parse() (start line, full header index) + top Via, From/To tags, CSeq and Call-ID.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message.hpp"
#include "sip/parser.hpp"
#include "txn_keys.hpp"

namespace {

using sipstorm::bench::TxnKeys;
namespace sip = sipstorm::sip;

// The basic-call mix, in call order: name shown in the results, file in bench/corpus.
struct CorpusFile {
    const char* name;
    const char* file;
};
constexpr CorpusFile kCorpus[] = {
    {"invite", "invite.sip"},
    {"trying_100", "trying_100.sip"},
    {"ringing_180", "ringing_180.sip"},
    {"ok_200_invite", "ok_200_invite.sip"},
    {"ack", "ack.sip"},
    {"bye", "bye.sip"},
    {"ok_200_bye", "ok_200_bye.sip"},
};

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

// Parses every message of `msgs` once per iteration.
void parse_messages(benchmark::State& state, const std::vector<std::string>* msgs, bool scalar) {
    int64_t bytes = 0;
    for (const std::string& m : *msgs) bytes += static_cast<int64_t>(m.size());
    sip::force_scalar_scan(scalar);
    sip::MessageView view;
    TxnKeys keys;
    for (auto _ : state) {
        for (const std::string& m : *msgs) {
            if (!sip::parse(m, view, sip::Framing::kDatagram).ok() ||
                !sipstorm::bench::extract_txn_keys(view, keys)) {
                state.SkipWithError("a corpus message failed to parse or lacks a transaction key");
                break;
            }
            benchmark::DoNotOptimize(keys);
        }
        benchmark::ClobberMemory();
    }
    sip::force_scalar_scan(false);
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(msgs->size()));
    state.SetBytesProcessed(state.iterations() * bytes);
}

}  // namespace

int main(int argc, char** argv) {
    // Registered benchmarks keep pointers into these; they live until main returns.
    static std::vector<std::vector<std::string>> singles;
    static std::vector<std::string> mix;
    for (const CorpusFile& f : kCorpus) {
        std::string bytes;
        std::string path = std::string(SIPSTORM_BENCH_DIR) + "/corpus/" + f.file;
        if (!read_file(path, bytes)) {
            std::fprintf(stderr, "parse_bench: cannot read %s\n", path.c_str());
            return 2;
        }
        mix.push_back(bytes);
        singles.push_back({bytes});
    }
    auto add = [](const std::string& name, const std::vector<std::string>* msgs, bool scalar) {
        benchmark::RegisterBenchmark(
            name.c_str(), [msgs, scalar](benchmark::State& state) { parse_messages(state, msgs, scalar); });
    };
    for (size_t i = 0; i < singles.size(); ++i)
        add(std::string("parse/") + kCorpus[i].name, &singles[i], false);
    add("parse/mix", &mix, false);
    add("parse/mix/scalar", &mix, true);

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
