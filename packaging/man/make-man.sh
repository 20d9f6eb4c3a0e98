#!/usr/bin/env bash
# Writes the man page of one vote-server binary with help2man, from its --help and --version, so
# it never goes stale: run at build time by cmake/vote_install.cmake.
#   make-man.sh BINARY NAME "ONE-LINE DESCRIPTION" OUT.1
# Adds packaging/man/NAME.h2m when it exists (sections help2man cannot know: FILES, EXIT STATUS,
# ...), packaging/man/common.h2m (SEE ALSO), and for a program with subcommands (vote-admin) one
# SUBCOMMANDS section holding each `BINARY SUBCOMMAND --help`.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: make-man.sh BINARY NAME DESCRIPTION OUT.1" >&2; exit 2; }
bin=$1 name=$2 description=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

includes=(--include "$here/common.h2m")
[ ! -f "$here/$name.h2m" ] || includes+=(--include "$here/$name.h2m")

# roff-safe preformatted text: backslashes escaped, no line taken for a request.
roff_text() {
  sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
}

subs=$("$bin" --help | awk '/^Subcommands:/ { on = 1; next }
                            on && /^  [a-z]/ { print $1; next } on && !/^ / { on = 0 }')
if [ -n "$subs" ]; then
  {
    echo "[SUBCOMMANDS]"
    for s in $subs; do
      echo ".SS \"$name $s\""
      echo ".nf"
      "$bin" "$s" --help | sed "s|^Usage: [^ ]*$name|Usage: $name|" | roff_text
      echo ".fi"
    done
  } > "$tmp/subcommands.h2m"
  includes+=(--include "$tmp/subcommands.h2m")
fi

help2man --no-info --section 1 --name "$description" "${includes[@]}" --output "$tmp/page.1" "$bin"
mv "$tmp/page.1" "$out"
