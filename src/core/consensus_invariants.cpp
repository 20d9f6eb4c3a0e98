// The per-node invariants of DESIGN.md §5.6 as an executable check (see the header).
#include "vote/core/consensus_invariants.hpp"

#include <string>

namespace vote::consensus {
namespace {

void check_log(const core& c, std::vector<std::string>& bad) {
  std::uint64_t prev_epoch = c.snapshot().last_epoch;
  for (std::uint64_t i = c.first_index(); i <= c.last_index(); ++i) {
    const log_entry* e = c.entry_at(i);
    if (e == nullptr || e->index != i) {
      bad.push_back("log not dense at index " + std::to_string(i));
      return;
    }
    if (e->epoch < prev_epoch) bad.push_back("epoch decreases at index " + std::to_string(i));
    if (e->epoch > c.promised().epoch) {
      bad.push_back("entry " + std::to_string(i) + " has an epoch above the promise");
    }
    prev_epoch = e->epoch;
  }
}

void check_config(const core& c, std::vector<std::string>& bad) {
  for (std::uint64_t i = c.last_index(); i >= c.first_index() && i > 0; --i) {
    const log_entry* e = c.entry_at(i);
    if (e == nullptr || e->kind != entry_kind::config) continue;
    if (decode_configuration(e->payload) != c.configuration()) {
      bad.push_back("configuration is not the latest config entry of the log");
    }
    return;
  }
  if (c.configuration() != c.snapshot().config) {
    bad.push_back("configuration is not the snapshot's though the log holds none");
  }
}

}  // namespace

std::vector<std::string> check_invariants(const core& c) {
  std::vector<std::string> bad;
  if (c.commit_index() < c.snapshot().last_index) bad.push_back("commit_index below snapshot");
  if (c.commit_index() > c.last_index()) bad.push_back("commit_index beyond last_index");
  if (c.last_index() < c.snapshot().last_index) bad.push_back("last_index below snapshot");
  check_log(c, bad);
  check_config(c, bad);
  if (c.role() != role::follower &&
      (c.promised().epoch != c.epoch() || c.promised().to != c.id())) {
    bad.push_back("leads or stands in epoch " + std::to_string(c.epoch()) +
                  " without its own promise of it");
  }
  if (c.role() == role::leader && c.leader().id != c.id()) {
    bad.push_back("leader does not report itself as leader");
  }
  return bad;
}

}  // namespace vote::consensus
