#include "vote/wire/discovery.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>

#include "vote/wire/json_strict.hpp"

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
  out += detail::dump_json(body);
  if (out.size() > max_datagram) {
    throw std::length_error("discovery datagram over " + std::to_string(max_datagram) + " bytes");
  }
  return out;
}

std::optional<std::string> bounded_string(const json& obj, std::string_view name) {
  auto s = detail::string_member(obj, name);
  if (!s || s->size() > max_datagram_string) return std::nullopt;
  return s;
}

datagram decode_who_is_leader(const json& obj) {
  if (detail::unknown_key(obj, who_is_leader_fields)) return {};
  auto nonce = detail::uint_member(obj, "nonce");
  auto cluster = bounded_string(obj, "cluster");
  if (!nonce || !cluster) return {};
  return who_is_leader{*nonce, std::move(*cluster)};
}

datagram decode_leader_is(const json& obj) {
  if (detail::unknown_key(obj, leader_is_fields)) return {};
  auto nonce = detail::uint_member(obj, "nonce");
  auto cluster = bounded_string(obj, "cluster");
  auto uuid = bounded_string(obj, "cluster_uuid");
  auto leader_id = detail::uint_member(obj, "leader_id");
  auto endpoint = bounded_string(obj, "leader_endpoint");
  auto epoch = detail::uint_member(obj, "epoch");
  if (!nonce || !cluster || !uuid || !leader_id || !endpoint || !epoch) return {};
  if (!is_endpoint(*endpoint)) return {};
  return leader_is{*nonce,     std::move(*cluster),  std::move(*uuid),
                   *leader_id, std::move(*endpoint), *epoch};
}

bool is_hello_role(std::string_view role) {
  return std::find(std::begin(hello_roles), std::end(hello_roles), role) != std::end(hello_roles);
}

// The invariants of `hello` (discovery.hpp) other than the string bounds.
bool is_valid_hello(const hello& m) {
  if (m.node_id == 0 || !is_endpoint(m.endpoint) || !is_hello_role(m.role)) return false;
  if (!m.leader_endpoint.empty() && !is_endpoint(m.leader_endpoint)) return false;
  if (m.voters.size() > max_hello_voters || (!m.voters.empty() && m.role != "leader")) return false;
  std::vector<std::uint64_t> sorted = m.voters;
  std::sort(sorted.begin(), sorted.end());
  return sorted.empty() ||
         (sorted.front() != 0 && std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
}

// The array of unsigned integers `name`, at most max_hello_voters long; nullopt otherwise.
std::optional<std::vector<std::uint64_t>> voter_ids(const json& obj, std::string_view name) {
  const json* v = detail::find_member(obj, name);
  if (v == nullptr || !v->is_array() || v->size() > max_hello_voters) return std::nullopt;
  std::vector<std::uint64_t> ids;
  for (const json& id : *v) {
    if (!id.is_number_unsigned()) return std::nullopt;
    ids.push_back(id.get<std::uint64_t>());
  }
  return ids;
}

datagram decode_hello(const json& obj) {
  if (detail::unknown_key(obj, hello_fields)) return {};
  auto cluster = bounded_string(obj, "cluster");
  auto uuid = bounded_string(obj, "cluster_uuid");
  auto node_id = detail::uint_member(obj, "node_id");
  auto incarnation = detail::uint_member(obj, "incarnation");
  auto endpoint = bounded_string(obj, "endpoint");
  auto role = bounded_string(obj, "role");
  auto leader_id = detail::uint_member(obj, "leader_id");
  auto leader_endpoint = bounded_string(obj, "leader_endpoint");
  auto leader_epoch = detail::uint_member(obj, "leader_epoch");
  auto voters = voter_ids(obj, "voters");
  if (!cluster || !uuid || !node_id || !incarnation || !endpoint || !role || !leader_id ||
      !leader_endpoint || !leader_epoch || !voters) {
    return {};
  }
  hello m{std::move(*cluster),  std::move(*uuid),  *node_id,   *incarnation,
          std::move(*endpoint), std::move(*role),  *leader_id, std::move(*leader_endpoint),
          *leader_epoch,        std::move(*voters)};
  if (!is_valid_hello(m)) return {};
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
  check_bound(m.leader_endpoint);
  return with_header(datagram_type::leader_is, json{{"nonce", m.nonce},
                                                    {"cluster", m.cluster},
                                                    {"cluster_uuid", m.cluster_uuid},
                                                    {"leader_id", m.leader_id},
                                                    {"leader_endpoint", m.leader_endpoint},
                                                    {"epoch", m.epoch}});
}

std::string encode_datagram(const hello& m) {
  for (const std::string* s :
       {&m.cluster, &m.cluster_uuid, &m.endpoint, &m.role, &m.leader_endpoint}) {
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
                                                {"leader_id", m.leader_id},
                                                {"leader_endpoint", m.leader_endpoint},
                                                {"leader_epoch", m.leader_epoch},
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
    const std::string_view text = bytes.substr(discovery_header_size);
    // JSON text never holds a raw NUL, and the JSON parser takes one for the end of the input:
    // without this check "{...}\0<anything>" would decode, a sealed hello as a plain one.
    if (text.find('\0') != std::string_view::npos) return {};
    auto parsed = detail::parse_json_object(text);
    const json* body = std::get_if<json>(&parsed);
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
