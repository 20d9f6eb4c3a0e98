// The requests the node tests send: one election "e" with candidates A and B.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "vote/wire/messages.hpp"

namespace vote::node::test {

inline wire::client_request register_request(std::vector<std::string> voters,
                                             std::string admin_token = {}) {
  wire::client_request r;
  r.type = wire::request_type::register_election;
  r.request_id = "reg";
  r.admin_token = std::move(admin_token);
  r.body = register_cmd{"e", {"A", "B"}, std::move(voters), tie_break::none};
  return r;
}

inline wire::client_request vote_request(const std::string& voter) {
  wire::client_request r;
  r.type = wire::request_type::vote;
  r.request_id = "req-" + voter;
  r.body = vote_cmd{"e", voter, "A"};
  return r;
}

}  // namespace vote::node::test
