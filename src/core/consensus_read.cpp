// §5.5 linearizable reads by read index: record commit_index, send a heartbeat after the read
// arrived, wait for acks of our epoch from a majority. No leases. The owner then waits until
// applied >= index before answering.
#include "consensus_state.hpp"

namespace vote::consensus {

std::optional<std::uint64_t> core::read_barrier() {
  if (role_ != role::leader || !leader_ || leader_->transfer_target != 0) return std::nullopt;
  const std::uint64_t id = ++next_read_id_;
  leader_->reads.push_back(pending_read{id, commit_index_, leader_->seq + 1});
  leader_->heartbeat_due = true;
  check_reads();
  return id;
}

void core::check_reads() {
  auto& reads = leader_->reads;
  while (!reads.empty()) {
    const pending_read& r = reads.front();
    std::vector<node_id> acked;
    if (config_.is_voter(self_)) acked.push_back(self_);
    for (const auto& [id, p] : leader_->peers) {
      if (p.acked_seq >= r.seq) acked.push_back(id);
    }
    if (!config_.is_quorum(acked)) return;  // later reads have later seqs: they wait too
    out_.reads_ready.push_back(read_ready{r.id, r.index});
    reads.erase(reads.begin());
  }
}

void core::fail_reads() {
  for (const pending_read& r : leader_->reads) out_.reads_failed.push_back(r.id);
  leader_->reads.clear();
}

}  // namespace vote::consensus
