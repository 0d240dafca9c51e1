#!/usr/bin/env bash
# Deploy smoke test: the Docker image's last stage, without Docker. Builds the static musl
# binary as the Dockerfile does, lays it in an empty root exactly as `FROM scratch` would
# (/getimages and a /cache owned by 65532, nothing else), runs it there as 65532 with the
# image's and fly.toml's environment, and checks what a deploy needs: `/`, `/healthz`, a
# lookup against a loopback fake of GitHub's API (written to the disk cache), a JPEG made
# into a lossy WebP, JSON log lines, and the idle stop with exit 0. Then the static binary
# goes through tests/memory_budget.rs's hostile image loads in a 256 MiB cgroup. Needs
# python3 (the fake) and root for chroot and chown (through sudo when not root; the build
# itself runs as the calling user) and for the cgroup, as in the test command.
set -euo pipefail

cd "$(dirname "$0")/.."

TARGET=x86_64-unknown-linux-musl
IDLE=2s

step() { printf '\n==> %s\n' "$*"; }
fail() {
  printf 'smoke-image: %s\n' "$*" >&2
  [[ -s ${log:-} ]] && { echo "--- server log ---" >&2; cat "$log" >&2; }
  exit 1
}

as_root=()
if ((EUID != 0)); then
  command -v sudo >/dev/null 2>&1 || fail "needs root, or sudo, for chroot and chown 65532"
  as_root=(sudo)
fi

step "Static musl release build (as in the Dockerfile)"
rustup target list --installed | grep -qx "$TARGET" || rustup target add "$TARGET"
cargo build --release --locked --target "$TARGET" --bin getimages
binary=${CARGO_TARGET_DIR:-target}/$TARGET/release/getimages
printf 'binary: %s, %s bytes\n' "$binary" "$(stat -c %s "$binary")"

work=$(mktemp -d)
root=$work/root
log=$work/server.log
fake_pid='' server_pid=''
cleanup() {
  [[ -n $server_pid ]] && "${as_root[@]}" kill "$server_pid" 2>/dev/null
  [[ -n $fake_pid ]] && kill "$fake_pid" 2>/dev/null
  "${as_root[@]}" rm -rf "$work"
}
trap cleanup EXIT

step "An empty root like the image: /getimages and /cache (65532)"
mkdir -p "$root/cache"
cp "$binary" "$root/getimages"
"${as_root[@]}" chown 65532:65532 "$root/cache"
find "$root" -printf '%M %u:%g %p\n'

step "A loopback fake of GitHub's API, and of an image host"
cat >"$work/fake.py" <<'EOF'
import http.server, sys
body = open(sys.argv[1], "rb").read()
photo = open(sys.argv[2], "rb").read()
class Fake(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        found = path in ("/users/torvalds", "/banner.jpg")
        self.send_response(200 if found else 404)
        if path == "/banner.jpg":
            self.send_header("content-type", "image/jpeg")
            data = photo
        else:
            self.send_header("content-type", "application/json")
            data = body if found else b'{"message":"Not Found"}'
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Fake)
print(server.server_address[1], flush=True)
server.serve_forever()
EOF
coproc FAKE {
  exec python3 "$work/fake.py" tests/fixtures/github/torvalds.json tests/fixtures/images/banner.jpg
}
fake_pid=$FAKE_PID
read -r -t 10 fake_port <&"${FAKE[0]}" || fail "the fake GitHub did not start"
echo "fake GitHub on 127.0.0.1:$fake_port"

step "The server in that root as 65532, with the image's environment"
chroot=$(command -v chroot) || fail "no chroot (coreutils)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The Dockerfile's ENV (PORT moved off 8080, which may be taken here), fly.toml's [env],
# a short idle timeout, the fake in place of api.github.com, and private addresses allowed
# so that /image may fetch from the fake on loopback.
"${as_root[@]}" env -i PORT="$port" GETIMAGES_HOST=0.0.0.0 GETIMAGES_CACHE_DIR=/cache \
  GETIMAGES_LOG_FORMAT=json GETIMAGES_TRUST_FLY_CLIENT_IP=true \
  GETIMAGES_IDLE_TIMEOUT=$IDLE GETIMAGES_UPSTREAM_GITHUB="http://127.0.0.1:$fake_port" \
  GETIMAGES_ALLOW_PRIVATE_NETWORKS=1 \
  "$chroot" --userspec=65532:65532 "$root" /getimages 2>"$log" &
server_pid=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$log" && break
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited before listening"
  sleep 0.1
done
grep -q 'listening on' "$log" || fail "not listening after 10 s"

# GET over bash's /dev/tcp (no curl in a fresh Debian): prints the status line, then the body.
get() {
  local reply
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$1" >&3
  reply=$(timeout 10 cat <&3) || true
  exec 3<&-
  printf '%s\n' "$reply" | head -n1
  printf '%s\n' "${reply#*$'\r\n\r\n'}"
}
expect() { # path, status, text the body must contain
  local reply
  reply=$(get "$1")
  [[ $(head -n1 <<<"$reply") == *" $2 "* ]] || fail "GET $1: expected $2, got: $(head -n1 <<<"$reply")"
  grep -qF -- "$3" <<<"$reply" || fail "GET $1: the answer lacks \"$3\""
  echo "GET $1: $2, has \"$3\""
}

step "Requests"
expect / 200 '<html'
expect /healthz 200 ok
expect '/api/v1/lookup?q=torvalds&provider=github' 200 'avatars.githubusercontent.com/u/1024025'
# The C parts linked into the static binary, at work: libjpeg-turbo shrinks the JPEG while
# decoding it (1/4 of 1500×500 covers 200 wide), libwebp encodes it lossy (a VP8 chunk).
python3 - "$port" "$fake_port" <<'EOF' || fail "/image did not make the JPEG into a lossy WebP"
import struct, sys, urllib.request
port, fake = sys.argv[1:]
url = f"http://127.0.0.1:{port}/image?url=http://127.0.0.1:{fake}/banner.jpg&w=200&format=webp&q=80"
with urllib.request.urlopen(url, timeout=10) as reply:
    kind, body = reply.headers["content-type"], reply.read()
assert kind == "image/webp", kind
assert body[:4] == b"RIFF" and body[8:16] == b"WEBPVP8 ", body[:16]
# A lossy frame's header gives its size: 14 bits each, after the start code.
width, height = (n & 0x3FFF for n in struct.unpack("<HH", body[26:30]))
assert (width, height) == (200, 67), (width, height)
print(f"GET /image?…banner.jpg&w=200&format=webp: 200, lossy WebP {width}×{height}, {len(body)} bytes")
EOF
cached=$(find "$root/cache" -type f -user 65532 | wc -l)
((cached > 0)) || fail "nothing written to /cache"
echo "/cache: $cached file(s) written by 65532"

step "Idle stop"
started=$SECONDS
status=0
wait "$server_pid" || status=$?
server_pid=''
((status == 0)) || fail "exit code $status after the idle stop"
echo "exited 0 about $((SECONDS - started)) s after the last request (idle timeout $IDLE)"
python3 - "$log" <<'EOF' || fail "the log is not one JSON object per line"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
messages = [json.loads(line)["message"] for line in lines]
assert any("stopping" in m for m in messages), messages
print(f"{len(lines)} log lines, all JSON; last: {messages[-1]!r}")
EOF

step "The static binary in a 256 MiB cgroup on one CPU (tests/memory_budget.rs)"
# The hostile image loads the test command puts the debug build through, on the binary the
# image ships: its allocator (musl's) is not the debug build's (glibc's), and with another
# one (mimalloc) the same loads peaked at 205 MiB in the cgroup where this one takes about 90.
suite=$work/cgroup-suite.log
log='' # the server's log above has nothing to say about this step
if ! GETIMAGES_BIN="$(realpath "$binary")" cargo test --locked --test memory_budget -- --nocapture \
  >"$suite" 2>&1; then
  cat "$suite" >&2
  fail "the static binary did not come through the cgroup suite"
fi
grep -E "peak|: \{|test result" "$suite"

step "Smoke test of the image's last stage passed"
