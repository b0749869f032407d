"""The 08:00 mix's write bodies, one place for the benchmarks that send them (bench/load.py over
HTTP, bench/profile_request.py in process): each call a fresh id, written now."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta


def _now() -> str:
    return datetime.now(UTC).isoformat()


def morning_body() -> dict:
    """POST /api/completions: the morning routine, with an intention."""
    data = {"intention": "Ask about the budget early on every call", "affirmation_ids": []}
    return {"id": str(uuid.uuid4()), "routine": "morning", "completed_at": _now(), "data": data}


def reflection_body() -> dict:
    """POST /api/completions: the evening reflection."""
    data = {
        "went_well": "Two discovery calls booked",
        "didnt_go_well": "Lost the renewal to a cheaper offer",
        "learned": "Ask who else decides before the demo",
        "reframe": "Their budget moved, not my worth",
        "small_win": "Followed up the same day",
        "mood": 3,
    }
    return {"id": str(uuid.uuid4()), "routine": "reflect", "completed_at": _now(), "data": data}


def setback_body() -> dict:
    """POST /api/setbacks: a no, with a follow-up in two weeks."""
    return {
        "id": str(uuid.uuid4()),
        "occurred_at": _now(),
        "what_happened": "Prospect said the timing is wrong",
        "objection": "timing",
        "controlled": "My follow-up plan",
        "learned": "Ask about their quarter earlier",
        "follow_up_on": (datetime.now(UTC) + timedelta(days=14)).date().isoformat(),
    }
