#!/bin/sh
# Reproduces the table of juki against SQLite (BENCHMARKS.md, "Reproduce"): the load bench
# (bulk load, sizes, memory, durable 転居, the lookups of 20,000 random residents) and the
# latency bench (the six lookup groups of the sampled keys), each measurement repeated with
# juki and SQLite alternating, at JUKI_BENCH_RESIDENTS residents (default 100,000).
# Writes one Markdown file (default bench-fair-<N>.md, or the first argument) with the
# date, the commit, nproc and the load averages.
#
#   scripts/bench-fair.sh                                   # 100,000 residents, 5 repeats
#   JUKI_BENCH_RESIDENTS=1000000 scripts/bench-fair.sh fair-1m.md
#   JUKI_BENCH_REPEATS=2 JUKI_BENCH_RESIDENTS=20000 scripts/bench-fair.sh   # a quick look
set -eu

cd "$(dirname "$0")/.."
residents=${JUKI_BENCH_RESIDENTS:-100000}
repeats=${JUKI_BENCH_REPEATS:-5}
out=${1:-bench-fair-$residents.md}
target=${CARGO_TARGET_DIR:-target}
export JUKI_BENCH_RESIDENTS="$residents" JUKI_BENCH_REPEATS="$repeats"

load_average() { cut -d' ' -f1-3 /proc/loadavg; }

before=$(load_average)
cargo bench --bench load
between=$(load_average)
cargo bench --bench latency
after=$(load_average)

commit=$(git rev-parse --short HEAD)
if ! git diff --quiet HEAD --; then
    commit="$commit, with uncommitted changes"
fi
{
    echo "# juki and SQLite, $residents residents"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- commit: $commit"
    echo "- nproc: $(nproc); $(rustc --version)"
    echo "- load average (1, 5, 15 min): $before before, $between between the two benches, $after after"
    echo "- repeats: $repeats, juki and SQLite alternating"
    echo
    echo "## Load, size, memory, durable 転居 and lookups (\`cargo bench --bench load\`)"
    echo
    cat "$target/bench-data/$residents/load-table.md"
    echo
    echo "## The six lookup groups of the sample (\`cargo bench --bench latency\`)"
    echo
    cat "$target/bench-data/$residents/latency-table.md"
} > "$out"
echo "written to $out"
