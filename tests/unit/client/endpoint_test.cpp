// net/interfaces: endpoint parsing and interface detection.
#include <gtest/gtest.h>

#include "vote/net/interfaces.hpp"

namespace vote::net {
namespace {

TEST(ParseEndpoint, AcceptsHostAndPort) {
  EXPECT_EQ(parse_endpoint("127.0.0.1:7000"), (endpoint{"127.0.0.1", 7000}));
  EXPECT_EQ(parse_endpoint("localhost:1"), (endpoint{"localhost", 1}));
  EXPECT_EQ(parse_endpoint("10.0.0.2:65535"), (endpoint{"10.0.0.2", 65535}));
}

TEST(ParseEndpoint, AcceptsBracketedIpv6) {
  EXPECT_EQ(parse_endpoint("[::1]:7000"), (endpoint{"::1", 7000}));
}

TEST(ParseEndpoint, RejectsPortsOutsideTheRange) {
  EXPECT_FALSE(parse_endpoint("127.0.0.1:0"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:65536"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:99999999"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:-1"));
}

TEST(ParseEndpoint, RejectsMalformedText) {
  for (const char* bad :
       {"", ":", "127.0.0.1", "127.0.0.1:", ":7000", "127.0.0.1:70a0", "127.0.0.1:+70", "::1:7000",
        "[::1]7000", "[::1]:", "[127.0.0.1]:70", "a b:70", "host:7000 "}) {
    EXPECT_FALSE(parse_endpoint(bad)) << bad;
  }
}

TEST(FormatEndpoint, RoundTripsThroughParse) {
  for (const endpoint& e : {endpoint{"127.0.0.1", 7000}, endpoint{"::1", 1}, endpoint{"h", 9}}) {
    EXPECT_EQ(parse_endpoint(format_endpoint(e)), e);
  }
  EXPECT_EQ(format_endpoint({"::1", 80}), "[::1]:80");
}

TEST(DetectInterface, GivesUsableIpv4AddressesOrTheLoopbackFallback) {
  const auto info = detect_interface();
  EXPECT_FALSE(info.address.empty());
  EXPECT_FALSE(info.broadcast.empty());
  if (info.is_loopback_fallback) {
    EXPECT_EQ(info.address, "127.0.0.1");
    EXPECT_EQ(info.broadcast, "127.255.255.255");
  } else {
    EXPECT_NE(info.address.rfind("127.", 0), 0U) << "a loopback address is never detected";
  }
}

}  // namespace
}  // namespace vote::net
