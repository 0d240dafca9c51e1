#!/usr/bin/env bash
# Which top-level modules of src/ name which others (`crate::x` or `crate::{x, …}` anywhere
# in their code, tests excluded), one line per module: `lookup -> cache fetch providers`.
# Needs only bash, grep, sed, sort and diff.
#
# Usage: scripts/module-graph.sh [git revision]   the graph (default: the working tree)
#        scripts/module-graph.sh --check          the working tree's graph must have no cycle
#                                                 and match scripts/module-graph.expected
#
# --check is a step of scripts/test.sh: a new arrow between modules is a reviewed change to
# the expected file, and an arrow that closes a loop fails whatever the file says.
set -euo pipefail
cd "$(dirname "$0")/.."

expected=scripts/module-graph.expected
check=false
rev=
case ${1:-} in
  --check) check=true ;;
  *) rev=${1:-} ;;
esac

files() {
  if [[ -n $rev ]]; then git ls-tree -r --name-only "$rev" -- src; else find src -name '*.rs'; fi
}
show() {
  if [[ -n $rev ]]; then git show "$rev:$1"; else cat "$1"; fi
}

# The modules one file's code names: `crate::x…` paths, and the first segment of each item of
# a `crate::{x, y::z, w::{…}}` group, which may span lines.
names() {
  local code
  # Everything before a `#[cfg(test)]` line is the module's own code.
  code=$(sed '/^#\[cfg(test)\]/,$d' | tr '\n' ' ')
  {
    grep -oE 'crate::[a-z_]+' <<<"$code" | sed 's/crate:://'
    grep -oE 'crate::\{([^{}]|\{[^{}]*\})*\}' <<<"$code" |
      sed -E 's/^crate::\{//; s/\}$//; s/\{[^{}]*\}//g' | tr ',' '\n' |
      sed -E 's/^ *//; s/::.*//; s/ .*//' | grep -E '^[a-z_]+$' | grep -vx self
  } | sort -u || true
}

declare -A edges
while read -r file; do
  [[ $file == *.rs ]] || continue
  rel=${file#src/}
  from=${rel%%/*}
  from=${from%.rs}
  [[ $from == lib || $from == main ]] && continue
  for to in $(show "$file" | names); do
    [[ $to == "$from" ]] && continue
    edges[$from]+=" $to"
  done
done < <(files)
# Each module's targets once, in order.
for from in "${!edges[@]}"; do
  edges[$from]=$(tr ' ' '\n' <<<"${edges[$from]}" | sort -u | tr '\n' ' ' | sed 's/ $//')
done

graph() {
  local from
  for from in $(printf '%s\n' "${!edges[@]}" | sort); do
    printf '%s ->%s\n' "$from" "${edges[$from]}"
  done
}

if ! $check; then
  graph
  exit 0
fi

# Depth-first search; a module met again while it is still on the path closes a cycle.
declare -A state # unset: not seen; 1: on the current path; 2: done
path=()
cycles=0
visit() {
  local from=$1 to i
  state[$from]=1
  path+=("$from")
  for to in ${edges[$from]:-}; do
    if [[ ${state[$to]:-} == 1 ]]; then
      for i in "${!path[@]}"; do
        if [[ ${path[$i]} == "$to" ]]; then
          printf 'cycle: %s -> %s\n' "$(sed 's/ / -> /g' <<<"${path[*]:$i}")" "$to"
        fi
      done
      cycles=$((cycles + 1))
    elif [[ -z ${state[$to]:-} ]]; then
      visit "$to"
    fi
  done
  unset 'path[${#path[@]}-1]'
  state[$from]=2
}
for from in $(printf '%s\n' "${!edges[@]}" | sort); do
  [[ -z ${state[$from]:-} ]] && visit "$from"
done

status=0
if ((cycles > 0)); then
  echo "error: the modules of src/ import each other in a loop (above); a low module takes what it needs from above as an argument or a callback" >&2
  status=1
fi
if ! diff -u --label "$expected" --label "src/ now" "$expected" <(graph); then
  echo "error: the module graph differs from $expected (above); if the new arrows are meant, review them and update the file with: scripts/module-graph.sh > $expected" >&2
  status=1
fi
((status == 0)) && echo "module graph: no cycle, as in $expected"
exit $status
