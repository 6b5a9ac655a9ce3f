"""What goes wrong in a simulation, said in words (naming the action, never a person)."""

from __future__ import annotations


class SimulationError(RuntimeError):
    """An action intake refused or never recorded; the message names the action (no identities)."""
