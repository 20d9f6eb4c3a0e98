// What `register` does once its flags are parsed (DESIGN.md §11; docs/clients.md, docs/rolls.md):
// read the roll (arguments and --authorized-users-file, reported line by line), and send the
// election in as many requests as its roll needs. A roll that fits one frame is one register
// request; a larger one is a register with the first chunk ("more_voters") and add_voters
// requests for the rest, the last one completing the roll: the election takes no vote until
// then. Chunk k's request id is "<request id>.<k>", so re-running the same command with the
// same --request-id after an unknown outcome resends the same chunks, and the cluster answers
// the ones it already applied without applying them twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "vote/client/cli.hpp"
#include "vote/core/election.hpp"
#include "vote/wire/messages.hpp"

namespace vote::client {

// The client's wall clock in unix ms (relative deadlines such as "+2h" are counted from it).
std::int64_t wall_clock_ms();

struct roll_options {
  std::vector<std::string> listed;  // --authorized-users
  std::string file;                 // --authorized-users-file
  bool skip_invalid = false;        // --skip-invalid-lines: register without the rejected lines
  std::size_t shown_problems = 20;  // problem lines printed before "... and N more"
  std::string codes_file;           // --voter-codes: send credentials, write the codes here
  std::string secret_file;          // --code-secret: derive the codes from this secret
  std::string code_url;             // --code-url: each voter's link, and the sheet OUT.html
};

// The roll's flags: --authorized-users, --authorized-users-file, --skip-invalid-lines,
// --voter-codes, --code-secret and --code-url (register and vote-admin add-voters).
void add_roll_flags(CLI::App& app, roll_options& o);

struct collected_roll {
  std::vector<std::string> voters;
  std::vector<std::uint64_t> weights;  // parallel to voters; empty when every weight is 1
  std::vector<std::string> notes;      // the summary, problems and warnings, one line each
};

// Reads the roll: the listed ids (NFC-normalised; a warning for an argument that looks like a
// comma-separated list) then the file. Duplicates are reported and dropped; a rejected line is a
// usage error (the std::string) unless skip_invalid.
std::variant<collected_roll, std::string> collect_roll(const roll_options& o);

// The largest JSON payload a chunk may take. Well under the 1 MiB frame: every server decodes,
// logs, replicates and applies a chunk in one go, and a 768 KiB chunk kept a leader busy for
// long enough (≈150 ms on a loaded 2-core machine) to lose check-quorum against its 200 ms
// election timeout; 256 KiB chunks cost the same in total and stall a third as long.
inline constexpr std::size_t chunk_payload_bytes = 256 * 1024;

// The requests that register `cmd` (request_id and admin token filled in by the sender):
// one when it fits `max_bytes`, else a register with more_voters and add_voters chunks.
std::vector<wire::client_request> registration_requests(
    register_cmd cmd, std::size_t max_bytes = chunk_payload_bytes);

// The add_voters requests that add `cmd`'s voters (request_id and admin token filled in by the
// sender): one when they fit `max_bytes`, else several, all but the last with more_voters (the
// election takes no vote until the last arrives).
std::vector<wire::client_request> add_voters_requests(add_voters_cmd cmd,
                                                      std::size_t max_bytes = chunk_payload_bytes);

// Voting codes for a roll (register --voter-codes, vote-admin add-voters --voter-codes): the codes
// of `voters` are taken from `codes_file` when it holds exactly these voters (a retry), else made
// (derived from `secret_file` when given, random otherwise) and written there before anything is
// sent. With `code_url` (checked by code_url_base, include/vote/client/code_sheet.hpp) each row
// gets the voter's link and the printable sheet is written beside `codes_file` (a retry writes it
// only when it is missing). `voters` and `weights` are replaced by the codes' public
// credentials, sorted so that the order tells nothing of the names. Returns the note to print,
// or an error in `error`.
std::optional<std::string> use_voter_codes(const std::string& election_id,
                                           std::vector<std::string>& voters,
                                           std::vector<std::uint64_t>& weights,
                                           const std::string& codes_file,
                                           const std::string& secret_file,
                                           const std::string& code_url, std::string& error);

// Sends the requests in order, each with retries under the common timeout; stops at the first
// that does not succeed and says how to resume. Prints the outcome like run_command (the first
// request's answer, with the roll's size and the number of requests when there were several)
// and returns the exit code. `after` runs on the final answer.
int run_registration(const common_options& o, register_cmd cmd, flag_groups groups,
                     const console& c = standard_console(),
                     const std::function<void(const call_result&)>& after = {});

// vote-admin add-voters: sends add_voters_requests(cmd) as run_registration sends its chunks.
int run_add_voters(const common_options& o, add_voters_cmd cmd,
                   const console& c = standard_console(),
                   const std::function<void(const call_result&)>& after = {});

}  // namespace vote::client
