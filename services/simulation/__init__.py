"""``lead simulate``: the Los Angeles County LEAD history, fed through intake like real partners.

``plan.build_plan`` turns a seed and a scale into a chronological list of actions (pure);
``feed.run_simulation`` sends them to a running stack; ``published`` holds the numbers targeted.
"""

from services.simulation.errors import SimulationError
from services.simulation.feed import SimulationSummary, run_simulation
from services.simulation.plan import Action, Plan, build_plan

__all__ = [
    "Action",
    "Plan",
    "SimulationError",
    "SimulationSummary",
    "build_plan",
    "run_simulation",
]
