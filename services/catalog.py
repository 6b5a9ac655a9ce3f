"""The three services by name: where the command line finds their apps."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from services.abeyance import app as abeyance
from services.intake import app as intake
from services.platform.runtime import ServiceSpec
from services.platform.settings import Settings
from services.reporting import app as reporting

APPS: dict[str, Callable[[Settings], FastAPI]] = {
    "intake": intake.create_app,
    "abeyance": abeyance.create_app,
    "reporting": reporting.create_app,
}
SPECS: dict[str, ServiceSpec] = {
    "intake": intake.SPEC,
    "abeyance": abeyance.SPEC,
    "reporting": reporting.SPEC,
}
