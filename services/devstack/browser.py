"""Headless Chromium for looking at the pages: Debian's ``/usr/bin/chromium`` (installed by
``deploy/ensure-chromium.sh``) driven by Playwright for Python. Playwright never downloads a
browser here; it starts the system one, as root, with the flags a container needs."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from playwright.async_api import Browser, Playwright

CHROMIUM: Final = Path("/usr/bin/chromium")
FLAGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


async def launch_chromium(playwright: Playwright) -> Browser:
    """The system's Chromium, headless; a clear error when it is missing."""
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: run `bash deploy/ensure-chromium.sh` (as root it installs"
            " Debian's chromium package; `make install` runs it)"
        )
    return await playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=list(FLAGS), headless=True
    )
