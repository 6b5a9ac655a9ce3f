"""``lead demo``: the whole system on the seeded LA County history (see ``run``)."""

from services.demo.run import run_demo
from services.demo.settle import internal_reports, wait_until_settled

__all__ = ["internal_reports", "run_demo", "wait_until_settled"]
