// Readable one-line descriptions of what the simulator sees, for `vote-sim --trace` (DESIGN.md
// §9): messages in the algorithm's own words (STYLE.md 10), persists, commits. The library does
// no I/O: a run hands each line to a trace_sink, which the CLI prints.
#pragma once

#include <functional>
#include <string>

#include "vote/core/consensus.hpp"

namespace vote::sim {

using trace_sink = std::function<void(const std::string&)>;

// "append{e=3 leader=7 prev=(10,3) entries=[11..12] commit=10 seq=4}"
std::string describe(const consensus::message_body& body);
// "n3->n7 append{...}"
std::string describe(const consensus::envelope& e);
// "promise(5,n3) truncate>=7 entries=[7..9]"; empty for an empty job.
std::string describe(const consensus::persist_job& job);
// "(11,3,command)"
std::string describe(const log_entry& e);

}  // namespace vote::sim
