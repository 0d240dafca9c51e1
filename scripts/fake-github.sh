# Sourced by the benchmark scripts: `fake_github DIR PORT` serves a loopback "GitHub" from
# DIR on PORT (python3's http.server, in the background): the user record of
# tests/fixtures/github/torvalds.json at /users/torvalds, whose avatar is a 460² photo-like
# PNG on the same host, at /avatar.png. Run from the repository's root.
fake_github() {
  local dir=$1 port=$2
  mkdir -p "$dir/users"
  python3 - "$dir/avatar.png" <<'PY'
import struct, sys, zlib
w = h = 460
rows = b"".join(b"\0" + bytes((x * 7 + y * 3) & 255 for x in range(w) for _ in range(3)) for y in range(h))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
open(sys.argv[1], "wb").write(png + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
PY
  sed "s#https://avatars.githubusercontent.com/u/1024025?v=4#http://127.0.0.1:$port/avatar.png#" \
    tests/fixtures/github/torvalds.json > "$dir/users/torvalds"
  (cd "$dir" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
}
