// The one JSON reading policy (vote/core/strict_json.hpp): each parse rule, and each field
// reader's missing / wrong-kind cases.
#include "vote/core/strict_json.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace vote::strict_json {
namespace {

// The reason `text` is refused ("" when it is accepted).
std::string refusal(std::string_view text, const parse_rules& rules = {}) {
  const parse_result r = parse(text, rules);
  EXPECT_EQ(r.value.has_value(), r.problem.empty()) << text.substr(0, 80);
  return r.problem;
}

bool accepted(std::string_view text, const parse_rules& rules = {}) {
  return refusal(text, rules).empty();
}

json object(std::string_view text) {
  parse_result r = parse(text);
  EXPECT_TRUE(r.value) << r.problem;
  return r.value ? std::move(*r.value) : json::object();
}

bool mentions(const std::string& problem, std::string_view what) {
  return problem.find(what) != std::string::npos;
}

TEST(StrictJsonParse, AWellFormedObjectParses) {
  const parse_result r = parse(R"( {"a": [1, {"b": "c"}], "d": null} )");
  ASSERT_TRUE(r.value);
  EXPECT_EQ((*r.value)["a"][1]["b"], "c");
  EXPECT_TRUE(r.problem.empty());
}

TEST(StrictJsonParse, ADepthBombIsRefusedByTheScanBeforeParsing) {
  EXPECT_TRUE(mentions(refusal(std::string(1'000'000, '[')), "nested deeper than 8 levels"));
  EXPECT_TRUE(mentions(refusal(std::string(1'000'000, '{')), "nested deeper than 8 levels"));
  const std::string closed = std::string(100'000, '[') + std::string(100'000, ']');
  EXPECT_TRUE(mentions(refusal(closed, {.top = kind::any}), "nested deeper"));
  // Depth 8 (the object and 7 arrays) is the limit; one more is refused.
  const std::string eight = R"({"x":)" + std::string(7, '[') + std::string(7, ']') + "}";
  const std::string nine = R"({"x":)" + std::string(8, '[') + std::string(8, ']') + "}";
  EXPECT_TRUE(accepted(eight));
  EXPECT_TRUE(mentions(refusal(nine), "nested deeper than 8 levels"));
  // A caller may ask for less (peer control messages are flat) or more.
  EXPECT_TRUE(mentions(refusal(R"({"a":{}})", {.max_depth = 1}), "nested deeper than 1 levels"));
  EXPECT_TRUE(accepted(nine, {.max_depth = 9}));
}

TEST(StrictJsonParse, BracketsInsideStringsDoNotCount) {
  EXPECT_TRUE(accepted(R"({"x":")" + std::string(100, '[') + R"(\"{{{{{{{{{{"})"));
  EXPECT_TRUE(depth_within(R"("[[[[")", 0));
  EXPECT_FALSE(depth_within("[[", 1));
}

TEST(StrictJsonParse, ARepeatedKeyIsRefusedAtAnyDepth) {
  EXPECT_EQ(refusal(R"({"a":1,"a":2})"), "duplicate field 'a'");
  EXPECT_EQ(refusal(R"({"a":1,"a":1})"), "duplicate field 'a'");  // even with the same value
  EXPECT_EQ(refusal(R"({"x":{"b":1,"c":2,"b":3}})"), "duplicate field 'b'");
  EXPECT_EQ(refusal(R"({"x":[1,{"y":[{"b":1,"b":1}]}]})"), "duplicate field 'b'");
  EXPECT_EQ(refusal(R"([{"k":1,"k":2}])", {.top = kind::array}), "duplicate field 'k'");
  // The same key in sibling or nested objects is not a repeat.
  EXPECT_TRUE(accepted(R"({"b":{"b":1},"x":[{"b":1},{"b":2}]})"));
}

TEST(StrictJsonParse, InvalidUtf8IsRefusedInValuesAndKeys) {
  for (const std::string bad :
       {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\x80z", "\xe2\x9c"}) {
    EXPECT_FALSE(accepted(R"({"a":")" + bad + "\"}")) << bad;
    EXPECT_FALSE(accepted("{\"" + bad + "\":1}")) << bad;
  }
  EXPECT_FALSE(accepted(R"({"a":"\ud800"})"));  // a lone surrogate escape
  EXPECT_TRUE(accepted("{\"a\":\"J\xC3\xBCrgen \\ud83d\\ude00\"}"));
}

TEST(StrictJsonParse, ARawNulByteIsRefusedInsideAndOutsideStrings) {
  using namespace std::string_literals;
  for (const std::string& text : {"{\"a\":\"x\0y\"}"s, "{\"a\":1}\0junk"s, "{\0\"a\":1}"s, "\0"s,
                                  "{\"a\":1}\0"s, "{\"a\0\":1}"s}) {
    EXPECT_EQ(refusal(text), "a NUL byte in the JSON text");
  }
  // The escape is a character like any other.
  EXPECT_EQ(object(R"({"a":"x\u0000y"})")["a"], std::string("x\0y", 3));
}

TEST(StrictJsonParse, NumbersOutsideTheDoubleRangeAreRefused) {
  for (const char* n : {"1e999", "-1e999", "1e400"}) {
    const std::string problem = refusal(std::string(R"({"n":)") + n + "}");
    EXPECT_EQ(problem, "malformed JSON: number out of range") << n;
  }
  // An integer too big for 64 bits is a double: no integer reader accepts it.
  const json j = object(R"({"big":99999999999999999999999,"neg":-99999999999999999999})");
  std::uint64_t u = 7;
  std::int64_t i = 7;
  EXPECT_FALSE(read_u64(j, "big", u));
  EXPECT_FALSE(read_i64(j, "big", i));
  EXPECT_FALSE(read_i64(j, "neg", i));
  EXPECT_EQ(u, 7u);
  EXPECT_EQ(i, 7);
}

TEST(StrictJsonParse, TheTopLevelMustBeOfTheExpectedKind) {
  for (const char* text : {"[]", "\"a\"", "1", "null", "true"}) {
    EXPECT_EQ(refusal(text), "a message must be a JSON object") << text;
  }
  EXPECT_EQ(refusal("{}", {.top = kind::array}), "a message must be a JSON array");
  EXPECT_TRUE(accepted("[1]", {.top = kind::array}));
  for (const char* text : {"[]", "\"a\"", "1", "null", "{}"}) {
    EXPECT_TRUE(accepted(text, {.top = kind::any})) << text;
  }
}

TEST(StrictJsonParse, MalformedTextIsRefusedWithItsPosition) {
  for (const char* text : {"", " ", "{", R"({"a":})", R"({"a":1} x)", R"({"a":1,})", "{a:1}",
                           "{'a':1}", R"({"a":1}{"a":1})", "// c\n{}", "nul"}) {
    EXPECT_TRUE(mentions(refusal(text), "malformed JSON")) << text;
  }
  EXPECT_EQ(refusal(R"({"a":})"), "malformed JSON at byte 6");
}

TEST(StrictJsonParse, AReasonNeverQuotesTheRawInput) {
  const std::string secret = "hunter2-secret";
  for (const std::string& text : {R"({"a":")" + secret + "\xff\"}", R"({"a":)" + secret + "}",
                                  "{\"" + secret + "\"}", R"({"a":1e999)" + secret + "}", secret}) {
    const std::string problem = refusal(text);
    EXPECT_FALSE(problem.empty()) << text;
    EXPECT_FALSE(mentions(problem, secret)) << problem;
  }
  // A repeated key is named, cut to 64 bytes.
  const std::string key(1000, 'k');
  EXPECT_EQ(refusal("{\"" + key + "\":1,\"" + key + "\":2}"),
            "duplicate field '" + std::string(64, 'k') + "...'");
}

TEST(StrictJsonParse, RandomBytesNeverThrow) {
  std::mt19937 rng(20261203);
  const std::string alphabet = "{}[]\":,0123456789-+.eE \\utrfalsn\x01\xff\xc3\x80";
  for (int i = 0; i < 20000; ++i) {
    std::string text(rng() % 40, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    ASSERT_NO_THROW((void)parse(text, {.top = kind::any})) << i;
  }
}

TEST(StrictJsonDump, ReplacesInvalidUtf8AndKeepsValidTextExact) {
  const json j = {{"a", "J\xC3\xBCrgen"}, {"b", "x\xffy"}};
  const std::string text = dump(j);
  EXPECT_EQ(text, "{\"a\":\"J\xC3\xBCrgen\",\"b\":\"x\xEF\xBF\xBDy\"}");
  EXPECT_EQ(object(text)["a"], "J\xC3\xBCrgen");
}

TEST(StrictJsonReaders, StringReadsOnlyAString) {
  const json j = object(R"({"s":"text","n":1,"z":null,"a":["x"]})");
  std::string out = "untouched";
  EXPECT_TRUE(read_string(j, "s", out));
  EXPECT_EQ(out, "text");
  out = "untouched";
  for (const char* name : {"missing", "n", "z", "a"}) {
    EXPECT_FALSE(read_string(j, name, out)) << name;
  }
  EXPECT_EQ(out, "untouched");
  EXPECT_FALSE(read_string(json::array({"s"}), "s", out));  // not an object
}

TEST(StrictJsonReaders, U64ReadsOnlyAnUnsignedInteger) {
  const json j = object(R"({"zero":0,"max":18446744073709551615,"neg":-1,"neg_zero":-0,)"
                        R"("frac":1.5,"exp":1e3,"s":"1","b":true,"z":null})");
  std::uint64_t out = 7;
  EXPECT_TRUE(read_u64(j, "zero", out));
  EXPECT_EQ(out, 0u);
  EXPECT_TRUE(read_u64(j, "max", out));
  EXPECT_EQ(out, std::numeric_limits<std::uint64_t>::max());
  out = 7;
  for (const char* name : {"missing", "neg", "neg_zero", "frac", "exp", "s", "b", "z"}) {
    EXPECT_FALSE(read_u64(j, name, out)) << name;
  }
  EXPECT_EQ(out, 7u);
}

TEST(StrictJsonReaders, I64ReadsAnyIntegerWithinInt64) {
  const json j = object(R"({"min":-9223372036854775808,"max":9223372036854775807,)"
                        R"("over":9223372036854775808,"frac":-1.5,"s":"-1","z":null})");
  std::int64_t out = 7;
  EXPECT_TRUE(read_i64(j, "min", out));
  EXPECT_EQ(out, std::numeric_limits<std::int64_t>::min());
  EXPECT_TRUE(read_i64(j, "max", out));
  EXPECT_EQ(out, std::numeric_limits<std::int64_t>::max());
  out = 7;
  for (const char* name : {"missing", "over", "frac", "s", "z"}) {
    EXPECT_FALSE(read_i64(j, name, out)) << name;
  }
  EXPECT_EQ(out, 7);
}

TEST(StrictJsonReaders, BoolReadsOnlyABoolean) {
  const json j = object(R"({"t":true,"f":false,"n":0,"s":"true","z":null})");
  bool out = false;
  EXPECT_TRUE(read_bool(j, "t", out));
  EXPECT_TRUE(out);
  EXPECT_TRUE(read_bool(j, "f", out));
  EXPECT_FALSE(out);
  out = true;
  for (const char* name : {"missing", "n", "s", "z"}) {
    EXPECT_FALSE(read_bool(j, name, out)) << name;
  }
  EXPECT_TRUE(out);
}

TEST(StrictJsonReaders, ListsReadOnlyArraysOfTheirKind) {
  const json j = object(R"({"s":["a","b"],"e":[],"mixed":["a",1],"n":[1,2],"neg":[1,-1],)"
                        R"("str":"ab","obj":{"0":"a"}})");
  std::vector<std::string> strings{"untouched"};
  EXPECT_TRUE(read_strings(j, "s", strings));
  EXPECT_EQ(strings, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(read_strings(j, "e", strings));
  EXPECT_TRUE(strings.empty());
  strings = {"untouched"};
  for (const char* name : {"missing", "mixed", "n", "str", "obj"}) {
    EXPECT_FALSE(read_strings(j, name, strings)) << name;
  }
  EXPECT_EQ(strings, (std::vector<std::string>{"untouched"}));
  std::vector<std::uint64_t> ids{99};
  EXPECT_TRUE(read_u64s(j, "n", ids));
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{1, 2}));
  ids = {99};
  for (const char* name : {"missing", "s", "neg", "obj"}) {
    EXPECT_FALSE(read_u64s(j, name, ids)) << name;
  }
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{99}));
}

TEST(StrictJsonReaders, ObjectAndArrayMembersAreFoundOnlyWithTheirKind) {
  const json j = object(R"({"o":{"k":1},"a":[1],"n":null})");
  ASSERT_NE(object_field(j, "o"), nullptr);
  EXPECT_EQ((*object_field(j, "o"))["k"], 1);
  EXPECT_EQ(object_field(j, "a"), nullptr);
  EXPECT_EQ(object_field(j, "missing"), nullptr);
  ASSERT_NE(array_field(j, "a"), nullptr);
  EXPECT_EQ(array_field(j, "o"), nullptr);
  EXPECT_NE(find(j, "n"), nullptr);  // present, whatever its kind
  EXPECT_EQ(find(j, "missing"), nullptr);
  EXPECT_EQ(find(json::array(), "o"), nullptr);
}

TEST(StrictJsonReaders, UnknownKeyNamesTheFirstKeyNotAllowed) {
  constexpr std::string_view allowed[] = {"a", "b"};
  EXPECT_FALSE(unknown_key(object(R"({"a":1,"b":2})"), allowed));
  EXPECT_FALSE(unknown_key(object("{}"), allowed));
  EXPECT_EQ(unknown_key(object(R"({"a":1,"c":2})"), allowed), "c");
}

TEST(StrictJsonReaders, ProblemSaysMissingOrWhatTheFieldMustBe) {
  const json j = object(R"({"n":1})");
  EXPECT_EQ(problem(j, "s", "a string"), "missing field 's'");
  EXPECT_EQ(problem(j, "n", "a string"), "field 'n' must be a string");
  EXPECT_EQ(quote_name(std::string(70, 'k')), "'" + std::string(64, 'k') + "...'");
  // A cut never splits a UTF-8 character.
  EXPECT_EQ(quote_name(std::string(63, 'k') + "\xC3\xBC" + "tail"),
            "'" + std::string(63, 'k') + "...'");
}

}  // namespace
}  // namespace vote::strict_json
