// Appends header text to a caller buffer; remembers overflow instead of failing at each step.
#pragma once
#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>

namespace sipstorm::auth {

class Writer {
  public:
    explicit Writer(std::span<char> out) : out_(out) {}

    void put(std::string_view s) {
        if (s.size() > out_.size() - n_) {
            overflow_ = true;
            return;
        }
        if (!s.empty()) std::memcpy(out_.data() + n_, s.data(), s.size());
        n_ += s.size();
    }
    // name="value" with value already in wire form (quoted-pairs kept as they are).
    void quoted_param(std::string_view name, std::string_view wire_value) {
        sep();
        put(name);
        put("=\"");
        put(wire_value);
        put("\"");
    }
    // name="value" escaping '"' and '\' of a plain value as quoted-pairs.
    void escaped_param(std::string_view name, std::string_view plain) {
        sep();
        put(name);
        put("=\"");
        size_t start = 0;
        for (size_t i = 0; i < plain.size(); ++i) {
            if (plain[i] != '"' && plain[i] != '\\') continue;
            put(plain.substr(start, i - start));
            put("\\");
            start = i;
        }
        put(plain.substr(start));
        put("\"");
    }
    void token_param(std::string_view name, std::string_view value) {
        sep();
        put(name);
        put("=");
        put(value);
    }

    bool overflow() const { return overflow_; }
    size_t size() const { return n_; }

  private:
    void sep() {
        if (params_++ > 0) put(", ");
    }
    std::span<char> out_;
    size_t n_ = 0;
    unsigned params_ = 0;
    bool overflow_ = false;
};

}  // namespace sipstorm::auth
