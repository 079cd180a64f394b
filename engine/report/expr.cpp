#include "report/expr.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace sipstorm::report {
namespace {

constexpr int kMaxDepth = 64;  // nesting of parentheses and unary minus: no stack overflow on junk

bool word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

class Parser {
  public:
    Parser(std::string_view text, Expr& out, std::string& error) : s_(text), out_(out), error_(error) {}

    bool parse(ExprType want) {
        out_.text = std::string(s_);
        out_.nodes.clear();
        skip_space();
        if (pos_ == s_.size()) return fail(pos_, "empty expression");
        int root = parse_or();
        if (root < 0) return false;
        skip_space();
        if (pos_ < s_.size()) {
            // The common slip: a single '=' where '==' was meant.
            if (s_[pos_] == '=') return fail(pos_, "'=' is not an operator: compare with '=='");
            return fail(pos_, "unexpected '" + token_text() + "' after a complete expression");
        }
        const Node& r = out_.nodes[static_cast<size_t>(root)];
        if (want == ExprType::kCondition && !is_condition(r))
            return fail(r.begin, "'" + std::string(out_.source(r)) +
                                     "' is a value, not a condition: compare it, e.g. failed_calls == 0");
        if (want == ExprType::kValue && is_condition(r))
            return fail(r.begin, "expected a value (a metric or arithmetic), not a condition");
        out_.root = root;
        return true;
    }

  private:
    std::string_view s_;
    Expr& out_;
    std::string& error_;
    size_t pos_ = 0;
    int depth_ = 0;

    bool fail(size_t at, const std::string& what) {
        error_ = "column " + std::to_string(at + 1) + ": " + what;
        return false;
    }
    int fail_node(size_t at, const std::string& what) {
        fail(at, what);
        return -1;
    }

    static bool is_condition(const Node& n) {
        return is_comparison(n.op) || n.op == Node::Op::kAnd || n.op == Node::Op::kOr;
    }

    void skip_space() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }

    // The token at pos_, for error messages.
    std::string token_text() const {
        if (pos_ >= s_.size()) return "end of expression";
        size_t e = pos_;
        while (e < s_.size() && word_char(s_[e])) ++e;
        if (e == pos_) e = pos_ + 1;
        return std::string(s_.substr(pos_, e - pos_));
    }
    std::string found() const {
        return pos_ >= s_.size() ? std::string("the end of the expression") : "'" + token_text() + "'";
    }

    // Consumes `word` as a keyword (not as the prefix of a longer name) or `symbol`.
    bool accept_keyword(std::string_view word, std::string_view symbol) {
        skip_space();
        if (s_.substr(pos_).starts_with(symbol)) {
            pos_ += symbol.size();
            return true;
        }
        if (s_.substr(pos_).starts_with(word) &&
            (pos_ + word.size() == s_.size() || !word_char(s_[pos_ + word.size()]))) {
            pos_ += word.size();
            return true;
        }
        return false;
    }

    int add(Node n) {
        out_.nodes.push_back(std::move(n));
        return static_cast<int>(out_.nodes.size() - 1);
    }
    int binary(Node::Op op, int a, int b) {
        Node n;
        n.op = op;
        n.a = a;
        n.b = b;
        n.begin = out_.nodes[static_cast<size_t>(a)].begin;
        n.end = out_.nodes[static_cast<size_t>(b)].end;
        return add(std::move(n));
    }
    const Node& node(int i) const { return out_.nodes[static_cast<size_t>(i)]; }

    // Both operands of `op_name` at op_pos must be conditions (want_condition) or values.
    bool check_operands(int a, int b, bool want_condition, const char* op_name, size_t op_pos) {
        for (int i : {a, b}) {
            if (is_condition(node(i)) == want_condition) continue;
            fail(node(i).begin, want_condition ? "'" + std::string(out_.source(node(i))) +
                                                     "' is a value, but '" + op_name + "' joins conditions"
                                               : "'" + std::string(out_.source(node(i))) +
                                                     "' is a condition, but '" + op_name + "' at column " +
                                                     std::to_string(op_pos + 1) + " takes values");
            return false;
        }
        return true;
    }

    int parse_or() {
        int left = parse_and();
        while (left >= 0) {
            skip_space();
            size_t at = pos_;
            if (!accept_keyword("or", "||")) break;
            int right = parse_and();
            if (right < 0 || !check_operands(left, right, true, "or", at)) return -1;
            left = binary(Node::Op::kOr, left, right);
        }
        return left;
    }

    int parse_and() {
        int left = parse_compare();
        while (left >= 0) {
            skip_space();
            size_t at = pos_;
            if (!accept_keyword("and", "&&")) break;
            int right = parse_compare();
            if (right < 0 || !check_operands(left, right, true, "and", at)) return -1;
            left = binary(Node::Op::kAnd, left, right);
        }
        return left;
    }

    bool accept_comparison(Node::Op& op) {
        skip_space();
        std::string_view rest = s_.substr(pos_);
        // Two-character operators first, so that "<=" is not read as "<".
        static constexpr std::pair<std::string_view, Node::Op> kOps[] = {
            {"==", Node::Op::kEq}, {"!=", Node::Op::kNe}, {"<=", Node::Op::kLe},
            {">=", Node::Op::kGe}, {"<", Node::Op::kLt},  {">", Node::Op::kGt}};
        for (const auto& [text, o] : kOps)
            if (rest.starts_with(text)) {
                pos_ += text.size();
                op = o;
                return true;
            }
        return false;
    }

    int parse_compare() {
        int left = parse_sum();
        if (left < 0) return -1;
        Node::Op op;
        skip_space();
        size_t at = pos_;
        if (!accept_comparison(op)) return left;
        int right = parse_sum();
        if (right < 0 || !check_operands(left, right, false, op_text(op), at)) return -1;
        Node::Op again;
        skip_space();
        size_t again_at = pos_;
        if (accept_comparison(again))
            return fail_node(again_at, "comparisons don't chain: write 'a < b and b < c'");
        return binary(op, left, right);
    }

    int parse_sum() {
        int left = parse_product();
        while (left >= 0) {
            skip_space();
            if (pos_ >= s_.size() || (s_[pos_] != '+' && s_[pos_] != '-')) break;
            size_t at = pos_;
            Node::Op op = s_[pos_++] == '+' ? Node::Op::kAdd : Node::Op::kSub;
            int right = parse_product();
            if (right < 0 || !check_operands(left, right, false, op_text(op), at)) return -1;
            left = binary(op, left, right);
        }
        return left;
    }

    int parse_product() {
        int left = parse_unary();
        while (left >= 0) {
            skip_space();
            if (pos_ >= s_.size() || (s_[pos_] != '*' && s_[pos_] != '/')) break;
            size_t at = pos_;
            Node::Op op = s_[pos_++] == '*' ? Node::Op::kMul : Node::Op::kDiv;
            int right = parse_unary();
            if (right < 0 || !check_operands(left, right, false, op_text(op), at)) return -1;
            left = binary(op, left, right);
        }
        return left;
    }

    int parse_unary() {
        skip_space();
        if (pos_ < s_.size() && s_[pos_] == '-') {
            size_t at = pos_++;
            if (++depth_ > kMaxDepth) return fail_node(at, "nested too deeply");
            int operand = parse_unary();
            --depth_;
            if (operand < 0) return -1;
            if (is_condition(node(operand)))
                return fail_node(node(operand).begin, "'-' takes a value, not a condition");
            Node n;
            n.op = Node::Op::kNeg;
            n.a = operand;
            n.begin = at;
            n.end = node(operand).end;
            return add(std::move(n));
        }
        return parse_primary();
    }

    int parse_primary() {
        skip_space();
        if (pos_ >= s_.size())
            return fail_node(pos_, "expected a number, a metric or '(', found the end of the expression");
        const size_t start = pos_;
        const char c = s_[pos_];
        if (c == '(') {
            ++pos_;
            if (++depth_ > kMaxDepth) return fail_node(start, "nested too deeply");
            int inner = parse_or();
            --depth_;
            if (inner < 0) return -1;
            skip_space();
            if (pos_ >= s_.size() || s_[pos_] != ')')
                return fail_node(pos_, "expected ')' to close the '(' at column " +
                                           std::to_string(start + 1) + ", found " + found());
            ++pos_;
            // The parentheses belong to the node's text, so that explanations quote it as written.
            out_.nodes[static_cast<size_t>(inner)].begin = start;
            out_.nodes[static_cast<size_t>(inner)].end = pos_;
            return inner;
        }
        if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return parse_number();
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') return parse_metric();
        return fail_node(pos_, "expected a number, a metric or '(', found " + found());
    }

    int parse_number() {
        const size_t start = pos_;
        std::string digits;
        while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.'))
            ++pos_;
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            size_t e = pos_ + 1;
            if (e < s_.size() && (s_[e] == '+' || s_[e] == '-')) ++e;
            if (e < s_.size() && std::isdigit(static_cast<unsigned char>(s_[e]))) {
                pos_ = e;
                while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
            }
        }
        std::string text(s_.substr(start, pos_ - start));
        char* end = nullptr;
        double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
            return fail_node(start, "'" + text + "' is not a number");
        if (pos_ < s_.size() && (word_char(s_[pos_]) || s_[pos_] == '%')) {
            size_t u = pos_;
            while (u < s_.size() && (word_char(s_[u]) || s_[u] == '%')) ++u;
            return fail_node(pos_,
                             "'" + std::string(s_.substr(pos_, u - pos_)) +
                                 "' after a number: numbers take no unit (a metric's unit is in its name: "
                                 "setup_ms is in ms, duration_s in s; 99% is 0.99)");
        }
        Node n;
        n.op = Node::Op::kNumber;
        n.number = v;
        n.begin = start;
        n.end = pos_;
        return add(std::move(n));
    }

    int parse_metric() {
        const size_t start = pos_;
        while (pos_ < s_.size() && word_char(s_[pos_])) ++pos_;
        std::string_view name = s_.substr(start, pos_ - start);
        if (name == "and" || name == "or")
            return fail_node(start, "expected a number, a metric or '(' before '" + std::string(name) + "'");
        // A distribution name written alone ("setup_ms", "response_ms.INVITE") is read whole, so the
        // error can name it.
        while (pos_ < s_.size() && (word_char(s_[pos_]) || s_[pos_] == '.')) ++pos_;
        name = s_.substr(start, pos_ - start);
        size_t after_name = pos_;
        skip_space();
        bool has_arg = pos_ < s_.size() && s_[pos_] == '(';
        std::string_view arg;
        if (has_arg) {
            ++pos_;
            skip_space();
            size_t a = pos_;
            // Arguments are bare words: reasons (4xx), kinds, distributions (response_ms.INVITE).
            while (pos_ < s_.size() && (word_char(s_[pos_]) || s_[pos_] == '.')) ++pos_;
            arg = s_.substr(a, pos_ - a);
            if (arg.empty())
                return fail_node(pos_,
                                 "expected an argument of '" + std::string(name) + "', found " + found());
            skip_space();
            if (pos_ >= s_.size() || s_[pos_] != ')')
                return fail_node(pos_, "expected ')' after '" + std::string(name) + "(" + std::string(arg) +
                                           "', found " + found());
            ++pos_;
        } else {
            pos_ = after_name;
        }
        Node n;
        n.op = Node::Op::kMetric;
        std::string error;
        if (!resolve_metric(name, has_arg, arg, n.metric, error)) return fail_node(start, error);
        n.begin = start;
        n.end = pos_;
        return add(std::move(n));
    }
};

}  // namespace

bool is_comparison(Node::Op op) {
    return op >= Node::Op::kEq && op <= Node::Op::kGe;
}

const char* op_text(Node::Op op) {
    switch (op) {
        case Node::Op::kNeg:
        case Node::Op::kSub:
            return "-";
        case Node::Op::kAdd:
            return "+";
        case Node::Op::kMul:
            return "*";
        case Node::Op::kDiv:
            return "/";
        case Node::Op::kEq:
            return "==";
        case Node::Op::kNe:
            return "!=";
        case Node::Op::kLt:
            return "<";
        case Node::Op::kLe:
            return "<=";
        case Node::Op::kGt:
            return ">";
        case Node::Op::kGe:
            return ">=";
        case Node::Op::kAnd:
            return "and";
        case Node::Op::kOr:
            return "or";
        default:
            return "";
    }
}

bool parse_expr(std::string_view text, ExprType want, Expr& out, std::string& error) {
    out = Expr();
    Parser p(text, out, error);
    return p.parse(want);
}

double eval_value(const Expr& e, int index, const nlohmann::json& result, std::string& why) {
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    const Node& n = e.nodes[static_cast<size_t>(index)];
    switch (n.op) {
        case Node::Op::kNumber:
            return n.number;
        case Node::Op::kMetric: {
            double v = 0;
            return metric_value(n.metric, result, v, why) ? v : kNaN;
        }
        case Node::Op::kNeg:
            return -eval_value(e, n.a, result, why);
        default:
            break;
    }
    double a = eval_value(e, n.a, result, why);
    double b = eval_value(e, n.b, result, why);
    if (std::isnan(a) || std::isnan(b)) return kNaN;
    switch (n.op) {
        case Node::Op::kAdd:
            return a + b;
        case Node::Op::kSub:
            return a - b;
        case Node::Op::kMul:
            return a * b;
        case Node::Op::kDiv:
            if (b == 0) {
                if (why.empty()) why = "division by zero in '" + std::string(e.source(n)) + "'";
                return kNaN;
            }
            return a / b;
        default:
            if (why.empty()) why = "'" + std::string(e.source(n)) + "' is not a value";
            return kNaN;
    }
}

}  // namespace sipstorm::report
