#!/usr/bin/env bash
# Writes docs/certificate-household.png: page 1 of a 住民票の写し (世帯全員) issued from a
# generated register of 300 residents (seed 7), as the counter issues it. Needs pdftoppm
# (Debian's poppler-utils). Run from the repository's root.
set -euo pipefail
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
juki="${CARGO_TARGET_DIR:-$root/target}/release/juki"
export JUKI_PASSWORD=sample-password-1
"$juki" init --db "$work/city.redb" --admin admin1 --municipality 282065 >/dev/null
"$juki" gen --count 300 --seed 7 --history --out "$work/residents.csv" >/dev/null
"$juki" import --db "$work/city.redb" --operator admin1 "$work/residents.csv" >/dev/null
"$juki" --db "$work/city.redb" --operator admin1 -c "SET ISSUER title='兵庫県芦屋市長' name='見本 太郎'" >/dev/null
# The first household of four in the generated file.
head_code=$(python3 - "$work/residents.csv" <<'PY'
import csv, collections, sys
rows = list(csv.DictReader(open(sys.argv[1])))
members = collections.defaultdict(list)
for r in rows:
    members[r["household_id"]].append(r)
for m in members.values():
    if len(m) == 4:
        print(next(r["resident_code"] for r in m if r["relationship"] == "世帯主"))
        break
PY
)
"$juki" --db "$work/city.redb" --operator admin1 \
  -c "ISSUE COPY HOUSEHOLD OF $head_code WITH household, domicile TO '$work/copy.pdf'"
pdftoppm -r 100 -f 1 -l 1 -png -singlefile "$work/copy.pdf" "$root/docs/certificate-household"
echo "wrote docs/certificate-household.png"
