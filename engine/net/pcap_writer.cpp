#include "net/pcap_writer.hpp"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <sys/time.h>

#include <cstring>

namespace sipstorm::net {

namespace {

uint16_t ipv4_checksum(const unsigned char* h, size_t len) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(h[i] << 8 | h[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

void put16(unsigned char* p, uint16_t v) {
    p[0] = static_cast<unsigned char>(v >> 8);
    p[1] = static_cast<unsigned char>(v);
}

}  // namespace

std::unique_ptr<PcapWriter> PcapWriter::open(const std::string& path, std::string* error, bool tcp) {
    std::unique_ptr<PcapWriter> w(new PcapWriter());
    w->tcp_ = tcp;
    pcap_t* p = pcap_open_dead(DLT_RAW, 65535);
    pcap_dumper_t* d = p ? pcap_dump_open(p, path.c_str()) : nullptr;
    if (!d) {
        if (error) *error = "pcap: cannot write " + path + (p ? std::string(": ") + pcap_geterr(p) : "");
        if (p) pcap_close(p);
        return nullptr;
    }
    w->pcap_ = p;
    w->dumper_ = d;
    w->frame_.resize(65535);
    return w;
}

PcapWriter::~PcapWriter() {
    close();
}

void PcapWriter::close() {
    if (dumper_) pcap_dump_close(static_cast<pcap_dumper_t*>(dumper_));
    if (pcap_) pcap_close(static_cast<pcap_t*>(pcap_));
    dumper_ = pcap_ = nullptr;
}

uint32_t& PcapWriter::seq_of(const Address& from, const Address& to) {
    std::string key(reinterpret_cast<const char*>(&from), sizeof(Address));
    key.append(reinterpret_cast<const char*>(&to), sizeof(Address));
    return seq_.try_emplace(std::move(key), 1u).first->second;
}

void PcapWriter::write(const Address& from, const Address& to, std::string_view payload) {
    if (!dumper_) return;
    const bool v6 = from.family == AF_INET6;
    const size_t ip_len = v6 ? 40 : 20;
    const size_t l4_len = tcp_ ? 20 : 8;
    const size_t total = ip_len + l4_len + payload.size();
    if (total > frame_.size()) return;
    unsigned char* f = frame_.data();
    std::memset(f, 0, ip_len + l4_len);
    const unsigned char proto = tcp_ ? 6 : 17;
    if (v6) {
        f[0] = 0x60;
        put16(f + 4, static_cast<uint16_t>(l4_len + payload.size()));
        f[6] = proto;
        f[7] = 64;
        std::memcpy(f + 8, from.ip, 16);
        std::memcpy(f + 24, to.ip, 16);
    } else {
        f[0] = 0x45;
        put16(f + 2, static_cast<uint16_t>(total));
        put16(f + 4, ip_id_++);
        f[8] = 64;
        f[9] = proto;
        std::memcpy(f + 12, from.ip, 4);
        std::memcpy(f + 16, to.ip, 4);
        put16(f + 10, ipv4_checksum(f, 20));
    }
    if (tcp_) {
        unsigned char* t = f + ip_len;
        put16(t, from.port);
        put16(t + 2, to.port);
        uint32_t& seq = seq_of(from, to);
        const uint32_t ack = seq_of(to, from);
        for (int i = 0; i < 4; ++i) {
            t[4 + i] = static_cast<unsigned char>(seq >> (24 - 8 * i));
            t[8 + i] = static_cast<unsigned char>(ack >> (24 - 8 * i));
        }
        seq += static_cast<uint32_t>(payload.size());
        t[12] = 5 << 4;  // 20-byte header
        t[13] = 0x18;    // PSH, ACK
        put16(t + 14, 65535);
        std::memcpy(t + 20, payload.data(), payload.size());
        pcap_pkthdr h{};
        gettimeofday(&h.ts, nullptr);
        h.caplen = h.len = static_cast<bpf_u_int32>(total);
        pcap_dump(static_cast<u_char*>(dumper_), &h, f);
        return;
    }
    unsigned char* udp = f + ip_len;
    put16(udp, from.port);
    put16(udp + 2, to.port);
    put16(udp + 4, static_cast<uint16_t>(8 + payload.size()));  // checksum 0: not computed (valid for IPv4)
    std::memcpy(udp + 8, payload.data(), payload.size());
    pcap_pkthdr h{};
    gettimeofday(&h.ts, nullptr);
    h.caplen = h.len = static_cast<bpf_u_int32>(total);
    pcap_dump(static_cast<u_char*>(dumper_), &h, f);
}

bool merge_pcap_files(const std::vector<std::string>& inputs, const std::string& output, std::string* error) {
    char err[PCAP_ERRBUF_SIZE];
    std::vector<pcap_t*> in;
    for (const std::string& path : inputs) {
        pcap_t* p = pcap_open_offline(path.c_str(), err);
        if (!p) {
            for (pcap_t* q : in) pcap_close(q);
            if (error) *error = "pcap: " + path + ": " + err;
            return false;
        }
        in.push_back(p);
    }
    pcap_t* dead = pcap_open_dead(DLT_RAW, 65535);
    pcap_dumper_t* out = pcap_dump_open(dead, output.c_str());
    if (!out) {
        if (error) *error = "pcap: cannot write " + output + ": " + pcap_geterr(dead);
        for (pcap_t* q : in) pcap_close(q);
        pcap_close(dead);
        return false;
    }
    // A k-way merge: k is the shard count, so a linear scan for the earliest head is enough.
    std::vector<pcap_pkthdr*> heads(in.size());
    std::vector<const u_char*> data(in.size());
    auto next = [&](size_t i) { return pcap_next_ex(in[i], &heads[i], &data[i]) == 1; };
    std::vector<bool> live(in.size());
    for (size_t i = 0; i < in.size(); ++i) live[i] = next(i);
    for (;;) {
        size_t best = in.size();
        for (size_t i = 0; i < in.size(); ++i)
            if (live[i] && (best == in.size() || timercmp(&heads[i]->ts, &heads[best]->ts, <))) best = i;
        if (best == in.size()) break;
        pcap_dump(reinterpret_cast<u_char*>(out), heads[best], data[best]);
        live[best] = next(best);
    }
    pcap_dump_close(out);
    pcap_close(dead);
    for (pcap_t* q : in) pcap_close(q);
    return true;
}

}  // namespace sipstorm::net
