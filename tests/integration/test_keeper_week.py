"""Two keepers through a simulated week on anvil, with an adversary.

A sparse perceptron whose first 50 features mean "positive" and next 50
"negative" (strong weights, a small step, so wrong labels do not flip it).
An honest contributor adds a correct sample every 3 hours, a reporter adds
a few correct ones, an adversary adds a wrongly labelled one every 4 hours.
The honest contributor and the reporter each run a keeper; the clock moves
an hour per step; halfway through both keepers are restarted, one from its
state file, one with the file deleted (rebuilt from the chain's events).

Checked: every refund within a few blocks of its opening; every report
that pays made by both keepers; no transaction refused or reverted;
nothing acted on twice; and every payment equal to the deposit
mechanism's reference ledger (decai.core.mechanisms.DepositLedger) replayed
over the same events, every balance equal to its flows minus gas.
"""

from __future__ import annotations

import random

import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import Trainer
from decai.core.contributions import Contribution
from decai.core.fixed_point import ONE
from decai.core.mechanisms import DepositLedger, DepositParameters
from decai.keeper import decisions as d
from decai.keeper.runner import Keeper
from decai.keeper.state import KeeperState
from decai.models import SparsePerceptron
from decai.units import DAY, HOUR, to_hex

PARAMETERS = DepositParameters(
    refund_wait_s=DAY, owner_claim_wait_s=2 * DAY, any_address_claim_wait_s=3 * DAY, cost_weight=10**15
)
FEATURES = 100


def separable_model() -> SparsePerceptron:
    weights = [10 * ONE] * (FEATURES // 2) + [-10 * ONE] * (FEATURES // 2)
    return SparsePerceptron(
        name="keeper week",
        description="features 0-49 positive, 50-99 negative",
        encoder="indices",
        weights=weights,
        intercept=0,
        learning_rate=ONE // 10,
    )


def sample(rng: random.Random, label: int) -> list[int]:
    low = 0 if label == 1 else FEATURES // 2
    return sorted(rng.sample(range(low, low + FEATURES // 2), 3))


class Week:
    """The trainer, the actors, their keepers and every line they logged."""

    def __init__(self, accounts, chain, tmp_path):
        self.chain = chain
        self.owner, self.honest, self.reporter, self.adversary = accounts[0], accounts[1], accounts[2], accounts[3]
        deployment = deploy_trainer(separable_model(), PARAMETERS, self.owner, progress=False)
        self.trainer = Trainer(deployment.contract)
        self.trainer.record = {"block": deployment.block_number, "name": "week"}
        self.start_block = deployment.block_number
        self.lines: dict[str, list[str]] = {"honest": [], "reporter": []}
        self.paths = {"honest": tmp_path / "honest.json", "reporter": tmp_path / "reporter.json"}
        self.accounts = {"honest": self.honest, "reporter": self.reporter}
        self.keepers = {name: self.make_keeper(name) for name in self.paths}
        self.start_balances = {
            a.address: int(a.balance) for a in (self.owner, self.honest, self.reporter, self.adversary)
        }
        self.failed: list[str] = []

    def make_keeper(self, name: str) -> Keeper:
        account = self.accounts[name]
        state = KeeperState.load(self.paths[name], account.address, self.chain.chain_id)
        trainer = Trainer(self.trainer.contract)
        trainer.record = self.trainer.record
        return Keeper(account, [trainer], state, d.Policy(margin=0.5), log=self.lines[name].append)

    def tick(self) -> None:
        for keeper in self.keepers.values():
            self.failed += keeper.tick().failed


@pytest.fixture
def week(accounts, chain, tmp_path):
    snapshot = chain.snapshot()
    try:
        yield Week(accounts, chain, tmp_path)
    finally:
        chain.restore(snapshot)


def _events(trainer, start_block):
    from ape import chain

    stop = chain.blocks.height + 1
    events = []
    for name in ("AddData", "Refund", "Report"):
        events += [(name, log) for log in getattr(trainer.contract, name).range(start_block, stop)]
    return sorted(events, key=lambda item: (item[1].block_number, item[1].log_index))


def _fees(chain, start_block) -> dict[str, int]:
    """Gas paid per sender in blocks after `start_block`."""
    web3 = chain.provider.web3
    fees: dict[str, int] = {}
    for number in range(start_block + 1, chain.blocks.height + 1):
        for tx in web3.eth.get_block(number, full_transactions=True).transactions:
            receipt = web3.eth.get_transaction_receipt(tx["hash"])
            assert receipt["status"] == 1, f"a transaction reverted in block {number}"
            fees[tx["from"]] = fees.get(tx["from"], 0) + receipt["gasUsed"] * receipt["effectiveGasPrice"]
    return fees


def test_keepers__a_week_with_an_adversary__claim_everything_once_and_match_the_ledger(week, chain):
    rng = random.Random(7)
    trainer = week.trainer
    added = []
    # The reporter needs a good contribution before it may report.
    for _ in range(2):
        added.append(trainer.add_data(sample(rng, 1), 1, sender=week.reporter, unlearnable=True))
        chain.mine(timestamp=chain.blocks.head.timestamp + HOUR)
    hours = 7 * 24
    for hour in range(hours):
        chain.mine(timestamp=chain.blocks.head.timestamp + HOUR)
        if hour < 4 * 24:  # additions stop after four days, so that the last sweeps fall inside the week
            if hour % 3 == 0:
                label = rng.randrange(2)
                added.append(trainer.add_data(sample(rng, label), label, sender=week.honest, unlearnable=True))
            if hour % 4 == 1:
                label = rng.randrange(2)
                added.append(trainer.add_data(sample(rng, label), 1 - label, sender=week.adversary, unlearnable=True))
        if hour == hours // 2:
            week.paths["reporter"].unlink()  # rebuilt from the chain's events
            week.keepers = {name: week.make_keeper(name) for name in week.paths}
        week.tick()
        if hour % 6 == 0:
            _assert_nothing_that_pays_is_left(week)
    assert not week.failed
    assert not [line for lines in week.lines.values() for line in lines if line.startswith("error")]

    events = _events(trainer, week.start_block)
    timestamps = {}

    def opening_block(c: Contribution) -> int:
        """The first block in which the refund of `c` could be mined."""
        number = c.block_number
        while timestamps.setdefault(number, chain.blocks[number].timestamp) < c.added_time + PARAMETERS.refund_wait_s:
            number += 1
        return number

    by_key = {to_hex(c.key): c for c in added}
    honest_refunds = [log for name, log in events if name == "Refund" and log.author == week.honest.address]
    honest_added = [c for c in added if c.author == week.honest.address]
    assert len(honest_refunds) == len(honest_added)
    for log in honest_refunds:
        c = by_key[to_hex(log.key)]
        assert log.block_number - opening_block(c) <= 3

    # Each keeper reported every adversary contribution (both had good contributions by then).
    adversary_keys = {to_hex(c.key) for c in added if c.author == week.adversary.address}
    for account in (week.honest, week.reporter):
        reported = {to_hex(log.key) for name, log in events if name == "Report" and log.reporter == account.address}
        assert adversary_keys <= reported
    # Nothing twice: one refund per key, one claim per (key, account).
    claims = [(to_hex(log.key), name, getattr(log, "reporter", None)) for name, log in events if name != "AddData"]
    assert len(claims) == len(set(claims))
    # Everything either keeper may take was taken within the week: what is
    # left sits on contributions both have claimed from (the owner's to sweep).
    now = trainer.pending_time()
    for c in added:
        if trainer.claimable(c):
            for account in (week.honest, week.reporter):
                assert (
                    trainer.report_problem(c, account.address, now)
                    == "you have already taken your share of this contribution"
                )

    # The reference ledger, fed the same events in order, pays the same amounts.
    ledger = DepositLedger(
        PARAMETERS, week.owner.address, int(trainer.contract.last_update_time(block_id=week.start_block))
    )
    paid = dict.fromkeys(week.start_balances, 0)
    deposited = dict.fromkeys(week.start_balances, 0)
    for name, log in events:
        time = chain.blocks[log.block_number].timestamp
        if name == "AddData":
            c = Trainer.contribution_from_event(log)
            assert ledger.add(c.key, c.author, time, value=c.deposit) == c.deposit
            deposited[c.author] += c.deposit
        elif name == "Refund":
            assert ledger.refund(bytes(log.key), time, model_agrees=True) == log.amount
            paid[log.author] += log.amount
        else:
            assert ledger.report(bytes(log.key), log.reporter, time, model_agrees=False) == log.amount
            paid[log.reporter] += log.amount
    fees = _fees(chain, week.start_block)
    for address, start in week.start_balances.items():
        if address == week.owner.address:
            continue
        assert chain.provider.get_balance(address) == start - deposited[address] + paid[address] - fees.get(address, 0)
    # The adversary lost every deposit; the keepers' accounts gained.
    assert paid[week.adversary.address] == 0
    assert paid[week.reporter.address] > deposited[week.reporter.address]


def _assert_nothing_that_pays_is_left(week) -> None:
    """No open contribution that a keeper's account could report or sweep for
    more than its gas right now (the keepers just ran)."""
    trainer = week.trainer
    now = trainer.pending_time()
    for name, keeper in week.keepers.items():
        state = keeper.state.trainer(trainer.address)
        for key, c in state.contributions.items():
            if c.author == keeper.me or now - c.added_time < PARAMETERS.refund_wait_s:
                continue
            if trainer.report_problem(c, keeper.me, now) is None:
                costs = keeper.gas_costs(trainer)
                seen = [s for s in keeper.seen(trainer, state, now) if s.key == key]
                assert seen and not d.pays(seen[0].take or 0, costs[d.REPORT], keeper.policy.margin), (name, key)
