// The flags, checks and output every command-line client shares (DESIGN.md §2), in one place so
// the mains of register, vote, close, vote-status and vote-admin only declare their own flags and
// build a request.
//
//   --server HOST:PORT       talk to this server, skip discovery (excludes --broadcast)
//   --broadcast ADDR         where to broadcast who_is_leader (default: detected interface)
//   --discovery-port P       servers' UDP discovery port (default 52342)
//   --cluster NAME           only accept answers from this cluster
//   --timeout SECONDS        total deadline including retries (default 5)
//   --json                   one JSON object on stdout
//   --quiet                  no progress lines on stderr while waiting
//   (include/vote/client/progress.hpp)
//   --request-id ID          reuse the id of an earlier command whose outcome was unknown
//   --admin-token TOKEN / --admin-token-file F / $VOTE_ADMIN_TOKEN   (register, close, vote-admin)
//   --tls-ca F / $VOTE_TLS_CA  TLS 1.3 on every connection; servers must prove themselves with a
//                            certificate of this CA naming the address connected to
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>

#include "vote/client/call.hpp"
#include "vote/client/discovery.hpp"
#include "vote/wire/messages.hpp"

namespace vote::client {

inline constexpr std::string_view admin_token_env = "VOTE_ADMIN_TOKEN";
inline constexpr std::string_view tls_ca_env = "VOTE_TLS_CA";

// Where a tool prints: std::cout / std::cerr in the binaries, string streams in tests.
struct console {
  std::ostream& out;
  std::ostream& err;
  std::ostream* progress = nullptr;  // where waiting is reported (standard_console: stderr)
};
console standard_console();

struct common_options {
  std::string server;     // "" = discover by broadcast
  std::string broadcast;  // "" = detect_interface().broadcast
  std::uint16_t discovery_port = default_discovery_port;
  std::string cluster;     // "" = any cluster
  double timeout_s = 5.0;  // total deadline, seconds
  bool json = false;
  bool quiet = false;       // no progress lines while waiting
  std::string request_id;   // "" = generate one
  std::string admin_token;  // register/close/vote-admin
  std::string admin_token_file;
  std::string tls_ca;  // "" = $VOTE_TLS_CA, else plain TCP
};

// Which optional groups of flags a tool takes.
struct flag_groups {
  bool admin = false;      // --admin-token, --admin-token-file
  bool request_id = true;  // --request-id
  bool progress = true;    // -q/--quiet (a tool that waits through send_command)
};

// Adds the shared flags and the exit-code footer to `app`.
void add_common_flags(CLI::App& app, common_options& o, flag_groups groups);

// Parses the command line. nullopt: go on; otherwise exit with the returned code (0 after
// --help, 2 after a parse error, with CLI11's message on c.err).
std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv,
                                      const console& c = standard_console());

// The checked, resolved form of common_options.
struct resolved_options {
  call_options call;
  std::string request_id;
  std::string admin_token;  // "" when none was given
};

// Checks and resolves the shared flags: --server and --broadcast syntax, --request-id, the admin
// token source (flag, file, then environment), the TLS CA (flag, then environment; an unreadable
// or non-PEM file is a usage error). A std::string is a usage error message.
std::variant<resolved_options, std::string> resolve_options(const common_options& o,
                                                            flag_groups groups);

// Prints an error found before anything was sent ("Error: MESSAGE" on stderr, or with --json
// the failure object with outcome "not_sent" on stdout) and returns `exit_code`.
int early_error(const common_options& o, std::string_view message, std::string_view code,
                int exit_code, const console& c = standard_console());
// early_error() for a usage error: code "usage", exit code 2.
int usage_error(const common_options& o, std::string_view message,
                const console& c = standard_console());

// Fills request_id/admin_token of `request` from `r` and sends it with retries, reporting
// progress on c.progress while it waits longer than a second (unless o.quiet). A request over
// the frame limit is not sent: the error is printed and the int is the exit code (2).
std::variant<call_result, int> send_command(const common_options& o, const resolved_options& r,
                                            wire::client_request request, const console& c);

// Resolves the options, sends `request` (send_command), prints the outcome and returns the exit
// code. `unknown_effect` completes the "outcome unknown" message, e.g. "the vote may or may not
// have been counted". `after`, when given, runs on the answer once it is printed (a receipt to
// save, a note to add).
int run_command(const common_options& o, wire::client_request request, flag_groups groups,
                std::string_view unknown_effect, const console& c = standard_console(),
                const std::function<void(const call_result&)>& after = {});

}  // namespace vote::client
