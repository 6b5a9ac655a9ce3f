"""The simulated LA County LEAD history as a list of actions, in the order partners send them.

Pure: no network, no database, no clock (``today`` is passed in). The same seed and scale give
the same plan, action for action. ``scale=1.0`` reproduces the published page's counts exactly
(see ``published``); other scales apportion every published count (largest remainders) so that
the plan's totals stay consistent with each other.

Everything here is synthetic: people are drawn from small built-in name lists, never from real
records (``people``); referrals and their case events (``referrals``, ``casework``), the
naloxone program's records (``naloxone``) and the evaluation's cohorts (``evaluation``).
"""

from __future__ import annotations

import random
from datetime import date

from services.program import Program, default_program
from services.simulation.actions import Action, Plan
from services.simulation.evaluation import evaluation_actions
from services.simulation.naloxone import naloxone_actions
from services.simulation.referrals import referral_actions

__all__ = ["Action", "Plan", "build_plan"]


def build_plan(
    seed: int = 2017,
    scale: float = 1.0,
    *,
    today: date | None = None,
    program: Program | None = None,
) -> Plan:
    """Every action of the simulated history, in the order partners send them.

    ``today`` (when given) is checked: no action may lie after it. ``program`` defaults to the
    shipped site configuration (eligible offenses, prosecutors, case-management agencies).
    """
    if not 0 < scale <= 1000:
        raise ValueError(f"scale must be in (0, 1000], not {scale}")
    program = program if program is not None else default_program()
    rng = random.Random(f"lead-simulation/{seed}")
    referrals, re_referrals = referral_actions(rng, seed, scale, program)
    actions = [*referrals, *naloxone_actions(rng, scale), *evaluation_actions(rng, scale)]
    actions.sort(key=lambda a: (a.sent_at, a.name))
    plan = Plan(seed, scale, tuple(actions), re_referrals)
    if today is not None and actions and plan.last_day > today:
        raise ValueError(f"the simulated history runs to {plan.last_day}, after {today}")
    return plan
