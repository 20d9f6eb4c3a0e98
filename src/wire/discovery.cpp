#include "vote/wire/discovery.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>

#include "vote/core/strict_json.hpp"

namespace vote::wire {
namespace {

using nlohmann::json;

constexpr std::size_t discovery_header_size = 6;
constexpr std::string_view who_is_leader_fields[] = {"nonce", "cluster"};
constexpr std::string_view leader_is_fields[] = {"nonce",     "cluster",         "cluster_uuid",
                                                 "leader_id", "leader_endpoint", "epoch"};
constexpr std::string_view hello_fields[] = {
    "cluster", "cluster_uuid", "node_id",         "incarnation",  "endpoint",
    "role",    "leader_id",    "leader_endpoint", "leader_epoch", "voters"};

void check_bound(const std::string& s) {
  if (s.size() > max_datagram_string) {
    throw std::length_error("discovery datagram string over " +
                            std::to_string(max_datagram_string) + " bytes");
  }
}

std::string with_header(datagram_type type, const json& body) {
  std::string out(discovery_magic, sizeof discovery_magic);
  out.push_back(static_cast<char>(discovery_version));
  out.push_back(static_cast<char>(type));
  out += strict_json::dump(body);
  if (out.size() > max_datagram) {
    throw std::length_error("discovery datagram over " + std::to_string(max_datagram) + " bytes");
  }
  return out;
}

// A string member of at most max_datagram_string bytes.
bool read_bounded(const json& obj, std::string_view name, std::string& out) {
  return strict_json::read_string(obj, name, out) && out.size() <= max_datagram_string;
}

datagram decode_who_is_leader(const json& obj) {
  who_is_leader m;
  if (strict_json::unknown_key(obj, who_is_leader_fields) ||
      !strict_json::read_u64(obj, "nonce", m.nonce) || !read_bounded(obj, "cluster", m.cluster)) {
    return {};
  }
  return m;
}

datagram decode_leader_is(const json& obj) {
  leader_is m;
  if (strict_json::unknown_key(obj, leader_is_fields) ||
      !strict_json::read_u64(obj, "nonce", m.nonce) || !read_bounded(obj, "cluster", m.cluster) ||
      !read_bounded(obj, "cluster_uuid", m.cluster_uuid) ||
      !strict_json::read_u64(obj, "leader_id", m.leader.id) ||
      !read_bounded(obj, "leader_endpoint", m.leader.endpoint) ||
      !strict_json::read_u64(obj, "epoch", m.leader.epoch) || !is_endpoint(m.leader.endpoint)) {
    return {};
  }
  return m;
}

bool is_hello_role(std::string_view role) {
  return std::find(std::begin(hello_roles), std::end(hello_roles), role) != std::end(hello_roles);
}

// The invariants of `hello` (discovery.hpp) other than the string bounds.
bool is_valid_hello(const hello& m) {
  if (m.node_id == 0 || !is_endpoint(m.endpoint) || !is_hello_role(m.role)) return false;
  if (!m.leader.endpoint.empty() && !is_endpoint(m.leader.endpoint)) return false;
  if (m.voters.size() > max_hello_voters || (!m.voters.empty() && m.role != "leader")) return false;
  std::vector<std::uint64_t> sorted = m.voters;
  std::sort(sorted.begin(), sorted.end());
  return sorted.empty() ||
         (sorted.front() != 0 && std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
}

// The array of unsigned integers `name`, at most max_hello_voters long.
bool read_voter_ids(const json& obj, std::string_view name, std::vector<std::uint64_t>& out) {
  const json* v = strict_json::array_field(obj, name);
  return v != nullptr && v->size() <= max_hello_voters && strict_json::read_u64s(obj, name, out);
}

datagram decode_hello(const json& obj) {
  hello m;
  if (strict_json::unknown_key(obj, hello_fields) || !read_bounded(obj, "cluster", m.cluster) ||
      !read_bounded(obj, "cluster_uuid", m.cluster_uuid) ||
      !strict_json::read_u64(obj, "node_id", m.node_id) ||
      !strict_json::read_u64(obj, "incarnation", m.incarnation) ||
      !read_bounded(obj, "endpoint", m.endpoint) || !read_bounded(obj, "role", m.role) ||
      !strict_json::read_u64(obj, "leader_id", m.leader.id) ||
      !read_bounded(obj, "leader_endpoint", m.leader.endpoint) ||
      !strict_json::read_u64(obj, "leader_epoch", m.leader.epoch) ||
      !read_voter_ids(obj, "voters", m.voters) || !is_valid_hello(m)) {
    return {};
  }
  return m;
}

// Parses digits [0-9]+ without a leading zero (other than "0" itself) into `value`, at most
// `max_digits` of them; true when `s` is exactly that.
bool parse_number(std::string_view s, std::size_t max_digits, unsigned& value) noexcept {
  if (s.empty() || s.size() > max_digits || (s.size() > 1 && s[0] == '0')) return false;
  value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

bool is_ipv4(std::string_view s) noexcept {
  for (int octet = 0; octet < 4; ++octet) {
    const std::size_t dot = octet < 3 ? s.find('.') : s.size();
    unsigned value = 0;
    if (dot == std::string_view::npos || !parse_number(s.substr(0, dot), 3, value) || value > 255) {
      return false;
    }
    s.remove_prefix(octet < 3 ? dot + 1 : dot);
  }
  return s.empty();
}

}  // namespace

bool is_endpoint(std::string_view s) noexcept {
  const std::size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return false;
  unsigned port = 0;
  return is_ipv4(s.substr(0, colon)) && parse_number(s.substr(colon + 1), 5, port) && port >= 1 &&
         port <= 65535;
}

std::string encode_datagram(const who_is_leader& m) {
  check_bound(m.cluster);
  return with_header(datagram_type::who_is_leader,
                     json{{"nonce", m.nonce}, {"cluster", m.cluster}});
}

std::string encode_datagram(const leader_is& m) {
  check_bound(m.cluster);
  check_bound(m.cluster_uuid);
  check_bound(m.leader.endpoint);
  return with_header(datagram_type::leader_is, json{{"nonce", m.nonce},
                                                    {"cluster", m.cluster},
                                                    {"cluster_uuid", m.cluster_uuid},
                                                    {"leader_id", m.leader.id},
                                                    {"leader_endpoint", m.leader.endpoint},
                                                    {"epoch", m.leader.epoch}});
}

std::string encode_datagram(const hello& m) {
  for (const std::string* s :
       {&m.cluster, &m.cluster_uuid, &m.endpoint, &m.role, &m.leader.endpoint}) {
    check_bound(*s);
  }
  if (!is_valid_hello(m)) {
    throw std::invalid_argument("hello of node " + std::to_string(m.node_id) +
                                " breaks an invariant (node_id, endpoint, role or voters)");
  }
  return with_header(datagram_type::hello, json{{"cluster", m.cluster},
                                                {"cluster_uuid", m.cluster_uuid},
                                                {"node_id", m.node_id},
                                                {"incarnation", m.incarnation},
                                                {"endpoint", m.endpoint},
                                                {"role", m.role},
                                                {"leader_id", m.leader.id},
                                                {"leader_endpoint", m.leader.endpoint},
                                                {"leader_epoch", m.leader.epoch},
                                                {"voters", m.voters}});
}

datagram decode_datagram(std::string_view bytes) noexcept {
  try {
    if (bytes.size() < discovery_header_size || bytes.size() > max_datagram) return {};
    if (bytes.substr(0, sizeof discovery_magic) !=
        std::string_view(discovery_magic, sizeof discovery_magic)) {
      return {};
    }
    if (static_cast<std::uint8_t>(bytes[4]) != discovery_version) return {};
    const auto type = static_cast<datagram_type>(bytes[5]);
    if (type != datagram_type::who_is_leader && type != datagram_type::leader_is &&
        type != datagram_type::hello) {
      return {};
    }
    // The policy refuses a NUL byte: without that "{...}\0<anything>" would decode, a sealed
    // hello as a plain one.
    const strict_json::parse_result parsed =
        strict_json::parse(bytes.substr(discovery_header_size));
    const json* body = parsed.value ? &*parsed.value : nullptr;
    if (body == nullptr) return {};
    switch (type) {
      case datagram_type::who_is_leader:
        return decode_who_is_leader(*body);
      case datagram_type::leader_is:
        return decode_leader_is(*body);
      default:
        return decode_hello(*body);
    }
  } catch (...) {  // allocation failure or a library surprise: drop the datagram
    return {};
  }
}

}  // namespace vote::wire
