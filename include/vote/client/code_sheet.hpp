// The voters' links and the printable code sheet (register --voter-codes OUT.csv --code-url URL;
// docs/record.md "Voting codes").
//
// A voter's link opens a server's voting page with the election and the code filled in:
// `<base>/vote#e=<election id>&c=<grouped code>`. Both ride in the fragment, which a browser never
// sends to a server, so codes stay out of every server's logs. The sheet OUT.html beside OUT.csv
// has one cut-out slip per voter: name, election id, grouped code, the link as text and as a QR
// code (inline SVG). It is a local file with every voter's secret code, written like OUT.csv
// (mode 0600, never overwritten); it holds no script.
//
// Pure functions (the QR code from libqrencode); safe to call from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vote/client/codes.hpp"

namespace vote::client {

// The longest text a QR code holds in 8-bit mode at error correction level M (version 40).
inline constexpr std::size_t max_qr_bytes = 2331;

// `url` checked as the base of a server's web page: scheme http or https (any case, returned in
// lower case), a host (a DNS name, an IPv4 address or a bracketed IPv6 address), an optional
// port 1..65535 and at most a trailing "/" (dropped). No userinfo, path, query or fragment.
// nullopt, with the reason in `error`, when it cannot be used.
std::optional<std::string> code_url_base(std::string_view url, std::string& error);

// `text` percent-encoded as JavaScript's encodeURIComponent encodes UTF-8 text: every byte but
// A-Z a-z 0-9 - _ . ! ~ * ' ( ) as %XX (upper-case hex).
std::string encode_uri_component(std::string_view text);

// A voter's link: `<base>/vote#e=<encode_uri_component(election id)>&c=<grouped code>`, for a
// `base` from code_url_base and a normalised code.
std::string code_link(std::string_view base, std::string_view election_id, std::string_view code);

// The sheet's path beside the CSV's: a ".csv" extension (any case) replaced by ".html", else
// ".html" appended.
std::string code_sheet_path(const std::string& csv_path);

// `text` for HTML text or a quoted attribute: & < > " ' as character references; control
// characters other than tab and line feed (which HTML does not allow) as U+FFFD.
std::string html_escape(std::string_view text);

// `text` (at most max_qr_bytes) as a QR code in inline SVG: libqrencode, 8-bit mode, error
// correction level M. The viewBox is (width + 8) modules square: the symbol inside a quiet zone of
// 4 modules, dark modules as one black path (a subpath per horizontal run) on a white square.
// Throws std::runtime_error when libqrencode fails.
std::string qr_svg(std::string_view text);

// The printable sheet for election `election_id`: a slip per code, in order, each with its voter,
// the election id, the grouped code, its url as text and as qr_svg, and how to use it. Every code
// has a url.
std::string code_sheet_html(std::string_view election_id, const std::vector<voter_code>& codes);

}  // namespace vote::client
