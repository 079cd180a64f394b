#include "script/source_lines.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace sipstorm::script {
namespace {

enum class Tok { kName, kPunct, kString, kOther, kEnd };

struct Token {
    Tok kind = Tok::kEnd;
    std::string_view text;
    int line = 1;
};

class Lexer {
  public:
    explicit Lexer(std::string_view s) : s_(s) {}

    Token next() {
        skip_space_and_comments();
        Token t;
        t.line = line_;
        if (pos_ >= s_.size()) return t;
        size_t start = pos_;
        char c = s_[pos_];
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            while (pos_ < s_.size() &&
                   (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
                ++pos_;
            t.kind = Tok::kName;
        } else if (c == '"' || c == '\'') {
            quoted(c);
            t.kind = Tok::kString;
        } else if (c == '[' && long_bracket_level() >= 0) {
            long_bracket(long_bracket_level());
            t.kind = Tok::kString;
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            while (pos_ < s_.size() &&
                   (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.'))
                ++pos_;
            t.kind = Tok::kOther;
        } else {
            ++pos_;
            t.kind = Tok::kPunct;
        }
        t.text = s_.substr(start, pos_ - start);
        return t;
    }

  private:
    void advance() {
        if (s_[pos_] == '\n') ++line_;
        ++pos_;
    }

    void skip_space_and_comments() {
        while (pos_ < s_.size()) {
            if (std::isspace(static_cast<unsigned char>(s_[pos_]))) {
                advance();
            } else if (s_.substr(pos_, 2) == "--") {
                pos_ += 2;
                int level = pos_ < s_.size() && s_[pos_] == '[' ? long_bracket_level() : -1;
                if (level >= 0) {
                    long_bracket(level);
                } else {
                    while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
                }
            } else {
                break;
            }
        }
    }

    // At '[': the number of '=' in an opening long bracket [==[, or -1 if this isn't one.
    int long_bracket_level() const {
        size_t p = pos_ + 1;
        while (p < s_.size() && s_[p] == '=') ++p;
        return p < s_.size() && s_[p] == '[' ? static_cast<int>(p - pos_ - 1) : -1;
    }

    void long_bracket(int level) {
        pos_ += static_cast<size_t>(level) + 2;
        std::string close = "]" + std::string(static_cast<size_t>(level), '=') + "]";
        while (pos_ < s_.size() && s_.substr(pos_, close.size()) != close) advance();
        pos_ = std::min(s_.size(), pos_ + close.size());
    }

    void quoted(char q) {
        ++pos_;
        while (pos_ < s_.size() && s_[pos_] != q && s_[pos_] != '\n') {
            if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
            advance();
        }
        if (pos_ < s_.size()) advance();
    }

    std::string_view s_;
    size_t pos_ = 0;
    int line_ = 1;
};

bool opens(const Token& t) {
    return t.kind == Tok::kPunct && (t.text == "{" || t.text == "(" || t.text == "[");
}
bool closes(const Token& t) {
    return t.kind == Tok::kPunct && (t.text == "}" || t.text == ")" || t.text == "]");
}

// Advances `lex` past the first `key = ` and returns the line of `key`, or 0.
int find_key(Lexer& lex, std::string_view key) {
    Token prev;
    for (Token t = lex.next(); t.kind != Tok::kEnd; prev = t, t = lex.next()) {
        if (prev.kind == Tok::kName && prev.text == key && t.kind == Tok::kPunct && t.text == "=")
            return prev.line;
    }
    return 0;
}

}  // namespace

std::vector<int> scan_step_lines(std::string_view source) {
    std::vector<int> lines;
    Lexer lex(source);
    if (find_key(lex, "steps") == 0) return lines;
    Token t = lex.next();
    if (!(t.kind == Tok::kPunct && t.text == "{")) return lines;
    int depth = 0;
    bool element_start = true;
    for (t = lex.next(); t.kind != Tok::kEnd; t = lex.next()) {
        if (depth == 0) {
            if (closes(t)) break;
            if (t.kind == Tok::kPunct && (t.text == "," || t.text == ";")) {
                element_start = true;
                continue;
            }
            if (element_start) lines.push_back(t.line);
            element_start = false;
        }
        if (opens(t)) ++depth;
        if (closes(t)) --depth;
    }
    return lines;
}

int key_line(std::string_view source, std::string_view key) {
    Lexer lex(source);
    return find_key(lex, key);
}

}  // namespace sipstorm::script
