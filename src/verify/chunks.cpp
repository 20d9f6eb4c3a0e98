// The pure part of fetching a record in chunks (include/vote/verify/fetch.hpp).
#include <nlohmann/json.hpp>

#include "vote/verify/fetch.hpp"

namespace vote::verify {

using json = nlohmann::json;

std::string record_request(std::string_view election_id, std::uint64_t offset) {
  return json{{"type", "record"}, {"election_id", election_id}, {"offset", offset}}.dump();
}

std::variant<record_chunk, record_refusal, parse_error> decode_record_reply(
    std::string_view payload) {
  const json j = json::parse(payload.begin(), payload.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return parse_error{"the reply is not a JSON object"};
  const auto ok = j.find("ok");
  if (ok == j.end() || !ok->is_boolean()) return parse_error{"the reply has no boolean 'ok'"};
  if (!ok->get<bool>()) {
    const auto e = j.find("error");
    if (e == j.end() || !e->is_object()) return parse_error{"a refusal without 'error'"};
    const auto code = e->find("code");
    const auto message = e->find("message");
    if (code == e->end() || !code->is_string() || message == e->end() || !message->is_string()) {
      return parse_error{"a refusal without error.code and error.message strings"};
    }
    return record_refusal{code->get<std::string>(), message->get<std::string>()};
  }
  const auto r = j.find("record");
  if (r == j.end() || !r->is_object()) return parse_error{"the reply has no 'record' object"};
  const auto total = r->find("total_bytes");
  const auto offset = r->find("offset");
  const auto data = r->find("data");
  if (total == r->end() || !total->is_number_unsigned() || offset == r->end() ||
      !offset->is_number_unsigned() || data == r->end() || !data->is_string() || r->size() != 3) {
    return parse_error{
        "'record' must be exactly {\"total_bytes\": integer, \"offset\": integer, \"data\": "
        "string}"};
  }
  return record_chunk{total->get<std::uint64_t>(), offset->get<std::uint64_t>(),
                      data->get<std::string>()};
}

std::optional<std::string> record_assembler::add(record_chunk c) {
  if (!total_) {
    if (c.total_bytes > max_bytes_) {
      return "the record is " + std::to_string(c.total_bytes) + " bytes, over the limit of " +
             std::to_string(max_bytes_);
    }
    total_ = c.total_bytes;
  }
  if (c.total_bytes != *total_) {
    return "total_bytes changed from " + std::to_string(*total_) + " to " +
           std::to_string(c.total_bytes);
  }
  if (c.offset != bytes_.size()) {
    return "a reply starts at byte " + std::to_string(c.offset) + ", asked for " +
           std::to_string(bytes_.size());
  }
  if (c.data.size() > *total_ - bytes_.size()) {
    return "a reply runs past total_bytes " + std::to_string(*total_);
  }
  if (c.data.empty() && bytes_.size() < *total_) {
    return "an empty reply at byte " + std::to_string(bytes_.size()) + " of " +
           std::to_string(*total_);
  }
  bytes_.append(c.data);
  return std::nullopt;
}

}  // namespace vote::verify
