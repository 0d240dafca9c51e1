#!/usr/bin/env bash
# Issue 23's wrk goals, side by side in one run: bare actix-web's `/` (the anchor), and ours
# at the default log level (info) and at warn, on `/` (asked as wrk asks, and as a browser
# asks, with `accept-encoding: gzip, deflate, br`), a cached lookup and a cached 400² WebP.
# Rounds are interleaved, so the machine's load falls on every row alike; the table gives
# each row's median req/s and its ratio to bare actix-web's `/`, to bare actix-web sending
# the same body (the home page's bytes, plain and brotli, and the WebP's, which it serves
# from memory as `/file/{name}`), and to the same route at warn. Needs wrk (Debian package)
# and the release builds the cold-start bench makes:
#
#   cargo build --release --locked --bin getimages --target-dir target/shipped
#   cargo build --release --locked --manifest-path benches/bare-actix/Cargo.toml --target-dir target/shipped
#   scripts/vs-actix.sh          # ROUNDS=3 DURATION=5s CONNECTIONS=64 THREADS=2 FORMAT=text
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
FORMAT=${FORMAT:-text}
bin=${GETIMAGES_BIN:-target/shipped/release/getimages}
bare=${BARE_BIN:-target/shipped/release/bare-actix}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
for b in "$bin" "$bare"; do
  [ -x "$b" ] || { echo "$b is missing: build it (see the top of this script)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 100); do curl -sf "$1" >/dev/null && return 0; sleep 0.05; done; echo "no answer from $1" >&2; exit 1; }

# A loopback "GitHub" (see scripts/fake-github.sh).
source scripts/fake-github.sh
upstream_port=$(free_port)
fake_github "$work" "$upstream_port"


# Ours twice, at info and at warn: rate limits off (one client sends everything), memory
# cache only, the log written to a file as a deployment writes it to its collector.
declare -A port
for level in info warn; do
  port[$level]=$(free_port)
  GETIMAGES_HOST=127.0.0.1 PORT=${port[$level]} GETIMAGES_IDLE_TIMEOUT=0 GETIMAGES_RATE_LIMIT=0 \
    GETIMAGES_IMAGE_RATE_LIMIT=0 GETIMAGES_SEARCH_RATE_LIMIT=0 GETIMAGES_CACHE_DIR= \
    GETIMAGES_ALLOW_PRIVATE_NETWORKS=1 GETIMAGES_LOG_FORMAT=$FORMAT RUST_LOG=$level \
    GETIMAGES_UPSTREAM_GITHUB=http://127.0.0.1:$upstream_port "$bin" 2>"$work/$level.log" &
  base=http://127.0.0.1:${port[$level]}
  wait_for "$base/healthz"
done

lookup="/api/v1/lookup?q=torvalds&provider=github"
browser="accept-encoding: gzip, deflate, br"
image="/image?url=http%3A%2F%2F127.0.0.1%3A$upstream_port%2Favatar.png&w=400&h=400&format=webp"
for level in info warn; do
  base=http://127.0.0.1:${port[$level]}
  curl -sf "$base$lookup" >/dev/null
  curl -sf "$base$image" >/dev/null
  # A hit, not the miss just made, is what is measured.
  curl -sfI "$base$image" | grep -qi 'x-cache-status: HIT' || { echo "the image is not cached" >&2; exit 1; }
  # The first browser-like ask starts the page's compression; wait until it is made.
  for _ in $(seq 100); do
    curl -sfI -H "$browser" "$base/" | grep -qi 'content-encoding: br' && break
    sleep 0.05
  done
done

# Bare actix-web, with the bodies ours sends to be sent beside them.
curl -sf "$base/" -o "$work/page"
curl -sf -H "$browser" "$base/" -o "$work/page.br"
curl -sf "$base$image" -o "$work/image"
bare_port=$(free_port)
BARE_FILES="page=$work/page,page.br=$work/page.br,image=$work/image" PORT=$bare_port \
  "$bare" >/dev/null 2>&1 &
wait_for "http://127.0.0.1:$bare_port/"
same_bytes() { echo "http://127.0.0.1:$bare_port/file/$1"; }

# Each row: name, URL, and a request header if any. Runs are interleaved row by row within a
# round.
rows=("bare actix /|http://127.0.0.1:$bare_port/"
  "bare actix, the page's bytes|$(same_bytes page)"
  "bare actix, the page's bytes as brotli|$(same_bytes page.br)"
  "bare actix, the WebP's bytes|$(same_bytes image)")
# The row of bare actix-web sending the same body as a row of ours, if there is one.
declare -A same=(["ours / ("]="bare actix, the page's bytes"
  ["ours / as a browser asks ("]="bare actix, the page's bytes as brotli"
  ["WebP HIT ("]="bare actix, the WebP's bytes")
for level in info warn; do
  base=http://127.0.0.1:${port[$level]}
  rows+=("ours / ($level)|$base/" "ours / as a browser asks ($level)|$base/|$browser"
    "lookup HIT ($level)|$base$lookup" "WebP HIT ($level)|$base$image")
done

declare -A results
for round in $(seq "$ROUNDS"); do
  for row in "${rows[@]}"; do
    name=${row%%|*}
    rest=${row#*|}
    url=${rest%%|*}
    header=()
    [[ $rest == *"|"* ]] && header=(-H "${rest#*|}")
    report=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "${header[@]}" "$url")
    if grep -q 'Non-2xx' <<<"$report"; then
      echo "vs-actix.sh: $name answered non-2xx: its figure would not measure serving" >&2
      exit 1
    fi
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
    results[$name]="${results[$name]:-} $rps"
  done
  echo "round $round of $ROUNDS done (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
anchor=$(median <<<"${results[bare actix /]}")
printf '%s, wrk -t%s -c%s -d%s, %s rounds, log format %s\n' "$(uname -r)" "$THREADS" "$CONNECTIONS" "$DURATION" "$ROUNDS" "$FORMAT"
printf '| %s | %s | %s | %s | %s |\n' "row" "req/s (median)" "÷ bare actix /" "÷ bare actix, same body" "info ÷ warn"
printf '| --- | --- | --- | --- | --- |\n'
for row in "${rows[@]}"; do
  name=${row%%|*}
  value=$(median <<<"${results[$name]}")
  vs_warn=""
  if [[ $name == *"(info)" ]]; then
    warn=$(median <<<"${results[${name/(info)/(warn)}]}")
    vs_warn=$(awk -v a="$value" -v b="$warn" 'BEGIN {printf "%.2f", a / b}')
  fi
  vs_same=""
  for kind in "${!same[@]}"; do
    if [[ $name == "$kind"* ]]; then
      vs_same=$(awk -v a="$value" -v b="$(median <<<"${results[${same[$kind]}]}")" 'BEGIN {printf "%.2f", a / b}')
    fi
  done
  printf '| %s | %.0f | %s | %s | %s |\n' "$name" "$value" "$(awk -v a="$value" -v b="$anchor" 'BEGIN {printf "%.2f", a / b}')" "$vs_same" "$vs_warn"
done
