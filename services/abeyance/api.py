"""Abeyance's HTTP reads."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request

from services.platform.auth import Caller, Role, forbid
from services.platform.http import caller_of, runtime_of

router = APIRouter()


@router.get("/abeyances/{referral_id}")
async def get_abeyance(
    referral_id: UUID, request: Request, caller: Caller = Depends(caller_of)
) -> dict[str, Any]:
    async with runtime_of(request).pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM abeyances WHERE referral_id = $1", referral_id)
    if row is None:
        raise HTTPException(404, f"no abeyance for referral {referral_id}")
    if not caller.is_admin and not (
        caller.role is Role.prosecutor and caller.agency == row["prosecuting_agency"]
    ):
        raise forbid("only the prosecuting agency of this case (or an admin) may read it")
    return {
        "referral_id": str(row["referral_id"]),
        "site": row["site"],
        "prosecuting_agency": row["prosecuting_agency"],
        "report_number": row["report_number"],
        "state": row["state"],
        "started_at": row["referred_at"].isoformat(),
    }
