#!/usr/bin/env bash
# Runs one fuzz target for a while and keeps, in its committed corpus, the inputs it found
# that reach code the corpus did not.
#
#   scripts/fuzz-keep.sh TARGET SECONDS
#
# The target runs for SECONDS on a scratch corpus, reading the committed seeds
# (fuzz/corpus/TARGET) without writing to them. Then libFuzzer's merge (what `cargo fuzz
# cmin` runs) adds to fuzz/corpus/TARGET a smallest set of the new inputs that reach edges
# the committed ones do not (`-set_cover_merge=1 -use_counters=0`: new hit counts of an
# edge already reached do not count, which keeps the corpus small); the committed files
# are all kept (`cargo fuzz cmin` itself would rebuild the directory and could drop a
# hand-made seed or a crash kept as a regression).
# The new files are left for `git add fuzz/corpus/TARGET`. The run's whole output is in
# fuzz/keep-TARGET.log; its final statistics and the corpus before and after are printed.
# A crash stops the script with the crash report and the path of the crashing input
# (fuzz/artifacts/TARGET/…), which is then kept as it is.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); like CI it runs it with
# RUSTC_BOOTSTRAP=1 on a stable toolchain. CARGO_TARGET_DIR, if set, is where it builds.
set -euo pipefail

if [ $# -ne 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 TARGET SECONDS" >&2
  exit 2
fi
target=$1
seconds=$2
cd "$(dirname "$0")/../fuzz"
corpus="corpus/$target"
if [ ! -d "$corpus" ]; then
  echo "no committed corpus $corpus (targets: $(ls corpus | tr '\n' ' '))" >&2
  exit 2
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/new"
log="keep-$target.log"
before=$(ls "$corpus" | wc -l)

echo "-- $target: fuzzing for $seconds s (output in fuzz/$log)"
if ! RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "$scratch/new" "$corpus" -- \
  -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
  cat "$log"
  echo "-- $target: the run failed; the crashing input:" >&2
  grep -E 'Test unit written to|artifact_prefix' "$log" >&2 || true
  exit 1
fi
grep -E '^stat::|^Done|^#[0-9]+ +DONE' "$log" || true

echo "-- $target: merging the $(ls "$scratch/new" | wc -l) new inputs into $corpus"
RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "$corpus" "$scratch/new" -- -merge=1 \
  -set_cover_merge=1 -use_counters=0 -timeout=120 >>"$log" 2>&1 || {
  cat "$log"
  exit 1
}
after=$(ls "$corpus" | wc -l)
echo "-- $target: corpus $before -> $after files; new: git status --short $corpus"
