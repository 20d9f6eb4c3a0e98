// Interface detection and endpoint parsing (include/vote/net/interfaces.hpp).
#include "vote/net/interfaces.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace vote::net {
namespace {

std::string ipv4_to_string(const sockaddr* addr) {
  std::array<char, INET_ADDRSTRLEN> text{};
  sockaddr_in in{};
  std::copy_n(reinterpret_cast<const char*>(addr), sizeof in, reinterpret_cast<char*>(&in));
  if (inet_ntop(AF_INET, &in.sin_addr, text.data(), text.size()) == nullptr) return {};
  return text.data();
}

bool usable(const ifaddrs& ifa) {
  const unsigned flags = ifa.ifa_flags;
  if (ifa.ifa_addr == nullptr || ifa.ifa_addr->sa_family != AF_INET) return false;
  if ((flags & IFF_UP) == 0 || (flags & IFF_LOOPBACK) != 0) return false;
  return (flags & IFF_BROADCAST) != 0 && ifa.ifa_broadaddr != nullptr;
}

interface_info loopback_fallback() {
  return {std::string(loopback_address), std::string(loopback_broadcast), "lo", true};
}

bool valid_host(std::string_view host) {
  if (host.empty()) return false;
  return std::none_of(host.begin(), host.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isspace(u) != 0 || std::iscntrl(u) != 0 || c == '/' || c == '[' || c == ']';
  });
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || value < 1 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace

interface_info detect_interface() noexcept {
  try {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return loopback_fallback();
    interface_info found = loopback_fallback();
    for (const ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
      if (!usable(*ifa)) continue;
      interface_info info{ipv4_to_string(ifa->ifa_addr), ipv4_to_string(ifa->ifa_broadaddr),
                          ifa->ifa_name != nullptr ? ifa->ifa_name : "", false};
      if (info.address.empty() || info.broadcast.empty()) continue;
      found = std::move(info);
      break;
    }
    freeifaddrs(list);
    return found;
  } catch (...) {  // std::bad_alloc while copying names: the fallback is still safe
    return loopback_fallback();
  }
}

std::optional<endpoint> parse_endpoint(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (host.find(':') == std::string_view::npos) return std::nullopt;  // brackets only for v6
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // bare IPv6: ambiguous
  }
  const auto p = parse_port(port);
  if (!valid_host(host) || !p) return std::nullopt;
  return endpoint{std::string(host), *p};
}

std::string format_endpoint(const endpoint& e) {
  const bool v6 = e.host.find(':') != std::string::npos;
  return (v6 ? "[" + e.host + "]" : e.host) + ":" + std::to_string(e.port);
}

}  // namespace vote::net
