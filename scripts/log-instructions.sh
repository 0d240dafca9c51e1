#!/usr/bin/env bash
# What logging costs a request, in instructions (callgrind, so free of the machine's load):
# the server under valgrind, one worker, answers REQUESTS requests to ROUTE over one
# kept-alive connection with instrumentation on only while they run, once at RUST_LOG=info
# and once at RUST_LOG=warn; prints instructions per request of each and the difference.
# GitHub is a loopback fake (scripts/fake-github.sh) and the first 300 requests warm the
# cache, so a lookup or image ROUTE measures hits; UPSTREAM in ROUTE names the fake's host:
#   ROUTE='/api/v1/lookup?q=torvalds&provider=github'
#   ROUTE='/image?url=http%3A%2F%2FUPSTREAM%2Favatar.png&w=400&h=400&format=webp'
# valgrind counts each byte a `rep movsb` copies as an instruction, so a route answering a
# large body (the 18.8 KB home page) counts its copy byte by byte.
# Needs valgrind (Debian package). Symbols make callgrind_annotate readable: build with
# CARGO_PROFILE_RELEASE_STRIP=none.
#
#   scripts/log-instructions.sh   # BIN=target/release/getimages, FORMAT=text, ROUTE=/,
#                                 # REQUESTS=2000, KEEP=dir to keep info.out and warn.out
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-target/release/getimages}
FORMAT=${FORMAT:-text}
ROUTE=${ROUTE:-/}
REQUESTS=${REQUESTS:-2000}

command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind" >&2; exit 1; }
[[ -x $BIN ]] || { echo "no binary at $BIN" >&2; exit 1; }
work=$(mktemp -d)
server=''
trap '[[ -n $server ]] && kill "$server" 2>/dev/null; kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
source scripts/fake-github.sh
upstream_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
fake_github "$work/github" "$upstream_port"
ROUTE=${ROUTE//UPSTREAM/127.0.0.1:$upstream_port}

# Asks ROUTE `n` times over one connection, each answer a 200.
ask() {
  python3 - "$1" "$ROUTE" "$2" <<'PY'
import http.client, sys
port, route, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
for _ in range(n):
    connection.request("GET", route)
    answer = connection.getresponse()
    answer.read()
    assert answer.status == 200, answer.status
PY
}

# Instructions of REQUESTS requests to a server logging at `level`.
instructions() {
  local level=$1 port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  GETIMAGES_HOST=127.0.0.1 PORT=$port GETIMAGES_IDLE_TIMEOUT=0 GETIMAGES_CACHE_DIR= \
    GETIMAGES_WORKERS=1 GETIMAGES_LOG_FORMAT=$FORMAT RUST_LOG=$level GETIMAGES_RATE_LIMIT=0 \
    GETIMAGES_IMAGE_RATE_LIMIT=0 GETIMAGES_ALLOW_PRIVATE_NETWORKS=1 \
    GETIMAGES_UPSTREAM_GITHUB=http://127.0.0.1:$upstream_port \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/$level.out" \
    "$BIN" 2>"$work/$level.log" >/dev/null &
  server=$!
  for _ in $(seq 600); do (: >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  ask "$port" 300
  callgrind_control -i on "$server" >/dev/null 2>&1
  ask "$port" "$REQUESTS"
  callgrind_control -i off "$server" >/dev/null 2>&1
  kill -INT "$server"
  wait "$server" 2>/dev/null || true
  server=''
  awk '/Collected/ { gsub(",", "", $NF); print $NF }' "$work/$level.log"
  if [[ -n ${KEEP:-} ]]; then mkdir -p "$KEEP" && cp "$work/$level.out" "$KEEP/"; fi
}

echo "binary: $BIN; $REQUESTS requests to $ROUTE, log format $FORMAT, one worker"
info=$(instructions info)
warn=$(instructions warn)
awk -v i="$info" -v w="$warn" -v n="$REQUESTS" 'BEGIN {
  printf "instructions per request: info %.0f, warn %.0f: logging %.0f\n", i / n, w / n, (i - w) / n }'
