"""The three services by name: where the command line (the composition root of the whole
system) finds their apps and their specs. Nothing below imports this module."""

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
SPECS: dict[str, Callable[[Settings], ServiceSpec]] = {
    "intake": intake.spec,
    "abeyance": abeyance.spec,
    "reporting": reporting.spec,
}


def service_specs(settings: Settings) -> list[ServiceSpec]:
    return [make(settings) for make in SPECS.values()]
