#include "report/gate.hpp"

#include <algorithm>
#include <cmath>

#include "report/format.hpp"

namespace sipstorm::report {
namespace {

struct Outcome {
    bool pass = false;
    double lhs = 0, rhs = 0;
};

// One side of a comparison for the explanation: a literal as itself, anything else with its value.
std::string side(const Expr& e, int i, double v) {
    const Node& n = e.nodes[static_cast<size_t>(i)];
    if (n.op == Node::Op::kNumber) return format_number(v);
    return std::string(e.source(n)) + " = " + format_number(v);
}

bool compare(Node::Op op, double a, double b) {
    switch (op) {
        case Node::Op::kEq:
            return a == b;
        case Node::Op::kNe:
            return a != b;
        case Node::Op::kLt:
            return a < b;
        case Node::Op::kLe:
            return a <= b;
        case Node::Op::kGt:
            return a > b;
        case Node::Op::kGe:
            return a >= b;
        default:
            return false;
    }
}

// Evaluates a condition node, appending each comparison's explanation.
Outcome eval_condition(const Expr& e, int i, const nlohmann::json& result, std::string& explanation) {
    const Node& n = e.nodes[static_cast<size_t>(i)];
    if (n.op == Node::Op::kAnd || n.op == Node::Op::kOr) {
        Outcome a = eval_condition(e, n.a, result, explanation);
        Outcome b = eval_condition(e, n.b, result, explanation);
        if (n.op == Node::Op::kAnd)
            return {a.pass && b.pass, !a.pass ? a.lhs : b.lhs, !a.pass ? a.rhs : b.rhs};
        return {a.pass || b.pass, a.pass ? a.lhs : b.lhs, a.pass ? a.rhs : b.rhs};
    }
    std::string why;
    Outcome o;
    o.lhs = eval_value(e, n.a, result, why);
    o.rhs = eval_value(e, n.b, result, why);
    if (!explanation.empty()) explanation += "; ";
    if (std::isnan(o.lhs) || std::isnan(o.rhs)) {
        // NaN compares false except with !=, which would pass: decide here instead.
        o.pass = false;
        explanation += std::string(e.source(n)) + ": " + why;
        return o;
    }
    o.pass = compare(n.op, o.lhs, o.rhs);
    explanation +=
        side(e, n.a, o.lhs) + (o.pass ? " " : ", not ") + op_text(n.op) + " " + side(e, n.b, o.rhs);
    return o;
}

}  // namespace

bool parse_gate(std::string_view text, Gate& out, std::string& error) {
    return parse_expr(text, ExprType::kCondition, out.expr, error);
}

bool parse_gates(const std::vector<std::string>& texts, std::vector<Gate>& out, std::string& error) {
    out.clear();
    for (const std::string& t : texts) {
        Gate g;
        std::string e;
        if (!parse_gate(t, g, e)) {
            error = "gate '" + t + "': " + e;
            return false;
        }
        out.push_back(std::move(g));
    }
    return true;
}

GateResult evaluate(const Gate& gate, const nlohmann::json& result) {
    GateResult r;
    r.text = gate.expr.text;
    Outcome o = eval_condition(gate.expr, gate.expr.root, result, r.explanation);
    r.pass = o.pass;
    r.lhs = o.lhs;
    r.rhs = o.rhs;
    return r;
}

std::vector<GateResult> evaluate_all(const std::vector<Gate>& gates, const nlohmann::json& result) {
    std::vector<GateResult> out;
    out.reserve(gates.size());
    for (const Gate& g : gates) out.push_back(evaluate(g, result));
    return out;
}

void add_gate_verdicts(nlohmann::json& result, const std::vector<GateResult>& results) {
    auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
    nlohmann::json gates = nlohmann::json::array();
    for (const GateResult& r : results)
        gates.push_back({{"expr", r.text},
                         {"pass", r.pass},
                         {"value", number(r.lhs)},
                         {"threshold", number(r.rhs)},
                         {"explanation", r.explanation}});
    result["gates"] = std::move(gates);
}

std::string verdict_table(const std::vector<GateResult>& results) {
    if (results.empty()) return {};
    size_t width = 4;
    for (const GateResult& r : results) width = std::max(width, r.text.size());
    width = std::min<size_t>(width, 60);  // a long gate pushes its figures onward, not the whole table
    std::string s = "gates:\n";
    size_t passed = 0;
    for (const GateResult& r : results) {
        passed += r.pass;
        std::string text = r.text;
        if (text.size() < width) text.append(width - text.size(), ' ');
        s += std::string("  ") + (r.pass ? "PASS" : "FAIL") + "  " + text + "  " + r.explanation + "\n";
    }
    s += "  " + std::to_string(passed) + " of " + std::to_string(results.size()) + " gates held" +
         (passed == results.size() ? "" : ": FAILED") + "\n";
    return s;
}

}  // namespace sipstorm::report
