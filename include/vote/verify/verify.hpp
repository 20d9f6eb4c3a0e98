// vote-verify: checks the public record of a closed election (DESIGN.md §10, docs/record.md).
//
// An independent verifier: it reads the record with its own parser (record.hpp), hashes with its
// own code (codes.hpp) and recounts with its own tally; nothing of the servers' election code
// (src/core/election*.cpp) is linked in.
//
// The checks, each reported by name with pass/fail and a one-line detail:
//   parse            the bytes are one JSON object of the documented shape (record.hpp)
//   format           "format" is "vote-record/1" (plurality, no format-2 member) or
//                    "vote-record/2" (every format-2 member, a known method, count unless
//                    plurality); a known tie_break and voters
//   settings         format 2: seats 1 (stv: 1 <= seats < candidates), max_score 1..100 (5 when
//                    the method takes no scores), closed_at_ms <= closes_at_ms when set
//   canonical        re-encoding the parsed record gives the same bytes (first difference if not)
//   digest           "digest" is hex(SHA-256(canonical record without "digest"))
//   trackers         every tracker recomputes from its nonce and canonical ballot
//   ballot_order     trackers strictly increasing: sorted by tracker, unique
//   candidates       candidates listed once each; every ballot names listed candidates only
//   ballots          every ballot has the method's shape and is valid (docs/counting.md
//                    check_ballot): marks, none twice, scores <= max_score; approvals and
//                    score keys sorted by bytes
//   roll             sorted, without duplicates (codes mode: 64-hex public credentials)
//   used             sorted, without duplicates, every entry on the roll
//   counts           len(ballots) == len(used) <= len(roll)
//   eligible_voters  result.eligible_voters == len(roll)
//   votes_cast       result.votes_cast == len(ballots)
//   weights          format 2: "weights" sorted, each >= 2 and on the roll; ballot weights >= 2;
//                    the multiset of ballot weights == that of the used entries' weights
//   recount          an independent count (count.hpp) equals result: tallies, tie, tied, winner;
//                    format 2 also winners and the whole count (rounds, quota, matrices)
//   same_record      every source gave the same bytes (which differ, and from which byte)
//   receipt          (with a receipt) its tracker recomputes, its election is the record's, and the
//                    record holds that tracker with that ballot and nonce
// Sorting is by bytes (std::string order, i.e. unsigned UTF-8 bytes), as for the record's keys.
//
// Pure: no I/O, no clocks. Not thread-safe per call, safe to call from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "vote/verify/count.hpp"
#include "vote/verify/record.hpp"

namespace vote::verify {

// Exit codes of vote-verify (the clients' codes, DESIGN.md §2, with "refused" read as "failed").
inline constexpr int exit_verified = 0;
inline constexpr int exit_failed = 1;       // a check failed: the record or a receipt is wrong
inline constexpr int exit_usage = 2;        // bad flags, unreadable receipt
inline constexpr int exit_unreachable = 3;  // a server or record file could not be read

struct check {
  std::string name;
  bool passed = false;
  std::string detail;
  std::string source;  // which record copy ("" = all of them)
};

// The recount of a parsed record (count.hpp: the record's method, ties under tie_break; format 1
// is plurality with every ballot weighing 1).
struct summary {
  std::string election_id;
  std::size_t ballots = 0;
  std::string method = "plurality";
  std::optional<std::string> winner;  // the first of winners
  std::vector<std::string> winners;   // stv: the elected, in order of election
  bool tie = false;
  std::vector<std::string> tied;
  std::string tie_break;
  std::vector<std::pair<std::string, std::uint64_t>> tallies;  // candidates' order
  std::size_t record_bytes = 0;
  std::string digest;
  std::optional<count_result> count;  // the whole recount (rounds, quota, matrices)
  std::string error;                  // non-empty: the record could not be recounted (why)
};

summary recount(const record& r);
// The recount check: `counted` (recount(r)) against r.result.
check compare_result(const record& r, const summary& counted);

// The checks of one record copy, and the parsed record when it parsed.
struct record_checks {
  std::vector<check> checks;
  std::optional<record> parsed;
  std::optional<summary> counted;  // when it parsed
  bool passed() const;
};
record_checks check_record(std::string_view bytes, const record_limits& lim = {});

// What a voter's client saved (docs/record.md "Receipts").
struct receipt {
  std::string election_id;
  std::string nonce;
  std::string tracker;  // normalised: upper case, without '-' and spaces
  std::string ballot;   // the ballot's canonical JSON text, e.g. {"rank":["B","A"]}
};
// Strict: exactly the documented members, "format" "vote-receipt/1", a ballot of one of the four
// shapes (candidate, approve, rank, scores), a nonce of 32 lowercase hex characters, a tracker of
// 20 symbols (grouped with '-' or not, any case).
std::variant<receipt, parse_error> parse_receipt(std::string_view bytes);
check check_receipt(const receipt& r, const record& rec);

// One copy of the record: a server's or a file's bytes, or why they could not be read.
struct source {
  std::string name;                  // "127.0.0.1:7001" or a file path
  std::optional<std::string> bytes;  // nullopt: unreadable
  std::string error;                 // why, when unreadable
};

// The same_record check over the readable sources: each differing source named with its first
// differing byte offset against the first readable source.
check compare_sources(const std::vector<source>& sources);

struct verdict {
  std::vector<check> checks;  // every check of every distinct copy, then same_record, receipt
  std::vector<std::string> unreadable;  // "NAME: reason"
  std::optional<summary> result;        // of the first readable copy, when it parsed
  int exit_code() const;                // 1 if a check failed, else 3 if a source was unreadable
};

// Checks every distinct copy among `sources` (identical copies once), compares them, and checks
// the receipt (when given) against every copy that parsed. With an election id, a check
// "election_id" says whether each copy is that election's.
struct verify_options {
  record_limits limits;
  std::optional<std::string> election_id;  // --election-id: the record must be of this election
  std::optional<receipt> voter;            // --receipt
};
verdict verify_sources(const std::vector<source>& sources, const verify_options& options = {});

// "VERIFIED: election E, N ballots, winner W (A 2, B 1)" or "FAILED: election E: check, check";
// text_report() is one line per check ("ok    name  detail" / "FAIL  name  detail") then it.
std::string verdict_line(const verdict& v);
std::string text_report(const verdict& v);
nlohmann::ordered_json json_report(const verdict& v);

}  // namespace vote::verify
