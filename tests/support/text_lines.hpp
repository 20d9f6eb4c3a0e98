// The lines of a text, without their '\n': how the client output tests compare what a table or
// a report prints, line by line. Header-only; each test executable has tests/ on its include
// path.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace vote::test {

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace vote::test
