#include "script/media_step.hpp"

#include <filesystem>
#include <lua.hpp>

#include "media/dtmf.hpp"
#include "script/duration.hpp"
#include "script/lua_util.hpp"

namespace sipstorm::script {

namespace {

// A string value (numbers too) with ${params} substituted; false with `error` otherwise.
bool text(lua_State* L, int index, const char* key, const std::map<std::string, std::string>& params,
          std::string& out, std::string& error) {
    raw_field(L, index, key);
    const int t = lua_type(L, -1);
    std::string raw = t == LUA_TSTRING || t == LUA_TNUMBER ? lua_tostring(L, -1) : "";
    lua_pop(L, 1);
    if (t != LUA_TSTRING && t != LUA_TNUMBER) {
        error = std::string("rtp: ") + key + " must be a string";
        return false;
    }
    return substitute_params(raw, params, out, error);
}

bool play(lua_State* L, int index, const std::map<std::string, std::string>& params, ua::Program& program,
          media::MediaAction& a, std::string& error) {
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
        lua_pop(L, 1);
        const std::string k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
        if (k != "play" && k != "codec" && k != "ptime" && k != "duration" && k != "loop") {
            lua_pop(L, 1);
            error =
                "rtp: unknown key '" + k + "' (expected play, codec, ptime, duration, loop; or echo = true)";
            return false;
        }
    }
    std::string source, codec = "PCMU";
    if (!text(L, index, "play", params, source, error)) return false;
    raw_field(L, index, "codec");
    const bool has_codec = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (has_codec && !text(L, index, "codec", params, codec, error)) return false;
    if (codec != "PCMU" && codec != "PCMA") {
        error = "rtp: codec must be PCMU or PCMA, got '" + codec + "'";
        return false;
    }
    raw_field(L, index, "ptime");
    if (!lua_isnil(L, -1)) {
        const lua_Integer p = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
        if (p < 10 || p > 200 || p % 10 != 0) {
            lua_pop(L, 1);
            error = "rtp: ptime must be 10 to 200 ms in steps of 10";
            return false;
        }
        a.ptime_ms = static_cast<uint32_t>(p);
    }
    lua_pop(L, 1);
    raw_field(L, index, "duration");
    const bool has_duration = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (has_duration) {
        std::string d;
        double ms = 0;
        if (!text(L, index, "duration", params, d, error)) return false;
        if (!parse_duration(d, params, ms, error)) return false;
        a.duration_ns = static_cast<uint64_t>(ms * 1e6);
    }
    raw_field(L, index, "loop");
    a.loop = lua_toboolean(L, -1);
    lua_pop(L, 1);
    // Files sit next to the scenario unless the path is absolute.
    std::string spec = source;
    const bool capture = spec.starts_with("pcap:");
    std::string path = capture ? spec.substr(5) : spec;
    if (!spec.starts_with("tone:") && !path.empty() && path[0] != '/')
        path = (std::filesystem::path(program.file).parent_path() / path).string();
    if (!spec.starts_with("tone:")) spec = (capture ? "pcap:" : "") + path;
    auto clip = std::make_shared<media::Clip>();
    if (!media::load_clip(spec, codec == "PCMU" ? media::Codec::kPcmu : media::Codec::kPcma, *clip, error)) {
        error = "rtp: " + error;
        return false;
    }
    clip->source = source;
    a.clip = std::move(clip);
    return true;
}

bool dtmf_digits(const std::string& digits, const char* what, std::string& error) {
    for (char c : digits)
        if (media::dtmf_event_of(c) < 0) {
            error = std::string(what) + ": '" + c + "' is not a DTMF digit (0-9 * # A-D)";
            return false;
        }
    if (digits.empty() || digits.size() > 32) {
        error = std::string(what) + ": 1 to 32 digits";
        return false;
    }
    return true;
}

}  // namespace

bool compile_dtmf_recv(lua_State* L, int index, const std::map<std::string, std::string>& params,
                       ua::Step& step, std::string& error) {
    index = lua_absindex(L, index);
    raw_field(L, index, "digits");
    const bool has = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (!has || !text(L, index, "digits", params, step.digits, error)) {
        error = "recv = \"dtmf\" needs digits = the digits to wait for, e.g. \"123#\"";
        return false;
    }
    step.dtmf = true;
    return dtmf_digits(step.digits, "recv = \"dtmf\": digits", error);
}

bool compile_media_step(lua_State* L, int index, bool dtmf, const std::map<std::string, std::string>& params,
                        ua::Program& program, ua::Step& step, std::string& error) {
    index = lua_absindex(L, index);
    media::MediaAction a;
    if (dtmf) {
        a.kind = media::MediaAction::Kind::kDtmf;
        if (!text(L, index, "dtmf", params, a.digits, error)) {
            error = "dtmf must be the digits to send, e.g. \"123#\"";
            return false;
        }
        if (!dtmf_digits(a.digits, "dtmf", error)) return false;
    } else {
        raw_field(L, index, "rtp");
        const int t = lua_type(L, -1);
        const bool stop = t == LUA_TSTRING && std::string_view(lua_tostring(L, -1)) == "stop";
        const int at = lua_absindex(L, -1);
        bool ok = true;
        if (stop) {
            a.kind = media::MediaAction::Kind::kStop;
        } else if (t != LUA_TTABLE) {
            error = "rtp must be a table ({ play = ... } or { echo = true }) or \"stop\"";
            ok = false;
        } else {
            raw_field(L, at, "echo");
            const bool echo = lua_toboolean(L, -1);
            lua_pop(L, 1);
            if (echo) {
                a.kind = media::MediaAction::Kind::kEcho;
            } else {
                raw_field(L, at, "play");
                const bool has_play = !lua_isnil(L, -1);
                lua_pop(L, 1);
                if (!has_play) {
                    error = "rtp needs play = SOURCE (tone:HZ, a WAV file or pcap:FILE) or echo = true";
                    ok = false;
                } else {
                    ok = play(L, at, params, program, a, error);
                }
            }
        }
        lua_pop(L, 1);
        if (!ok) return false;
    }
    step.kind = ua::StepKind::kMedia;
    step.media = static_cast<int>(program.media.size());
    program.media.push_back(std::move(a));
    return true;
}

}  // namespace sipstorm::script
