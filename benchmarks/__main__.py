"""``make bench``: every figure of issue 11 beside its baseline, measured in the same run.

    python -m benchmarks            # the full suite (3 repetitions, medians; long)
    python -m benchmarks --quick    # a smoke run at small sizes (no speed asserted; CI runs part)

Prints a table and writes ``out/bench/results.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from rich.console import Console

from benchmarks import suite
from benchmarks.figures import report

OUT = Path("out/bench")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition")
    parser.add_argument("--only", nargs="*", default=None, help="P1 P3 P4 P5 P6 M R (default all)")
    args = parser.parse_args(argv)
    console = Console(width=200)
    sizes = suite.QUICK if args.quick else suite.FULL
    rows = asyncio.run(suite.run_all(sizes, OUT, console, args.only))
    report(rows, OUT / ("quick.json" if args.quick else "results.json"), console)
    return 0


if __name__ == "__main__":
    sys.exit(main())
