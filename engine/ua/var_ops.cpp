#include "ua/var_ops.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sipstorm::ua {

std::string format_number(double v) {
    char buf[64];
    int n = std::snprintf(buf, sizeof(buf), "%f", v);
    return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

double parse_number(std::string_view text) {
    char buf[64];
    size_t n = std::min(text.size(), sizeof(buf) - 1);
    std::memcpy(buf, text.data(), n);
    buf[n] = '\0';
    return std::strtod(buf, nullptr);
}

namespace {

bool compare(Compare c, double a, double b) {
    switch (c) {
        case Compare::kEqual:
            return a == b;
        case Compare::kNotEqual:
            return a != b;
        case Compare::kGreater:
            return a > b;
        case Compare::kLess:
            return a < b;
        case Compare::kGreaterEqual:
            return a >= b;
        case Compare::kLessEqual:
            return a <= b;
    }
    return false;
}

bool unreserved(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

std::string url_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (unreserved(c)) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string url_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else if (s[i] == '+') {
            out.push_back(' ');
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

}  // namespace

OpsOutcome run_var_ops(const std::vector<VarOp>& ops, VarAccess& vars) {
    auto operand = [&](const VarOp& op) {
        return op.operand_var >= 0 ? parse_number(vars.get(op.operand_var)) : op.value;
    };
    auto set_number = [&](int var, double v) { return vars.set(var, format_number(v)); };
    for (const VarOp& op : ops) {
        bool ok = true;
        switch (op.kind) {
            case VarOpKind::kAssign:
                ok = set_number(op.dest, operand(op));
                break;
            case VarOpKind::kAdd:
                ok = set_number(op.dest, parse_number(vars.get(op.dest)) + operand(op));
                break;
            case VarOpKind::kSubtract:
                ok = set_number(op.dest, parse_number(vars.get(op.dest)) - operand(op));
                break;
            case VarOpKind::kMultiply:
                ok = set_number(op.dest, parse_number(vars.get(op.dest)) * operand(op));
                break;
            case VarOpKind::kDivide:
                ok = set_number(op.dest, parse_number(vars.get(op.dest)) / operand(op));
                break;
            case VarOpKind::kTest:
                ok = vars.set(op.dest, compare(op.compare, parse_number(vars.get(op.src)), operand(op))
                                           ? "true"
                                           : "false");
                break;
            case VarOpKind::kStrcmp: {
                std::string a(vars.get(op.src));
                std::string b(op.operand_var >= 0 ? std::string(vars.get(op.operand_var)) : op.text);
                ok = set_number(op.dest, std::strcmp(a.c_str(), b.c_str()));
                break;
            }
            case VarOpKind::kToDouble:
                ok = set_number(op.dest, parse_number(vars.get(op.src)));
                break;
            case VarOpKind::kSample:
                ok = set_number(op.dest, vars.sample_ms(op.dist));
                break;
            case VarOpKind::kGettimeofday: {
                const double now = vars.now_seconds();
                const double secs = std::floor(now);
                ok = set_number(op.dest, secs) &&
                     (op.dest2 < 0 || set_number(op.dest2, std::floor((now - secs) * 1e6)));
                break;
            }
            case VarOpKind::kUrlEncode:
                ok = vars.set(op.dest, url_encode(vars.get(op.src >= 0 ? op.src : op.dest)));
                break;
            case VarOpKind::kUrlDecode:
                ok = vars.set(op.dest, url_decode(vars.get(op.src >= 0 ? op.src : op.dest)));
                break;
            case VarOpKind::kCopy:
                ok = vars.set(op.dest, std::string(vars.get(op.src)));
                break;
            case VarOpKind::kSetText:
                ok = vars.set(op.dest, op.text);
                break;
            case VarOpKind::kJump: {
                int target = op.target;
                if (op.src >= 0) {
                    const double v = parse_number(vars.get(op.src));
                    const long i = std::lround(v);
                    target = i >= 0 && static_cast<size_t>(i) < op.jump_steps.size()
                                 ? op.jump_steps[static_cast<size_t>(i)]
                                 : -1;
                    if (target < 0)
                        return {OpsOutcome::kFail, -1, "jump: the variable names no scenario step"};
                }
                return {OpsOutcome::kJump, target, {}};
            }
            case VarOpKind::kFail:
                return {OpsOutcome::kFail, -1, op.text};
            case VarOpKind::kStop:
                return {OpsOutcome::kStop, -1, {}};
            case VarOpKind::kVerifyAuth: {
                const std::string user(op.src >= 0 ? vars.get(op.src) : std::string_view(op.text));
                const std::string password(op.src2 >= 0 ? vars.get(op.src2) : std::string_view(op.text2));
                ok = vars.set(op.dest, vars.credentials_are(user, password) ? "true" : "false");
                break;
            }
        }
        if (!ok) return {OpsOutcome::kArenaFull, -1, {}};
    }
    return {};
}

}  // namespace sipstorm::ua
