// sipstorm report CONFORM.json: the page for a `sipstorm conform --out` result. Plain HTML and
// inline SVG (no script): the verdicts by role and section, every case, and for each case that did
// not pass a ladder diagram of the messages it exchanged, with their full text below it.
#include <fmt/core.h>

#include <map>
#include <string>
#include <vector>

#include "report_html.hpp"

namespace sipstorm::cli {
namespace {

using nlohmann::json;

constexpr const char* kStyle = R"(body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
.pass{color:#176b2c}.fail{color:#b00020;font-weight:bold}.inconclusive{color:#a15c00}.na{color:#666}
pre{background:#f6f6f6;padding:6px;overflow-x:auto;font-size:12px}svg text{font:12px monospace}
h3{margin-top:2em})";

std::string verdict_class(const std::string& v) {
    return v == "n/a" ? "na" : v;
}

// The first line of a message, shortened for an arrow's label.
std::string first_line(const std::string& text) {
    std::string line = text.substr(0, text.find('\n'));
    if (line.size() > 46) line = line.substr(0, 43) + "...";
    return line;
}

// Lanes are the addresses in the order they first appear; the tester's sending address comes first.
std::string ladder_svg(const json& messages, const std::string& anchor) {
    std::vector<std::string> lanes;
    auto lane = [&](const std::string& addr) {
        for (size_t i = 0; i < lanes.size(); ++i)
            if (lanes[i] == addr) return i;
        lanes.push_back(addr);
        return lanes.size() - 1;
    };
    for (const json& m : messages) {
        lane(m.value("from", std::string()));
        lane(m.value("to", std::string()));
    }
    const int left = 90, gap = 330, row = 26, top = 40;
    const int width = left + gap * static_cast<int>(lanes.size() > 1 ? lanes.size() - 1 : 1) + 60;
    const int height = top + row * static_cast<int>(messages.size()) + 20;
    std::string svg = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\"><defs><marker id=\"a\" "
        "markerWidth=\"8\" markerHeight=\"8\" refX=\"8\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 "
        "L0,8 z\"/></marker></defs>",
        width, height);
    for (size_t i = 0; i < lanes.size(); ++i) {
        int x = left + gap * static_cast<int>(i);
        svg +=
            fmt::format("<text x=\"{}\" y=\"16\" text-anchor=\"middle\">{}</text>", x, html_escape(lanes[i]));
        svg +=
            fmt::format("<line x1=\"{0}\" y1=\"24\" x2=\"{0}\" y2=\"{1}\" stroke=\"#999\"/>", x, height - 10);
    }
    int y = top;
    size_t n = 0;
    for (const json& m : messages) {
        int x1 = left + gap * static_cast<int>(lane(m.value("from", std::string())));
        int x2 = left + gap * static_cast<int>(lane(m.value("to", std::string())));
        if (x1 == x2) x2 += 40;  // to itself: a short stub
        const bool sent = m.value("dir", std::string()) == "sent";
        svg += fmt::format("<text x=\"4\" y=\"{}\">{:.1f} ms</text>", y, m.value("t_ms", 0.0));
        svg += fmt::format(
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" marker-end=\"url(#a)\"/>", x1, y, x2,
            y, sent ? "#1f4e9c" : "#8a2be2");
        svg += fmt::format(
            "<a href=\"#{}-m{}\"><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}. {}</text></a>", anchor, n,
            (x1 + x2) / 2, y - 5, n + 1, html_escape(first_line(m.value("text", std::string()))));
        y += row;
        ++n;
    }
    return svg + "</svg>";
}

}  // namespace

bool is_conform_result(const json& result) {
    return result.is_object() && result.contains("conform") && result["conform"].is_object() &&
           result["conform"].contains("cases") && result["conform"]["cases"].is_array();
}

std::string render_conform_html(const json& result, const std::string& source_name) {
    const json& r = result["conform"];
    const std::string title = fmt::format("sipstorm conform: {} as {}", r.value("target", std::string("?")),
                                          r.value("role", std::string("?")));
    std::string html = fmt::format(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{0}</title><style>{1}</style></head><body>"
        "<h1>{0}</h1><p>{2} &middot; <code>{3}</code></p>",
        html_escape(title), kStyle, html_escape(source_name),
        html_escape(r.value("command_line", std::string())));

    // Counts by role and section, in the order the cases ran.
    struct Row {
        std::map<std::string, int> n;
    };
    std::vector<std::string> order;
    std::map<std::string, Row> rows;
    for (const json& c : r["cases"]) {
        std::string key = c.value("role", std::string()) + "\t" + c.value("section", std::string());
        if (!rows.count(key)) order.push_back(key);
        std::string v = c.value("verdict", std::string());
        if (v == "fail" && c.value("allowed", false)) v = "allowed";
        rows[key].n[v]++;
    }
    static const char* kVerdicts[] = {"pass", "fail", "allowed", "inconclusive", "n/a"};
    html += "<h2>Verdicts by role and section</h2><table><tr><th>role</th><th>section</th>";
    for (const char* v : kVerdicts) html += fmt::format("<th>{}</th>", v);
    html += "</tr>";
    for (const std::string& key : order) {
        size_t tab = key.find('\t');
        html += fmt::format("<tr><td>{}</td><td>{}</td>", html_escape(key.substr(0, tab)),
                            html_escape(key.substr(tab + 1)));
        for (const char* v : kVerdicts) {
            int n = rows[key].n[v];
            html += n ? fmt::format("<td class=\"{}\">{}</td>", verdict_class(v), n) : "<td></td>";
        }
        html += "</tr>";
    }
    html +=
        "</table><h2>Cases</h2><table><tr><th>id</th><th>title</th><th>section</th><th>verdict</th>"
        "<th>passes when</th><th>why</th></tr>";
    for (const json& c : r["cases"]) {
        const std::string id = c.value("id", std::string()), v = c.value("verdict", std::string());
        const bool ladder = v == "fail" || v == "inconclusive";
        html += fmt::format(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}{}</td><td>{}</td><td>{}</td></tr>",
            ladder ? fmt::format("<a href=\"#{0}\">{0}</a>", html_escape(id)) : html_escape(id),
            html_escape(c.value("title", std::string())), html_escape(c.value("section", std::string())),
            verdict_class(v), html_escape(v), c.value("allowed", false) ? " (allowed)" : "",
            html_escape(c.value("passes", std::string())), html_escape(c.value("message", std::string())));
    }
    html += "</table>";
    for (const json& c : r["cases"]) {
        const std::string v = c.value("verdict", std::string());
        if (v != "fail" && v != "inconclusive") continue;
        const std::string id = html_escape(c.value("id", std::string()));
        html += fmt::format("<h3 id=\"{}\">{} {} <span class=\"{}\">{}</span></h3><p>{}</p>", id, id,
                            html_escape(c.value("title", std::string())), verdict_class(v), v,
                            html_escape(c.value("message", std::string())));
        const json& messages = c.contains("messages") ? c["messages"] : json::array();
        if (messages.empty()) {
            html += "<p>No message was exchanged.</p>";
            continue;
        }
        html += ladder_svg(messages, id);
        size_t n = 0;
        for (const json& m : messages) {
            ++n;
            html += fmt::format(
                "<details id=\"{}-m{}\"><summary>{}. {} {} &rarr; {}</summary><pre>{}</pre></details>", id,
                n - 1, n, m.value("dir", std::string()), html_escape(m.value("from", std::string())),
                html_escape(m.value("to", std::string())), html_escape(m.value("text", std::string())));
        }
    }
    return html + "</body></html>\n";
}

}  // namespace sipstorm::cli
