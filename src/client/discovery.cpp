// Leader discovery by UDP broadcast (include/vote/client/discovery.hpp).
#include "vote/client/discovery.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <random>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace vote::client {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;
using clock_type = std::chrono::steady_clock;

std::optional<discovery_failure> find_conflict(const std::vector<const wire::leader_is*>& usable) {
  for (const auto* a : usable) {
    for (const auto* b : usable) {
      if (a->cluster != b->cluster) {
        return discovery_failure{discovery_error::conflicting_clusters,
                                 "servers of several clusters answered ('" + a->cluster +
                                     "' and '" + b->cluster + "'); choose one with --cluster NAME"};
      }
      if (!a->cluster_uuid.empty() && !b->cluster_uuid.empty() &&
          a->cluster_uuid != b->cluster_uuid) {
        return discovery_failure{
            discovery_error::conflicting_clusters,
            "two different clusters named '" + a->cluster + "' answered (UUIDs " + a->cluster_uuid +
                " and " + b->cluster_uuid +
                "); refusing to guess which one is meant: stop one of them or give them "
                "different --cluster names"};
      }
    }
  }
  return std::nullopt;
}

// One discovery run: a UDP socket, a resend timer and the answers collected so far.
class finder {
 public:
  finder(const discovery_options& options, clock_type::time_point deadline)
      : options_(options), deadline_(deadline), socket_(io_), resend_(io_) {}

  discovery_result run() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address_v4(options_.broadcast, ec);
    if (ec) {
      return discovery_failure{discovery_error::bad_options,
                               "'" + options_.broadcast + "' is not an IPv4 broadcast address"};
    }
    target_ = udp::endpoint(address, options_.port);
    try {
      request_ = wire::encode_datagram(wire::who_is_leader{nonce_, options_.cluster});
    } catch (const std::length_error&) {
      return discovery_failure{discovery_error::bad_options, "the cluster name is too long"};
    }
    if (auto failure = open_socket()) return *failure;
    send();
    receive();
    wait();
    if (answers_.empty()) return discovery_failure{discovery_error::none_answered, {}};
    return select_leader(answers_, nonce_, options_.cluster);
  }

 private:
  std::optional<discovery_failure> open_socket() {
    boost::system::error_code ec;
    socket_.open(udp::v4(), ec);
    if (!ec) socket_.set_option(asio::socket_base::broadcast(true), ec);
    if (!ec) socket_.bind(udp::endpoint(asio::ip::address_v4::any(), 0), ec);
    if (!ec) return std::nullopt;
    return discovery_failure{discovery_error::socket_error,
                             "cannot open a UDP socket for discovery: " + ec.message()};
  }

  // Runs handlers until the deadline, or until collect_window after the first answer.
  void wait() {
    for (;;) {
      auto until = deadline_;
      if (first_answer_) until = std::min(until, *first_answer_ + options_.collect_window);
      if (clock_type::now() >= until || io_.stopped()) return;
      io_.run_one_until(until);
    }
  }

  void send() {
    // A failed send (e.g. no route yet) is simply repeated by the next resend.
    socket_.async_send_to(asio::buffer(request_), target_,
                          [](const boost::system::error_code&, std::size_t) {});
    resend_.expires_after(options_.resend_interval);
    resend_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) send();
    });
  }

  void receive() {
    socket_.async_receive_from(asio::buffer(buffer_), sender_,
                               [this](const boost::system::error_code& ec, std::size_t n) {
                                 if (ec == asio::error::operation_aborted) return;
                                 if (!ec) on_datagram(n);
                                 receive();
                               });
  }

  void on_datagram(std::size_t n) {
    const auto d = wire::decode_datagram(std::string_view(buffer_.data(), n));
    const auto* answer = std::get_if<wire::leader_is>(&d);
    if (answer == nullptr || answer->nonce != nonce_) return;  // stale, foreign or malformed
    if (!options_.cluster.empty() && answer->cluster != options_.cluster) return;
    if (!net::parse_endpoint(answer->leader.endpoint)) return;
    const auto& untrusted = options_.untrusted;
    if (std::find(untrusted.begin(), untrusted.end(), answer->leader.endpoint) != untrusted.end()) {
      return;
    }
    answers_.push_back(*answer);
    if (!first_answer_) first_answer_ = clock_type::now();
  }

  static std::uint64_t make_nonce() {
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) | rd();
  }

  const discovery_options& options_;
  clock_type::time_point deadline_;
  asio::io_context io_;
  udp::socket socket_;
  asio::steady_timer resend_;
  udp::endpoint target_;
  udp::endpoint sender_;
  std::array<char, wire::max_datagram + 1> buffer_{};
  std::string request_;
  std::uint64_t nonce_ = make_nonce();
  std::vector<wire::leader_is> answers_;
  std::optional<clock_type::time_point> first_answer_;
};

}  // namespace

discovery_result select_leader(const std::vector<wire::leader_is>& answers, std::uint64_t nonce,
                               const std::string& cluster) {
  std::vector<const wire::leader_is*> usable;
  for (const auto& a : answers) {
    if (a.nonce != nonce || (!cluster.empty() && a.cluster != cluster)) continue;
    if (!net::parse_endpoint(a.leader.endpoint)) continue;
    usable.push_back(&a);
  }
  if (usable.empty()) return discovery_failure{discovery_error::none_answered, {}};
  if (auto conflict = find_conflict(usable)) return *conflict;
  const auto* best = *std::max_element(usable.begin(), usable.end(),
                                       [](const wire::leader_is* a, const wire::leader_is* b) {
                                         return a->leader.epoch < b->leader.epoch;
                                       });
  std::string uuid;
  for (const auto* a : usable) {
    if (!a->cluster_uuid.empty()) uuid = a->cluster_uuid;
  }
  return discovered_leader{.leader = best->leader,
                           .cluster = best->cluster,
                           .cluster_uuid = uuid,
                           .answers = usable.size()};
}

discovery_result discover_leader(const discovery_options& options,
                                 clock_type::time_point deadline) {
  finder f(options, deadline);
  return f.run();
}

}  // namespace vote::client
