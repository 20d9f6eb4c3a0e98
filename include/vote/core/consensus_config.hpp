// Cluster membership as the consensus core sees it (DESIGN.md §4).
//
// A `configuration` is the payload of an `entry_kind::config` log entry: the cluster UUID, the
// voting members and the non-voting learners, each as (id, incarnation, endpoint). Everywhere in
// the core "the configuration" means the latest configuration entry in the node's own log,
// committed or not (or the one recorded in its snapshot when the log holds none): it takes effect
// when appended and is undone if truncated. Quorum = a majority of its voters.
// Invariants: ids are unique across voters and learners; both lists are kept sorted by id, so the
// encoding is deterministic and two nodes that build the same configuration get the same bytes.
// Threading: plain values; no shared state. Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vote::consensus {

using node_id = std::uint64_t;  // 0 is never a node: it means "none"

// Most members (voters + learners) a decoded configuration may list.
inline constexpr std::size_t max_members = 1000;

struct member {
  node_id id = 0;
  std::uint64_t incarnation = 0;  // random, made when the node's data directory was created
  std::string endpoint;           // "host:port" of its TCP listener
  friend bool operator==(const member&, const member&) = default;
};

struct configuration {
  std::string cluster_uuid;
  std::vector<member> voters;    // sorted by id
  std::vector<member> learners;  // sorted by id; receive the log, never count

  bool is_voter(node_id id) const noexcept;
  bool is_learner(node_id id) const noexcept;
  bool is_member(node_id id) const noexcept { return is_voter(id) || is_learner(id); }
  // The voter or learner with this id, or nullptr.
  const member* find(node_id id) const noexcept;
  // True when (id, incarnation) is a voter or learner of this configuration: peers ignore
  // promises and acks from any other incarnation of an id (DESIGN.md §4, "Identity").
  bool knows(node_id id, std::uint64_t incarnation) const noexcept;
  // A majority of the voters (0 when there are none).
  std::size_t quorum() const noexcept { return voters.empty() ? 0 : voters.size() / 2 + 1; }
  // True when the voters among `ids` are a majority of the voters.
  bool is_quorum(const std::vector<node_id>& ids) const;
  // Sorts both lists by id (call after editing them by hand).
  void normalize();

  friend bool operator==(const configuration&, const configuration&) = default;
};

// The config entry payload (JSON, deterministic for a normalized configuration).
std::string encode_configuration(const configuration& c);
// nullopt on malformed input (wrong types, duplicate ids, id 0); never throws.
std::optional<configuration> decode_configuration(std::string_view payload);

// What a snapshot covers: the last included entry and the configuration in force there.
struct snapshot_meta {
  std::uint64_t last_index = 0;
  std::uint64_t last_epoch = 0;
  configuration config{};
  friend bool operator==(const snapshot_meta&, const snapshot_meta&) = default;
};

}  // namespace vote::consensus
