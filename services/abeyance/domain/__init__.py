"""The pure rules of the abeyance service: no I/O, every time passed in."""

from services.abeyance.domain.abeyance import WITHDREW_REASON, basis, decide, run
from services.abeyance.domain.clock import (
    ABEYANCE_DAYS,
    deadline_for,
    fires_at,
    local_date,
)
from services.abeyance.domain.inputs import (
    AbeyanceNotStarted,
    DeadlineReached,
    Input,
    Start,
    StepCompleted,
    Withdrew,
)
from services.abeyance.domain.notices import decision_of, notice_for, notice_id_for
from services.abeyance.domain.state import (
    INITIAL,
    AbeyanceState,
    Fact,
    State,
    Status,
    StepRecord,
    condition_met,
    counted_steps,
    evolve,
    fold,
    outstanding,
)

__all__ = [
    "ABEYANCE_DAYS",
    "INITIAL",
    "WITHDREW_REASON",
    "AbeyanceNotStarted",
    "AbeyanceState",
    "DeadlineReached",
    "Fact",
    "Input",
    "Start",
    "State",
    "Status",
    "StepCompleted",
    "StepRecord",
    "Withdrew",
    "basis",
    "condition_met",
    "counted_steps",
    "deadline_for",
    "decide",
    "decision_of",
    "evolve",
    "fires_at",
    "fold",
    "local_date",
    "notice_for",
    "notice_id_for",
    "outstanding",
    "run",
]
