// Every binary follows the same command-line conventions (README "Command-line conventions"):
// --version names the program and the build and exits 0; an unknown flag is a usage error (exit
// 2) that names the flag and the one probably meant, even where a required flag is missing too;
// a server that cannot bind its port leaves no data directory.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <filesystem>

#include "vote/lab/harness.hpp"

namespace vote::test {
namespace {

struct binary {
  std::string name;
  std::string typo;   // an unknown flag close to one the program has
  std::string meant;  // that flag
};

const binary binaries[] = {
    {"vote-server", "--prot", "--port"},
    {"register", "--candidate", "--candidates"},
    {"vote", "--electionid", "--election-id"},
    {"close", "--idd", "--id"},
    {"vote-status", "--jsn", "--json"},
    {"vote-admin", "--timout", "--timeout"},
    {"vote-bench", "--conections", "--connections"},
    {"vote-verify", "--recrd", "--record"},
    {"vote-chaos", "--voter", "--voters"},
    {"vote-sim", "--nodez", "--nodes"},
    {"vote-count-bench", "--ballot", "--ballots"},
    {"vote-state-bench", "--voter", "--voters"},
};

TEST(CliConventions, EveryBinaryAnswersVersion) {
  for (const auto& b : binaries) {
    const auto r = run(b.name, {"--version"});
    EXPECT_EQ(r.code, 0) << b.name << ": " << r.err;
    EXPECT_EQ(r.out.rfind(b.name + " ", 0), 0U) << b.name << ": " << r.out;
    EXPECT_NE(r.out.find("(git "), std::string::npos) << b.name << ": " << r.out;
  }
}

TEST(CliConventions, EveryBinarySuggestsTheFlagATypoMeantAndExitsTwo) {
  for (const auto& b : binaries) {
    // No other flag: several programs have required ones, which must not be reported instead.
    const auto r = run(b.name, {b.typo, "x"});
    EXPECT_EQ(r.code, 2) << b.name << ": " << r.err;
    EXPECT_NE(r.err.find("unknown flag " + b.typo + "; did you mean " + b.meant + "?"),
              std::string::npos)
        << b.name << ": " << r.err;
  }
}

// A server that cannot bind its port exits 3 and leaves no data directory behind.
TEST(CliConventions, AServerThatCannotBindCreatesNoDataDirectory) {
  boost::asio::io_context io;
  const std::uint16_t port = free_port();
  const boost::asio::ip::tcp::acceptor taken(io,
                                             {boost::asio::ip::make_address_v4("127.0.0.1"), port});
  const auto dir = std::filesystem::temp_directory_path() /
                   ("vote-bind-test-" + std::to_string(::getpid()) + "-" + std::to_string(port));
  std::filesystem::remove_all(dir);
  const auto r = run("vote-server", {"--port", std::to_string(port), "--host", "127.0.0.1",
                                     "--broadcast", "127.255.255.255", "--discovery-port",
                                     std::to_string(free_port()), "--data-dir", dir.string()});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot bind TCP 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vote::test
