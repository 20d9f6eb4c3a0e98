// Finding the leader by broadcast (DESIGN.md §4).
//
// The client broadcasts `who_is_leader{nonce, cluster}` from an ephemeral UDP port to
// broadcast:discovery_port and repeats it after resend_first, then at doubling gaps up to
// resend_interval (servers that know no leader stay silent, so an election under way must not
// cost a whole interval). Every server that knows the
// leader answers `leader_is` by unicast. Answers that echo the nonce are collected until
// collect_window after the first one; the answer with the highest epoch names the leader.
// Answers that carry two different non-empty cluster UUIDs under one cluster name (or come from
// several clusters when no --cluster was given) are an error: the client refuses to guess.
// Discovery is plain UDP and unauthenticated: an answer is only a hint of where to connect. With
// TLS (--tls-ca) the connection then proves the server; one that cannot is refused and named in
// `untrusted`, and the next discovery skips answers that point at it.
//
// Blocking: discover_leader() returns by `deadline` at the latest. It owns its own io_context and
// socket; it is safe to call from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "vote/core/consensus_records.hpp"
#include "vote/net/interfaces.hpp"
#include "vote/wire/discovery.hpp"

namespace boost::asio {
class io_context;
}

namespace vote::client {

inline constexpr std::uint16_t default_discovery_port = 52342;

struct discovery_options {
  std::string broadcast;                           // IPv4 broadcast address, required
  std::uint16_t port = default_discovery_port;     // servers' UDP discovery port
  std::string cluster;                             // ask only this cluster; empty: any
  std::chrono::milliseconds resend_first{25};      // first repeat of who_is_leader, then doubling
  std::chrono::milliseconds resend_interval{200};  // ... up to this often
  std::chrono::milliseconds collect_window{20};    // keep listening after the first answer
  // Leader endpoints ("ip:port") whose TLS certificate was refused in this call: answers naming
  // them are skipped, so an impostor that answers first cannot keep the client from the others.
  std::vector<std::string> untrusted;
};

// What discovery found: the leader named by the answer with the highest epoch (its endpoint
// parses with net::parse_endpoint: other answers are not usable), and about the answers.
struct discovered_leader {
  consensus::leader_info leader;
  std::string cluster;       // cluster name of the answer
  std::string cluster_uuid;  // may be empty (a cluster still bootstrapping)
  std::size_t answers = 0;   // how many usable answers were collected (a server that answered
                             // the first ask and a resent one counts twice)
};

enum class discovery_error : std::uint8_t {
  none_answered,         // no usable answer before the deadline
  conflicting_clusters,  // two UUIDs under one name, or several clusters without --cluster
  bad_options,           // the broadcast address is not IPv4, or the cluster name is too long
  socket_error,          // the UDP socket could not be opened, bound or configured
};

struct discovery_failure {
  discovery_error kind = discovery_error::none_answered;
  std::string message;  // one sentence for the user, without an "Error: " prefix
};

using discovery_result = std::variant<discovered_leader, discovery_failure>;

// Pure: picks the leader from collected answers. Drops answers with another nonce, another
// cluster than `cluster` (when set) or an unusable leader endpoint.
discovery_result select_leader(const std::vector<wire::leader_is>& answers, std::uint64_t nonce,
                               const std::string& cluster);

// Broadcasts until an answer arrives (plus collect_window) or until `deadline`.
discovery_result discover_leader(const discovery_options& options,
                                 std::chrono::steady_clock::time_point deadline);

// The asynchronous half of discovery, on the caller's io_context: start() broadcasts
// who_is_leader (again at the gaps above until the probe is destroyed) and every usable answer
// (this probe's nonce, the cluster asked for, a parseable endpoint, not untrusted) is collected and
// handed to `on_answer`. call() uses it to look for a new leader while an attempt waits on an old
// one. `options` must outlive the probe; handlers run only while the io_context runs.
class leader_probe {
 public:
  using answer_handler = std::function<void(const wire::leader_is&)>;
  leader_probe(boost::asio::io_context& io, const discovery_options& options,
               answer_handler on_answer);
  ~leader_probe();
  leader_probe(const leader_probe&) = delete;
  leader_probe& operator=(const leader_probe&) = delete;

  // Opens the socket and sends the first broadcast; a failure says why nothing was sent.
  std::optional<discovery_failure> start();
  std::uint64_t nonce() const;
  const std::vector<wire::leader_is>& answers() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace vote::client
