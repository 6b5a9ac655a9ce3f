"""``python -m services.cli``: the same as ``lead``."""

from services.cli import app

app()
