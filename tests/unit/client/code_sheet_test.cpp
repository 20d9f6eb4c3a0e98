// The voters' links and the printable code sheet (include/vote/client/code_sheet.hpp).
#include "vote/client/code_sheet.hpp"

#include <qrencode.h>

#include <array>
#include <memory>
#include <regex>

#include <gtest/gtest.h>

#include "vote/core/credentials.hpp"

namespace vote::client {
namespace {

std::string base_of(const std::string& url) {
  std::string error;
  auto base = code_url_base(url, error);
  EXPECT_TRUE(base) << url << ": " << error;
  return base.value_or("");
}

std::string problem_with(const std::string& url) {
  std::string error;
  EXPECT_FALSE(code_url_base(url, error)) << url;
  return error;
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(CodeSheet, ABaseUrlIsASchemeAHostAndAPort) {
  EXPECT_EQ(base_of("http://10.0.0.5:8080"), "http://10.0.0.5:8080");
  EXPECT_EQ(base_of("http://10.0.0.5:8080/"), "http://10.0.0.5:8080");
  EXPECT_EQ(base_of("HTTPS://vote.example.org"), "https://vote.example.org");
  EXPECT_EQ(base_of("https://[fd00::5]:8443/"), "https://[fd00::5]:8443");
  EXPECT_EQ(base_of("http://xn--bcher-kva.example:80"), "http://xn--bcher-kva.example:80");

  EXPECT_TRUE(mentions(problem_with("ftp://10.0.0.5"), "http:// or https://"));
  EXPECT_TRUE(mentions(problem_with("10.0.0.5:8080"), "http:// or https://"));
  EXPECT_TRUE(mentions(problem_with("http://"), "no host"));
  EXPECT_TRUE(mentions(problem_with("http://:8080"), "no host"));
  EXPECT_TRUE(mentions(problem_with("http://admin:pw@10.0.0.5"), "user name"));
  EXPECT_TRUE(mentions(problem_with("http://10.0.0.5/vote#e=x"), "fragment"));
  EXPECT_TRUE(mentions(problem_with("http://10.0.0.5/?x=1"), "query"));
  EXPECT_TRUE(mentions(problem_with("http://10.0.0.5:8080/vote"), "path"));
  EXPECT_TRUE(mentions(problem_with("http://10.0.0.5:0"), "port"));
  EXPECT_TRUE(mentions(problem_with("http://10.0.0.5:65536"), "port"));
  EXPECT_TRUE(mentions(problem_with("http://10.0.0.5:"), "port"));
  EXPECT_TRUE(mentions(problem_with("http://10.0.0.5:80a"), "port"));
  EXPECT_TRUE(mentions(problem_with("http://bad_host"), "host"));
  EXPECT_TRUE(mentions(problem_with("http://a..b"), "host"));
  EXPECT_TRUE(mentions(problem_with("http://bücher.example"), "non-ASCII"));
  EXPECT_TRUE(mentions(problem_with("http://10.0.0.5 /"), "space"));
}

TEST(CodeSheet, TheLinkCarriesTheElectionAndTheCodeInItsFragment) {
  EXPECT_EQ(encode_uri_component("a-z_A.Z~0!9*'()"), "a-z_A.Z~0!9*'()");
  EXPECT_EQ(code_link("http://h:1", "Board & Co #2 ét", "K7QF9MZD3XTAPW2R"),
            "http://h:1/vote#e=Board%20%26%20Co%20%232%20%C3%A9t&c=K7QF-9MZD-3XTA-PW2R");
  EXPECT_EQ(encode_uri_component("a/b?c=d,e+f%"), "a%2Fb%3Fc%3Dd%2Ce%2Bf%25");
}

TEST(CodeSheet, TheSheetSitsBesideTheCsv) {
  EXPECT_EQ(code_sheet_path("out/codes.csv"), "out/codes.html");
  EXPECT_EQ(code_sheet_path("CODES.CSV"), "CODES.html");
  EXPECT_EQ(code_sheet_path("codes"), "codes.html");
  EXPECT_EQ(code_sheet_path("codes.txt"), "codes.txt.html");
  EXPECT_EQ(code_sheet_path(".csv"), ".csv.html");
}

TEST(CodeSheet, HtmlTextIsEscaped) {
  EXPECT_EQ(html_escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  EXPECT_EQ(html_escape("Zoë 日本\t"), "Zoë 日本\t");
  EXPECT_EQ(html_escape(std::string("a\0b\x7f"
                                    "c\xC2\x85",
                                    7)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\xEF\xBF\xBD");
}

// The SVG's dark modules, one run per subpath, as (x, y, length).
std::vector<std::array<int, 3>> runs_of(const std::string& svg) {
  std::smatch d;
  EXPECT_TRUE(std::regex_search(svg, d, std::regex("<path fill=\"#000\" d=\"([^\"]*)\"")));
  const std::string path = d[1];
  const std::regex run("M(\\d+),(\\d+)h(\\d+)v1h-(\\d+)z");
  std::vector<std::array<int, 3>> out;
  std::size_t covered = 0;
  for (auto it = std::sregex_iterator(path.begin(), path.end(), run); it != std::sregex_iterator();
       ++it) {
    EXPECT_EQ((*it)[3], (*it)[4]);
    out.push_back({std::stoi((*it)[1]), std::stoi((*it)[2]), std::stoi((*it)[3])});
    covered += static_cast<std::size_t>(it->length());
  }
  EXPECT_EQ(covered, path.size()) << "the path has only runs";
  return out;
}

TEST(CodeSheet, TheQrCodeIsTheSymbolInAFourModuleQuietZone) {
  const std::string url =
      code_link("http://10.0.0.5:8080", "board election 2026", "K7QF9MZD3XTAPW2R");
  const std::unique_ptr<QRcode, void (*)(QRcode*)> qr(
      QRcode_encodeString(url.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
  ASSERT_TRUE(qr);
  ASSERT_EQ(qr->width, 17 + 4 * qr->version);
  const std::string svg = qr_svg(url);
  const std::string side = std::to_string(qr->width + 8);
  EXPECT_TRUE(mentions(svg, "viewBox=\"0 0 " + side + " " + side + "\"")) << svg;
  EXPECT_TRUE(mentions(svg, "<rect width=\"" + side + "\" height=\"" + side + "\" fill=\"#fff\""));

  const auto runs = runs_of(svg);
  ASSERT_FALSE(runs.empty());
  EXPECT_EQ(runs.front(), (std::array<int, 3>{4, 4, 7}));  // the top row of a finder pattern
  int dark = 0;
  for (const auto& [x, y, n] : runs) {
    EXPECT_GE(x, 4);
    EXPECT_GE(y, 4);
    EXPECT_LE(x + n, qr->width + 4);
    EXPECT_LT(y, qr->width + 4);
    for (int i = 0; i < n; ++i) EXPECT_EQ(qr->data[(y - 4) * qr->width + x - 4 + i] & 1, 1);
    dark += n;
  }
  int expected = 0;
  for (int i = 0; i < qr->width * qr->width; ++i) expected += qr->data[i] & 1;
  EXPECT_EQ(dark, expected);
}

TEST(CodeSheet, TheSheetHasAnEscapedSlipPerVoterAndNoScript) {
  const std::string election = "board <2026>";
  std::vector<voter_code> codes = {
      {.voter = "<script>alert(1)</script>", .code = "K7QF9MZD3XTAPW2R"},
      {.voter = "Zoë", .code = "2222222222222222"}};
  for (auto& c : codes) c.url = code_link("https://h:8443", election, c.code);
  const std::string html = code_sheet_html(election, codes);

  EXPECT_FALSE(mentions(html, "<script"));
  EXPECT_TRUE(mentions(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_TRUE(mentions(html, "Election: <bdi>board &lt;2026&gt;</bdi>"));
  EXPECT_TRUE(mentions(html, "<bdi>Zoë</bdi>"));
  EXPECT_TRUE(mentions(html, "K7QF-9MZD-3XTA-PW2R"));
  EXPECT_TRUE(mentions(html, "https://h:8443/vote#e=board%20%3C2026%3E&amp;c=2222-2222-2222-2222"));
  EXPECT_TRUE(mentions(html,
                       "type the code with the <code>vote</code> command. Keep this code "
                       "secret."));
  std::size_t slips = 0;
  for (std::size_t at = html.find("class=\"slip\""); at != std::string::npos;
       at = html.find("class=\"slip\"", at + 1)) {
    ++slips;
  }
  EXPECT_EQ(slips, 2u);
  std::size_t svgs = 0;
  for (std::size_t at = html.find("<svg "); at != std::string::npos;
       at = html.find("<svg ", at + 1)) {
    ++svgs;
  }
  EXPECT_EQ(svgs, 2u);
  EXPECT_FALSE(std::regex_search(html, std::regex(" on[a-z]+=")));  // no event handlers
}

}  // namespace
}  // namespace vote::client
