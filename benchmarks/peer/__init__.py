"""The peer of the benchmark, in a virtual environment of its own (installed from PyPI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REQUIREMENTS = (
    "eventsourcing[postgres]==9.5.*",
    "fastapi>=0.115",
    "uvicorn>=0.30",
    "pydantic>=2.8,<3",
)
APP = Path(__file__).with_name("app.py")


def ensure_venv(where: Path) -> Path:
    """The peer's Python, its environment made (once) under ``where``."""
    python = where / "bin" / "python"
    marker = where / ".installed"
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
        installed = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *REQUIREMENTS,
            ],
            check=False,
            capture_output=True,
            text=True,
        )
        if installed.returncode != 0:
            raise RuntimeError(f"the peer's packages did not install:\n{installed.stderr}")
        marker.touch()
    return python
