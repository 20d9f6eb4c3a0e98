// Fuzz target: UDP discovery datagrams (vote/wire/discovery.hpp).
// Properties: decode_datagram never throws or crashes; a decoded datagram re-encodes within
// max_datagram and decodes back to the same value.
#include <string>
#include <variant>

#include "fuzz_util.hpp"
#include "vote/wire/discovery.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto decoded = vote::wire::decode_datagram(vote::fuzz::as_view(data, size));
  if (std::holds_alternative<std::monostate>(decoded)) return 0;
  const std::string encoded = std::visit(
      [](const auto& m) -> std::string {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, std::monostate>) {
          return {};
        } else {
          return vote::wire::encode_datagram(m);
        }
      },
      decoded);
  FUZZ_CHECK(encoded.size() <= vote::wire::max_datagram);
  FUZZ_CHECK(vote::wire::decode_datagram(encoded) == decoded);
  return 0;
}
