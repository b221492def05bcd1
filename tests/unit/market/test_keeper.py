"""The keeper follows a prediction market: it processes it to the end once
the reveal is in, then withdraws what the market owes its account."""

from __future__ import annotations

from decai.keeper.runner import Keeper
from decai.keeper.state import KeeperState


def test_keeper__processing_market__processed_to_the_end_then_owed_withdrawn(processing, contributors, provider, chain):
    market = processing
    lines: list[str] = []
    keepers = [
        Keeper(account, [], KeeperState(account.address, chain.chain_id), markets=[market], log=lines.append)
        for account in (contributors[0], provider)
    ]
    first = keepers[0].tick()
    assert first.failed == [] and [a["kind"] for a in first.sent] == ["process"]
    assert market.phase == "finished"
    owed = {k.me: int(market.contract.owed(k.me)) for k in keepers}
    assert all(owed.values())
    for keeper in keepers:
        before = keeper.account.balance
        report = keeper.tick()
        assert report.failed == [] and [(a["kind"], a["amount"]) for a in report.sent] == [
            ("withdraw", owed[keeper.me])
        ]
        assert int(market.contract.owed(keeper.me)) == 0
        # What it was owed came in, less the gas of one transaction.
        assert before + owed[keeper.me] - 10**15 < keeper.account.balance < before + owed[keeper.me]
        assert keeper.tick().sent == []  # nothing twice
    assert [line.split(" ", 1)[0] for line in lines] == ["process", "withdraw", "withdraw"]
