// Fetching a closed election's record from one server in chunks (docs/record.md "Fetching the
// record"): {"type":"record","election_id":E,"offset":O} answered by
// {"ok":true,...,"record":{"total_bytes":N,"offset":O,"data":"..."}}, asked again from
// offset + len(data) until N bytes are in.
//
// The pure part (record_request, decode_record_reply, record_assembler) is in vote_verify and
// fuzzable; fetch_record() (vote_verify_fetch) does the I/O over the clients' framed transport
// (include/vote/client/exchange.hpp), on one connection per server, under one deadline.
//
// A server is untrusted: the total is bounded (max_record_bytes), every reply must continue at
// the offset asked for, never run past its total, never change the total, and make progress.
#pragma once

#include <memory>

#include "vote/net/tls.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "vote/verify/record.hpp"

namespace vote::verify {

inline constexpr std::size_t default_max_record_bytes = std::size_t{1} << 30;  // 1 GiB
// A reply carries at most 256 KiB of record as a JSON string; escapes can grow it, and the
// envelope adds a little: replies up to 8 MiB are read.
inline constexpr std::size_t default_max_reply_bytes = 8u << 20;

std::string record_request(std::string_view election_id, std::uint64_t offset);

struct record_chunk {
  std::uint64_t total_bytes = 0;
  std::uint64_t offset = 0;
  std::string data;
};
// The server refused: e.g. election_open, unknown_election.
struct record_refusal {
  std::string code;
  std::string message;
};
std::variant<record_chunk, record_refusal, parse_error> decode_record_reply(
    std::string_view payload);

// Collects chunks in order and checks them against each other.
class record_assembler {
 public:
  explicit record_assembler(std::size_t max_bytes = default_max_record_bytes)
      : max_bytes_(max_bytes) {}
  // nullopt when `c` continues the record; otherwise what is wrong with it.
  std::optional<std::string> add(record_chunk c);
  bool complete() const { return total_ && bytes_.size() == *total_; }
  std::uint64_t next_offset() const { return bytes_.size(); }
  std::string take() { return std::move(bytes_); }

 private:
  std::size_t max_bytes_;
  std::optional<std::uint64_t> total_;
  std::string bytes_;
};

struct fetch_options {
  std::chrono::milliseconds timeout{60'000};  // the whole record from one server
  std::size_t max_record_bytes = default_max_record_bytes;
  std::size_t max_reply_bytes = default_max_reply_bytes;
  // With a context (vote-verify --tls-ca / $VOTE_TLS_CA): TLS 1.3, and a server whose
  // certificate does not chain to the CA or name its address is refused. Null: plain TCP.
  std::shared_ptr<net::tls_context> tls;
};

// Either the record's bytes or why they could not be had ("connection refused", "the server
// refused: election_open: ...", "reply 3 starts at byte 10, asked for 20", ...).
struct fetch_result {
  std::optional<std::string> bytes;
  std::string error;
  bool refused = false;  // the server answered with a refusal (not a transport failure)
};
fetch_result fetch_record(std::string_view server, std::string_view election_id,
                          const fetch_options& options);

}  // namespace vote::verify
