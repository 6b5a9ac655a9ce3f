"""`make bench` still runs: the quick suite against its own stack, each figure beside its
baseline. A smoke test only: speed is read from the printed figures, never asserted here.

CI runs the figures that take one stack and a minute (the rebuild and memory, the scheduler
tick, the public reports); P1's peer needs its own virtualenv, P4 a steady load and R more
processes: `make bench` runs those."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
FIGURES = ("P3", "M", "P5", "P6")


@pytest.mark.timeout(900)
def test_the_quick_benchmark_suite_measures_its_figures(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAD_")}
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "P3", "P5", "P6"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=840,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = json.loads((tmp_path / "out" / "bench" / "quick.json").read_text())
    measured = {row["measure"].split()[0] for row in rows}
    assert measured == set(FIGURES)
    for row in rows:
        assert row["ours"] > 0 and row["baseline_value"] > 0, row
        assert row["ratio"] == pytest.approx(row["ours"] / row["baseline_value"], rel=1e-6), row
