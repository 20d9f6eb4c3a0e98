// Unicode normalisation of identifiers (voter ids in rolls, docs/rolls.md), and the width of text
// in a terminal (the clients' aligned tables).
//
// Two spellings of one name, "é" as U+00E9 and as "e" + U+0301, must be one voter: ids are
// compared in Normalization Form C (Unicode Standard Annex #15). Pure functions over utf8proc
// (the pure layers' second library exception, scripts/check-purity.sh: it does no I/O). Safe to
// call from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vote {

// The NFC form of `utf8`, or nullopt when it is not valid UTF-8 (a stray continuation byte, a
// truncated sequence, an overlong form such as "\xC0\xAF", a UTF-16 surrogate U+D800..U+DFFF or a
// code point above U+10FFFF). NUL and other control characters are valid and kept. Unassigned
// code points are kept as they are (UTF8PROC_STABLE: the result is stable across Unicode
// versions). Text made only of code points below U+0300 (ASCII, Latin-1, Latin Extended) is
// already NFC and is returned as it is without calling utf8proc.
std::optional<std::string> nfc(std::string_view utf8);

// True when `utf8` is valid UTF-8 and already in NFC (nfc(utf8) == utf8).
bool is_nfc(std::string_view utf8);

// The number of terminal columns `utf8` takes, for aligning tables of candidate names: each
// extended grapheme cluster (a letter with its combining marks, an emoji with its modifiers,
// variation selector and zero-width-joined parts) counts as its widest code point: 2 for East
// Asian wide and fullwidth characters and emoji, 1 for most others, 0 for a cluster of only
// zero-width code points; a cluster with U+FE0F (emoji presentation) counts 2. A control
// character counts 0 and an ill-formed byte 1 (it is shown as one replacement character).
std::size_t display_width(std::string_view utf8);

}  // namespace vote
