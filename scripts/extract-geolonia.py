#!/usr/bin/env python3
"""Extracts the address pairs of geolonia/normalize-japanese-addresses's test data (input as
people wrote it → the normalised prefecture, municipality, 町字, 番地号 and rest) for the
address-matching measurement (docs/address-matching.md, tests/address_match.rs).

Input: test/addresses/addresses.csv of https://github.com/geolonia/normalize-japanese-addresses
(MIT licence, Copyright 2020 Geolonia Inc.; the licence text is copied into the output's
header, as the licence asks). Kept: the columns 住所, 都道府県, 市区町村, 町字, 番地号, その他 of
every row; left out: the level, the coordinates and the remarks.

Usage: extract-geolonia.py ADDRESSES_CSV COMMIT > tests/fixtures/geolonia-addresses.csv
"""

import csv
import sys

LICENCE = """Copyright 2020 Geolonia Inc.

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE."""


def main():
    path, commit = sys.argv[1], sys.argv[2]
    out = sys.stdout
    out.write("# Address pairs from geolonia/normalize-japanese-addresses, test/addresses/addresses.csv\n")
    out.write(f"# at commit {commit}, columns 1-6 (scripts/extract-geolonia.py).\n#\n")
    for line in LICENCE.splitlines():
        out.write(f"# {line}".rstrip() + "\n")
    writer = csv.writer(out, lineterminator="\n")
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            writer.writerow(row[:6])


if __name__ == "__main__":
    main()
