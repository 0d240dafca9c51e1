#!/usr/bin/env bash
# What logging costs a busy server: wrk on `/` with the default log level (one info line
# per request) against RUST_LOG=warn (none), interleaved rounds on the same binary, logs
# written to a file as they would be to a log shipper's pipe. Prints requests/s of every
# round and the ratio of the medians. Needs wrk (Debian package).
#
#   scripts/log-cost.sh   # BIN=the musl release binary (the image's), ROUNDS=3,
#                         # DURATION=10s, CONNECTIONS=64, THREADS=2, FORMAT=json
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-target/x86_64-unknown-linux-musl/release/getimages}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
FORMAT=${FORMAT:-json}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[[ -x $BIN ]] || { echo "no binary at $BIN (scripts/smoke-image.sh builds it)" >&2; exit 1; }
work=$(mktemp -d)
server=''
trap '[[ -n $server ]] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

# Requests per second of one wrk run against a fresh server logging at `level`.
round() {
  local level=$1 port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  GETIMAGES_HOST=127.0.0.1 PORT=$port GETIMAGES_IDLE_TIMEOUT=0 GETIMAGES_CACHE_DIR= \
    GETIMAGES_LOG_FORMAT=$FORMAT RUST_LOG=$level "$BIN" 2>"$work/$level.log" &
  server=$!
  for _ in $(seq 200); do (: >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$port/" |
    awk '/Requests\/sec/ { print $2 }'
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=''
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "binary: $BIN ($(stat -c %s "$BIN") bytes); $(nproc) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION on /, log format $FORMAT, $ROUNDS interleaved rounds"
: >"$work/info" && : >"$work/warn"
for r in $(seq "$ROUNDS"); do
  info=$(round info) && echo "$info" >>"$work/info"
  warn=$(round warn) && echo "$warn" >>"$work/warn"
  printf 'round %d: RUST_LOG=info %s req/s, RUST_LOG=warn %s req/s\n' "$r" "$info" "$warn"
done
info=$(median <"$work/info")
warn=$(median <"$work/warn")
awk -v i="$info" -v w="$warn" 'BEGIN { printf "median: info %.0f req/s, warn %.0f req/s: info is %.1f%% below warn\n", i, w, (1 - i / w) * 100 }'
