// RFC 4475 torture messages, data-driven from MANIFEST.tsv: every 'valid' message must parse and
// validate, every 'invalid' one must be rejected with the code the manifest names, and 'either'
// messages must be handled without harm.  Spot checks below pin the tricky fields by value.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "sip/parser.hpp"
#include "sip/serialize.hpp"
#include "sip/validate.hpp"

namespace sipstorm::sip {
namespace {

const std::filesystem::path kShared = SIPSTORM_SHARED_DIR "/conformance";
// Suites that follow the rfc4475 layout (a MANIFEST.tsv next to the messages).
constexpr const char* kSuites[] = {"rfc4475", "rfc5118"};

struct Case {
    std::string suite;
    std::string file;
    std::string kind;      // valid / invalid / either
    std::string expected;  // the manifest's phrase
};

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<Case> load_cases() {
    std::vector<Case> cases;
    for (const char* suite : kSuites) {
        std::ifstream in(kShared / suite / "MANIFEST.tsv");
        std::string line;
        std::getline(in, line);  // column names
        while (std::getline(in, line)) {
            std::istringstream cols(line);
            Case c;
            c.suite = suite;
            std::string section;
            if (std::getline(cols, c.file, '\t') && std::getline(cols, section, '\t') &&
                std::getline(cols, c.kind, '\t') && std::getline(cols, c.expected)) {
                cases.push_back(c);
            }
        }
    }
    return cases;
}

// The 3-digit codes named before the ':' of the phrase ("reject 501 (or 400): ..." -> 501, 400;
// "syntax fine; a UAS answers 416 ..." -> 416).
std::vector<int> named_codes(const std::string& phrase) {
    std::vector<int> codes;
    for (size_t i = 0; i + 3 <= phrase.size(); ++i) {
        bool three = std::isdigit(static_cast<unsigned char>(phrase[i])) &&
                     std::isdigit(static_cast<unsigned char>(phrase[i + 1])) &&
                     std::isdigit(static_cast<unsigned char>(phrase[i + 2])) &&
                     (i == 0 || !std::isalnum(static_cast<unsigned char>(phrase[i - 1]))) &&
                     (i + 3 == phrase.size() || !std::isalnum(static_cast<unsigned char>(phrase[i + 3])));
        if (three) codes.push_back(std::stoi(phrase.substr(i, 3)));
    }
    return codes;
}

struct Outcome {
    ParseResult parsed;
    Verdict verdict;  // parse's verdict if rejected there, else validate's
};

Outcome run(const std::string& bytes, MessageView& m) {
    Outcome o{parse(bytes, m, Framing::kDatagram), {}};
    o.verdict = o.parsed.ok() ? validate(m) : o.parsed.verdict;
    return o;
}

// Whether the outcome is what the manifest asks of a strict element (valid/invalid rows).
bool strict_ok(const Case& c, const Outcome& o) {
    if (c.kind == "valid") return o.verdict.ok();
    if (c.kind != "invalid") return false;
    if (o.verdict.ok()) return false;
    if (c.expected.rfind("drop", 0) == 0) return true;  // responses: any rejection is a drop
    for (int code : named_codes(c.expected.substr(0, c.expected.find(':')))) {
        if (o.verdict.code == code) return true;
    }
    return false;
}

class Conformance : public ::testing::TestWithParam<Case> {};

TEST_P(Conformance, Verdict) {
    const Case& c = GetParam();
    const std::string bytes = slurp(kShared / c.suite / c.file);
    ASSERT_FALSE(bytes.empty()) << c.file;
    MessageView m;
    const Outcome o = run(bytes, m);
    const std::string got = o.verdict.ok()
                                ? std::string("accepted")
                                : std::to_string(o.verdict.code) + " " + std::string(o.verdict.detail);
    if (c.kind == "either") {
        std::printf("  [either] %-16s %s\n", c.file.c_str(), got.c_str());
        // Where the manifest names a UAS reply, the message is syntactically fine: it must parse.
        for (int code : named_codes(c.expected)) {
            if (c.expected.find("answers") != std::string::npos) {
                EXPECT_TRUE(o.parsed.ok()) << c.file << " should parse (a UAS answers " << code << ")";
            }
        }
        if (c.expected.rfind("reject 400", 0) == 0 && !o.verdict.ok()) {
            EXPECT_EQ(o.verdict.code, 400) << c.file;
        }
    } else {
        EXPECT_TRUE(strict_ok(c, o)) << c.file << ": expected '" << c.expected << "', got " << got;
    }
    // Whatever the verdict, an accepted message survives a serialize/parse round trip.
    if (o.parsed.ok()) {
        std::string out(serialized_size(m), '\0');
        ASSERT_EQ(serialize(m, out.data(), out.size()), out.size());
        MessageView again;
        ASSERT_TRUE(parse(out, again).ok()) << c.file;
        EXPECT_EQ(again.header_count, m.header_count) << c.file;
        EXPECT_EQ(again.body, m.body) << c.file;
    }
}

INSTANTIATE_TEST_SUITE_P(Manifest, Conformance, ::testing::ValuesIn(load_cases()), [](const auto& info) {
    std::string name = info.param.suite + "_" + info.param.file;
    for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return name;
});

TEST(Conformance, Summary) {
    const std::vector<Case> cases = load_cases();
    ASSERT_GE(cases.size(), 49u) << "RFC 4475 manifest not found under " << kShared;
    int strict = 0, passed = 0, either_accepted = 0, either = 0;
    MessageView m;
    for (const Case& c : cases) {
        if (c.suite != "rfc4475") continue;
        const Outcome o = run(slurp(kShared / c.suite / c.file), m);
        if (c.kind == "either") {
            ++either;
            either_accepted += o.verdict.ok() ? 1 : 0;
            continue;
        }
        ++strict;
        passed += strict_ok(c, o) ? 1 : 0;
    }
    std::printf("RFC 4475: %d/%d strict verdicts (either: %d accepted, %d rejected)\n", passed, strict,
                either_accepted, either - either_accepted);
    EXPECT_EQ(strict, 39);
    EXPECT_EQ(passed, strict);
}

// ---- Spot checks by value ----

class Torture : public ::testing::Test {
  protected:
    void load(const char* file, Framing framing = Framing::kDatagram) {
        bytes = slurp(kShared / "rfc4475" / file);
        ASSERT_FALSE(bytes.empty()) << file;
        result = parse(bytes, m, framing);
    }
    std::string_view value(HeaderId id) {
        const Header* h = m.find(id);
        return h ? h->value : std::string_view("<absent>");
    }
    int count(HeaderId id) {
        int n = 0;
        for (uint16_t i = 0; i < m.header_count; ++i) n += m.headers[i].id == id ? 1 : 0;
        return n;
    }
    std::string bytes;
    MessageView m;
    ParseResult result;
};

TEST_F(Torture, Wsinv) {
    load("wsinv.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(m.method, Method::kInvite);
    EXPECT_EQ(m.request_uri, "sip:vivekg@chair-dnrc.example.com;unknownparam");
    EXPECT_EQ(m.header_count, 14);
    EXPECT_EQ(value(HeaderId::kCallId), "wsinv.ndaksdj@192.0.2.1");
    EXPECT_EQ(value(HeaderId::kTo), "sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n");
    EXPECT_EQ(value(HeaderId::kCSeq), "0009\r\n  INVITE");
    EXPECT_EQ(value(HeaderId::kMaxForwards), "0068");
    EXPECT_EQ(value(HeaderId::kSubject), "");
    EXPECT_EQ(count(HeaderId::kVia), 2);  // "Via  :" and the compact "v:"
    EXPECT_EQ(m.headers[m.first[static_cast<size_t>(HeaderId::kContact)]].name, "m");
    EXPECT_EQ(m.body.size(), 150u);
    EXPECT_TRUE(validate(m).ok()) << validate(m).detail;
}

TEST_F(Torture, IntmethExtensionMethod) {
    load("intmeth.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(m.method, Method::kUnknown);
    EXPECT_EQ(m.method_text, "!interesting-Method0123456789_*+`.%indeed'~");
    EXPECT_EQ(value(HeaderId::kCSeq), "139122385 !interesting-Method0123456789_*+`.%indeed'~");
    EXPECT_EQ(m.headers[6].name, "extensionHeader-!.%*+_`'~");
    EXPECT_TRUE(validate(m).ok()) << validate(m).detail;
}

TEST_F(Torture, Esc01) {
    load("esc01.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(m.request_uri, "sip:sips%3Auser%40example.com@example.net");
    EXPECT_EQ(value(HeaderId::kContentType), "application/sdp");  // compact "C:"
    EXPECT_EQ(value(HeaderId::kContact), "<sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>");
}

TEST_F(Torture, LongReq) {
    load("longreq.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(count(HeaderId::kVia), 34);
    EXPECT_EQ(m.header_count, 43);
    EXPECT_EQ(value(HeaderId::kCallId).size(), 141u);
    EXPECT_EQ(m.headers[4].name.size(), 93u);  // Unknown-LongLong...-Name
    EXPECT_EQ(m.headers[4].value.size(), 306u);
    EXPECT_EQ(value(HeaderId::kTo).size(), 486u);
    EXPECT_EQ(value(HeaderId::kFrom).size(), 590u);  // compact "F:"
    EXPECT_EQ(value(HeaderId::kContentLength), "150");
    EXPECT_EQ(m.body.size(), 150u);
}

TEST_F(Torture, DblreqStopsAtTheFirstMessage) {
    load("dblreq.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(m.method, Method::kRegister);
    EXPECT_TRUE(m.body.empty());
    EXPECT_EQ(m.size, bytes.find("\r\n\r\n") + 4);
    EXPECT_LT(m.size, bytes.size());
}

TEST_F(Torture, Transports) {
    load("transports.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(count(HeaderId::kVia), 5);
    EXPECT_EQ(m.headers[m.first[static_cast<size_t>(HeaderId::kVia)] + 3].value,
              "SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en");
    EXPECT_EQ(value(HeaderId::kCallId), "transports.kijh4akdnaqjkwendsasfdj");
}

TEST_F(Torture, Mpart01Body) {
    load("mpart01.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(m.body.size(), 553u);
    EXPECT_EQ(m.body.substr(0, 18), "--7a9cbec02ceef655");
}

TEST_F(Torture, Reasons) {
    load("unreason.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(m.status_code, 200);
    EXPECT_EQ(m.reason.substr(0, 12), "= 2**3 * 5**");
    EXPECT_EQ(m.reason.back(), '\xb5');  // ends inside UTF-8 text, CRLF excluded
    load("noreason.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(m.status_code, 100);
    EXPECT_EQ(m.reason, "");
}

TEST_F(Torture, BadBranchIsAccepted) {
    load("badbranch.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(value(HeaderId::kVia), "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK");
    EXPECT_TRUE(validate(m).ok());
}

TEST_F(Torture, SpecificRejections) {
    load("ncl.dat");
    EXPECT_EQ(result.verdict.detail, "negative Content-Length");
    load("clerr.dat");
    EXPECT_EQ(result.verdict.detail, "Content-Length larger than the message");
    load("badvers.dat");
    EXPECT_EQ(result.verdict.code, 505);
    load("bigcode.dat");
    EXPECT_EQ(result.verdict.detail, "status code is not exactly 3 digits");
    load("mcl01.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(validate(m).detail, "more than one Content-Length");
    load("insuf.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(validate(m).detail, "missing Call-ID");
    load("mismatch02.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(validate(m).code, 501);
    load("unkscm.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(validate(m).code, 416);
}

TEST_F(Torture, StreamFramingOfDblreq) {
    // Over TCP the second message of dblreq is a message of its own.
    load("dblreq.dat", Framing::kStream);
    ASSERT_TRUE(result.ok());
    std::string_view rest = std::string_view(bytes).substr(m.size);
    ParseResult second = parse(rest, m, Framing::kStream);
    EXPECT_EQ(m.method, Method::kInvite);
    EXPECT_TRUE(second.ok()) << second.verdict.detail;
}

}  // namespace
}  // namespace sipstorm::sip
