// Writes the SIP messages a shard sends and receives into a pcap file as UDP packets with their real
// addresses (raw IPv4/IPv6, readable by tshark and Wireshark); over TCP and TLS as TCP segments, one
// stream per address pair and direction with running sequence numbers, so tshark reassembles SIP
// (TLS: the plaintext). One writer per shard, so the hot path
// takes no lock; merge_pcap_files() joins the shards' files in time order at the end of a run.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "net/address.hpp"

namespace sipstorm::net {

class PcapWriter {
  public:
    // nullptr and *error on failure (file not writable).
    static std::unique_ptr<PcapWriter> open(const std::string& path, std::string* error, bool tcp = false);
    ~PcapWriter();

    void write(const Address& from, const Address& to, std::string_view payload);
    void close();

  private:
    PcapWriter() = default;
    void* pcap_ = nullptr;    // pcap_t (a dead handle: the link type only)
    void* dumper_ = nullptr;  // pcap_dumper_t
    uint16_t ip_id_ = 0;
    bool tcp_ = false;
    std::unordered_map<std::string, uint32_t> seq_;  // TCP: next sequence number by (from, to)
    uint32_t& seq_of(const Address& from, const Address& to);
    std::vector<unsigned char> frame_;
};

// Merges pcap files (each in time order) into one, in time order. False and *error on failure.
bool merge_pcap_files(const std::vector<std::string>& inputs, const std::string& output, std::string* error);

}  // namespace sipstorm::net
