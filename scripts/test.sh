#!/usr/bin/env bash
# The project's one test command: installs what the tests need, then runs
# rustfmt, clippy and every test target. CI runs it through .ci/run.
set -euo pipefail

cd "$(dirname "$0")/.."

# System tools the tests need, as "command:debian-package". A package is
# installed only when its command is missing.
NEEDS=(
  "systemd-socket-activate:systemd" # tests/lifecycle.rs: socket activation
  "chromium:chromium"               # tests/browser.rs: the UI in a real browser
  "chromedriver:chromium-driver"
  "c++:g++"                         # fuzz/: libFuzzer is C++
  "redis-server:redis-server"       # tests/redis_tier.rs: the shared cache tier
  "musl-gcc:musl-tools"             # scripts/smoke-image.sh: the static build's C parts
  "python3:python3"                 # scripts/smoke-image.sh: the fake upstream
  "nasm:nasm"                       # mozjpeg-sys: libjpeg-turbo's SIMD code (JPEG decoding)
)

step() { printf '\n==> %s\n' "$*"; }

step "System packages"
missing=()
for need in "${NEEDS[@]}"; do
  command -v "${need%%:*}" >/dev/null 2>&1 || missing+=("${need#*:}")
done
if ((${#missing[@]} == 0)); then
  echo "all present: ${NEEDS[*]%%:*}"
else
  echo "installing: ${missing[*]}"
  sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 || {
      echo "error: need root (or sudo) to apt-get install ${missing[*]}" >&2
      exit 1
    }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# rustfmt and clippy ship with the usual toolchain, but a minimal profile lacks them.
cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy

step "Toolchain"
rustc --version
cargo --version

# Every step runs even when an earlier one failed, so one failure never hides another;
# the summary names what failed and the exit code is non-zero if anything did.
failed=()
run() {
  local name=$1
  shift
  step "$name"
  "$@" || failed+=("$name")
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# --all-targets includes benches/cold_start.rs, which does one quick cold start
# under `cargo test` (the full 20-run measurement is `cargo bench`). --no-fail-fast runs
# every test binary even when one fails.
tests() { cargo test --locked --all-targets --no-fail-fast 2>&1 | tee "$log"; }

# Layers point one way: no loop between the modules of src/, and every arrow between them
# as committed in scripts/module-graph.expected, so a new one is a reviewed change.
run "Module graph (scripts/module-graph.sh --check)" ./scripts/module-graph.sh --check
run "cargo fmt --check" cargo fmt --all -- --check
run "cargo clippy (warnings are errors)" cargo clippy --locked --all-targets -- -D warnings
run "cargo test" tests
# The Docker image's last stage without Docker: the static musl release build (about 15
# minutes cold on 2 cores) run as 65532 in an empty root.
# SMOKE_IMAGE=0 skips it on a developer's machine; CI always runs it.
if [[ ${SMOKE_IMAGE:-1} == 0 && ${CI:-} != true ]]; then
  step "Deploy smoke test: skipped (SMOKE_IMAGE=0)"
else
  run "Deploy smoke test (scripts/smoke-image.sh)" ./scripts/smoke-image.sh
fi
# Twenty seconds per cargo-fuzz target (installs cargo-fuzz if missing): the seeds and
# anything they lead to must not crash. The long runs are in docs/benchmarks.md. Building the
# targets with AddressSanitizer takes most of it (about 10 minutes cold on 2 cores), so
# FUZZ_SECONDS=0 skips the step on a developer's machine; CI always runs it.
fuzz_seconds=${FUZZ_SECONDS:-20}
if [[ $fuzz_seconds == 0 && ${CI:-} == true ]]; then
  echo "FUZZ_SECONDS=0 is for local runs; CI fuzzes for 20 s per target"
  fuzz_seconds=20
fi
if [[ $fuzz_seconds == 0 ]]; then
  step "Fuzz smoke run: skipped (FUZZ_SECONDS=0)"
else
  run "Fuzz smoke run" env FUZZ_SECONDS="$fuzz_seconds" ./scripts/fuzz-smoke.sh
fi

# One closing line over every test binary, so the total is easy to find; then the test
# binaries that failed (one that crashed prints no "test result" line, but is listed here).
step "Summary"
{ grep -Eo 'test result: [A-Za-z]+\. [0-9]+ passed; [0-9]+ failed; [0-9]+ ignored' "$log" || true; } |
  awk '{ p += $4; f += $6; i += $8 } END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, i }'
grep -E -A40 '^error: [0-9]+ targets? failed' "$log" || true
if ((${#failed[@]} > 0)); then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "all steps passed"
