#!/usr/bin/env bash
# Mutation testing of one part of juki, in two passes (docs/mutation-testing.md).
#
#   scripts/mutants.sh [--every-target] OUT FILE...
#
# Pass 1 mutates FILE... and runs the library's own tests against each mutant
# (.cargo/mutants.toml: `cargo test --lib --features testing`). With --every-target, pass 2
# takes the mutants pass 1 missed and runs every test target against them (`--tests`: the
# library, the binary and the integration tests), skipping those already caught
# (`--iterate`); it takes some five minutes a mutant, where pass 1 takes one. The
# results stay in OUT/mutants.out (caught.txt, missed.txt, unviable.txt, timeout.txt and
# one log per mutant). Needs cargo-mutants (`cargo install cargo-mutants --locked`).
# Both passes build in place, in this checkout; cargo-mutants puts each file back after its
# mutant, also when interrupted. The failure seeds the mutants leave in proptest-regressions/
# are removed at the end (uncommitted changes there are lost).
set -euo pipefail

every_target=false
if [ "${1:-}" = --every-target ]; then
  every_target=true
  shift
fi
if [ $# -lt 2 ]; then
  echo "usage: $0 [--every-target] OUT FILE..." >&2
  exit 2
fi
out=$(realpath -m "$1")
shift
files=()
for f in "$@"; do
  files+=(--file "$f")
done
cd "$(dirname "$0")/.."
mkdir -p "$out"

echo "== pass 1: the library's tests"
cargo mutants --in-place "${files[@]}" -o "$out" || true
if $every_target && [ -s "$out/mutants.out/missed.txt" ]; then
  echo "== pass 2: what pass 1 missed, against every test target"
  cargo mutants --in-place --iterate "${files[@]}" -o "$out" --cargo-arg=--tests || true
fi
# A mutant that fails a property test leaves its seed in proptest-regressions/ (the tests
# persist failures for replay): those seeds are the mutants', not the code's.
git checkout -q -- proptest-regressions
git clean -fdq proptest-regressions
for k in previously_caught caught missed unviable timeout; do
  if [ -f "$out/mutants.out/$k.txt" ]; then
    printf '%s: %s\n' "$k" "$(wc -l < "$out/mutants.out/$k.txt")"
  fi
done
