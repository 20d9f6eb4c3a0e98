// The voters' links and the printable code sheet (include/vote/client/code_sheet.hpp).
#include "vote/client/code_sheet.hpp"

#include <qrencode.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "vote/core/credentials.hpp"

namespace vote::client {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A DNS name or an IPv4 address: dot-separated, non-empty labels of letters, digits and '-'
// (an internationalised name goes in its xn-- form), a trailing dot allowed.
bool is_host_name(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty()) return false;
  std::size_t start = 0;
  while (start <= host.size()) {
    const std::size_t dot = std::min(host.find('.', start), host.size());
    const auto label = host.substr(start, dot - start);
    if (!all_of(label, [](char c) { return is_alnum(c) || c == '-'; })) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    start = dot + 1;
  }
  return true;
}

bool is_ipv6_literal(std::string_view host) {
  return host.size() > 2 && host.front() == '[' && host.back() == ']' &&
         host.find(':') != std::string_view::npos &&
         all_of(host.substr(1, host.size() - 2), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
         });
}

bool is_port(std::string_view port) {
  if (port.size() > 5 || !all_of(port, [](char c) { return c >= '0' && c <= '9'; })) return false;
  const long value = std::stol(std::string(port));
  return value >= 1 && value <= 65535;
}

// The problem with an authority (host and optional port), "" when it is fine.
std::string authority_problem(std::string_view authority) {
  if (authority.find('@') != std::string_view::npos) {
    return "has a user name (user@host): give only the server's address";
  }
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  const bool has_port =
      colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  const auto host = authority.substr(0, has_port ? colon : authority.size());
  if (host.empty()) return "has no host";
  if (has_port && !is_port(authority.substr(colon + 1))) return "has a port outside 1..65535";
  if (!is_host_name(host) && !is_ipv6_literal(host)) {
    return "has a host that is not a DNS name, an IPv4 address or a bracketed IPv6 address";
  }
  return {};
}

}  // namespace

std::optional<std::string> code_url_base(std::string_view url, std::string& error) {
  const auto fail = [&](std::string_view why) {
    error = "'" + std::string(url) + "' " + std::string(why);
    return std::nullopt;
  };
  if (std::any_of(url.begin(), url.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u >= 0x7f;
      })) {
    return fail("has a space, a control character or a non-ASCII character");
  }
  const std::size_t colon = url.find("://");
  const std::string scheme = lower(url.substr(0, colon));
  if (colon == std::string_view::npos || (scheme != "http" && scheme != "https")) {
    return fail("does not begin with http:// or https://");
  }
  if (url.find('#') != std::string_view::npos) {
    return fail("has a fragment (#...): the link's fragment carries the election and the code");
  }
  if (url.find('?') != std::string_view::npos) {
    return fail("has a query (?...): give only the server's address");
  }
  const auto rest = url.substr(colon + 3);
  const std::size_t slash = std::min(rest.find('/'), rest.size());
  const auto authority = rest.substr(0, slash);
  if (const std::string problem = authority_problem(authority); !problem.empty()) {
    return fail(problem);
  }
  if (slash < rest.size() && rest.substr(slash) != "/") {
    return fail("has a path: give only the server's address (the link adds /vote)");
  }
  return scheme + "://" + std::string(authority);
}

std::string encode_uri_component(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (is_alnum(c) || std::strchr("-_.!~*'()", c) != nullptr) {
      out.push_back(c);
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += {'%', hex[u >> 4], hex[u & 0xf]};
    }
  }
  return out;
}

std::string code_link(std::string_view base, std::string_view election_id, std::string_view code) {
  return std::string(base) + "/vote#e=" + encode_uri_component(election_id) +
         "&c=" + credentials::group(code);
}

std::string code_sheet_path(const std::string& csv_path) {
  const std::size_t n = csv_path.size();
  if (n > 4 && lower(std::string_view(csv_path).substr(n - 4)) == ".csv") {
    return csv_path.substr(0, n - 4) + ".html";
  }
  return csv_path + ".html";
}

std::string html_escape(std::string_view text) {
  static constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    const bool c1 = u == 0xC2 && i + 1 < text.size() &&
                    static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9F;  // U+0080..U+009F
    switch (text[i]) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if ((u < 0x20 && u != '\t' && u != '\n') || u == 0x7F || c1) {
          out += replacement;
          if (c1) ++i;
        } else {
          out.push_back(text[i]);
        }
    }
  }
  return out;
}

std::string qr_svg(std::string_view text) {
  const std::string input(text);  // libqrencode reads a NUL-terminated string
  const std::unique_ptr<QRcode, void (*)(QRcode*)> qr(
      QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
  if (!qr) {
    throw std::runtime_error("cannot make a QR code of a " + std::to_string(text.size()) +
                             "-byte text: " + std::strerror(errno));
  }
  constexpr int quiet = 4;
  const int width = qr->width;
  const std::string side = std::to_string(width + 2 * quiet);
  std::string path;
  for (int y = 0; y < width; ++y) {
    const unsigned char* row = qr->data + static_cast<std::size_t>(y) * width;
    for (int x = 0; x < width;) {
      if ((row[x] & 1) == 0) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < width && (row[x + run] & 1) != 0) ++run;
      const std::string n = std::to_string(run);
      path += "M" + std::to_string(x + quiet) + "," + std::to_string(y + quiet) + "h" + n + "v1h-" +
              n + "z";
      x += run;
    }
  }
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" viewBox=\"0 0 " + side + " " +
         side +
         "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code of the link\">" +
         "<rect width=\"" + side + "\" height=\"" + side +
         "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>";
}

std::string code_sheet_html(std::string_view election_id, const std::vector<voter_code>& codes) {
  const std::string election = html_escape(election_id);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>Voting codes: " +
      election +
      "</title>\n<style>\n"
      "@page { margin: 12mm; }\n"
      "body { font-family: sans-serif; color: #000; background: #fff; margin: 12mm; }\n"
      ".slip { display: flex; gap: 6mm; align-items: center; border: 1px dashed #000;"
      " padding: 5mm; margin: 0 0 5mm; break-inside: avoid; page-break-inside: avoid; }\n"
      ".qr { width: 40mm; height: 40mm; flex: none; }\n"
      ".slip p { margin: 0 0 2mm; }\n"
      ".voter { font-size: 14pt; font-weight: bold; }\n"
      ".code { font: bold 18pt monospace; letter-spacing: 0.05em; }\n"
      ".url { font: 9pt monospace; overflow-wrap: anywhere; }\n"
      ".help { font-size: 9pt; }\n"
      "@media print { body { margin: 0; } .intro { display: none; } }\n"
      "</style>\n</head>\n<body>\n<p class=\"intro\">" +
      std::to_string(codes.size()) + " voting codes for election <bdi>" + election +
      "</bdi>. Print this page, cut along the dashed lines and give each voter only their own "
      "slip. It holds every voter's secret code: keep it as safe as the CSV beside it.</p>\n";
  for (const voter_code& c : codes) {
    const std::string url = html_escape(c.url);
    out += "<section class=\"slip\">\n" + qr_svg(c.url) + "\n<div>\n<p class=\"voter\"><bdi>" +
           html_escape(c.voter) + "</bdi></p>\n<p>Election: <bdi>" + election +
           "</bdi></p>\n<p class=\"code\">" + html_escape(credentials::group(c.code)) +
           "</p>\n<p class=\"url\">" + url +
           "</p>\n<p class=\"help\">Scan or open the link on a phone on the election network, or "
           "type the code with the <code>vote</code> command. Keep this code secret.</p>\n"
           "</div>\n</section>\n";
  }
  return out + "</body>\n</html>\n";
}

}  // namespace vote::client
