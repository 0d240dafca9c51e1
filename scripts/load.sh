#!/usr/bin/env bash
# Load test on loopback (issue figures): wrk against the home page, a cached lookup and
# a cached image variant, 100 connections for 30 s each by default, then checks that the
# idle watcher stops the server on time once the load ends. Needs wrk (Debian package).
#
#   scripts/load.sh            # DURATION=30s CONNECTIONS=100 THREADS=2
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-100}
THREADS=${THREADS:-2}
IDLE=${IDLE:-5}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet
bin=target/release/getimages

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# A loopback "platform": a GitHub-like user record and an image.
mkdir -p "$work/users"
cp tests/fixtures/images/avatar.png "$work/avatar.png"
upstream_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed "s#https://avatars.githubusercontent.com/u/1024025?v=4#http://127.0.0.1:$upstream_port/avatar.png#" \
  tests/fixtures/github/torvalds.json > "$work/users/torvalds"
(cd "$work" && exec python3 -m http.server "$upstream_port" --bind 127.0.0.1 >/dev/null 2>&1) &
sleep 0.5

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Both per-client rate limits off: every request here comes from one client.
GETIMAGES_HOST=127.0.0.1 PORT=$port GETIMAGES_IDLE_TIMEOUT=${IDLE}s GETIMAGES_RATE_LIMIT=0 \
  GETIMAGES_IMAGE_RATE_LIMIT=0 GETIMAGES_CACHE_DIR= GETIMAGES_ALLOW_PRIVATE_NETWORKS=1 RUST_LOG=warn \
  GETIMAGES_UPSTREAM_GITHUB=http://127.0.0.1:$upstream_port "$bin" 2>"$work/server.log" &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

base=http://127.0.0.1:$port
image="/image?url=http%3A%2F%2F127.0.0.1%3A$upstream_port%2Favatar.png&w=128&format=webp"
# Warm the caches.
curl -sf "$base/api/v1/lookup?q=torvalds&provider=github" >/dev/null
curl -sf "$base$image" >/dev/null

refused=0
for target in "/" "/api/v1/lookup?q=torvalds&provider=github" "$image"; do
  echo "== GET $target ($CONNECTIONS connections, $DURATION)"
  report=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$base$target")
  grep -E 'Requests/sec|Non-2xx|Socket errors|^ +99%|requests in' <<<"$report"
  # A rate of refusals is not a rate of answers.
  grep -q 'Non-2xx' <<<"$report" && refused=1
done
echo "== server memory: $(grep -E 'VmHWM|VmRSS' /proc/$server/status | tr -s ' ' | tr '\n' ' ')"

ended=$(date +%s.%N)
if wait "$server"; then code=0; else code=$?; fi
stopped=$(date +%s.%N)
echo "== after the load: exit code $code, stopped $(python3 -c "print(f'{$stopped-$ended:.2f}')") s after it (idle timeout ${IDLE} s)"
if ((refused)); then
  echo "load.sh: some answers were not 2xx or 3xx, so those figures do not measure serving" >&2
  exit 1
fi
