// RFC 4475 and RFC 5118 torture messages, data-driven from each folder's MANIFEST.tsv: every 'valid'
// message must parse and validate, every 'invalid' one must be rejected with the code the manifest
// names, and every 'valid-but-odd' one must parse, and where the manifest names the answer a UAS
// gives (416, 420, 415, 406), validate() must give it. Each file is one datagram, as the RFCs take
// them. Spot checks below pin the tricky fields by value.
#include <gtest/gtest.h>

#include <algorithm>
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
    std::string kind;      // valid / invalid / valid-but-odd
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

// A UAS's answer to each 'valid-but-odd' message whose manifest phrase names one, as the set of
// outcomes it allows (0: handled normally). Rows whose phrase names only a registrar's, a proxy's or
// a non-registrar endpoint's answer (unksm2, regaut01), or none (bcast, inv2543), are absent: for
// them the parser need only accept the message. Every code listed must appear in the phrase, so the
// table cannot drift from the manifest.
struct OddAnswer {
    const char* file;
    std::vector<int> allowed;
};
const std::vector<OddAnswer> kOddAnswers = {
    {"badbranch.dat", {400, 0}},  // "either answer 400 ... or match transactions the RFC 2543 way"
    {"unkscm.dat", {416}},       {"novelsc.dat", {416, 404}}, {"bext01.dat", {420}},
    {"invut.dat", {415}},        {"sdp01.dat", {406, 400}},
};

const OddAnswer* odd_answer(const Case& c) {
    for (const OddAnswer& a : kOddAnswers)
        if (c.suite == "rfc4475" && c.file == a.file) return &a;
    return nullptr;
}

// Whether the outcome is what the manifest asks of a strict element.
bool strict_ok(const Case& c, const Outcome& o) {
    if (c.kind == "valid") return o.verdict.ok();
    if (c.kind == "valid-but-odd") {
        if (!o.parsed.ok()) return false;
        const OddAnswer* a = odd_answer(c);
        if (a == nullptr) return true;
        for (int code : a->allowed)
            if (o.verdict.code == code) return true;
        return false;
    }
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
    ASSERT_TRUE(c.kind == "valid" || c.kind == "invalid" || c.kind == "valid-but-odd")
        << c.file << ": unknown kind '" << c.kind << "'";
    EXPECT_TRUE(strict_ok(c, o)) << c.file << ": expected '" << c.expected << "', got " << got;
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

TEST(Conformance, OddAnswersFollowTheManifest) {
    const std::vector<Case> cases = load_cases();
    for (const OddAnswer& a : kOddAnswers) {
        const Case* row = nullptr;
        for (const Case& c : cases)
            if (c.suite == "rfc4475" && c.file == a.file) row = &c;
        ASSERT_NE(row, nullptr) << a.file << " is not in the manifest";
        EXPECT_EQ(row->kind, "valid-but-odd") << a.file;
        const std::vector<int> named = named_codes(row->expected);
        for (int code : a.allowed) {
            if (code == 0) continue;
            EXPECT_NE(std::find(named.begin(), named.end(), code), named.end())
                << a.file << ": the manifest does not name " << code;
        }
    }
}

TEST(Conformance, Summary) {
    const std::vector<Case> cases = load_cases();
    int strict[2] = {0, 0}, passed[2] = {0, 0}, total[2] = {0, 0};
    MessageView m;
    for (const Case& c : cases) {
        const int s = c.suite == "rfc4475" ? 0 : 1;
        ++total[s];
        const Outcome o = run(slurp(kShared / c.suite / c.file), m);
        const bool ok = strict_ok(c, o);
        if (c.kind != "valid-but-odd") {
            ++strict[s];
            passed[s] += ok ? 1 : 0;
        }
    }
    std::printf("RFC 4475: %d/%d strict verdicts (%d messages); RFC 5118: %d/%d\n", passed[0], strict[0],
                total[0], passed[1], strict[1]);
    EXPECT_EQ(total[0], 49);
    EXPECT_EQ(strict[0], 39);
    EXPECT_EQ(passed[0], 39);
    EXPECT_EQ(total[1], 12);
    EXPECT_EQ(strict[1], 12);
    EXPECT_EQ(passed[1], 12);
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

TEST_F(Torture, UasAnswersToOddRequests) {
    load("baddate.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(validate(m).detail, "Date not in GMT");
    load("bext01.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(validate(m).code, 420);
    load("invut.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(validate(m).code, 415);
    load("sdp01.dat");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(validate(m).code, 406);
}

TEST(Rfc5118, ThreeColonsBeforeAnEmbeddedIPv4AreTolerated) {
    const std::string bytes = slurp(kShared / "rfc5118" / "ipv6-bug-abnf-3-colons.dat");
    MessageView m;
    ASSERT_TRUE(parse(bytes, m).ok());
    EXPECT_TRUE(validate(m).ok()) << validate(m).detail;
    EXPECT_EQ(m.request_uri, "sip:user@[2001:db8:::192.0.2.1]");
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
