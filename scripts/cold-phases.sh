#!/usr/bin/env bash
# Where a cold start's time goes, phase by phase, and which mappings its page faults land in.
# The cold-start bench gives the total; this splits it. Uprobes on our start-up functions and
# tracepoints on the kernel's exec, listen, accept and send mark each phase in each of RUNS
# starts (perf records system-wide, so thread creation is not slowed down by perf following
# the process); the table gives each mark's median time since exec. A second pass counts
# minor page faults of the server's threads by the mapping they hit (the binary's sections
# when it is not position-independent, the heap, thread stacks and arenas, each library).
# A Python poller connect-polls the port, sends one `GET /` and reads the answer, as
# benches/cold_start.rs does. Needs root (uprobes), perf and python3 (Debian packages
# linux-perf and python3), and a build with symbols:
#
#   CARGO_PROFILE_RELEASE_STRIP=none cargo build --release --locked --bin getimages --target-dir target/symbols
#   scripts/cold-phases.sh       # BIN=target/symbols/release/getimages RUNS=40
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=$(realpath "${BIN:-target/symbols/release/getimages}")
RUNS=${RUNS:-40}

command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 1; }
[[ -x $BIN ]] || { echo "no binary at $BIN (see the top of this script)" >&2; exit 1; }
nm "$BIN" >/dev/null 2>&1 || { echo "$BIN has no symbols (see the top of this script)" >&2; exit 1; }
tracing=/sys/kernel/tracing
[[ -e $tracing/uprobe_events ]] || mount -t tracefs nodev "$tracing"
work=$(mktemp -d)
# Removes this script's uprobes, once perf has stopped using them.
unprobe() {
  if [[ -f $work/uprobes ]]; then
    for name in $(sed 's/^p:\([^ ]*\) .*/\1/' "$work/uprobes"); do
      echo "-:$name" >>"$tracing/uprobe_events" || true
    done
  fi
  rm -rf "$work"
}
trap unprobe EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# The phases' functions, as uprobes at their file offsets.
python3 - "$BIN" >"$work/uprobes" <<'PY'
import re, subprocess, sys
binary = sys.argv[1]
marks = {
    "std::rt::lang_start_internal": "rust_runtime",
    "getimages::main": "main",
    "getimages::configuration::Settings::load": "settings",
    "getimages::telemetry::init": "logs",
    "getimages::startup::Application::build": "build",
    "actix_server::builder::ServerBuilder::run": "server_run",
    "getimages::routes::configure": "worker_routes",
}
segments = []
for line in subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True).stdout.splitlines():
    f = line.split()
    if f and f[0] == "LOAD":
        segments.append((int(f[1], 16), int(f[2], 16), int(f[5], 16)))
found = {}
for line in subprocess.run(["nm", "-C", binary], capture_output=True, text=True).stdout.splitlines():
    f = line.split(" ", 2)
    if len(f) < 3 or f[1] not in "tT":
        continue
    name = marks.get(re.sub(r"::h[0-9a-f]{16}$", "", f[2]))
    if name and name not in found:
        address = int(f[0], 16)
        for offset, start, size in segments:
            if start <= address < start + size:
                found[name] = address - start + offset
for name, offset in found.items():
    print(f"p:getimages_cold/{name} {binary}:0x{offset:x}")
PY
cat "$work/uprobes" >> "$tracing/uprobe_events"

# RUNS starts: exec, connect-poll, one GET /, read the answer, stop the server.
cat >"$work/starts.py" <<'PY'
import os, signal, socket, subprocess, sys
binary, port, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
env = dict(os.environ, PORT=str(port), GETIMAGES_HOST="127.0.0.1", GETIMAGES_IDLE_TIMEOUT="0",
           GETIMAGES_CACHE_DIR="")
for _ in range(runs):
    server = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", port))
            break
        except OSError:
            s.close()
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    while s.recv(65536):
        pass
    s.close()
    server.send_signal(signal.SIGTERM)
    server.wait()
PY

echo "cold start of $BIN by phase, median ms since exec over $RUNS starts"
perf record -q -a -o "$work/phases.data" -e 'getimages_cold:*' -e sched:sched_process_exec \
  -e syscalls:sys_enter_listen -e syscalls:sys_enter_clone3 -e syscalls:sys_exit_accept4 \
  -e syscalls:sys_enter_sendto -- python3 "$work/starts.py" "$BIN" "$port" "$RUNS" 2>/dev/null
perf script -i "$work/phases.data" -F comm,pid,tid,time,event 2>/dev/null | python3 -c '
import collections, re, statistics, sys
marks = collections.defaultdict(list)
events = collections.defaultdict(list)
for line in sys.stdin:
    m = re.match(r"\s*(.+?)\s+(\d+)/\d+\s+([\d.]+):\s+(\S+):", line)
    if m:
        events[int(m.group(2))].append((float(m.group(3)), m.group(1), m.group(4).split(":")[-1]))
for evs in events.values():
    execs = [t for t, comm, ev in evs if ev == "sched_process_exec" and comm == "getimages"]
    if not execs:
        continue
    seen = collections.Counter()
    for t, comm, ev in evs:
        seen[ev] += 1
        name = ev if seen[ev] == 1 else f"{ev} #{seen[ev]}"
        marks[name].append((t - execs[0]) * 1000)
starts = len(marks.get("sched_process_exec", []))
for name in sorted(marks, key=lambda n: statistics.median(marks[n])):
    if len(marks[name]) * 2 >= starts:
        print(f"  {name:26s} {statistics.median(marks[name]):7.3f}")
'

echo "minor page faults per start, by the mapping they hit"
perf record -q -d -e page-faults -c 1 -o "$work/faults.data" -- \
  python3 "$work/starts.py" "$BIN" "$port" 5 2>/dev/null
perf script -i "$work/faults.data" -F comm,pid,tid,addr,dso 2>/dev/null | python3 -c '
import collections, re, subprocess, sys
binary = sys.argv[1]
sections = []
for line in subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True).stdout.splitlines():
    f = line.split("]", 1)[-1].split()
    if "]" in line and len(f) > 4:
        try:
            sections.append((f[0], int(f[2], 16), int(f[4], 16)))
        except ValueError:
            pass
pie = "DYN" in subprocess.run(["readelf", "-h", binary], capture_output=True, text=True).stdout
counts = collections.Counter()
for line in sys.stdin:
    m = re.match(r"\s*(.+?)\s+\d+/\d+\s+([0-9a-f]+)\s*(.*)", line)
    if not m or not m.group(1).startswith(("getimages", "actix")):
        continue
    address, where = int(m.group(2), 16), re.findall(r"\(([^)]*)\)", m.group(3))
    section = None if pie else next((n for n, s, z in sections if s and s <= address < s + z), None)
    counts[section or (where[0].split("/")[-1] if where else "?")] += 1
print(f"  {sum(counts.values()) / 5:7.1f} in all")
for name, n in counts.most_common(12):
    print(f"  {n / 5:7.1f} {name}")
' "$BIN"
