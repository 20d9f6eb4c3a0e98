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

}  // namespace

// The broadcasting half of discovery, on the caller's io_context.
struct leader_probe::impl {
  impl(asio::io_context& io, const discovery_options& o, answer_handler handler)
      : options(o), on_answer(std::move(handler)), socket(io), resend(io) {}

  std::optional<discovery_failure> start() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address_v4(options.broadcast, ec);
    if (ec) {
      return discovery_failure{discovery_error::bad_options,
                               "'" + options.broadcast + "' is not an IPv4 broadcast address"};
    }
    target = udp::endpoint(address, options.port);
    try {
      request = wire::encode_datagram(wire::who_is_leader{nonce, options.cluster});
    } catch (const std::length_error&) {
      return discovery_failure{discovery_error::bad_options, "the cluster name is too long"};
    }
    socket.open(udp::v4(), ec);
    if (!ec) socket.set_option(asio::socket_base::broadcast(true), ec);
    if (!ec) socket.bind(udp::endpoint(asio::ip::address_v4::any(), 0), ec);
    if (ec) {
      return discovery_failure{discovery_error::socket_error,
                               "cannot open a UDP socket for discovery: " + ec.message()};
    }
    send();
    receive();
    return std::nullopt;
  }

  void send() {
    // A failed send (e.g. no route yet) is simply repeated by the next resend.
    socket.async_send_to(asio::buffer(request), target,
                         [](const boost::system::error_code&, std::size_t) {});
    // 25, 50, 100 ms ... up to resend_interval: an answer missed because no server knew a
    // leader yet (an election under way) is asked for again soon, without flooding later.
    gap = gap.count() == 0 ? std::min(options.resend_first, options.resend_interval)
                           : std::min(gap * 2, options.resend_interval);
    resend.expires_after(gap);
    resend.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) send();
    });
  }

  void receive() {
    socket.async_receive_from(asio::buffer(buffer), sender,
                              [this](const boost::system::error_code& ec, std::size_t n) {
                                if (ec == asio::error::operation_aborted) return;
                                if (!ec) on_datagram(n);
                                receive();
                              });
  }

  void on_datagram(std::size_t n) {
    const auto d = wire::decode_datagram(std::string_view(buffer.data(), n));
    const auto* answer = std::get_if<wire::leader_is>(&d);
    if (answer == nullptr || answer->nonce != nonce) return;  // stale, foreign or malformed
    if (!options.cluster.empty() && answer->cluster != options.cluster) return;
    if (!net::parse_endpoint(answer->leader.endpoint)) return;
    const auto& untrusted = options.untrusted;
    if (std::find(untrusted.begin(), untrusted.end(), answer->leader.endpoint) != untrusted.end()) {
      return;
    }
    answers.push_back(*answer);
    on_answer(*answer);
  }

  static std::uint64_t make_nonce() {
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) | rd();
  }

  const discovery_options& options;
  answer_handler on_answer;
  udp::socket socket;
  asio::steady_timer resend;
  std::chrono::milliseconds gap{0};  // until the next resend
  udp::endpoint target;
  udp::endpoint sender;
  std::array<char, wire::max_datagram + 1> buffer{};
  std::string request;
  std::uint64_t nonce = make_nonce();
  std::vector<wire::leader_is> answers;
};

leader_probe::leader_probe(asio::io_context& io, const discovery_options& options,
                           answer_handler on_answer)
    : impl_(std::make_unique<impl>(io, options, std::move(on_answer))) {}
leader_probe::~leader_probe() = default;
std::optional<discovery_failure> leader_probe::start() {
  return impl_->start();
}
std::uint64_t leader_probe::nonce() const {
  return impl_->nonce;
}
const std::vector<wire::leader_is>& leader_probe::answers() const {
  return impl_->answers;
}

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

// Broadcasts until the first answer plus collect_window, or until the deadline.
discovery_result discover_leader(const discovery_options& options,
                                 clock_type::time_point deadline) {
  asio::io_context io;
  std::optional<clock_type::time_point> first_answer;
  leader_probe probe(io, options, [&first_answer](const wire::leader_is&) {
    if (!first_answer) first_answer = clock_type::now();
  });
  if (auto failure = probe.start()) return *failure;
  for (;;) {
    auto until = deadline;
    if (first_answer) until = std::min(until, *first_answer + options.collect_window);
    if (clock_type::now() >= until || io.stopped()) break;
    io.run_one_until(until);
  }
  if (probe.answers().empty()) return discovery_failure{discovery_error::none_answered, {}};
  return select_leader(probe.answers(), probe.nonce(), options.cluster);
}

}  // namespace vote::client
