#include "vote/net/local_peer.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace vote::net {

namespace {

constexpr std::string_view tcp_established = "01";  // the `st` column (include/net/tcp_states.h)

// "0100007F:1F90": the address as the kernel's 32-bit value printed in hex (so in host byte
// order), then the port in hex.
std::optional<boost::asio::ip::tcp::endpoint> parse_endpoint(std::string_view s) {
  const auto colon = s.find(':');
  if (colon != 8 || s.size() != 13) return std::nullopt;
  std::uint32_t raw = 0;
  std::uint16_t port = 0;
  auto a = std::from_chars(s.data(), s.data() + 8, raw, 16);
  auto p = std::from_chars(s.data() + 9, s.data() + s.size(), port, 16);
  if (a.ptr != s.data() + 8 || p.ptr != s.data() + s.size()) return std::nullopt;
  // The kernel printed the in-memory (network order) 32 bits as a host integer: on a
  // little-endian machine the first octet is the lowest byte.
  const unsigned char* b = reinterpret_cast<const unsigned char*>(&raw);
  boost::asio::ip::address_v4::bytes_type bytes{b[0], b[1], b[2], b[3]};
  return boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4(bytes), port);
}

// The next whitespace-separated field of `line` from `pos`.
std::string_view next_field(std::string_view line, std::size_t& pos) {
  while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
  const std::size_t start = pos;
  while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t') ++pos;
  return line.substr(start, pos - start);
}

}  // namespace

std::optional<std::uint32_t> parse_socket_owner(std::string_view table,
                                                const boost::asio::ip::tcp::endpoint& client,
                                                const boost::asio::ip::tcp::endpoint& server) {
  // Columns: sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...
  while (!table.empty()) {
    const auto end = table.find('\n');
    const std::string_view line = table.substr(0, end);
    table = end == std::string_view::npos ? std::string_view{} : table.substr(end + 1);
    std::size_t pos = 0;
    next_field(line, pos);  // sl
    const auto local = parse_endpoint(next_field(line, pos));
    const auto remote = parse_endpoint(next_field(line, pos));
    const auto state = next_field(line, pos);
    if (!local || !remote || *local != client || *remote != server || state != tcp_established)
      continue;
    next_field(line, pos);  // tx_queue:rx_queue
    next_field(line, pos);  // tr:tm->when
    next_field(line, pos);  // retrnsmt
    const auto uid_text = next_field(line, pos);
    std::uint32_t uid = 0;
    auto r = std::from_chars(uid_text.data(), uid_text.data() + uid_text.size(), uid);
    if (uid_text.empty() || r.ptr != uid_text.data() + uid_text.size()) return std::nullopt;
    return uid;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> socket_owner_uid(const boost::asio::ip::tcp::endpoint& client,
                                              const boost::asio::ip::tcp::endpoint& server) {
  if (!client.address().is_v4() || !server.address().is_v4()) return std::nullopt;
  std::ifstream in("/proc/net/tcp");
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return parse_socket_owner(text.str(), client, server);
}

}  // namespace vote::net
