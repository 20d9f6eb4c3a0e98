// Test certificates made at test time with the `openssl` command line: a CA and certificates it
// signs (P-256 keys, valid for a day, subjectAltName IP, extended key usage serverAuth and
// clientAuth, as vote-server wants them), and self-signed impostors. Everything lives in a fresh
// temporary directory that the destructor removes. Shared by the unit and cluster tests (each
// test executable has tests/ on its include path).
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

namespace vote::test {

class test_pki {
 public:
  struct issued {
    std::string cert;  // PEM file
    std::string key;   // PEM file
  };

  test_pki() : dir_(fresh_dir()) {
    openssl(
        "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
        " -subj /CN=vote-test-ca -addext basicConstraints=critical,CA:TRUE"
        " -addext keyUsage=critical,keyCertSign,cRLSign -keyout " +
        path("ca.key") + " -out " + path("ca.pem"));
  }
  ~test_pki() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  test_pki(const test_pki&) = delete;
  test_pki& operator=(const test_pki&) = delete;

  std::string ca() const { return path("ca.pem"); }
  const std::filesystem::path& dir() const { return dir_; }

  // A certificate of this CA for `ip` (its only subjectAltName).
  issued issue(const std::string& name, const std::string& ip = "127.0.0.1") const {
    const issued out{path(name + ".pem"), path(name + ".key")};
    std::ofstream(path(name + ".ext"))
        << "subjectAltName=IP:" << ip
        << "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n";
    openssl("req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=" + name +
            " -keyout " + out.key + " -out " + path(name + ".csr"));
    openssl("x509 -req -days 1 -in " + path(name + ".csr") + " -CA " + ca() + " -CAkey " +
            path("ca.key") + " -CAcreateserial -extfile " + path(name + ".ext") + " -out " +
            out.cert);
    return out;
  }

  // A self-signed certificate for `ip` (its own CA: pass it as cert and CA to a server).
  issued self_signed(const std::string& name, const std::string& ip = "127.0.0.1") const {
    const issued out{path(name + ".pem"), path(name + ".key")};
    openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=" +
            name + " -addext subjectAltName=IP:" + ip + " -keyout " + out.key + " -out " +
            out.cert);
    return out;
  }

  // A file in the directory (for test-made garbage).
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(path(name)) << content;
    return path(name);
  }

 private:
  static std::filesystem::path fresh_dir() {
    std::random_device rd;
    auto d = std::filesystem::temp_directory_path() /
             ("vote-pki-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(d);
    return d;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static void openssl(const std::string& args) {
    const std::string command = "openssl " + args + " >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }

  std::filesystem::path dir_;
};

}  // namespace vote::test
