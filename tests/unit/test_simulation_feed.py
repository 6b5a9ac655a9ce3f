"""The simulation's last step names what went wrong when abeyance cannot be told."""

from __future__ import annotations

import asyncio

import pytest

from services.devstack.localinfra import free_port
from services.simulation import SimulationError
from services.simulation.feed import _declare_history_complete


def test_an_unreachable_abeyance_is_a_simulation_error_naming_it() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(SimulationError, match="abeyance unreachable"):
        asyncio.run(_declare_history_complete(url, "token", timeout_s=1))
