"""Check bench/data/fresh_eval.tsv against the code base's lists; print the counts.

Run: .venv/bin/python bench/data/check_fresh_eval.py   (exit status 1 on any error)

Checks: the header, 5 tab-separated fields a line, type/subtype codes (shared.contracts.codes.SUBCATEGORIES),
out-of-scope body codes (routing's lexicon, services/routing/lexicon/terms.yaml), urgent 0/1, town codes
(shared.contracts.codes.TOWNS), that a labelled town is named in the text and an unlabelled text names no
town, no duplicate texts. It does not read the training corpus and does not run the classifier.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from services.routing.domain.lexicon import load_lexicon
from shared.contracts.codes import SUBCATEGORIES, TOWNS

PATH = Path(__file__).with_name("fresh_eval.tsv")
HEADER = ["type", "subtype", "urgent", "town", "text"]


def _short(name: str) -> str:
    return name.removesuffix("街道").removesuffix("镇")


def check(path: Path = PATH) -> tuple[list[str], list[list[str]]]:
    errors: list[str] = []
    rows: list[list[str]] = []
    bodies = set(load_lexicon().bodies)
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0].split("\t") != HEADER:
        errors.append(f"header must be {HEADER!r}")
    seen: dict[str, int] = {}
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != 5:
            errors.append(f"line {number}: {len(fields)} fields, expected 5")
            continue
        type_, subtype, urgent, town, text = fields
        if type_ == "out_of_scope":
            if subtype not in bodies:
                errors.append(f"line {number}: unknown body {subtype!r}")
        elif type_ not in SUBCATEGORIES:
            errors.append(f"line {number}: unknown type {type_!r}")
        elif subtype and subtype not in SUBCATEGORIES[type_]:
            errors.append(f"line {number}: unknown subtype {type_}/{subtype}")
        elif not subtype and SUBCATEGORIES[type_]:
            errors.append(f"line {number}: type {type_} needs a subtype")
        if urgent not in ("0", "1"):
            errors.append(f"line {number}: urgent must be 0 or 1, not {urgent!r}")
        named = {code for code, t in TOWNS.items() if _short(t.name) in text}
        if town and town not in TOWNS:
            errors.append(f"line {number}: unknown town {town!r}")
        elif town and town not in named:
            errors.append(f"line {number}: town {town} is not named in the text")
        elif not town and named:
            errors.append(f"line {number}: the text names {sorted(named)} but town is empty")
        if not text.strip() or text != text.strip():
            errors.append(f"line {number}: empty text or surrounding spaces")
        if text in seen:
            errors.append(f"line {number}: duplicate of line {seen[text]}")
        seen[text] = number
        rows.append(fields)
    return errors, rows


def main() -> int:
    errors, rows = check()
    for error in errors:
        print("ERROR", error)
    env = [r for r in rows if r[0] != "out_of_scope"]
    oos = [r for r in rows if r[0] == "out_of_scope"]
    print(f"rows {len(rows)}: environmental {len(env)}, out of scope {len(oos)}")
    print(f"urgent: environmental {sum(r[2] == '1' for r in env)}, out of scope {sum(r[2] == '1' for r in oos)}")
    print(f"with a town: {sum(bool(r[3]) for r in rows)}")
    for type_, n in Counter(r[0] for r in env).most_common():
        subs = Counter(r[1] or "-" for r in env if r[0] == type_)
        print(f"  {type_} {n}: " + ", ".join(f"{s} {c}" for s, c in subs.most_common()))
    print("  out_of_scope " + str(len(oos)) + ": "
          + ", ".join(f"{b} {c}" for b, c in Counter(r[1] for r in oos).most_common()))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
