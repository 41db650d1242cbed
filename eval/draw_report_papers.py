"""How the report set's seed papers were drawn (run from the project root after `paperlens ingest`).

eval/report.jsonl (200 questions) was written by two writers who never saw the code, each from
80 seed papers drawn here: papers not used by eval/tune.jsonl, sorted by id, sampled with a fixed
seed and split in halves (A: rA001-rA100, B: rB001-rB100). Writers could add further papers of the
collection to multi-paper and summary questions when a theme needed them, never tune-set papers.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

SEED = 20261204
ROOT = Path(__file__).resolve().parent.parent


def draw() -> tuple[list[str], list[str]]:
    papers = ROOT / "data" / "index" / "sidecar" / "papers.jsonl"
    ids = [json.loads(line)["paper_id"] for line in papers.read_text(encoding="utf-8").splitlines()]
    tune = (ROOT / "eval" / "tune.jsonl").read_text(encoding="utf-8").splitlines()
    used = {pid for line in tune for pid in json.loads(line)["gold_paper_ids"]}
    eligible = sorted(pid for pid in ids if pid not in used)
    chosen = random.Random(SEED).sample(eligible, 160)
    return chosen[:80], chosen[80:]


if __name__ == "__main__":
    first, second = draw()
    print("A:", " ".join(first))
    print("B:", " ".join(second))
