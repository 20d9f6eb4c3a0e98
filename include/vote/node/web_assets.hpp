// The voters' pages (web/: HTML, CSS, JavaScript, SVG), embedded in vote-server when it is built
// (cmake/vote_web_assets.cmake), so a server needs no file and no network to serve them
// (docs/web.md "Pages").
#pragma once

#include <span>
#include <string_view>

namespace vote::node {

struct web_asset {
  std::string_view path;          // as served: "/vote", "/app.css", ...
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view body;
  std::string_view etag;  // a quoted hash of the body: "\"…\""
};

// The asset served at `path` ("/" is the index page); nullptr when there is none.
const web_asset* find_web_asset(std::string_view path) noexcept;
// Every asset, for the page-weight check of the tests.
std::span<const web_asset> web_assets() noexcept;

}  // namespace vote::node
