// fetch_record() over a real loopback TCP connection against a fake server that speaks the
// framing of docs/protocol.md and answers the record requests of docs/record.md in small chunks.
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "vote/verify/fetch.hpp"
#include "vote/wire/frame.hpp"

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Serves one connection: every request gets `reply(request)`, until the client hangs up.
class fake_server {
 public:
  template <typename F>
  explicit fake_server(F reply)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this, reply] {
      tcp::socket s(io_);
      acceptor_.accept(s);
      std::string pending;
      char chunk[4096];
      boost::system::error_code ec;
      for (;;) {
        const auto d = vote::wire::decode_frame(pending);
        if (d.st == vote::wire::frame_decode::status::frame) {
          std::string out;
          vote::wire::encode_frame(reply(nlohmann::json::parse(d.payload)), out);
          pending.erase(0, d.consumed);
          asio::write(s, asio::buffer(out), ec);
          continue;
        }
        const auto n = s.read_some(asio::buffer(chunk), ec);
        if (ec) return;
        pending.append(chunk, n);
      }
    });
  }
  ~fake_server() { thread_.join(); }
  std::string endpoint() const {
    return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

std::string chunk_reply(const std::string& record, std::uint64_t offset, std::size_t size) {
  return nlohmann::json{
      {"ok", true},
      {"record",
       {{"total_bytes", record.size()}, {"offset", offset}, {"data", record.substr(offset, size)}}}}
      .dump();
}

}  // namespace

TEST(FetchRecord, AssemblesARecordFromChunksOnOneConnection) {
  const std::string record = R"({"some":"record bytes with \"quotes\" and ü"})";
  int requests = 0;
  fake_server server([&](const nlohmann::json& rq) {
    ++requests;
    EXPECT_EQ(rq["type"], "record");
    EXPECT_EQ(rq["election_id"], "board");
    return chunk_reply(record, rq["offset"].get<std::uint64_t>(), 7);
  });
  const auto r = vote::verify::fetch_record(server.endpoint(), "board", {});
  ASSERT_TRUE(r.bytes) << r.error;
  EXPECT_EQ(*r.bytes, record);
  EXPECT_EQ(requests, static_cast<int>((record.size() + 6) / 7));
}

TEST(FetchRecord, ReportsARefusalAndAServerThatSkipsBytes) {
  {
    fake_server server([](const nlohmann::json&) {
      return std::string(R"({"ok":false,"error":{"code":"election_open","message":"open"}})");
    });
    const auto r = vote::verify::fetch_record(server.endpoint(), "board", {});
    EXPECT_FALSE(r.bytes);
    EXPECT_TRUE(r.refused);
    EXPECT_NE(r.error.find("election_open"), std::string::npos);
  }
  {
    fake_server server([](const nlohmann::json& rq) {
      return chunk_reply("0123456789", rq["offset"].get<std::uint64_t>() + 1, 3);
    });
    const auto r = vote::verify::fetch_record(server.endpoint(), "board", {});
    EXPECT_FALSE(r.bytes);
    EXPECT_NE(r.error.find("starts at byte 1, asked for 0"), std::string::npos) << r.error;
  }
}

TEST(FetchRecord, ANonListeningPortIsAnError) {
  std::string endpoint;
  {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    endpoint = "127.0.0.1:" + std::to_string(a.local_endpoint().port());
  }
  const auto r =
      vote::verify::fetch_record(endpoint, "board", {.timeout = std::chrono::seconds(2)});
  EXPECT_FALSE(r.bytes);
  EXPECT_FALSE(r.error.empty());
}
