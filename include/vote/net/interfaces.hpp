// Network interface detection and "host:port" endpoints (DESIGN.md §2).
//
// detect_interface() picks the address a server announces and the broadcast address clients and
// servers use by default: the first interface that is up, is not loopback and has an IPv4
// broadcast address. A machine without one falls back to 127.0.0.1 / 127.255.255.255 and says so
// (is_loopback_fallback), so the caller can warn. Pure POSIX (getifaddrs); no Asio.
//
// Network safety (DESIGN.md §9): tests never use the detected broadcast address; they pass
// 127.255.255.255 or a 127.0.0.1 server explicitly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vote::net {

inline constexpr std::string_view loopback_address = "127.0.0.1";
inline constexpr std::string_view loopback_broadcast = "127.255.255.255";

struct interface_info {
  std::string address;    // IPv4, dotted quad
  std::string broadcast;  // IPv4 broadcast address of that interface
  std::string name;       // e.g. "eth0"; "lo" on the fallback
  bool is_loopback_fallback = false;
  friend bool operator==(const interface_info&, const interface_info&) = default;
};

// The first up, non-loopback IPv4 interface with a broadcast address, else the loopback fallback.
// Never throws; an error of getifaddrs() also gives the fallback.
interface_info detect_interface() noexcept;

struct endpoint {
  std::string host;  // IPv4 literal, IPv6 literal (without brackets) or host name
  std::uint16_t port = 0;
  friend bool operator==(const endpoint&, const endpoint&) = default;
};

// Parses "host:port" or "[ipv6]:port". nullopt for an empty host, a host with whitespace, a
// missing/non-numeric port or a port outside 1..65535.
std::optional<endpoint> parse_endpoint(std::string_view text);

// "host:port", with brackets around an IPv6 literal: parse_endpoint(format_endpoint(e)) == e.
std::string format_endpoint(const endpoint& e);

}  // namespace vote::net
