// The election state machine (DESIGN.md §6): register / vote / close, applied in log order.
//
// Pure and deterministic: the same commands in the same order give the same state and outcomes on
// every node. No clock is read; a command carries the leader's timestamp. Not thread-safe: the
// node applies commands on its strand only.
//
// Invariants (checked by the simulator and by the unit tests):
//   - an election id is registered at most once and never reused, also after it is closed;
//   - for every election, sum(tallies) == number of voters with a recorded vote;
//   - a voter has at most one recorded vote per election;
//   - a closed election's result never changes and it accepts no vote.
//
// Exactly once (DESIGN.md §5.5): a vote record keeps the request_id that created it; a retry of
// the same request_id gets "your vote was recorded" (without naming the choice) instead of
// `already_voted`. A retried register (same request_id) gets the original success instead of
// `election_exists`. Closing again returns the stored result. Dedup state is part of the snapshot.
//
// Disclosure (issue 8): the vote checks are ordered so that no answer tells an outsider more
// about the roll than the request's own valid vote would (docs/state-machine.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "vote/core/counting.hpp"
#include "vote/core/error.hpp"

namespace vote {

// Bounds on every input (DESIGN.md §7 "Limits"). Checked by check_command() before a command is
// proposed and again when it is applied.
struct limits {
  std::size_t max_id_bytes = 128;        // election id, voter id, candidate name, request id
  std::size_t max_candidates = 1'000;    // per election
  std::size_t max_voters = 10'000'000;   // per election, over all its register/add-voters chunks
  std::uint64_t max_weight = 1'000'000;  // a weighted voter's weight (DESIGN.md §11)
};

// The largest sum of weights of one roll: STV counts it in 1/100,000 vote units, and every count
// a client reads must stay an exact JSON number (at most 2^53).
inline constexpr std::uint64_t max_roll_weight = (std::uint64_t{1} << 53) / counting::stv_scale;

// What happens when several candidates share the highest count (also with zero votes).
enum class tie_break : std::uint8_t {
  none = 0,          // default: a tie has no winner; the result says who tied
  first_listed = 1,  // opt-in at registration: the tied candidate listed first wins, reported
};
std::string_view to_string(tie_break rule) noexcept;
std::optional<tie_break> tie_break_from_string(std::string_view name) noexcept;

// Who is on an election's roll (DESIGN.md §10, docs/record.md).
enum class voter_mode : std::uint8_t {
  ids = 0,    // default, the seed's usage: voter ids; a vote names its voter id
  codes = 1,  // public credentials (64 hex); a vote carries a secret code, hashed by the server
};
std::string_view to_string(voter_mode mode) noexcept;
std::optional<voter_mode> voter_mode_from_string(std::string_view name) noexcept;

// An election's lifecycle (DESIGN.md §11): registering (the roll still arriving in chunks),
// scheduled (before opens_at), open, closed.
enum class phase : std::uint8_t { registering = 0, scheduled = 1, open = 2, closed = 3 };
std::string_view to_string(phase p) noexcept;
std::optional<phase> phase_from_string(std::string_view name) noexcept;

struct register_cmd {
  std::string election_id;
  std::vector<std::string> candidates;  // registration order is the display order
  std::vector<std::string> voters;      // voter ids, or public credentials in codes mode
  tie_break rule = tie_break::none;
  voter_mode mode = voter_mode::ids;
  // Public setting: the admin may read the tallies while the election is open. Without it an
  // open election's results show turnout only (sealed) until it closes.
  bool live_results = false;
  // Weights parallel to `voters` (delegates); empty: every voter weighs 1.
  std::vector<std::uint64_t> weights;
  counting::method method = counting::method::plurality;
  std::uint32_t seats = 1;      // stv
  std::uint32_t max_score = 5;  // score, star
  // Lifecycle, leader timestamps in unix ms (0: none). A vote stamped before opens_at or at or
  // after closes_at is refused; the leader proposes the close when closes_at passes.
  std::int64_t opens_at_ms = 0;
  std::int64_t closes_at_ms = 0;
  bool close_when_all_voted = false;  // the vote that completes the roll also closes
  // The roll continues in add_voters commands; the election takes no vote until one of them
  // says it is the last (a roll larger than one frame, DESIGN.md §11).
  bool more_voters = false;
  friend bool operator==(const register_cmd&, const register_cmd&) = default;
};

// More of a roll: allowed while the election is registering, or scheduled with no vote yet.
// A retry (same request id as a chunk already added) gets the original success.
struct add_voters_cmd {
  std::string election_id;
  std::vector<std::string> voters;
  std::vector<std::uint64_t> weights;  // as in register_cmd
  bool more_voters = false;            // false: the roll is complete
  friend bool operator==(const add_voters_cmd&, const add_voters_cmd&) = default;
};

// Sets a later deadline of an election that has not reached its deadline (or has none).
struct extend_cmd {
  std::string election_id;
  std::int64_t closes_at_ms = 0;
  friend bool operator==(const extend_cmd&, const extend_cmd&) = default;
};

struct vote_cmd {
  std::string election_id;
  // The voter id, or in a vote by code the public credential the server computed from the code
  // (the code itself never enters the log).
  std::string voter;
  std::string candidate;  // plurality; empty for the other methods
  bool by_code = false;   // `voter` is a credential computed from a code by the server
  std::string nonce;      // 32 hex from the voter's client; "" = derived (docs/record.md)
  // approval: the approved candidates; ranked methods: the ranking, most preferred first;
  // scored methods: the scored candidates, with `scores` parallel. Empty for plurality.
  std::vector<std::string> choices;
  std::vector<std::uint16_t> scores;
  friend bool operator==(const vote_cmd&, const vote_cmd&) = default;
};

struct close_cmd {
  std::string election_id;
  // Proposed by a leader whose clock passed the deadline: applies only when the entry's
  // timestamp is at or after the election's closes_at (an extend may have moved it).
  bool at_deadline = false;
  friend bool operator==(const close_cmd&, const close_cmd&) = default;
};

using command_body = std::variant<register_cmd, vote_cmd, close_cmd, add_voters_cmd, extend_cmd>;

struct command {
  std::string request_id;         // chosen by the client, reused on every retry; may be empty
  std::int64_t timestamp_ms = 0;  // the leader's clock when proposed, monotonic across entries
  command_body body;
  friend bool operator==(const command&, const command&) = default;
};

// Payload of an entry_kind::command log entry (JSON, docs/storage.md).
std::string encode_command(const command& c);
// nullopt when the payload is not a well-formed command. Pure: safe on hostile input.
std::optional<command> decode_command(std::string_view payload);

struct tally {
  std::string candidate;
  std::uint64_t votes = 0;
  friend bool operator==(const tally&, const tally&) = default;
};

struct election_result {
  std::string election_id;
  // Every candidate in registration order with its first-step total (votes, approvals, first
  // preferences, score total; weighted).
  std::vector<tally> tallies;
  std::optional<std::string> winner;  // empty for a tie under tie_break::none; the first elected
                                      // under stv
  bool tie = false;                   // several candidates share the highest count
  std::vector<std::string> tied;      // those candidates (registration order) when tie
  tie_break rule = tie_break::none;
  std::uint64_t votes_cast = 0;
  std::uint64_t eligible_voters = 0;
  bool closed = false;            // false: a live tally of an open election
  std::int64_t closed_at_ms = 0;  // leader timestamp of the close (0 while open)
  // An open election registered without live results: turnout only (votes_cast,
  // eligible_voters); every tally 0, no winner, no tie.
  bool sealed = false;
  counting::method method = counting::method::plurality;
  std::uint32_t seats = 1;
  // Every method but plurality: the winners (stv: every elected candidate in order of
  // election; else the winner). Plurality: empty, `winner` says it (the seed's format).
  std::vector<std::string> winners;
  // The count in full (rounds, pairwise matrix) for the methods that have more than totals;
  // empty while sealed.
  counting::count detail;
  friend bool operator==(const election_result&, const election_result&) = default;
};

// One line of `vote-admin elections` (DESIGN.md §11).
struct election_summary {
  std::string election_id;
  phase state = phase::open;
  counting::method method = counting::method::plurality;
  std::uint32_t seats = 1;
  voter_mode mode = voter_mode::ids;
  std::uint64_t eligible_voters = 0;
  std::uint64_t votes_cast = 0;
  std::int64_t opens_at_ms = 0;
  std::int64_t closes_at_ms = 0;
  std::int64_t closed_at_ms = 0;
  bool close_when_all_voted = false;
  friend bool operator==(const election_summary&, const election_summary&) = default;
};

// What anyone may know of one election, to fill in a ballot and follow the turnout (the public
// `election` read, docs/protocol.md; the voters' page): its summary, the candidates in
// registration order, the highest score and whether its tallies are live. Nothing of the roll
// but its size.
struct election_info {
  election_summary summary;
  std::vector<std::string> candidates;
  std::uint32_t max_score = 5;
  bool live_results = false;
  friend bool operator==(const election_info&, const election_info&) = default;
};

// JSON form used on the wire: {"election_id", "winner" (string|null), "tie", "tied",
// "tie_break", "candidates" (order), "tallies" {candidate: count}, "votes_cast",
// "eligible_voters", "closed", "closed_at_ms", "sealed"? (written only when true)}.
nlohmann::json result_to_json(const election_result& r);
// {"election_id","state","method","seats","voters","eligible_voters","votes_cast",
//  "opens_at_ms","closes_at_ms","closed_at_ms","close_when_all_voted"}; times 0 when unset.
nlohmann::json summary_to_json(const election_summary& s);
std::optional<election_summary> summary_from_json(const nlohmann::json& j);
// The summary's members plus "candidates" (array), "max_score" and "live_results".
nlohmann::json info_to_json(const election_info& i);
std::optional<election_info> info_from_json(const nlohmann::json& j);
std::optional<election_result> result_from_json(const nlohmann::json& j);

// The outcome of one command or read. `message` uses the seed's wording (SEED.md).
struct outcome {
  errc code = errc::ok;
  std::string message;
  std::optional<election_result> result;  // set by close (and by results reads)
  std::string tracker;  // a recorded vote's tracker (docs/record.md); "" otherwise
  bool ok() const noexcept { return code == errc::ok; }
};

// Stateless shape checks: non-empty ids within limits and free of control characters, candidates
// and voters non-empty, unique and within limits. Returns ok or the first violation
// (errc::invalid_election or errc::too_large) with a message naming it.
outcome check_command(const command& c, const limits& lim);

// How long the answer judge() finds in the applied state stays the answer apply() would give.
enum class settled : std::uint8_t {
  no = 0,   // apply() may change the state: the request must go through the log
  now = 1,  // a refusal of the applied state that a later entry could change (unknown election;
            // not on the roll or already voted while the election is open): answer it only after
            // a read index shows no such entry was committed before the request arrived
  forever = 2,  // follows from committed facts that never change (bad shape, unknown candidate of
                // a known election, a retry of a recorded vote, a closed election, an existing
                // election id): answer at once, on any later state the answer is the same
};
std::string_view to_string(settled s) noexcept;

struct judgement {
  settled how = settled::no;
  outcome answer;  // what apply() answers on the current state; empty when how == no
};

class election_state {
 public:
  explicit election_state(limits lim = {});
  ~election_state();
  election_state(election_state&&) noexcept;
  election_state& operator=(election_state&&) noexcept;
  election_state(const election_state&);
  election_state& operator=(const election_state&);

  // Applies one command; deterministic. Runs check_command() first. Vote checks run in this
  // order (docs/state-machine.md says why): unknown election, invalid candidate, retry (same
  // non-empty request_id as the voter's recorded vote: "Vote by user 'u' has been registered.",
  // naming no candidate, also once closed), election closed, voter not authorized, already
  // voted.
  outcome apply(const command& c);

  // Pure: whether the current state already settles `c`, i.e. apply(c) would change nothing,
  // and for how long that answer holds. judge(c).answer == apply(c) whenever how != no, and a
  // `forever` answer stays apply()'s answer after any further commands. Lets the node answer
  // refusals and retries without a log entry (docs/state-machine.md "Which refusals are
  // logged").
  judgement judge(const command& c) const;
  // The latest entry timestamp applied, kept in snapshots: a leader never stamps below it.
  std::int64_t last_timestamp_ms() const noexcept;

  // Live tally of an open election or the stored result of a closed one; nullopt if unknown.
  // Internal (checkers, tests): what leaves a server is published_result_of().
  std::optional<election_result> result_of(std::string_view election_id) const;
  // What a results read answers: as result_of(), but an open election registered without live
  // results is sealed (turnout only, DESIGN.md §10).
  std::optional<election_result> published_result_of(std::string_view election_id) const;
  // The public record of a closed election, canonical bytes (docs/record.md); identical on
  // every replica that applied the same log. nullopt when unknown or still open (`open` tells).
  struct record_answer {
    std::optional<std::string> bytes;
    bool known = false;
  };
  record_answer record_of(std::string_view election_id) const;
  std::size_t election_count() const noexcept;
  // Every election, sorted by id, as of `now_ms` (the reader's clock only decides scheduled
  // versus open for display; votes are judged by entry timestamps).
  std::vector<election_summary> summaries(std::int64_t now_ms) const;
  // One election's public description as of `now_ms` (as summaries()); nullopt when unknown.
  std::optional<election_info> info_of(std::string_view election_id, std::int64_t now_ms) const;
  // Open elections whose deadline is at or before now_ms: the leader proposes their close.
  std::vector<std::string> due_closes(std::int64_t now_ms) const;
  const limits& bounds() const noexcept;

  // Serialization of the whole state, dedup records included: the binary version 4
  // (docs/state-machine.md "Snapshots"). restore(snapshot()) == *this, and states applied from
  // the same log give equal bytes.
  std::string snapshot() const;
  // The JSON version 3 that releases before version 4 wrote. The server never writes it: it is
  // kept for the tests of the upgrade path and for vote-state-bench's comparison.
  std::string snapshot_v3() const;
  // A state from a snapshot of any version (1 to 4), or nullopt when the bytes are damaged or
  // hold anything the commands that built the state could not have built.
  static std::optional<election_state> restore(std::string_view snapshot, limits lim = {});

  friend bool operator==(const election_state& a, const election_state& b);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace vote
