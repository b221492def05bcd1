"""What a keeper does for a prediction market it follows: a pure decision.

Once the market is processing (or the provider's reveal deadline has
passed without a reveal), anyone may push the bounded-gas processing steps
along; once it is finished or cancelled, the account withdraws whatever the
market owes it.
"""

from __future__ import annotations

PROCESS = "process"
WITHDRAW = "withdraw"


def market_action(phase: str, reveal_deadline: int, now: int, owed: int) -> str | None:
    """PROCESS, WITHDRAW or None for a market in `phase` at time `now`."""
    if phase == "processing" or (phase == "reveal" and reveal_deadline <= now):
        return PROCESS
    if phase in ("finished", "cancelled") and owed > 0:
        return WITHDRAW
    return None
