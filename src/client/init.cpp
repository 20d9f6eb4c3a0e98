// `vote-admin init` (include/vote/client/init.hpp).
#include "vote/client/init.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <stdexcept>
#include <system_error>

#include "vote/client/pki.hpp"

namespace vote::client {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t max_servers = 64;
constexpr std::size_t secret_bytes = 32;

bool is_ipv4(const std::string& s) {
  in_addr a{};
  return ::inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool is_loopback(const std::string& ip) {
  in_addr a{};
  return ::inet_pton(AF_INET, ip.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

bool is_cluster_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// One file to write: its name in DIR, its bytes and its mode.
struct output_file {
  std::string name;
  std::string content;
  mode_t mode;
};

std::string server_name(std::size_t index, const char* ext) {
  return "server-" + std::to_string(index) + ext;
}

std::string quoted(const fs::path& p) {
  return "\"" + p.string() + "\"";
}

// Everything init writes, made in memory first: a failure here writes nothing.
std::vector<output_file> make_files(const init_options& o, const fs::path& dir) {
  std::vector<output_file> files;
  files.push_back({"cluster-key", pki::random_hex(secret_bytes) + "\n", 0600});
  files.push_back({"admin-token", pki::random_hex(secret_bytes) + "\n", 0600});
  const auto ca = pki::make_ca("vote-server CA (cluster " + o.cluster + ")");
  files.push_back({"ca.key", ca.key_pem, 0600});
  files.push_back({"ca.crt", ca.cert_pem, 0644});
  for (std::size_t i = 1; i <= o.servers.size(); ++i) {
    const auto& ip = o.servers[i - 1];
    const auto server =
        pki::issue_server_cert(ca, ip, "vote-server " + std::to_string(i) + " " + ip);
    files.push_back({server_name(i, ".key"), server.key_pem, 0600});
    files.push_back({server_name(i, ".crt"), server.cert_pem, 0644});
    files.push_back({server_name(i, ".toml"), server_config_text(o, dir, i), 0644});
  }
  files.push_back({"client.env",
                   "# . " + (dir / "client.env").string() +
                       "  (the admin's shell: clients check the servers' certificates against the "
                       "CA and send the admin token)\n"
                       "export VOTE_TLS_CA=" +
                       quoted(dir / "ca.crt") + "\nexport VOTE_ADMIN_TOKEN=\"$(cat " +
                       quoted(dir / "admin-token") + ")\"\n",
                   0644});
  return files;
}

// Creates `path` with exactly `mode` (not widened by the umask's absence, not narrowed by it),
// writes `content` and fsyncs it. An existing file is removed first only when `replace`.
void write_file(const fs::path& path, const std::string& content, mode_t mode, bool replace) {
  if (replace && ::unlink(path.c_str()) != 0 && errno != ENOENT)
    throw std::system_error(errno, std::generic_category(), "cannot replace " + path.string());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "cannot create " + path.string());
  std::size_t done = 0;
  int err = 0;
  while (done < content.size() && err == 0) {
    const auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno != EINTR) err = errno;
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  if (err == 0 && ::fchmod(fd, mode) != 0) err = errno;
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0)
    throw std::system_error(err, std::generic_category(), "cannot write " + path.string());
}

void fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// DIR as an absolute, normal path; created with mode 0700 when missing. nullopt (with `err`
// written) when it is unusable.
std::optional<fs::path> prepare_dir(const std::string& given, std::ostream& err) {
  std::error_code ec;
  const fs::path dir = fs::absolute(given, ec).lexically_normal();
  if (ec) {
    err << "Error: cannot resolve '" << given << "': " << ec.message() << "\n";
    return std::nullopt;
  }
  const fs::path clean = dir.has_filename() ? dir : dir.parent_path();
  if (auto why = check_config_path(clean.string())) {
    err << "Error: " << *why << "\n";
    return std::nullopt;
  }
  const auto st = fs::symlink_status(clean, ec);
  if (st.type() == fs::file_type::not_found) {
    fs::create_directories(clean, ec);
    if (!ec) fs::permissions(clean, fs::perms::owner_all, ec);
    if (ec) {
      err << "Error: cannot create " << clean.string() << ": " << ec.message() << "\n";
      return std::nullopt;
    }
  } else if (!fs::is_directory(clean, ec)) {
    err << "Error: " << clean.string() << " exists and is not a directory\n";
    return std::nullopt;
  }
  return clean;
}

void print_summary(const init_options& o, const fs::path& dir,
                   const std::vector<output_file>& files, std::ostream& out) {
  out << "Wrote a cluster of " << o.servers.size() << " server(s) (cluster '" << o.cluster
      << "', port " << o.port << ") to " << dir.string() << ":\n";
  for (const auto& f : files) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(f.mode));
    out << "  " << mode << "  " << (dir / f.name).string() << "\n";
  }
  out << "\nKeep secret: cluster-key, admin-token, ca.key and each server-<i>.key. ca.key signs "
         "certificates: keep it on this machine only.\n\nNext:\n";
  for (std::size_t i = 1; i <= o.servers.size(); ++i) {
    out << "  on " << o.servers[i - 1] << ": copy ca.crt cluster-key admin-token "
        << server_name(i, ".key") << " " << server_name(i, ".crt") << " " << server_name(i, ".toml")
        << " into " << dir.string() << " (the same path), then run:\n"
        << "      vote-server --config " << (dir / server_name(i, ".toml")).string() << "\n";
  }
  out << "  here (the admin):\n"
      << "      export VOTE_TLS_CA=" << (dir / "ca.crt").string() << "\n"
      << "      register --admin-token-file " << (dir / "admin-token").string()
      << " --id e1 --candidates A B --authorized-users alice bob\n"
      << "  or `. " << (dir / "client.env").string()
      << "` to set VOTE_TLS_CA and VOTE_ADMIN_TOKEN (the admin token) in this shell.\n";
  if (o.servers.size() < 3)
    out << "Note: fewer than three servers: the cluster stops taking writes when one is down.\n";
  for (std::size_t i = 1; i <= o.servers.size(); ++i) {
    std::error_code ec;
    const auto data = dir / ("data-" + std::to_string(i));
    if (fs::exists(data, ec))
      out << "Note: " << data.string()
          << " already exists: it holds an earlier cluster's state; remove it on that server "
             "before starting a new cluster there.\n";
  }
}

}  // namespace

std::optional<std::string> check_init_options(const init_options& o) {
  if (o.dir.empty()) return "DIR must not be empty";
  if (o.servers.empty() || o.servers.size() > max_servers)
    return "--servers needs 1 to " + std::to_string(max_servers) + " IPv4 addresses";
  for (const auto& ip : o.servers) {
    if (!is_ipv4(ip)) return "--servers: '" + ip + "' is not an IPv4 address";
    if (ip == "0.0.0.0" || ip == "255.255.255.255")
      return "--servers: " + ip + " is not the address of one machine";
  }
  if (o.port == 0 || o.port + o.servers.size() > 65536) return "--port must be between 1 and 65535";
  if (o.cluster.empty() || o.cluster.size() > 64) return "--cluster must be 1 to 64 characters";
  for (char c : o.cluster) {
    if (!is_cluster_char(c))
      return "--cluster may use only letters, digits, '.', '_' and '-', got '" + o.cluster + "'";
  }
  return std::nullopt;
}

std::optional<std::string> check_config_path(const std::string& path) {
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '#' || c == '\\' || u < 0x20 || u == 0x7f)
      return "the path '" + path +
             "' cannot be written into a vote-server --config file (it holds '\"', '#', '\\' or "
             "a control character): choose another DIR";
  }
  return std::nullopt;
}

// Several servers on one address (one host) get consecutive ports: the first o.port, the next
// o.port + 1, and so on.
std::uint32_t port_of(const init_options& o, std::size_t index) {
  const auto& ip = o.servers.at(index - 1);
  const auto before = std::count(o.servers.begin(), o.servers.begin() + (index - 1), ip);
  return o.port + static_cast<std::uint32_t>(before);
}

std::string server_config_text(const init_options& o, const fs::path& dir, std::size_t index) {
  const auto& ip = o.servers.at(index - 1);
  std::string t;
  t += "# vote-server " + std::to_string(index) + " of " + std::to_string(o.servers.size()) +
       " (cluster " + o.cluster + "), written by vote-admin init.\n";
  t += "# Start it: vote-server --config " + (dir / server_name(index, ".toml")).string() + "\n";
  t += "host = \"" + ip + "\"\n";
  if (is_loopback(ip)) t += "broadcast = \"127.255.255.255\"\n";
  t += "port = " + std::to_string(port_of(o, index)) + "\n";
  t += "cluster = \"" + o.cluster + "\"\n";
  t += "bootstrap-expect = " + std::to_string(o.servers.size()) + "\n";
  t += "cluster-key-file = " + quoted(dir / "cluster-key") + "\n";
  t += "admin-token-file = " + quoted(dir / "admin-token") + "\n";
  t += "tls-cert = " + quoted(dir / server_name(index, ".crt")) + "\n";
  t += "tls-key = " + quoted(dir / server_name(index, ".key")) + "\n";
  t += "tls-ca = " + quoted(dir / "ca.crt") + "\n";
  t += "data-dir = " + quoted(dir / ("data-" + std::to_string(index))) + "\n";
  return t;
}

int run_init(const init_options& o, std::ostream& out, std::ostream& err) {
  if (auto why = check_init_options(o)) {
    err << "Error: " << *why << "\n";
    return 2;
  }
  const auto dir = prepare_dir(o.dir, err);
  if (!dir) return 2;
  std::vector<output_file> files;
  try {
    files = make_files(o, *dir);
  } catch (const std::exception& e) {
    err << "Error: " << e.what() << " (nothing was written)\n";
    return 1;
  }
  if (!o.force) {
    std::vector<std::string> existing;
    for (const auto& f : files) {
      std::error_code ec;
      if (fs::symlink_status(*dir / f.name, ec).type() != fs::file_type::not_found)
        existing.push_back(f.name);
    }
    if (!existing.empty()) {
      err << "Error: " << dir->string() << " already holds";
      for (const auto& name : existing) err << " " << name;
      err << "; nothing was written. Pass --force to replace them (a new CA, new keys and a new "
             "token: every server and the admin need the new files).\n";
      return 2;
    }
  }
  try {
    for (const auto& f : files) write_file(*dir / f.name, f.content, f.mode, o.force);
    fsync_dir(*dir);
  } catch (const std::exception& e) {
    err << "Error: " << e.what()
        << " (the files written so far stay; fix the cause and run again with --force)\n";
    return 1;
  }
  print_summary(o, *dir, files, out);
  return 0;
}

}  // namespace vote::client
