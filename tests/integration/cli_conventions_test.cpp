// Every binary follows the same command-line conventions (README "Command-line conventions"):
// --version names the program and the build and exits 0; an unknown flag is a usage error (exit
// 2) that names the flag and the one probably meant, even where a required flag is missing too;
// a server that cannot bind its port leaves no data directory.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

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

// A key in vote-server's --config file that is no flag is a usage error, not silently ignored.
TEST(CliConventions, AMisspeltConfigKeyIsAUsageError) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("vote-config-test-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(file) << "host = \"127.0.0.1\"\nbroadcast = \"127.255.255.255\"\nprot = 7000\n";
  const auto r = run("vote-server", {"--config", file.string()});
  std::filesystem::remove(file);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("Error: ", 0), 0U) << r.err;
  EXPECT_NE(r.err.find("prot"), std::string::npos) << r.err;
}

// Every line a client prints about a failure or a wait has one prefix style.
void expect_prefixed(const std::string& err) {
  std::istringstream lines(err);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.rfind("Error: ", 0) == 0 || line.rfind("Waiting (", 0) == 0) << line;
  }
}

const std::vector<std::string> a_vote = {"--election-id", "e1", "--id", "u1", "--candidate", "A"};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// A --server where nothing listens is reported at once, not after --timeout of retries.
TEST(CliConventions, ARefusedServerFailsFastWithOneClearLine) {
  const auto endpoint = "127.0.0.1:" + std::to_string(free_port());  // nothing listens there
  const auto r = run("vote", with(a_vote, {"--server", endpoint, "--timeout", "60"}));
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(r.err, "Error: could not connect to " + endpoint +
                       ": connection refused (is a vote-server running there? is the port "
                       "right?); it was not applied.\n");
  EXPECT_TRUE(r.out.empty()) << r.out;
}

// A client that waits more than a second says what for on stderr, once a second; --quiet stops
// it; the final error is the same either way.
TEST(CliConventions, AWaitingClientReportsProgressUnlessQuiet) {
  const auto port = std::to_string(free_port());  // no server answers discovery there
  const std::vector<std::string> nobody = {"--broadcast", "127.255.255.255", "--discovery-port",
                                           port,          "--timeout",       "2.5"};
  const auto loud = run("vote", with(a_vote, nobody));
  EXPECT_EQ(loud.code, 3) << loud.err;
  EXPECT_EQ(loud.err.rfind("Waiting (1 s of 2.5 s): no leader known yet; asking by broadcast on "
                           "127.255.255.255:" +
                               port + "\n",
                           0),
            0U)
      << loud.err;
  EXPECT_NE(loud.err.find("\nError: no leader known"), std::string::npos) << loud.err;
  expect_prefixed(loud.err);

  const auto quiet = run("vote", with(a_vote, with(nobody, {"--quiet"})));
  EXPECT_EQ(quiet.code, 3) << quiet.err;
  EXPECT_EQ(quiet.err.find("Waiting"), std::string::npos) << quiet.err;
  EXPECT_EQ(quiet.err.rfind("Error: no leader known", 0), 0U) << quiet.err;
}

}  // namespace
}  // namespace vote::test
