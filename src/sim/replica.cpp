#include "vote/sim/replica.hpp"

#include <variant>

#include "vote/sim/log_model.hpp"

namespace vote::sim {
namespace {

std::uint64_t digest_of(const std::string& data) {
  return entry_digest(log_entry{0, 0, entry_kind::command, data});
}

}  // namespace

void snapshot_registry::remember(std::uint64_t index, const std::string& data,
                                 const vote_table& votes) {
  tables_.try_emplace({index, digest_of(data)}, votes);
}

const vote_table* snapshot_registry::find(std::uint64_t index, const std::string& data) const {
  const auto it = tables_.find({index, digest_of(data)});
  return it == tables_.end() ? nullptr : &it->second;
}

std::optional<applied_command> replica::apply(const log_entry& e, std::string& error) {
  applied_index_ = e.index;
  applied_epoch_ = e.epoch;
  if (e.kind == entry_kind::config) {
    if (auto c = consensus::decode_configuration(e.payload)) {
      config_ = std::move(*c);
    } else {
      error = "config entry " + std::to_string(e.index) + " does not decode";
    }
    return std::nullopt;
  }
  if (e.kind != entry_kind::command) return std::nullopt;
  auto cmd = decode_command(e.payload);
  if (!cmd) {
    error = "command entry " + std::to_string(e.index) + " does not decode";
    return std::nullopt;
  }
  auto result = state_.apply(*cmd);
  count_vote(*cmd, result, error);
  return applied_command{std::move(*cmd), std::move(result)};
}

void replica::count_vote(const command& c, const outcome& result, std::string& error) {
  const auto* v = std::get_if<vote_cmd>(&c.body);
  if (v == nullptr || !result.ok()) return;
  const auto [it, fresh] = votes_.try_emplace(v->voter, counted_vote{v->candidate, c.request_id});
  if (!fresh && it->second.request_id != c.request_id) {
    error = "(5) voter " + v->voter + " counted twice (requests " + it->second.request_id +
            " and " + c.request_id + ")";
  }
}

bool replica::restore(const consensus::snapshot_meta& meta, const std::string& data,
                      const snapshot_registry& registry) {
  auto restored = election_state::restore(data);
  const auto* table = registry.find(meta.last_index, data);
  if (!restored || table == nullptr) return false;
  state_ = std::move(*restored);
  votes_ = *table;
  config_ = meta.config;
  applied_index_ = meta.last_index;
  applied_epoch_ = meta.last_epoch;
  return true;
}

}  // namespace vote::sim
