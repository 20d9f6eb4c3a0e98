// Internal to vote_core: JSON forms of the consensus values shared by the configuration and the
// envelope codecs. The readers never throw; they return false on a missing or mistyped field.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vote/core/consensus_config.hpp"
#include "vote/core/log_entry.hpp"

namespace vote::consensus::detail {

nlohmann::json config_to_json(const configuration& c);
bool config_from_json(const nlohmann::json& j, configuration& out);
nlohmann::json members_to_json(const std::vector<member>& ms);
bool members_from_json(const nlohmann::json& j, std::vector<member>& out);

std::string base64_encode(std::string_view bytes);
bool base64_decode(std::string_view text, std::string& out);

}  // namespace vote::consensus::detail
