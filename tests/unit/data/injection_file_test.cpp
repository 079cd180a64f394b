#include "data/injection_file.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "test_files.hpp"

namespace sipstorm::data {
namespace {

using test::write_file;

std::string load_error(const std::string& name, const std::string& contents) {
    InjectionFile f;
    std::string error;
    EXPECT_FALSE(load_injection(write_file(name, contents), f, error)) << name;
    const std::string dir = test::test_dir() + "/";
    return error.rfind(dir, 0) == 0 ? error.substr(dir.size()) : error;
}

TEST(InjectionFile, SippExampleWithCommentsAndTrailingSemicolon) {
    InjectionFile f;
    std::string error;
    ASSERT_TRUE(load_injection(write_file("sipp.csv",
                                          "SEQUENTIAL\n"
                                          "#This line will be ignored\n"
                                          "Sarah;sipphone32;\n"
                                          "Bob;sipphone12\r\n"
                                          "\n"
                                          "#This line too\n"
                                          "Fred;sipphone94"),
                               f, error))
        << error;
    EXPECT_EQ(f.mode(), InjectionMode::kSequential);
    ASSERT_EQ(f.rows(), 3u);
    EXPECT_EQ(f.width(), 2u);
    EXPECT_EQ(f.row(0)[0], "Sarah");
    EXPECT_EQ(f.row(0)[1], "sipphone32");
    EXPECT_EQ(f.row(1)[1], "sipphone12");  // CR stripped
    EXPECT_EQ(f.row(2)[0], "Fred");
    EXPECT_EQ(f.row(2)[5], "");  // beyond the row: empty
    EXPECT_EQ(f.row(0).line, 3u);
    EXPECT_EQ(f.row(2).line, 7u);
    EXPECT_EQ(f.row(2).index, 2u);
}

TEST(InjectionFile, ModesAndEmptyFields) {
    InjectionFile f;
    std::string error;
    ASSERT_TRUE(
        parse_injection("m.csv", {'R', 'A', 'N', 'D', 'O', 'M', '\n', ';', 'x', '\n', ';', ';'}, f, error))
        << error;
    EXPECT_EQ(f.mode(), InjectionMode::kRandom);
    EXPECT_EQ(f.width(), 2u);
    EXPECT_EQ(f.row(0)[0], "");
    EXPECT_EQ(f.row(0)[1], "x");
    const std::string users = "USERS\n a ; b \n";
    ASSERT_TRUE(parse_injection("u.csv", {users.begin(), users.end()}, f, error)) << error;
    EXPECT_EQ(f.mode(), InjectionMode::kUser);
    EXPECT_EQ(f.row(0)[0], " a ");  // not trimmed, as in SIPp
}

TEST(InjectionFile, Utf8Bom) {
    InjectionFile f;
    std::string error;
    ASSERT_TRUE(load_injection(write_file("bom.csv", "\xEF\xBB\xBFUSER\nalice;pw\n"), f, error)) << error;
    EXPECT_EQ(f.mode(), InjectionMode::kUser);
}

TEST(InjectionFile, Errors) {
    EXPECT_EQ(load_error("empty.csv", ""),
              "empty.csv:1: empty file: the first line must be SEQUENTIAL, RANDOM or USER");
    EXPECT_EQ(load_error("nodata.csv", "RANDOM\n# only a comment\n\n"),
              "nodata.csv:1: no data lines after the RANDOM line");
    EXPECT_EQ(load_error("mode.csv", "sequential\na;b\n"),
              "mode.csv:1: unknown mode 'sequential': the first line must be SEQUENTIAL, RANDOM or USER");
    EXPECT_EQ(load_error("width.csv", "SEQUENTIAL\n# c\nalice;pw\nbob;pw\ncarol;pw;extra\n"),
              "width.csv:5: 3 fields, expected 2 (as on line 3, the first data row)");
    EXPECT_EQ(load_error("width1.csv", "SEQUENTIAL\nalice;pw\nbob\n"),
              "width1.csv:3: 1 field, expected 2 (as on line 2, the first data row)");
    EXPECT_EQ(load_error("opt.csv", "SEQUENTIAL,FOO=1\na\n"),
              "opt.csv:1: unknown option 'FOO' (known: PRINTF, PRINTFOFFSET, PRINTFMULTIPLE)");
    EXPECT_EQ(load_error("pf0.csv", "USER,PRINTF=0\na%d\n"),
              "pf0.csv:1: PRINTF=0: the number of virtual lines must be 1..10000000");
    EXPECT_EQ(load_error("pfx.csv", "USER,PRINTF=x\na%d\n"),
              "pfx.csv:1: PRINTF needs a decimal number, got 'x'");
    EXPECT_EQ(load_error("pfo.csv", "USER,PRINTFOFFSET=3\na%d\n"),
              "pfo.csv:1: PRINTFOFFSET/PRINTFMULTIPLE need PRINTF=N");
    EXPECT_EQ(
        load_error("pfs.csv", "USER,PRINTF=2\nuser%03d;ok\n# c\nuser%s;x\n"),
        "pfs.csv:4: invalid PRINTF conversion '%s' (only %d with flags '-' '0', width, precision, and %% are "
        "allowed)");

    InjectionFile f;
    std::string error;
    EXPECT_FALSE(load_injection(test::test_dir() + "/does-not-exist.csv", f, error));
    EXPECT_NE(error.find("does-not-exist.csv: cannot open: No such file or directory"), std::string::npos)
        << error;
    EXPECT_FALSE(load_injection(test::test_dir(), f, error));  // a directory: opens, cannot be read
    EXPECT_NE(error.find(": cannot read: Is a directory"), std::string::npos) << error;
}

TEST(InjectionFile, Printf) {
    InjectionFile f;
    std::string error;
    ASSERT_TRUE(load_injection(write_file("pf.csv",
                                          "USERS,PRINTF=4\nuser%03d;password%03d;Foo\n"
                                          "user%03d;password%03d;Bar;\n"),
                               f, error))
        << error;
    ASSERT_EQ(f.rows(), 4u);
    EXPECT_EQ(f.row(0)[0], "user000");
    EXPECT_EQ(f.row(1)[1], "password001");
    EXPECT_EQ(f.row(1)[2], "Bar");
    EXPECT_EQ(f.row(3)[0], "user003");
    EXPECT_EQ(f.row(3).line, 3u);

    ASSERT_TRUE(load_injection(write_file("pf2.csv",
                                          "SEQUENTIAL,PRINTF=10,PRINTFMULTIPLE=2,PRINTFOFFSET=10\n"
                                          "%d;%-4d|;%%;%.3d\n"),
                               f, error))
        << error;
    ASSERT_EQ(f.rows(), 10u);
    EXPECT_EQ(f.row(0)[0], "10");
    EXPECT_EQ(f.row(9)[0], "28");
    EXPECT_EQ(f.row(1)[1], "12  |");
    EXPECT_EQ(f.row(1)[2], "%");
    EXPECT_EQ(f.row(1)[3], "012");
}

TEST(InjectionFile, Names) {
    InjectionFile f;
    std::string error;
    ASSERT_TRUE(load_injection(write_file("names.csv", "SEQUENTIAL\nalice;pw;100\n"), f, error)) << error;
    ASSERT_TRUE(f.set_names({"user", "password"}, error)) << error;
    EXPECT_EQ(f.field_index("user"), 0);
    EXPECT_EQ(f.field_index("password"), 1);
    EXPECT_EQ(f.field_index("field2"), 2);
    EXPECT_EQ(f.field_index("field3"), -1);
    EXPECT_EQ(f.field_index("nope"), -1);
    EXPECT_FALSE(f.set_names({"a", "b", "c", "d"}, error));
    EXPECT_NE(error.find("4 field names for 3 fields"), std::string::npos) << error;
    EXPECT_FALSE(f.set_names({"a", "a"}, error));
    EXPECT_NE(error.find("field name 'a' given twice"), std::string::npos) << error;
    EXPECT_FALSE(f.set_names({"field1"}, error));
    EXPECT_FALSE(f.set_names({"1x"}, error));
    EXPECT_EQ(f.field_index("user"), 0);  // a failed set_names keeps the old names
}

TEST(InjectionFile, MoveKeepsViews) {
    InjectionFile a;
    std::string error;
    ASSERT_TRUE(load_injection(write_file("mv.csv", "SEQUENTIAL\nx;y\n"), a, error));
    InjectionFile b = std::move(a);
    EXPECT_EQ(b.row(0)[1], "y");
}

TEST(InjectionFile, HundredThousandLinesLoadFast) {
    std::string text = "SEQUENTIAL\n";
    for (int i = 0; i < 100000; ++i)
        text += "user" + std::to_string(i) + ";secret" + std::to_string(i) + ";sip:user" + std::to_string(i) +
                "@example.com;\n";
    const std::string path = write_file("big.csv", text);
    InjectionFile f;
    std::string error;
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(load_injection(path, f, error)) << error;
    const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(f.rows(), 100000u);
    EXPECT_EQ(f.row(99999)[2], "sip:user99999@example.com");
    EXPECT_LT(ms, 500.0);  // typically ~10 ms; generous for sanitizer and shared-core builds
    RecordProperty("load_ms", std::to_string(ms));
    std::printf("100k-line file (%zu bytes) loaded in %.1f ms\n", text.size(), ms);
}

}  // namespace
}  // namespace sipstorm::data
