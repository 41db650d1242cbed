"""How long the collection overview takes (themes by k-means, field coverage), and what it finds.

    .venv/bin/python bench/collection.py [--runs 5] [--themes N]

Uses the index built by `paperlens ingest` (settings from PAPERLENS_* variables). The web app
computes the overview once per index; `paperlens collection` computes it on every call. Prints
the median wall-clock and CPU time over the runs (other processes on a shared machine inflate the
former), then the themes of the last run.
"""

from __future__ import annotations

import argparse
import statistics
import time

from paperlens.config import load_settings
from paperlens.index.overview import describe_collection
from paperlens.index.paper_index import PaperIndex


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--themes", type=int, default=None)
    args = parser.parse_args()
    index = PaperIndex.load(load_settings())
    store = index.sentences
    walls, cpus = [], []
    for _ in range(args.runs):
        wall, cpu = time.perf_counter(), time.process_time()
        overview = describe_collection(index.papers, store, args.themes)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    print(f"{overview.papers} papers, {len(overview.themes)} themes")
    print(f"overview: median {statistics.median(walls):.0f} ms wall, {statistics.median(cpus):.0f} ms CPU")
    for theme in overview.themes:
        print(f"  {theme.papers:4d}  {theme.label}")
    present = ", ".join(f"{f.label} {f.papers}" for f in overview.present)
    print(f"fields: {present}; absent: {', '.join(f.label for f in overview.absent)}")


if __name__ == "__main__":
    main()
