#include <gtest/gtest.h>

#include <vector>

#include "script/duration.hpp"
#include "script/source_lines.hpp"

namespace sipstorm::script {
namespace {

TEST(SourceLines, StepElementsSkipCommentsAndStrings) {
    const char* src =
        "local s = 'steps = { not this }'\n"    // 1
        "--[==[ steps = { nor this } ]==]\n"    // 2
        "return {\n"                            // 3
        "  role = \"uac\",\n"                   // 4
        "  steps = {\n"                         // 5
        "    { send = [[\n"                     // 6
        "       INVITE {, } ]]\n"               // 7
        "    },\n"                              // 8
        "    -- { recv = 1 },\n"                // 9
        "    { recv = \"}\" }; f(1, { 2 }),\n"  // 10
        "\n"                                    // 11
        "    { pause = 3 }\n"                   // 12
        "  },\n"                                // 13
        "}\n";
    EXPECT_EQ(scan_step_lines(src), (std::vector<int>{6, 10, 10, 12}));
    EXPECT_EQ(key_line(src, "role"), 4);
    EXPECT_EQ(key_line(src, "steps"), 5);
    EXPECT_EQ(key_line(src, "params"), 0);
    EXPECT_TRUE(scan_step_lines("return { role = 'uac' }").empty());
}

TEST(Duration, UnitsAndParams) {
    std::map<std::string, std::string> params{{"hold", "2"}};
    double ms = -1;
    std::string error;
    EXPECT_TRUE(parse_duration("1500", params, ms, error));
    EXPECT_EQ(ms, 1500);
    EXPECT_TRUE(parse_duration("1.5s", params, ms, error));
    EXPECT_EQ(ms, 1500);
    EXPECT_TRUE(parse_duration("${hold}s", params, ms, error));
    EXPECT_EQ(ms, 2000);
    EXPECT_TRUE(parse_duration("250ms", params, ms, error));
    EXPECT_EQ(ms, 250);
    EXPECT_TRUE(parse_duration("2m", params, ms, error));
    EXPECT_EQ(ms, 120000);
    EXPECT_FALSE(parse_duration("-1s", params, ms, error));
    EXPECT_EQ(error, "bad duration '-1s' (expected milliseconds, or a number with ms, s, m or h)");
    EXPECT_FALSE(parse_duration("3 days", params, ms, error));
    EXPECT_FALSE(parse_duration("${x}", params, ms, error));
    EXPECT_EQ(error, "unknown parameter '${x}' in '${x}'");
}

}  // namespace
}  // namespace sipstorm::script
