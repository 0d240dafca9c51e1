#!/usr/bin/env bash
# A short run of every fuzz target (20 s each; FUZZ_SECONDS to change), for CI. Any crash,
# panic, timeout or allocation past the limits fails it, and libFuzzer leaves the input in
# fuzz/artifacts/<target>/. The long runs are the same command with -max_total_time=600.
#
# cargo-fuzz passes nightly-only flags to rustc; RUSTC_BOOTSTRAP=1 lets the stable toolchain
# accept them. FUZZ_SANITIZER=none builds without AddressSanitizer (faster, catches less).
set -euo pipefail

cd "$(dirname "$0")/.."

SECONDS_EACH=${FUZZ_SECONDS:-20}
SANITIZER=${FUZZ_SANITIZER:-address}
TARGETS=(parse_input extract_page decode_image)
export RUSTC_BOOTSTRAP=1

step() { printf '\n==> %s\n' "$*"; }

if ! cargo fuzz --version >/dev/null 2>&1; then
  step "Installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
cargo fuzz --version

step "Building the fuzz targets (sanitizer: $SANITIZER)"
cargo fuzz build --sanitizer "$SANITIZER"

for target in "${TARGETS[@]}"; do
  step "Fuzzing $target for ${SECONDS_EACH}s"
  # New inputs go to corpus/ (ignored by git); the committed seeds are read, never written.
  mkdir -p "fuzz/corpus/$target"
  args=(
    -max_total_time="$SECONDS_EACH"
    -timeout=10
    -rss_limit_mb=512
    -print_final_stats=1
  )
  [[ -f "fuzz/$target.dict" ]] && args+=(-dict="fuzz/$target.dict")
  cargo fuzz run --sanitizer "$SANITIZER" "$target" \
    "fuzz/corpus/$target" "fuzz/seeds/$target" -- "${args[@]}"
done

step "No crash in ${#TARGETS[@]} targets × ${SECONDS_EACH}s"
