// NFC normalisation: composition, stable forms and refusal of ill-formed UTF-8.
#include "vote/core/unicode.hpp"

#include <string>

#include <gtest/gtest.h>

namespace vote {
namespace {

TEST(Nfc, ComposesADecomposedAccent) {
  EXPECT_EQ(nfc("e\xCC\x81"), "\xC3\xA9");  // e + U+0301 -> U+00E9
  EXPECT_EQ(nfc("Jose\xCC\x81 Mu\xCC\x88ller"), "Jos\xC3\xA9 M\xC3\xBCller");
}

TEST(Nfc, LeavesNfcTextUnchanged) {
  EXPECT_EQ(nfc(""), "");
  EXPECT_EQ(nfc("alice"), "alice");
  EXPECT_EQ(nfc("\xC3\xA9l\xC3\xA8ve"), "\xC3\xA9l\xC3\xA8ve");            // élève
  EXPECT_EQ(nfc("\xE5\xB1\xB1\xE7\x94\xB0"), "\xE5\xB1\xB1\xE7\x94\xB0");  // 山田
  EXPECT_EQ(nfc("\xF0\x9F\x97\xB3"), "\xF0\x9F\x97\xB3");                  // U+1F5F3, four bytes
}

TEST(Nfc, ComposesHangulJamoIntoASyllable) {
  // U+1112 U+1161 U+11AB (ᄒ ᅡ ᆫ) -> U+D55C (한)
  EXPECT_EQ(nfc("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"), "\xED\x95\x9C");
  EXPECT_EQ(nfc("\xED\x95\x9C"), "\xED\x95\x9C");
}

TEST(Nfc, OrdersCombiningMarksCanonically) {
  // q + dot below (ccc 220) + dot above (ccc 230) in either order is one NFC string.
  EXPECT_EQ(nfc("q\xCC\x87\xCC\xA3"), nfc("q\xCC\xA3\xCC\x87"));
}

TEST(Nfc, KeepsControlCharactersAndNul) {
  using namespace std::string_literals;
  EXPECT_EQ(nfc("a\0b\t\xC3\xA9"s), "a\0b\t\xC3\xA9"s);
  EXPECT_EQ(nfc("e\0\xCC\x81"s), "e\0\xCC\x81"s);  // the mark does not reach across the NUL
}

TEST(Nfc, RefusesInvalidUtf8) {
  EXPECT_FALSE(nfc("\x80"));              // a lone continuation byte
  EXPECT_FALSE(nfc("abc\xBF"));           // ... after ASCII
  EXPECT_FALSE(nfc("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(nfc("\xE0\x80\xAF"));      // overlong '/', three bytes
  EXPECT_FALSE(nfc("\xED\xA0\x80"));      // the surrogate U+D800
  EXPECT_FALSE(nfc("\xED\xBF\xBF"));      // the surrogate U+DFFF
  EXPECT_FALSE(nfc("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(nfc("\xC3"));              // truncated two-byte sequence
  EXPECT_FALSE(nfc("caf\xE2\x82"));       // truncated three-byte sequence at the end
  EXPECT_FALSE(nfc("\xE2\x82 x"));        // ... in the middle
  EXPECT_FALSE(nfc("\xFF"));
}

TEST(Nfc, LatinFastPathStillChecksTheBytes) {
  EXPECT_EQ(nfc("\xCB\xBF"), "\xCB\xBF");   // U+02FF, the last code point below marks
  EXPECT_EQ(nfc("a\xCC\x80"), "\xC3\xA0");  // U+0300 composes: not the fast path
  EXPECT_FALSE(nfc("\xC3\x28"));            // a lead byte without its continuation
  EXPECT_FALSE(nfc("\xC3\xA9\xA9"));        // a continuation byte too many
  EXPECT_FALSE(nfc("\xC1\xBF"));            // overlong U+007F
}

TEST(IsNfc, TellsNormalisedFromDecomposedAndInvalid) {
  EXPECT_TRUE(is_nfc(""));
  EXPECT_TRUE(is_nfc("bob"));
  EXPECT_TRUE(is_nfc("\xC3\xA9"));
  EXPECT_FALSE(is_nfc("e\xCC\x81"));
  EXPECT_FALSE(is_nfc("\xE1\x84\x92\xE1\x85\xA1"));
  EXPECT_FALSE(is_nfc("\xC0\xAF"));
}

TEST(DisplayWidth, CountsTerminalColumnsPerGraphemeCluster) {
  EXPECT_EQ(display_width(""), 0U);
  EXPECT_EQ(display_width("Alice"), 5U);
  EXPECT_EQ(display_width("\xC3\xA9"), 1U);                          // é, one code point
  EXPECT_EQ(display_width("e\xCC\x81"), 1U);                         // e + combining acute
  EXPECT_EQ(display_width("\xE6\x97\xA5\xE6\x9C\xAC"), 4U);          // 日本: wide
  EXPECT_EQ(display_width("\xEF\xBC\xA1"), 2U);                      // Ａ, fullwidth
  EXPECT_EQ(display_width("\xF0\x9F\x98\x80"), 2U);                  // 😀
  EXPECT_EQ(display_width("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD"), 2U);  // 👍 + skin tone
  // 👨‍👩‍👧: three emoji joined by U+200D, one cluster
  EXPECT_EQ(display_width("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D"
                          "\xF0\x9F\x91\xA7"),
            2U);
  EXPECT_EQ(display_width("\xE2\x9D\xA4\xEF\xB8\x8F"), 2U);  // ❤ + U+FE0F: emoji presentation
  EXPECT_EQ(display_width("a\tb"), 2U);                      // a control character takes none
  EXPECT_EQ(display_width("a\xFF"
                          "b"),
            3U);  // an ill-formed byte takes one
  EXPECT_EQ(display_width("\xE6\x97\xA5x\xF0\x9F\x98\x80"), 5U);
}

}  // namespace
}  // namespace vote
