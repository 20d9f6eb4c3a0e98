#!/usr/bin/env bash
# The packaging tests (ctest label unit, registered by cmake/vote_install.cmake): what the .deb
# installs is checked from the build tree, before any package is made.
#   check.sh man BUILD_DIR TOOL...          every page renders without a groff warning, with
#                                           NAME, SYNOPSIS and OPTIONS, and lists --help's flags
#   check.sh completions BUILD_DIR TOOL...  every long flag of --help (and of each subcommand's)
#                                           is in the bash completion, which completes it; bash -n
#                                           and zsh -n (when zsh is installed) accept the files
#   check.sh units BUILD_DIR SOURCE_DIR     systemd-analyze verify accepts both units
#   check.sh config BUILD_DIR SOURCE_DIR    the sample config loads, every key of it (commented
#                                           out ones too) is a flag of vote-server
# Exit 0 passed, 1 failed (each failure printed), 77 skipped (a tool is missing).
set -uo pipefail
what=$1 build=$2
shift 2
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The long flags --help lists for BINARY [SUBCOMMAND], one per line (both spellings).
long_flags() {
  "$@" --help | awk '/^  -/ { split(substr($0, 3), w, " "); n = split(w[1], f, ",");
                               for (i = 1; i <= n; i++) if (f[i] ~ /^--/) print f[i] }'
}
subcommands() {
  "$1" --help | awk '/^Subcommands:/ { on = 1; next }
                     on && /^  [a-z]/ { print $1; next } on && !/^ / { on = 0 }'
}

case $what in
  man)
    command -v groff >/dev/null || { echo "groff not installed: skipped"; exit 77; }
    for tool in "$@"; do
      page=$build/man/$tool.1
      [ -s "$page" ] || { fail "$tool: no man page $page"; continue; }
      warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
      [ -z "$warnings" ] || fail "$tool: groff warns: $warnings"
      text=$(MANWIDTH=100 man -l "$page" 2>/dev/null | col -b)
      for section in NAME SYNOPSIS DESCRIPTION OPTIONS "SEE ALSO"; do
        grep -q "^$section\$" <<<"$text" || fail "$tool: no $section section"
      done
      grep -q "^       $tool - " <<<"$text" || fail "$tool: the NAME line is not '$tool - ...'"
      grep -q "^       $tool \[OPTIONS\]" <<<"$text" || fail "$tool: SYNOPSIS does not start with '$tool [OPTIONS]'"
      for flag in $(long_flags "$build/bin/$tool"); do
        grep -q -- "$flag" <<<"$text" || fail "$tool: $flag is not in the man page"
      done
    done
    ;;
  completions)
    for tool in "$@"; do
      bash_file=$build/completions/bash/$tool
      zsh_file=$build/completions/zsh/_$tool
      [ -s "$bash_file" ] || { fail "$tool: no bash completion $bash_file"; continue; }
      [ -s "$zsh_file" ] || fail "$tool: no zsh completion $zsh_file"
      bash -n "$bash_file" || fail "$tool: bash -n rejects $bash_file"
      if command -v zsh >/dev/null; then
        zsh -n "$zsh_file" || fail "$tool: zsh -n rejects $zsh_file"
      fi
      fn=$(awk '/^complete -F/ { print $3 }' "$bash_file")
      # What the completion offers after "TOOL [SUBCOMMAND] --": every long flag of the level.
      offered() {
        bash -c 'source "$1"; shift; fn=$1; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
                 "$fn"; printf "%s\n" "${COMPREPLY[@]}"' _ "$bash_file" "$fn" "$@"
      }
      top=$(offered "$tool" --)
      for flag in $(long_flags "$build/bin/$tool"); do
        grep -qx -- "$flag" <<<"$top" || fail "$tool: bash does not complete $flag"
        grep -q -- "'$flag\[" "$zsh_file" || fail "$tool: zsh does not complete $flag"
      done
      for sub in $(subcommands "$build/bin/$tool"); do
        grep -qx -- "$sub" <<<"$(offered "$tool" "")" || fail "$tool: bash does not complete $sub"
        in_sub=$(offered "$tool" "$sub" --)
        for flag in $(long_flags "$build/bin/$tool" "$sub"); do
          grep -qx -- "$flag" <<<"$in_sub" || fail "$tool $sub: bash does not complete $flag"
        done
      done
    done
    ;;
  units)
    source_dir=$1
    command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed: skipped"; exit 77; }
    # The units as installed, but starting the build's binary (verify checks that ExecStart
    # exists); the package stage of scripts/test.sh verifies the installed units themselves.
    for unit in vote-server.service vote-server@.service; do
      sed "s|/usr/bin/vote-server|$build/bin/vote-server|" "$source_dir/packaging/systemd/$unit" \
        > "$tmp/${unit/@/@check}"
    done
    out=$(systemd-analyze verify --man=no "$tmp/vote-server.service" \
      "$tmp/vote-server@check.service" 2>&1) || fail "systemd-analyze verify: $out"
    [ -z "$out" ] || fail "systemd-analyze verify warns: $out"
    ;;
  config)
    source_dir=$1
    sample=$source_dir/packaging/config/vote-server.toml
    server=$build/bin/vote-server
    known=$(long_flags "$server" | sed 's/^--//')
    # Every key, also the commented-out examples ("# host = ...").
    keys=$(sed -n 's/^#\{0,1\} *\([a-z][a-z_-]*\) *=.*/\1/p' "$sample")
    [ -n "$keys" ] || fail "no key found in $sample"
    for key in $keys; do
      grep -qx -- "$key" <<<"$known" || fail "$sample: '$key' is not a flag of vote-server"
    done
    # Parsed by the server itself (types included): --check-data-dir reads the flags and the
    # config file, then checks an empty directory and exits, listening on nothing. Once as
    # shipped, once with every example uncommented.
    mkdir "$tmp/data"
    sed 's/^# *\([a-z][a-z_-]* *=\)/\1/' "$sample" > "$tmp/all.toml"
    for config in "$sample" "$tmp/all.toml"; do
      out=$("$server" --config "$config" --check-data-dir "$tmp/data" 2>&1) ||
        fail "vote-server --config $config: $out"
    done
    ;;
  *) echo "check.sh: unknown check '$what'" >&2; exit 2 ;;
esac
[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "check.sh $what: ok"
