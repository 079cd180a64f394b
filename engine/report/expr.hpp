// The expression language of gates (and of `compare --metric`): arithmetic and comparisons over the
// metrics of a result file (report/metrics.hpp).
//
//   condition  := or
//   or         := and { ("or" | "||") and }
//   and        := compare { ("and" | "&&") compare }
//   compare    := sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=") sum ]     -- no chains: a < b < c
//   sum        := product { ("+" | "-") product }
//   product    := unary { ("*" | "/") unary }
//   unary      := "-" unary | primary
//   primary    := NUMBER | METRIC | NAME "(" ARG ")" | "(" or ")"
//
// NUMBER is decimal with an optional exponent and no unit (a metric's unit is in its name:
// setup_ms is in ms, duration_s in s). Types are checked at parse time: and/or join conditions,
// arithmetic and comparisons take values; a gate must be a condition, a compared metric a value.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "report/metrics.hpp"

namespace sipstorm::report {

struct Node {
    enum class Op : uint8_t {
        kNumber,
        kMetric,
        kNeg,
        kAdd,
        kSub,
        kMul,
        kDiv,
        kEq,
        kNe,
        kLt,
        kLe,
        kGt,
        kGe,
        kAnd,
        kOr
    };
    Op op = Op::kNumber;
    double number = 0;          // kNumber
    MetricRef metric;           // kMetric
    int a = -1, b = -1;         // operands (indices into Expr::nodes); a only for kNeg
    size_t begin = 0, end = 0;  // its source text: Expr::text[begin, end)
};

struct Expr {
    std::string text;
    std::vector<Node> nodes;
    int root = -1;

    std::string_view source(const Node& n) const {
        return std::string_view(text).substr(n.begin, n.end - n.begin);
    }
};

bool is_comparison(Node::Op op);
const char* op_text(Node::Op op);

enum class ExprType : uint8_t { kValue, kCondition };

// Parses `text` as an expression of the wanted type. On error returns false with "column N: what"
// (N counts from 1); an unknown metric's error names it and lists the known ones.
bool parse_expr(std::string_view text, ExprType want, Expr& out, std::string& error);

// The value of a value node in a result. NaN, with `why`, when a metric is missing from the result
// or a division by zero happens: a missing figure never passes a gate by accident.
double eval_value(const Expr& e, int node, const nlohmann::json& result, std::string& why);

}  // namespace sipstorm::report
