#include "report/junit.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "fixture.hpp"
#include "report/xml.hpp"

namespace sipstorm::report {
namespace {

// A small well-formedness check (no XML library in the build): tags nest and close in order, and
// every '&' in text or attribute values starts one of the five predefined entities. Returns "" or
// what is wrong.
std::string check_xml(const std::string& x) {
    std::vector<std::string> open;
    size_t i = 0;
    auto entity_ok = [&](size_t at) {
        for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"})
            if (x.compare(at, std::strlen(e), e) == 0) return true;
        return false;
    };
    if (!x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")) return "no XML declaration";
    i = x.find('\n') + 1;
    while (i < x.size()) {
        if (x[i] == '&' && !entity_ok(i)) return "bare & at " + std::to_string(i);
        if (x[i] == '>') return "bare > in text at " + std::to_string(i);
        if (x[i] != '<') {
            ++i;
            continue;
        }
        bool closing = x[i + 1] == '/';
        size_t name_start = i + (closing ? 2 : 1), j = name_start;
        while (j < x.size() && (std::isalnum(static_cast<unsigned char>(x[j])) || x[j] == '-')) ++j;
        std::string name = x.substr(name_start, j - name_start);
        if (name.empty()) return "bad tag at " + std::to_string(i);
        // Attributes: name="value" with no '<' and only entities after '&' in the value.
        while (j < x.size() && x[j] != '>' && x[j] != '/') {
            if (x[j] == '"') {
                size_t end = x.find('"', j + 1);
                if (end == std::string::npos) return "unterminated attribute";
                for (size_t k = j + 1; k < end; ++k) {
                    if (x[k] == '<') return "< in attribute at " + std::to_string(k);
                    if (x[k] == '&' && !entity_ok(k)) return "bare & in attribute at " + std::to_string(k);
                }
                j = end;
            }
            ++j;
        }
        if (j >= x.size()) return "unterminated tag " + name;
        bool self_closing = x[j] == '/';
        if (self_closing && x[j + 1] != '>') return "bad / in tag " + name;
        i = j + (self_closing ? 2 : 1);
        if (closing) {
            if (open.empty() || open.back() != name) return "</" + name + "> closes nothing open";
            open.pop_back();
        } else if (!self_closing) {
            open.push_back(name);
        }
    }
    return open.empty() ? "" : "<" + open.back() + "> never closed";
}

size_t count(const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

std::vector<GateResult> gates_on_fixture(const std::vector<std::string>& texts) {
    std::vector<Gate> gates;
    std::string error;
    EXPECT_TRUE(parse_gates(texts, gates, error)) << error;
    return evaluate_all(gates, test::fixture_result());
}

TEST(Junit, OneTestcasePerGateWithEscapedText) {
    std::string x =
        junit_xml(test::fixture_result(),
                  gates_on_fixture({"failed_calls < 5 && retransmissions > 0", "p50(setup_ms) > 1"}));
    EXPECT_EQ(check_xml(x), "") << x;
    EXPECT_EQ(count(x, "<testcase "), 2u);
    EXPECT_EQ(count(x, "<failure "), 1u);
    EXPECT_NE(
        x.find(
            "<testsuite name=\"sipstorm\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"10\" "
            "timestamp=\"2023-11-14T22:13:20\">"),
        std::string::npos)
        << x;
    EXPECT_NE(
        x.find("<testcase classname=\"sipstorm.gates\" name=\"failed_calls &lt; 5 &amp;&amp; retransmissions "
               "&gt; 0\" time=\"0\">"),
        std::string::npos)
        << x;
    EXPECT_NE(
        x.find(
            "<failure message=\"failed_calls = 10, not &lt; 5; retransmissions = 4 &gt; 0\" type=\"gate\">"),
        std::string::npos)
        << x;
    EXPECT_NE(x.find("<testcase classname=\"sipstorm.gates\" name=\"p50(setup_ms) &gt; 1\" time=\"0\"/>"),
              std::string::npos);
    EXPECT_NE(x.find("<property name=\"command_line\" value=\"sipstorm run basic_call.lua --rate 100\"/>"),
              std::string::npos);
    EXPECT_EQ(x.find("name=\"calls\""), std::string::npos);  // gates given: they are the verdict
}

TEST(Junit, WithoutGatesTheCallsCaseFailsOnFailedCalls) {
    std::string x = junit_xml(test::fixture_result(), {});
    EXPECT_EQ(check_xml(x), "") << x;
    EXPECT_EQ(count(x, "<testcase "), 1u);
    EXPECT_NE(x.find("<testcase classname=\"sipstorm.run\" name=\"calls\" time=\"0\">"), std::string::npos);
    EXPECT_NE(x.find("<failure message=\"10 of 1000 calls failed\" type=\"calls\">7 x timeout (Timer B)\n"
                     "3 x unexpected 503 response\n</failure>"),
              std::string::npos)
        << x;

    nlohmann::json ok = test::fixture_result();
    ok["calls"]["failed"] = 0;
    x = junit_xml(ok, {});
    EXPECT_EQ(check_xml(x), "");
    EXPECT_NE(x.find("<testcase classname=\"sipstorm.run\" name=\"calls\" time=\"0\"/>"), std::string::npos);
    EXPECT_NE(x.find("failures=\"0\""), std::string::npos);
}

TEST(Junit, HostileTextStaysWellFormed) {
    nlohmann::json j = test::fixture_result();
    j["scenario"] = "<a href=\"x\">&amp;'</a>";
    j["command_line"] = std::string("run \x01\x1b[1m bad \xff\xfe utf8 \xc3\xa9t\xc3\xa9 ]]>");
    j["calls"]["failed_by_detail"] = {{"unexpected </failure><x> & \"", 10}};
    j["generator"]["saturated"] = true;
    j["generator"]["saturation_reason"] = "shard 0 busy <99%> & more";
    std::string x = junit_xml(j, {});
    EXPECT_EQ(check_xml(x), "") << x;
    EXPECT_NE(x.find("value=\"&lt;a href=&quot;x&quot;&gt;&amp;amp;&apos;&lt;/a&gt;\""), std::string::npos)
        << x;
    EXPECT_NE(x.find("\xc3\xa9t\xc3\xa9"), std::string::npos);  // valid UTF-8 is kept
    EXPECT_EQ(x.find('\x01'), std::string::npos);
    EXPECT_EQ(x.find('\xff'), std::string::npos);
    EXPECT_NE(
        x.find(
            "<system-out>WARNING: the generator itself was saturated (shard 0 busy &lt;99%&gt; &amp; more)"),
        std::string::npos)
        << x;
}

TEST(Xml, Escape) {
    EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
    EXPECT_EQ(xml_escape("tab\tlf\ncr\r"), "tab\tlf\ncr\r");
    EXPECT_EQ(xml_escape(std::string("nul\0x", 5)), "nul\xEF\xBF\xBDx");
    EXPECT_EQ(xml_escape("\x1b"), "\xEF\xBF\xBD");
    EXPECT_EQ(xml_escape("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    EXPECT_EQ(xml_escape("\xc3"), "\xEF\xBF\xBD");                                  // truncated
    EXPECT_EQ(xml_escape("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
    EXPECT_EQ(xml_escape("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
    EXPECT_EQ(xml_escape("\xef\xbf\xbe"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // U+FFFE
}

}  // namespace
}  // namespace sipstorm::report
