// The voters' pages as vote-server embeds them (web_assets.hpp, cmake/vote_web_assets.cmake):
// every page at its path with its content type and an ETag, and nothing in them that the strict
// Content-Security-Policy (http_listener.hpp) would block or that would reach another host.
#include "vote/node/web_assets.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <iostream>
#include <regex>
#include <set>
#include <string>
#include <string_view>

namespace vote::node {
namespace {

using namespace std::string_literals;

constexpr std::size_t max_total_bytes = 60 * 1024;  // every asset together (issue 14)

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_html(const web_asset& a) {
  return a.content_type.starts_with("text/html");
}

TEST(WebAssetsTest, EveryPageAndScriptIsServedAtItsPath) {
  for (const char* path : {"/", "/vote", "/verify", "/results", "/observer", "/app.css",
                           "/common.js", "/vote.js", "/verify.js", "/results.js", "/observer.js"}) {
    const web_asset* a = find_web_asset(path);
    ASSERT_NE(a, nullptr) << path;
    EXPECT_EQ(a->path, path);
    EXPECT_FALSE(a->body.empty()) << path;
  }
  EXPECT_EQ(find_web_asset("/vote.html"), nullptr);  // pages only at their short path
  EXPECT_EQ(find_web_asset("/index.html"), nullptr);
  EXPECT_EQ(find_web_asset("/nothing"), nullptr);
  EXPECT_EQ(find_web_asset(""), nullptr);
}

TEST(WebAssetsTest, ContentTypesFollowTheExtensionAndEtagsAreQuotedAndDistinct) {
  std::set<std::string_view> etags;
  for (const web_asset& a : web_assets()) {
    SCOPED_TRACE(std::string(a.path));
    if (ends_with(a.path, ".css")) {
      EXPECT_EQ(a.content_type, "text/css; charset=utf-8");
    } else if (ends_with(a.path, ".js")) {
      EXPECT_EQ(a.content_type, "text/javascript; charset=utf-8");
    } else if (ends_with(a.path, ".svg")) {
      EXPECT_EQ(a.content_type, "image/svg+xml");
    } else if (a.path.find('.') == std::string_view::npos) {
      EXPECT_EQ(a.content_type, "text/html; charset=utf-8");
    }
    ASSERT_GE(a.etag.size(), 18U);
    EXPECT_EQ(a.etag.front(), '"');
    EXPECT_EQ(a.etag.back(), '"');
    EXPECT_TRUE(etags.insert(a.etag).second) << "two assets share the ETag " << a.etag;
  }
}

// The CSP allows only this origin's script and style files: no inline <script> code, no <style>
// element, no style="" attribute, no inline event handler.
TEST(WebAssetsTest, NothingInlineThatTheContentSecurityPolicyBlocks) {
  const std::regex script_tag(R"(<script\b([^>]*)>([\s\S]*?)</script>)");
  const std::regex handler(R"(<[^>]*\son[a-z]+\s*=)", std::regex::icase);
  for (const web_asset& a : web_assets()) {
    SCOPED_TRACE(std::string(a.path));
    const std::string body(a.body);
    EXPECT_EQ(body.find("style="), std::string::npos);
    EXPECT_EQ(body.find("<style"), std::string::npos);
    EXPECT_EQ(body.find("javascript:"), std::string::npos);
    if (!is_html(a)) continue;
    EXPECT_FALSE(std::regex_search(body, handler));
    std::size_t scripts = 0;
    for (std::sregex_iterator m(body.begin(), body.end(), script_tag), end; m != end; ++m) {
      ++scripts;
      EXPECT_NE((*m)[1].str().find("src=\"/"), std::string::npos) << (*m)[0].str();
      EXPECT_EQ((*m)[2].str(), "") << "inline script code: " << (*m)[0].str();
    }
    std::size_t opened = 0;
    for (std::size_t at = body.find("<script"); at != std::string::npos;
         at = body.find("<script", at + 1)) {
      ++opened;
    }
    EXPECT_EQ(scripts, opened) << "a <script> tag without its </script>";
  }
}

// No asset names another host: no CDN, no fonts, no analytics. The SVG namespace is a name, not
// a fetch.
TEST(WebAssetsTest, NoUrlOfAnotherHost) {
  const std::regex url(R"(\b(https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,})");
  for (const web_asset& a : web_assets()) {
    SCOPED_TRACE(std::string(a.path));
    std::string body(a.body);
    for (std::size_t at; (at = body.find("http://www.w3.org/2000/svg")) != std::string::npos;) {
      body.erase(at, 26);
    }
    EXPECT_EQ(body.find("http://"), std::string::npos);
    EXPECT_EQ(body.find("https://"), std::string::npos);
    std::smatch m;
    EXPECT_FALSE(std::regex_search(body, m, url)) << m.str();
  }
}

TEST(WebAssetsTest, EveryAssetTogetherStaysSmall) {
  std::size_t total = 0;
  std::size_t vote_page = 0;
  for (const web_asset& a : web_assets()) {
    total += a.body.size();
    if (a.path == "/vote" || a.path == "/app.css" || a.path == "/common.js" ||
        a.path == "/vote.js" || a.path == "/favicon.svg") {
      vote_page += a.body.size();
    }
  }
  RecordProperty("web_assets_total_bytes", static_cast<int>(total));
  RecordProperty("vote_page_bytes", static_cast<int>(vote_page));
  std::cout << "web assets: " << web_assets().size() << " files, " << total << " bytes; /vote "
            << vote_page << " bytes\n";
  EXPECT_LT(total, max_total_bytes);
}

}  // namespace
}  // namespace vote::node
