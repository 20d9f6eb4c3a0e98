#include "vote/node/config.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace vote::node {
namespace {

server_config valid() {
  server_config c;
  c.port = 7000;
  return c;
}

TEST(ConfigTest, DefaultsFillTheDataDirectoryFromThePort) {
  auto c = valid();
  validate(c);
  EXPECT_EQ(c.data_dir, "./vote-data-7000");
  EXPECT_EQ(c.discovery_port, 52342);
}

TEST(ConfigTest, EachOutOfRangeValueNamesItsFlag) {
  const std::vector<std::pair<std::function<void(server_config&)>, std::string>> cases = {
      {[](server_config& c) { c.port = 0; }, "--port"},
      {[](server_config& c) { c.discovery_port = 0; }, "--discovery-port"},
      {[](server_config& c) { c.host = "10.0.0"; }, "--host"},
      {[](server_config& c) { c.broadcast = "x"; }, "--broadcast"},
      {[](server_config& c) { c.cluster = ""; }, "--cluster"},
      {[](server_config& c) { c.max_frame_bytes = 10; }, "--max-frame-bytes"},
      {[](server_config& c) { c.max_connections = 0; }, "--max-connections"},
      {[](server_config& c) { c.id = 0; }, "--id"},
      {[](server_config& c) { c.log_level = "loud"; }, "--log-level"},
  };
  for (const auto& [mutate, flag] : cases) {
    auto c = valid();
    mutate(c);
    try {
      validate(c);
      ADD_FAILURE() << "accepted a bad " << flag;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(flag), std::string::npos) << e.what();
    }
  }
}

TEST(ConfigTest, ExplicitValuesAreKept) {
  auto c = valid();
  c.host = "127.0.0.1";
  c.broadcast = "127.255.255.255";
  c.data_dir = "/tmp/x";
  validate(c);
  EXPECT_EQ(c.data_dir, "/tmp/x");
}

}  // namespace
}  // namespace vote::node
