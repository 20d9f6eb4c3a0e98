#include "vote/lab/harness.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "vote/core/strict_json.hpp"
#include "vote/wire/frame.hpp"

extern char** environ;

namespace vote::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int decode_status(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::filesystem::path make_temp_dir(const std::string& prefix) {
  std::string templ = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  return templ;
}

std::string bin(const std::string& name) {
  const char* dir = std::getenv("VOTE_BIN_DIR");
  return std::string(dir && *dir ? dir : VOTE_BIN_DIR) + "/" + name;
}

process::process(const std::string& path, const std::vector<std::string>& args) {
  auto dir = make_temp_dir("vote-proc-");
  out_ = dir / "stdout";
  err_ = dir / "stderr";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int rc = posix_spawn(&pid_, path.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + path);
}

process::~process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(10s);
  }
  std::error_code ec;
  std::filesystem::remove_all(out_.parent_path(), ec);
}

void process::signal(int signo) {
  ::kill(pid_, signo);
}

bool process::running() {
  if (status_) return false;
  int st = 0;
  if (::waitpid(pid_, &st, WNOHANG) == pid_) status_ = decode_status(st);
  return !status_;
}

std::optional<int> process::wait(std::chrono::milliseconds timeout) {
  eventually([&] { return !running(); }, timeout);
  return status_;
}

std::string process::stdout_text() const {
  return slurp(out_);
}
std::string process::stderr_text() const {
  return slurp(err_);
}

run_result run(const std::string& name, const std::vector<std::string>& args,
               std::chrono::milliseconds timeout) {
  process p(bin(name), args);
  auto code = p.wait(timeout);
  if (!code) {
    p.signal(SIGKILL);
    code = p.wait(10s);
  }
  return {code.value_or(-1), p.stdout_text(), p.stderr_text()};
}

std::uint16_t free_port() {
  static std::mt19937 rng(std::random_device{}());
  asio::io_context io;
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto port = static_cast<std::uint16_t>(std::uniform_int_distribution<int>(20000, 32000)(rng));
    boost::system::error_code e1, e2;
    asio::ip::tcp::acceptor a(io);
    a.open(asio::ip::tcp::v4(), e1);
    a.bind({asio::ip::make_address_v4("127.0.0.1"), port}, e1);
    asio::ip::udp::socket u(io);
    u.open(asio::ip::udp::v4(), e2);
    u.bind({asio::ip::udp::v4(), port}, e2);
    if (!e1 && !e2) return port;
  }
  throw std::runtime_error("no free port");
}

namespace {

// Writes one frame carrying `payload` to `s` (a socket or a TLS stream) and returns the payload
// of the first frame that comes back; nullopt on any transport or framing failure.
template <class Stream>
std::optional<std::string> exchange_on(Stream& s, std::string_view payload) {
  boost::system::error_code ec;
  std::string out;
  wire::encode_frame(payload, out);
  asio::write(s, asio::buffer(out), ec);
  if (ec) return std::nullopt;
  std::string in;
  std::array<char, 65536> buf;
  for (;;) {
    auto d = wire::decode_frame(in);
    if (d.st == wire::frame_decode::status::error) return std::nullopt;
    if (d.st == wire::frame_decode::status::frame) return std::string(d.payload);
    std::size_t n = s.read_some(asio::buffer(buf), ec);
    if (ec) return std::nullopt;
    in.append(buf.data(), n);
  }
}

// One frame over a fresh connection to 127.0.0.1:port, TLS with tls_from_env().
std::optional<std::string> exchange(std::uint16_t port, std::string_view payload,
                                    std::chrono::milliseconds timeout) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({asio::ip::make_address_v4("127.0.0.1"), port}, ec);
  if (ec) return std::nullopt;
  struct timeval tv {
    static_cast<time_t>(timeout.count() / 1000),
        static_cast<suseconds_t>(timeout.count() % 1000 * 1000)
  };
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const auto tls = tls_from_env();
  if (!tls) return exchange_on(s, payload);
  net::tls_stream t(std::move(s), *tls);
  net::verify_server_ip(t, "127.0.0.1");
  t.handshake(net::tls_stream::client, ec);
  if (ec) return std::nullopt;
  return exchange_on(t, payload);
}

}  // namespace

std::shared_ptr<net::tls_context> tls_from_env() {
  const char* ca = std::getenv("VOTE_TLS_CA");
  if (ca == nullptr || *ca == '\0') return nullptr;
  return net::make_client_context(ca);
}

wire::client_request register_request(const std::string& election, int voters) {
  register_cmd cmd{election, {"A", "B"}, {}, tie_break::none};
  cmd.live_results = true;  // tests read tallies while the election is open
  for (int i = 0; i < voters; ++i) cmd.voters.push_back("v" + std::to_string(i));
  wire::client_request r;
  r.type = wire::request_type::register_election;
  r.request_id = "reg-" + election;
  r.body = std::move(cmd);
  return r;
}

wire::client_request vote_request(const std::string& election, const std::string& voter,
                                  const std::string& candidate, const std::string& request_id) {
  wire::client_request r;
  r.type = wire::request_type::vote;
  r.request_id = request_id;
  r.body = vote_cmd{election, voter, candidate};
  return r;
}

std::optional<wire::client_response> request(std::uint16_t port, const wire::client_request& r,
                                             std::chrono::milliseconds timeout) {
  auto payload = exchange(port, wire::encode_request(r), timeout);
  if (!payload) return std::nullopt;
  auto decoded = wire::decode_response(*payload);
  if (auto* resp = std::get_if<wire::client_response>(&decoded)) return *resp;
  return std::nullopt;
}

std::optional<nlohmann::json> request_json(std::uint16_t port, const nlohmann::json& r,
                                           std::chrono::milliseconds timeout) {
  auto payload = exchange(port, r.dump(), timeout);
  if (!payload) return std::nullopt;
  // The server's answer is read like any untrusted JSON (vote/core/strict_json.hpp).
  strict_json::parse_result parsed = strict_json::parse(*payload);
  return std::move(parsed.value);
}

server::server() : server(options{}) {}

server::server(options o)
    : options_(std::move(o)), port_(free_port()), discovery_port_(free_port()) {
  dir_ = make_temp_dir("vote-server-");
  if (!options_.admin_token.empty()) {
    std::ofstream(dir_ / "admin-token") << options_.admin_token << "\n";
  }
}

server::~server() {
  proc_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::vector<std::string> server::args() const {
  std::vector<std::string> a = {
      "--port", std::to_string(port_), "--host", "127.0.0.1", "--broadcast", "127.255.255.255",
      "--discovery-port", std::to_string(discovery_port_), "--data-dir", (dir_ / "data").string(),
      "--log-level", "warn",
      // alone on its discovery port: no need to listen the default 2 s before forming
      "--discovery-window-ms", "200"};
  if (!options_.admin_token.empty()) {
    a.push_back("--admin-token-file");
    a.push_back((dir_ / "admin-token").string());
  }
  a.insert(a.end(), options_.extra_args.begin(), options_.extra_args.end());
  return a;
}

void server::start() {
  proc_ = std::make_unique<process>(bin("vote-server"), args());
  wire::client_request status;
  // Up = serving: a lone server forms its own cluster and leads it (a server joining others
  // is waited for by the cluster harness instead).
  const bool up = eventually([&] {
    if (!proc_->running()) return true;
    auto r = request(port_, status, 500ms);
    return r && r->status && r->status->role == "leader";
  });
  if (!up || !proc_->running())
    throw std::runtime_error("vote-server did not start: " + proc_->stderr_text());
}

void server::kill9() {
  proc_->signal(SIGKILL);
  proc_->wait(10s);
}

int server::stop() {
  proc_->signal(SIGTERM);
  return proc_->wait(20s).value_or(-1);
}

std::vector<std::string> server::discovery_flags() const {
  return {"--broadcast",      "127.255.255.255",
          "--discovery-port", std::to_string(discovery_port_),
          "--timeout",        "5"};
}

std::vector<std::string> server::direct_flags() const {
  return {"--server", endpoint(), "--timeout", "5"};
}

}  // namespace vote::test
