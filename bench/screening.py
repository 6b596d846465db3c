"""Precision and recall of the intake screening on the labelled set, and its flag rate on real reports.

    .venv/bin/python bench/screening.py [--misses]

The labelled set is stadtlotse/intake/tests/data/screening_set.jsonl (see bench/build_screening_set.py).
It also prints how many real, unlabelled reports the screening flags, per reason: all of Berlin's
Ordnungsamt-Online texts and, where present, the unverified-licence collections of Munich and
Konstanz (read here, never committed). Most are ordinary reports, so this bounds the false alarms.
"""

import argparse
import collections
import csv
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stadtlotse.settings")
os.environ.setdefault("STADTLOTSE_ALLOW_INSECURE_KEY", "true")

import django  # noqa: E402

django.setup()

from stadtlotse.intake import screening  # noqa: E402

SET = ROOT / "stadtlotse" / "intake" / "tests" / "data" / "screening_set.jsonl"
REPORTS = ROOT.parent / "shared" / "data" / "reports"
UNVERIFIED = REPORTS / "unverified-licence"
BERLIN = REPORTS / "berlin-ordnungsamt-online-2017-2024.json"
UNLABELLED = {
    "muenchen-open311-mach-muenchen-besser-2021-2025.csv": "description",
    "konstanz-maengelmelder-2022-2026.csv": "text_raw",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="print every missed or wrongly flagged text")
    args = parser.parse_args()
    rows = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    started = time.perf_counter()
    result = screening.measure(rows)
    elapsed = time.perf_counter() - started
    labels = collections.Counter(label for row in rows for label in row["labels"] or ["clean"])
    print(f"labelled set: {len(rows)} texts ({', '.join(f'{k} {v}' for k, v in sorted(labels.items()))})")
    print(f"{'kind':<15}{'TP':>5}{'FN':>5}{'FP':>5}{'recall':>9}{'precision':>11}")
    for kind, c in result["kinds"].items():
        print(f"{kind:<15}{c['tp']:>5}{c['fn']:>5}{c['fp']:>5}{c['recall']:>9.1%}{c['precision']:>11.1%}")
    clean = result["clean"]
    print(f"clean texts flagged: {clean['flagged']} of {clean['texts']} ({clean['rate']:.1%})")
    print(f"time: {elapsed / len(rows) * 1000:.2f} ms per text")
    if args.misses:
        for kind, text in result["misses"]:
            print(f"  [{kind}] {text[:160]}")
    collections_ = {}
    # The unlabelled collections are optional: read from ../shared beside the checkout when it is there.
    if not REPORTS.is_dir():
        print(f"unlabelled reports: skipped, {REPORTS} is absent")
    if BERLIN.exists():
        records = json.loads(BERLIN.read_text(encoding="utf-8"))["records"]
        collections_[BERLIN.name] = [" ".join((r.get("sachverhalt") or "").split()) for r in records]
    for name, column in UNLABELLED.items():
        path = UNVERIFIED / name
        if path.exists():
            with path.open(encoding="utf-8", newline="") as file:
                collections_[name] = [" ".join((r.get(column) or "").split()) for r in csv.DictReader(file)]
    for name, texts in collections_.items():
        # Shorter texts are refused by the form (STADTLOTSE_MIN_DESCRIPTION_CHARS) before screening.
        texts = [t for t in texts if len(t) >= 10]
        reasons = collections.Counter()
        flagged = 0
        for text in texts:
            flags = screening.screen(text)
            flagged += bool(flags)
            reasons.update({f.reason for f in flags})
        print(f"unlabelled {name}: {flagged} of {len(texts)} flagged ({flagged / len(texts):.1%}); "
              + ", ".join(f"{r} {n}" for r, n in reasons.most_common()))


if __name__ == "__main__":
    main()
