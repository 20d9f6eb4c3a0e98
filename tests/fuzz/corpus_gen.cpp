// Writes the seed corpora of the fuzz targets: a handful of small valid inputs each, made with
// the real encoders. Run from the repository root after a format change, and commit the files:
//   build/tests/fuzz/fuzz_corpus_gen tests/fuzz/corpus
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "vote/core/consensus_config.hpp"
#include "vote/core/consensus_messages.hpp"
#include "vote/core/election.hpp"
#include "vote/core/log_entry.hpp"
#include "vote/storage/meta.hpp"
#include "vote/storage/snapshot.hpp"
#include "vote/storage/wal_record.hpp"
#include "vote/verify/codes.hpp"
#include "vote/verify/test_record.hpp"
#include "vote/verify/verify.hpp"
#include "vote/wire/discovery.hpp"
#include "vote/wire/frame.hpp"
#include "vote/wire/messages.hpp"

namespace {

namespace fs = std::filesystem;
using namespace vote;

fs::path root;

void put(const std::string& target, const std::string& name, const std::string& bytes) {
  const fs::path dir = root / target;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

command reg() {
  return {"r1", 1000, register_cmd{"e1", {"A", "B"}, {"v1", "v2", "v3"}, tie_break::none}};
}
command vote_a() {
  return {"r2", 1001, vote_cmd{"e1", "v1", "A"}};
}
command vote_b() {
  return {"r3", 1002, vote_cmd{"e1", "v2", "B"}};
}
command close_e() {
  return {"r4", 1003, close_cmd{"e1"}};
}

consensus::configuration config3() {
  consensus::configuration c{"6f1c2c1e-0000-4000-8000-000000000001",
                             {{1, 11, "127.0.0.1:7001"}, {2, 22, "127.0.0.1:7002"}},
                             {{3, 33, "127.0.0.1:7003"}}};
  c.normalize();
  return c;
}

// Node 1 at 127.0.0.1:7001, seen to lead in epoch 3.
consensus::leader_info leader_1() {
  return {.id = 1, .epoch = 3, .endpoint = "127.0.0.1:7001"};
}

void frames() {
  std::string one, two;
  wire::encode_frame(R"({"type":"status"})", one);
  put("frame", "status", one);
  wire::encode_frame("peer-bytes", two, wire::frame_type::peer);
  put("frame", "two-frames", one + two);
  put("frame", "header-only", one.substr(0, wire::frame_header_size));
}

void requests() {
  wire::client_request r;
  r.type = wire::request_type::vote;
  r.request_id = "r2";
  r.body = vote_a().body;
  put("request", "vote", wire::encode_request(r));
  r.type = wire::request_type::register_election;
  r.body = reg().body;
  r.admin_token = "secret";
  put("request", "register", wire::encode_request(r));
  put("request", "status", R"({"type":"status"})");
  put("request", "results", R"({"type":"results","election_id":"e1","local":true})");
  put("request", "election", R"({"type":"election","election_id":"e1"})");
  put("request", "close", R"({"type":"close","request_id":"r4","election_id":"e1"})");
  put("request", "transfer", R"({"type":"transfer_leadership","request_id":"t","node_id":2})");
}

void responses() {
  const consensus::leader_info leader = leader_1();
  wire::client_response ok{"r1", errc::ok, "Election 'e1' registered.", {}, {}, {}, {}};
  put("response", "ok", wire::encode_response(ok));
  wire::client_response nl{"r2", errc::not_leader, "not the leader", {}, "127.0.0.1:7002", {}, {}};
  put("response", "not-leader", wire::encode_response(nl));
  election_state s;
  s.apply(reg());
  s.apply(vote_a());
  s.apply(close_e());
  wire::client_response res{"r4", errc::ok, "closed", s.result_of("e1"), {}, {}, {}};
  put("response", "result", wire::encode_response(res));
  wire::client_response st{"",
                           errc::ok,
                           "",
                           {},
                           {},
                           wire::server_status{.node_id = 1,
                                               .role = "leader",
                                               .endpoint = "127.0.0.1:7001",
                                               .leader = leader,
                                               .epoch = 3,
                                               .commit_index = 9,
                                               .applied_index = 9},
                           {}};
  put("response", "status", wire::encode_response(st));
  wire::cluster_view cv{.self = 1,
                        .leader = leader,
                        .epoch = 3,
                        .commit_index = 9,
                        .applied_index = 9,
                        .cluster_uuid = "uuid",
                        .members = {{1, "127.0.0.1:7001", "leader", true, 9, 0, {}},
                                    {2, "127.0.0.1:7002", "follower", true, 8, 1, 12}}};
  wire::client_response cl{"", errc::ok, "", {}, {}, {}, cv};
  put("response", "cluster", wire::encode_response(cl));
  wire::client_response info;
  info.message = "Election e1.";
  election_info e;
  e.summary.election_id = "e1";
  e.summary.method = counting::method::irv;
  e.summary.mode = voter_mode::codes;
  e.summary.eligible_voters = 3;
  e.summary.votes_cast = 1;
  e.candidates = {"Ann", "Bob"};
  info.election = std::move(e);
  put("response", "election", wire::encode_response(info));
}

void datagrams() {
  const consensus::leader_info leader = leader_1();
  put("discovery", "who", wire::encode_datagram(wire::who_is_leader{42, "default"}));
  put("discovery", "leader-is",
      wire::encode_datagram(wire::leader_is{
          .nonce = 42, .cluster = "default", .cluster_uuid = "uuid", .leader = leader}));
  put("discovery", "hello-leader",
      wire::encode_datagram(wire::hello{.cluster = "default",
                                        .cluster_uuid = "uuid",
                                        .node_id = 1,
                                        .incarnation = 5,
                                        .endpoint = "127.0.0.1:7001",
                                        .role = "leader",
                                        .leader = leader,
                                        .voters = {1, 2, 3}}));
  put("discovery", "hello-joining",
      wire::encode_datagram(wire::hello{.cluster = "default",
                                        .cluster_uuid = "",
                                        .node_id = 7,
                                        .incarnation = 9,
                                        .endpoint = "127.0.0.1:7007",
                                        .role = "joining",
                                        .leader = {},
                                        .voters = {}}));
}

void envelopes() {
  const std::string uuid = "uuid";
  const log_entry e1{5, 2, entry_kind::command, encode_command(vote_a())};
  const log_entry e2{6, 2, entry_kind::config, consensus::encode_configuration(config3())};
  std::vector<consensus::envelope> es{
      {1, 11, 2, uuid, consensus::append{2, 1, 4, 2, {e1, e2}, 4, 7}},
      {2, 22, 1, uuid, consensus::append_reply{2, true, 6, 6, 7, 1}},
      {1, 11, 2, uuid, consensus::prepare{3, 1, false}},
      {2, 22, 1, uuid, consensus::promise{3, 2, 6}},
      {1, 11, 3, uuid, consensus::election{4, 1, {1, 2}, {3}}},
      {3, 33, 1, uuid, consensus::fetch_reply{2, true, false, {e1}}},
      {1, 11, 3, uuid,
       consensus::install_snapshot{2, 1, consensus::snapshot_meta{4, 2, config3()}, 0, "state",
                                   true}},
      {1, 11, 2, "", consensus::bootstrap_propose{uuid, config3().voters}},
      {1, 11, 2, uuid, consensus::leader_alive{1, 2, "127.0.0.1:7001"}}};
  for (std::size_t i = 0; i < es.size(); ++i) {
    put("envelope", std::string(consensus::message_type(es[i].body)) + "-" + std::to_string(i),
        consensus::encode_envelope(es[i]));
  }
}

void configs() {
  put("config", "configuration", "\x00" + consensus::encode_configuration(config3()));
  put("config", "identity",
      "\x01" + storage::encode_identity(storage::node_identity{7, 99, "uuid"}));
  put("config", "promise", "\x02" + storage::encode_promise(consensus::promise_record{3, 1}));
}

void entries_and_commands() {
  const std::vector<command> cmds{reg(), vote_a(), vote_b(), vote_a(), close_e()};
  std::string joined;
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    std::string e;
    encode_log_entry({i + 1, 1, entry_kind::command, encode_command(cmds[i])}, e);
    put("log_entry", "command-" + std::to_string(i), e);
    joined += (i ? "\x1e" : "") + encode_command(cmds[i]);
  }
  std::string c, s;
  encode_log_entry({9, 2, entry_kind::config, consensus::encode_configuration(config3())}, c);
  put("log_entry", "config", c);
  encode_log_entry({10, 3, entry_kind::epoch_start, ""}, s);
  put("log_entry", "epoch-start", s);
  put("command", "election", joined);
  put("command", "register", encode_command(reg()));
}

std::string segment(std::uint64_t first, std::uint64_t prev_epoch, int n) {
  std::string out;
  storage::append_segment_header_record({first, prev_epoch}, out);
  for (int i = 0; i < n; ++i) {
    storage::append_entry_record(
        {first + i, prev_epoch + 1, entry_kind::command, encode_command(vote_a())}, out);
  }
  return out;
}

void wal() {
  put("wal", "raw-one-segment", std::string("\x00\x00", 2) + segment(1, 0, 3));
  put("wal", "raw-two-segments",
      std::string("\x00\x00", 2) + segment(1, 0, 2) + "\nSEG" + segment(3, 1, 2));
  put("wal", "raw-torn-tail",
      std::string("\x00\x00", 2) + segment(1, 0, 2) + std::string("\x20\x00\x00", 3));
  // described: mode 1, start 0, then ops: entries (code 1) and a new segment (code 8)
  const char ops[] = {1, 0, 0, 8, 0, 1, 4, 1,   3,   'a', 'b', 'c', 1,   4,  1,
                      0, 8, 0, 1, 5, 1, 2, 'x', 'y', 5,   3,   'z', 'z', 'z'};
  put("wal", "described", std::string(ops, sizeof ops));
}

void snapshots() {
  election_state s;
  s.apply(reg());
  s.apply(vote_a());
  const consensus::snapshot_meta meta{2, 1, config3()};
  put("snapshot", "file", "\x00" + storage::encode_snapshot(meta, s.snapshot()));
  s.apply(close_e());
  put("snapshot", "state-closed", "\x02" + s.snapshot());
  std::string described = "\x01\x02\x01";
  const std::string cfg = consensus::encode_configuration(config3());
  described += static_cast<char>(cfg.size() % 256);
  described += static_cast<char>(cfg.size() / 256);
  put("snapshot", "described", described + cfg + s.snapshot());
  put("snapshot", "state-empty", "\x02" + election_state{}.snapshot());
  // The JSON of releases before the binary version 4, still restored.
  put("snapshot", "state-closed-v3", "\x02" + s.snapshot_v3());
  // A ranked, weighted election with a ballot: the binary ballot and weight fields.
  register_cmd ranked{"r", {"A", "B", "C"}, {"x", "y"}, tie_break::none};
  ranked.method = counting::method::irv;
  ranked.weights = {2, 1};
  s.apply(command{"reg-r", 10, ranked});
  vote_cmd v{"r", "x", ""};
  v.choices = {"B", "A"};
  s.apply(command{"vote-r", 11, v});
  put("snapshot", "state-ranked", "\x02" + s.snapshot());
  put("snapshot", "state-ranked-v3", "\x02" + s.snapshot_v3());
}

}  // namespace

// vote-verify's records: honest ones (made with the verifier's own encoder), a tie, a tampered
// one, a cut one, and a fetch reply (the target also decodes every input as one).
void records() {
  verify::record r = verify::make_test_record(3);
  put("record", "honest-3", verify::encode_record(r));
  put("record", "cut", verify::encode_record(r).substr(0, 300));
  r.result.tallies[0].second += 1;
  put("record", "tampered-tally", verify::encode_record(r));
  verify::record tie = verify::make_test_record(2);
  tie.settings.tie_break = "first_listed";
  const verify::summary s = verify::recount(tie);
  tie.result.tie = s.tie;
  tie.result.tied = s.tied;
  tie.result.winner = s.winner;
  tie.digest = verify::hex(verify::sha256::of(verify::encode_record(tie, false)));
  put("record", "first-listed", verify::encode_record(tie));
  put("record", "empty", verify::encode_record(verify::make_test_record(0)));
  put("record", "reply",
      R"({"ok":true,"record":{"total_bytes":10,"offset":0,"data":"{\"ballots\""}})");
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_corpus_gen CORPUS_DIR\n");
    return 2;
  }
  root = argv[1];
  frames();
  requests();
  responses();
  datagrams();
  envelopes();
  configs();
  entries_and_commands();
  records();
  wal();
  snapshots();
  return 0;
}
