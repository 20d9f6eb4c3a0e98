// One HTTP/1.1 exchange with a server on 127.0.0.1, for the tests of the metrics endpoint and the
// web pages: Beast's client, bounded by a timeout, nullopt on any transport failure. Compiled
// once (http_client.cpp), so the tests that use it do not each instantiate Beast.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <boost/beast/http/verb.hpp>

namespace vote::test {

struct http_answer {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // as sent (name case kept)
  std::string body;
  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// `body` is sent with `content_type` when not empty.
std::optional<http_answer> http_call(
    std::uint16_t port, boost::beast::http::verb method, const std::string& target,
    const std::string& body = {},
    std::chrono::milliseconds timeout = std::chrono::milliseconds(15000),
    const std::string& content_type = "application/json");

}  // namespace vote::test
