"""The three services by name: where the command line finds their apps."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from services.abeyance.app import create_app as abeyance_app
from services.intake.app import create_app as intake_app
from services.platform.settings import Settings
from services.reporting.app import create_app as reporting_app

APPS: dict[str, Callable[[Settings], FastAPI]] = {
    "intake": intake_app,
    "abeyance": abeyance_app,
    "reporting": reporting_app,
}
