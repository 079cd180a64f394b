// The values a call gives the template renderer for its ${slots}. Built on the stack for one render.
#pragma once
#include <time.h>

#include <cstdio>
#include <string_view>

#include "sip/template.hpp"
#include "ua/call.hpp"
#include "ua/call_id.hpp"
#include "ua/engine.hpp"

namespace sipstorm::ua {

struct CallSlots {
    const Engine& engine;
    const Call& call;
    uint32_t cseq;
    uint16_t branch;
    std::string_view auth{};       // ${auth}: the credentials line (Engine::credentials_for)
    std::string_view challenge{};  // ${challenge}
    // The renderer copies each value before it asks for the next, so one scratch buffer serves all.
    mutable char buf[48] = {};

    std::string_view key(char* out) const { return engine.call_key(call, out); }
    std::string_view number(uint64_t v) const {
        char* end = buf + sizeof(buf);
        char* p = end;
        do {
            *--p = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        return std::string_view(p, static_cast<size_t>(end - p));
    }
    std::string_view field(Field f) const { return call.field(static_cast<unsigned>(f)); }

    std::string_view value(sip::Slot slot, uint16_t arg) const {
        using sip::Slot;
        switch (slot) {
            case Slot::kCallId:
                if (call.has_field(static_cast<unsigned>(Field::kCallId))) return field(Field::kCallId);
                key(buf);
                std::memcpy(buf + kCallKeyLength, "@sipstorm", 9);
                return std::string_view(buf, kCallKeyLength + 9);
            case Slot::kBranch:
                std::memcpy(buf, "z9hG4bK", 7);
                key(buf + 7);
                buf[7 + kCallKeyLength] = '.';
                format_hex(buf + 8 + kCallKeyLength, branch, 4);
                return std::string_view(buf, 12 + kCallKeyLength);
            case Slot::kLocalTag:
                return key(buf);
            case Slot::kRemoteTag:
                return field(Field::kRemoteTag);
            case Slot::kCSeq:
                return number(cseq);
            case Slot::kLocalIp:
                return engine.local_ip_;
            case Slot::kLocalPort:
                return engine.local_port_;
            case Slot::kRemoteIp:
                if (engine.program_.role == Role::kUac) return engine.remote_ip_;
                {
                    // Rare: a UAS naming its peer in a message.
                    std::string ip = call.peer.family == AF_INET6 ? "[" + call.peer.ip_string() + "]"
                                                                  : call.peer.ip_string();
                    size_t n = std::min(ip.size(), sizeof(buf));
                    std::memcpy(buf, ip.data(), n);
                    return std::string_view(buf, n);
                }
            case Slot::kRemotePort:
                return engine.program_.role == Role::kUac ? std::string_view(engine.remote_port_)
                                                          : number(call.peer.port);
            case Slot::kTransport:
                return engine.via_transport_;
            case Slot::kCallNumber:
                return number(call.number);
            case Slot::kRemoteTarget:
                if (call.has_field(static_cast<unsigned>(Field::kRemoteTarget)))
                    return field(Field::kRemoteTarget);
                return engine.default_target_;
            case Slot::kRoutes:
                return field(Field::kRoutes);
            case Slot::kLastHeader:
                for (size_t i = 0; i < engine.last_ids_.size(); ++i)
                    if (engine.last_ids_[i] == static_cast<sip::HeaderId>(arg))
                        return call.field(engine.last_base_ + static_cast<unsigned>(i));
                return {};
            case Slot::kInviteHeader:
                for (size_t i = 0; i < engine.invite_ids_.size(); ++i)
                    if (engine.invite_ids_[i] == static_cast<sip::HeaderId>(arg))
                        return call.field(engine.invite_base_ + static_cast<unsigned>(i));
                return {};
            case Slot::kVar:
                return engine.variable(call, arg);
            case Slot::kField:
                return engine.field_value(call, arg);
            case Slot::kLocalUri:
                return field(Field::kLocalUri);
            case Slot::kRemoteUri:
                return field(Field::kRemoteUri);
            case Slot::kAuth:
                return auth;
            case Slot::kChallenge:
                return challenge;
            case Slot::kPeerTagParam: {
                const std::string_view tag = field(Field::kRemoteTag);
                char* out = engine.peer_tag_buf_;
                if (tag.empty() || tag.size() + 5 > sizeof(engine.peer_tag_buf_)) return {};
                std::memcpy(out, ";tag=", 5);
                std::memcpy(out + 5, tag.data(), tag.size());
                return std::string_view(out, tag.size() + 5);
            }
            case Slot::kLocalIpType:
                return engine.local_.family == AF_INET6 ? "6" : "4";
            case Slot::kMediaPort:
                return number(engine.media_port(call));
            case Slot::kMediaPt:
                return number(engine.media_pt(call));
            case Slot::kMediaCodec:
                return engine.media_pt(call) == 8 ? "PCMA" : "PCMU";
            case Slot::kClockTick:
                return number((engine.now_ns_ - engine.started_ns_) / 1'000'000);
            case Slot::kTimestamp: {
                timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                tm t{};
                localtime_r(&ts.tv_sec, &t);
                const long us = ts.tv_nsec / 1000;
                const int n =
                    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d\t%02d:%02d:%02d.%06ld\t%010lld.%06ld",
                                  t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                                  us, static_cast<long long>(ts.tv_sec), us);
                return std::string_view(
                    buf, n > 0 ? std::min<size_t>(static_cast<size_t>(n), sizeof(buf) - 1) : 0);
            }
            case Slot::kFill:
                return engine.fill(call, arg);
            case Slot::kLiteral:
            case Slot::kContentLength:
                break;
        }
        return {};
    }
};

}  // namespace sipstorm::ua
