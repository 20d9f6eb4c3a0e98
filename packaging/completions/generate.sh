#!/usr/bin/env bash
# Writes the bash and zsh completions of one vote-server binary from its own --help (CLI11's
# format), so they never go stale: run at build time by cmake/vote_install.cmake.
#   generate.sh BINARY NAME BASH_OUT ZSH_OUT
# Completes every flag --help lists (both spellings of --data-dir,--data_dir), the choices of
# flags that list them (TEXT:{a,b}), file names after flags that take a file or directory, and
# for a program with subcommands (vote-admin) the subcommand names, then that subcommand's flags
# (from BINARY SUBCOMMAND --help).
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: generate.sh BINARY NAME BASH_OUT ZSH_OUT" >&2; exit 2; }
bin=$1 name=$2 bash_out=$3 zsh_out=$4
sep=$'\037'
fn=_$(printf '%s' "$name" | tr -c 'a-zA-Z0-9_\n' '_')

# One line per flag: NAMES, KIND, CHOICES, DESCRIPTION separated by $sep (not a tab: bash's
# read would merge empty fields), KIND none (a switch), file, or
# value; NAMES space-separated. CLI11 puts a flag at two spaces of indent: its names, then its
# type, then after two or more spaces (or on the next line) the description.
flags_of() {
  awk '
    function emit() {
      if (names == "") return
      printf "%s\037%s\037%s\037%s\n", names, kind, choices, desc
      names = ""
    }
    /^  -/ {
      emit()
      line = substr($0, 3)
      head = line; desc = ""
      if (match(line, /   */)) { head = substr(line, 1, RSTART - 1); desc = substr(line, RSTART + RLENGTH) }
      split(head, words, " ")
      names = words[1]; gsub(",", " ", names)
      type = words[2]
      kind = "none"; choices = ""
      if (type != "" && type != "REQUIRED" && type !~ /^(Excludes|Needs):$/) {
        kind = "value"
        if (type ~ /FILE|DIR|\.csv/ || names ~ /file|dir|config|record|receipt|save|tls[-_]/) kind = "file"
        if (match(type, /\{[^}]*\}/)) { choices = substr(type, RSTART + 1, RLENGTH - 2); gsub(",", " ", choices) }
      }
      next
    }
    names != "" && desc == "" && /^      / { desc = $0; sub(/^ */, "", desc); next }
    { emit() }
    END { emit() }
  '
}

# The subcommand names of a CLI11 "Subcommands:" section, one per line.
subcommands_of() {
  awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on && !/^ / { on = 0 }'
}

help=$("$bin" --help)
subs=$(printf '%s\n' "$help" | subcommands_of)

# A description fit for a zsh _arguments spec: its first sentence, no quotes, brackets or colons.
zsh_desc() {
  local d=${1%%. *}
  [ ${#d} -le 90 ] || d="${d:0:90}" d="${d% *}..."
  d=$(printf '%s' "$d" | tr '[]"`\\$' '()    ')
  d=${d//:/ -}
  printf '%s' "${d//\'/\'\\\'\'}"
}

# bash: the case arms for the flags of one help text and the word list of its flags.
bash_arms() {  # flags table on stdin
  local names kind choices desc
  while IFS=$sep read -r names kind choices desc; do
    [ "$kind" != none ] || continue
    local pattern=${names// /|}
    case $kind in
      file) printf '        %s) _%s_files; return ;;\n' "$pattern" "${fn#_}" ;;
      value)
        if [ -n "$choices" ]; then
          printf '        %s) COMPREPLY=($(compgen -W "%s" -- "$cur")); return ;;\n' "$pattern" "$choices"
        else
          printf '        %s) return ;;\n' "$pattern"
        fi ;;
    esac
  done
}
bash_words() {  # flags table on stdin
  cut -d "$sep" -f1 | tr '\n' ' ' | sed 's/ *$//'
}

# zsh: one _arguments spec per flag name.
zsh_specs() {  # flags table on stdin
  local names kind choices desc n d
  while IFS=$sep read -r names kind choices desc; do
    d=$(zsh_desc "$desc")
    for n in $names; do
      case $kind in
        none) printf "    '%s[%s]' \\\\\n" "$n" "$d" ;;
        file) printf "    '%s[%s]:file:_files' \\\\\n" "$n" "$d" ;;
        value)
          if [ -n "$choices" ]; then
            printf "    '%s[%s]:value:(%s)' \\\\\n" "$n" "$d" "$choices"
          else
            printf "    '%s[%s]:value: ' \\\\\n" "$n" "$d"
          fi ;;
      esac
    done
  done
}

top=$(printf '%s\n' "$help" | flags_of)

# ---- bash
{
  printf '# bash completion for %s: generated from `%s --help` by packaging/completions/generate.sh\n' "$name" "$name"
  printf '# (do not edit; installed as /usr/share/bash-completion/completions/%s).\n' "$name"
  printf '_%s_files() {\n' "${fn#_}"
  printf '    compopt -o filenames 2>/dev/null\n'
  printf '    COMPREPLY=($(compgen -f -- "$cur"))\n'
  printf '}\n'
  printf '%s() {\n' "$fn"
  printf '    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} sub="" i\n'
  if [ -n "$subs" ]; then
    printf '    for ((i = 1; i < COMP_CWORD; i++)); do\n'
    printf '        case ${COMP_WORDS[i]} in\n'
    printf '            %s) sub=${COMP_WORDS[i]}; break ;;\n' "$(printf '%s' "$subs" | tr '\n' '|')"
    printf '        esac\n'
    printf '    done\n'
  fi
  printf '    case $sub in\n'
  for s in $subs; do
    sub_flags=$("$bin" "$s" --help | flags_of)
    printf '    %s)\n' "$s"
    printf '        case $prev in\n'
    printf '%s\n' "$sub_flags" | bash_arms | sed 's/^/    /'
    printf '        esac\n'
    printf '        COMPREPLY=($(compgen -W "%s" -- "$cur")); return ;;\n' "$(printf '%s\n' "$sub_flags" | bash_words)"
  done
  printf '    esac\n'
  printf '    case $prev in\n'
  printf '%s\n' "$top" | bash_arms
  printf '    esac\n'
  printf '    COMPREPLY=($(compgen -W "%s" -- "$cur"))\n' \
    "$(printf '%s\n' "$top" | bash_words)${subs:+ $(printf '%s' "$subs" | tr '\n' ' ')}"
  printf '}\n'
  printf 'complete -F %s %s\n' "$fn" "$name"
} > "$bash_out"

# ---- zsh
{
  printf '#compdef %s\n' "$name"
  printf '# zsh completion for %s: generated from `%s --help` by packaging/completions/generate.sh\n' "$name" "$name"
  printf '# (do not edit; installed as /usr/share/zsh/vendor-completions/_%s).\n' "$name"
  printf '%s() {\n' "$fn"
  if [ -z "$subs" ]; then
    printf '  _arguments -s \\\n'
    printf '%s\n' "$top" | zsh_specs
    printf "    '*:file:_files'\n"
  else
    printf '  local curcontext=$curcontext state line\n'
    printf '  typeset -A opt_args\n'
    printf '  _arguments -C \\\n'
    printf '%s\n' "$top" | zsh_specs
    printf "    '1:subcommand:->subcommand' \\\\\n"
    printf "    '*::argument:->argument'\n"
    printf '  case $state in\n'
    printf '    subcommand)\n'
    printf '      local -a subcommands\n'
    printf '      subcommands=(\n'
    for s in $subs; do
      d=$(printf '%s\n' "$help" | awk -v s="$s" '$1 == s { $1 = ""; sub(/^ */, ""); print; exit }')
      printf "        '%s:%s'\n" "$s" "$(zsh_desc "$d")"
    done
    printf '      )\n'
    printf "      _describe 'subcommand' subcommands ;;\n"
    printf '    argument)\n'
    printf '      case $line[1] in\n'
    for s in $subs; do
      printf '        %s)\n' "$s"
      printf '          _arguments -s \\\n'
      "$bin" "$s" --help | flags_of | zsh_specs | sed 's/^/      /'
      printf "            '*:file:_files' ;;\n"
    done
    printf '      esac ;;\n'
    printf '  esac\n'
  fi
  printf '}\n'
  printf '%s "$@"\n' "$fn"
} > "$zsh_out"
