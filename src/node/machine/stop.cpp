// The node machine's graceful stop (SIGTERM): leave (--leave) → drain (requests in flight are
// committed and answered) → hand leadership over → flush the pipeline → stopped(). Each wait is
// bounded by the stop deadline (settings.stop_timeout).
#include "internal.hpp"

namespace vote::node {

void node_machine::stop() {
  if (stop_requested_) return;
  stop_requested_ = true;  // new requests are refused from now on
  stop_started_ = now();
  stop_deadline_ = stop_started_ + settings_.stop_timeout;
  stop_phase_ = stop_phase::leave;
  if (settings_.leave_on_stop && !left_cluster()) send_leave();
  maybe_finish_stop();
}

void node_machine::maybe_finish_stop() {
  if (!stop_requested_ || finished_) return;
  const bool late = now() >= stop_deadline_;
  if (stop_phase_ == stop_phase::leave) {
    if (settings_.leave_on_stop && !left_cluster() && !late) {
      if (now() >= leave_resend_at_) send_leave();  // the leader may have changed meanwhile
      return;
    }
    if (settings_.leave_on_stop && !left_cluster()) {
      note(note_level::warn, "could not leave the cluster in time");
    }
    stop_phase_ = stop_phase::drain;
  }
  if (stop_phase_ == stop_phase::drain) {
    if ((!pending_.empty() || !reads_.empty()) && !late) return;
    stop_phase_ = stop_phase::hand_over;
    core_.stop_gracefully();
    pump();
  }
  if (!handed_over_ && !late) return;
  frozen_ = true;  // no more inputs to the core: the pipeline can only shrink now
  if (!pipeline_.empty() || snapshot_in_flight_) return;
  fail_pending("stopping");  // whatever the deadline cut short: "outcome unknown", never silence
  finished_ = true;
  fx_.stopped();
}

}  // namespace vote::node
