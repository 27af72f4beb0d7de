#!/usr/bin/env python3
"""Builds src/model/data/kanji_variants.tsv: each Japanese variant kanji (異体字) to the one
representative the name search key folds it to.

Usage:
    python3 tools/variants/generate.py MOZC_VARIANT_RULE UNIHAN_FILE... \
        > src/model/data/kanji_variants.tsv

Inputs (download them; they are not kept in this repository):
  * MOZC_VARIANT_RULE: src/data/single_kanji/variant_rule.txt of Mozc
    (https://github.com/google/mozc, BSD-3-Clause). Japanese variant pairs by kind:
    旧字体 (the 康熙字典体 of the 常用漢字表), 異体字, 印刷標準字体/簡易慣用字体, 俗字, 略字,
    正字, 本字. 別字 ("a different character") pairs are NOT variants and are skipped.
  * UNIHAN_FILE: files of the Unicode Unihan database in its tab-separated format
    (Unihan_OtherMappings.txt and Unihan_Variants.txt of
    https://www.unicode.org/Public/<version>/ucd/Unihan.zip, or the per-property files of
    https://github.com/unicode-org/unihan-database; Unicode License v3). Used:
      - kJinmeiyoKanji values "2010:U+XXXX": the 人名用漢字 that the 人名用漢字表 gives as
        variants of a 常用漢字 (國→国, 嶋→島, 齊→斉 …);
      - kSemanticVariant, kZVariant, kSpecializedSemanticVariant, but only for a character
        outside JIS X 0208 but in a Japanese coded set (JIS X 0212, JIS X 0213 or the
        Windows-31J extensions) that no Japanese table above groups (髙→高, 﨑→崎, 濵→濱): such a
        character joins the group of its one variant in JIS X 0208; with several, of the one
        a Japanese source marks as a z-variant (kMorohashi:Z), else of the one that is already
        in a group, else it is left alone. Two JIS X 0208 characters are never joined by these
        Chinese-usage fields (埼 and 崎 are different names in Japan though Unihan calls them
        semantic variants). kTraditionalVariant / kSimplifiedVariant are not used.
  * SUPPLEMENT below: the few 戸籍 variants of common surnames that none of the sources pairs.

Every pair joins two characters into one group (union-find); each group maps to one
representative: its smallest code point among the 常用漢字 (kJoyoKanji), else among JIS X 0208,
else its smallest code point. The
output lists every other member, sorted by code point, as "variant<TAB>representative", so
the fold is deterministic and idempotent (a representative maps to itself).
"""

import re
import sys

# Pairs no source lists, each a well-known variant in surnames (variant, its usual form).
SUPPLEMENT = [
    ("邉", "邊"),  # 渡邉 / 渡邊 / 渡辺
    ("嵜", "崎"),  # 宮嵜 / 宮崎
    ("嶌", "島"),  # 中嶌 / 中島
    ("桒", "桑"),  # 桒原 / 桑原
    ("\U00020BB7", "吉"),  # 𠮷田 / 吉田 (つちよし)
]

# Pairs that must never be joined, whatever a source says: different names in Japan.
NEVER = [("埼", "崎"), ("斉", "斎")]

MOZC_SKIPPED_KINDS = {"別字"}
UNIHAN_FIELDS = {"kSemanticVariant", "kZVariant", "kSpecializedSemanticVariant"}


def in_jis0208(c):
    """Whether c is in JIS X 0208 (what Shift_JIS encodes, without vendor extensions)."""
    try:
        c.encode("shift_jis")
        return True
    except UnicodeEncodeError:
        return False


def is_kanji(c):
    cp = ord(c)
    return (
        0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3FFFF
    )


def char_of(field):
    """A Unihan code point field: "U+XXXX" (the official files) or the character itself."""
    field = field.strip()
    if field.startswith("U+"):
        return chr(int(field[2:], 16))
    if len(field) == 1:
        return field
    raise ValueError(f"not a code point: {field!r}")


def mozc_pairs(path):
    kind = None
    pairs = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                if not line:
                    kind = None
                continue
            if "\t" not in line:
                kind = line.strip()
                continue
            if kind is None:
                raise SystemExit(f"{path}:{n}: a pair outside a kind")
            a, b = line.split("\t")[:2]
            if kind in MOZC_SKIPPED_KINDS:
                continue
            if is_kanji(a) and is_kanji(b):
                pairs.append((a, b))
    return pairs


def in_japanese_set(c):
    """Whether c is in JIS X 0208, JIS X 0212, JIS X 0213 or the Windows-31J extensions."""
    for codec in ("euc_jp", "shift_jisx0213", "cp932"):
        try:
            c.encode(codec)
            return True
        except UnicodeEncodeError:
            pass
    return False


def unihan_lines(paths):
    """(character, field, value) of every line of the Unihan files at paths."""
    bad = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                cp, field, value = line.rstrip("\n").split("\t")
                try:
                    c = char_of(cp.split(" ")[0])
                except ValueError:
                    bad += 1
                    continue
                yield c, field, value
    if bad:
        print(f"skipped {bad} lines whose code point could not be read", file=sys.stderr)


def jinmeiyo_pairs(paths):
    pairs = []
    for c, field, value in unihan_lines(paths):
        if field == "kJinmeiyoKanji" and ":" in value:
            pairs.append((c, char_of(value.split(":", 1)[1])))
    return pairs


def unihan_variants(paths):
    """Each character to its variants in UNIHAN_FIELDS: [(variant, z_marked)]."""
    out = {}
    for c, field, value in unihan_lines(paths):
        if field not in UNIHAN_FIELDS:
            continue
        for item in value.split(" "):
            if not item or item.startswith("═"):
                continue
            target, _, sources = item.partition("<")
            try:
                t = char_of(target)
            except ValueError:
                continue
            z = field == "kZVariant" or re.search(r"kMorohashi:\w*Z", sources) is not None
            out.setdefault(c, []).append((t, z))
    return out


class Groups:
    def __init__(self):
        self.parent = {}

    def find(self, c):
        self.parent.setdefault(c, c)
        while self.parent[c] != c:
            self.parent[c] = self.parent[self.parent[c]]
            c = self.parent[c]
        return c

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def members(self):
        by_root = {}
        for c in list(self.parent):
            by_root.setdefault(self.find(c), []).append(c)
        return [sorted(m) for m in by_root.values() if len(m) > 1]


def unihan_extra_pairs(variants, grouped):
    """The pairs the Unihan fields add for characters outside JIS X 0208 (see the docstring)."""
    pairs = []
    for c in sorted(variants):
        if in_jis0208(c) or c in grouped or not is_kanji(c) or not in_japanese_set(c):
            continue
        targets = [(t, z) for t, z in variants[c] if in_jis0208(t)]
        choice = {t for t, _ in targets}
        if len(choice) > 1:
            choice = {t for t, z in targets if z} or {t for t in choice if t in grouped}
        if len(choice) == 1:
            pairs.append((c, choice.pop()))
    return pairs


def joyo_kanji(paths):
    """The 常用漢字 (kJoyoKanji without a variant value)."""
    return {c for c, field, value in unihan_lines(paths) if field == "kJoyoKanji" and ":" not in value}


def representative(members, joyo):
    """A 常用漢字 of the group, else a JIS X 0208 character, else any; the smallest code point."""
    for pick in (lambda c: c in joyo, in_jis0208, lambda c: True):
        chosen = [c for c in members if pick(c)]
        if chosen:
            return min(chosen)
    raise ValueError("empty group")


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    mozc, unihan = sys.argv[1], sys.argv[2:]
    japanese = mozc_pairs(mozc) + jinmeiyo_pairs(unihan) + SUPPLEMENT
    grouped = {c for pair in japanese for c in pair}
    extra = unihan_extra_pairs(unihan_variants(unihan), grouped)
    joyo = joyo_kanji(unihan)
    groups = Groups()
    for a, b in japanese + extra:
        groups.union(a, b)
    for a, b in NEVER:
        if groups.find(a) == groups.find(b):
            raise SystemExit(f"{a} and {b} ended up in one group")
    rows = []
    for members in groups.members():
        rep = representative(members, joyo)
        rows.extend((c, rep) for c in members if c != rep)
    rows.sort(key=lambda r: ord(r[0]))
    print("# Japanese variant kanji (異体字) → the representative the name search key uses.")
    print("# Generated by tools/variants/generate.py; do not edit by hand.")
    print("# Sources:")
    print("#   Mozc src/data/single_kanji/variant_rule.txt (https://github.com/google/mozc),")
    print("#     BSD-3-Clause, Copyright 2010-2018 Google Inc.; kinds other than 別字.")
    print("#   Unicode Unihan database: kJinmeiyoKanji (Unihan 14.0.0 Unihan_OtherMappings.txt);")
    print("#     kSemanticVariant, kZVariant, kSpecializedSemanticVariant for characters outside")
    print("#     JIS X 0208 (https://github.com/unicode-org/unihan-database, 2026-07-23 0f09313).")
    print("#     Unicode License v3, Copyright © 1991-2026 Unicode, Inc.")
    print("#     (https://www.unicode.org/license.txt).")
    print("#   A supplement of 5 surname variants listed in the generator.")
    print(f"# {len(rows)} variants in {len(groups.members())} groups.")
    print("# variant<TAB>representative")
    for v, r in rows:
        print(f"{v}\t{r}")


if __name__ == "__main__":
    main()
