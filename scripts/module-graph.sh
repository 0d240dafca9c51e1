#!/usr/bin/env bash
# Which top-level modules of src/ name which others (`crate::x` anywhere in their code,
# tests excluded), one line per module: `lookup -> cache fetch providers`. Needs only grep.
# Usage: scripts/module-graph.sh [git revision]   (default: the working tree)
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-}

files() {
  if [[ -n $rev ]]; then git ls-tree -r --name-only "$rev" -- src; else find src -name '*.rs'; fi
}
show() {
  if [[ -n $rev ]]; then git show "$rev:$1"; else cat "$1"; fi
}

declare -A edges
while read -r file; do
  [[ $file == *.rs ]] || continue
  rel=${file#src/}
  from=${rel%%/*}
  from=${from%.rs}
  [[ $from == lib || $from == main ]] && continue
  # Everything before a `#[cfg(test)]` line is the module's own code.
  uses=$(show "$file" | sed '/^#\[cfg(test)\]/,$d' | grep -oE 'crate::[a-z_]+' | sort -u | sed 's/crate:://' || true)
  for to in $uses; do
    [[ $to == "$from" ]] && continue
    edges[$from]+=" $to"
  done
done < <(files)

for from in $(printf '%s\n' "${!edges[@]}" | sort); do
  printf '%s ->%s\n' "$from" "$(tr ' ' '\n' <<<"${edges[$from]}" | sort -u | tr '\n' ' ' | sed 's/ $//')"
done
