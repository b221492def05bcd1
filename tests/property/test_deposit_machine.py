"""Stateful fuzzing of the deposit mechanism against its Python model.

Several actors add honest and wrong data, wait, refund, report and sweep,
with the clock moved between transactions. After every step:
- the trainer's ether balance equals the sum of what is still claimable;
- every actor's ether moved exactly as the model of the mechanism says
  (so nobody is paid twice, and nobody takes what is not theirs);
- counters of good contributions match the model;
- a call the model rejects reverts on chain with the same reason (checked
  as an eth_call on the pending block, so nothing is mined).
"""

from __future__ import annotations

import pytest
from hypothesis import event, strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, initialize, invariant, multiple, rule, run_state_machine_as_test

from decai.chain.deploy import deploy_trainer
from decai.core.fixed_point import ONE
from decai.core.mechanisms import DepositLedger, DepositParameters, Rejected
from decai.models import SparsePerceptron
from decai.chain.trainer import Trainer
from tests.helpers.chain import revert_reason

FEATURES = 6
PARAMETERS = DepositParameters(refund_wait_s=3600, owner_claim_wait_s=5 * 3600, any_address_claim_wait_s=9 * 3600, cost_weight=10**12)
INITIAL_WEIGHTS = [ONE if i % 3 else -ONE for i in range(FEATURES)]


def _model():
    return SparsePerceptron(name="fuzz", description="", encoder="indices", weights=list(INITIAL_WEIGHTS), intercept=0, learning_rate=ONE)


@pytest.fixture(scope="module")
def deployed(accounts):
    return Trainer(deploy_trainer(_model(), PARAMETERS, accounts[0], progress=False).contract)


def test_deposit_mechanism_state_machine(deployed, accounts, chain):
    actors = list(accounts[:5])  # actors[0] is the owner
    contract = deployed.contract

    class DepositMachine(RuleBasedStateMachine):
        contributions = Bundle("contributions")

        @initialize()
        def start(self):
            self.snapshot = chain.snapshot()
            self.reference = _model()
            self.ledger = DepositLedger(PARAMETERS, actors[0].address, contract.last_update_time())
            self.ledger.records.clear()
            self.start_balances = {a.address: a.balance for a in actors}
            self.fees = {a.address: 0 for a in actors}
            self.flows = {a.address: 0 for a in actors}  # wei received minus wei paid, by the model
            self.now = chain.blocks.head.timestamp

        def teardown(self):
            if hasattr(self, "snapshot"):
                chain.restore(self.snapshot)

        def _at(self, wait):
            self.now = max(self.now, chain.blocks.head.timestamp) + wait
            chain.pending_timestamp = self.now

        def _expect(self, action, sender, method, *args, value=0):
            """Run `action` on the model and `method` on chain; both must agree.

            A rejection is checked with an eth_call on the pending block
            (same timestamp, same state as the transaction would see)."""
            try:
                outcome = action()
            except Rejected as rejection:
                event(f"{method} rejected: {rejection}")
                assert revert_reason(chain, contract, method, *args, sender=sender, value=value) == str(rejection)
                return None
            event(f"{method} accepted")
            tx = getattr(contract, method)(*args, sender=sender, value=value)
            self.fees[tx.sender] += tx.total_fees_paid
            return outcome, tx

        @rule(
            target=contributions,
            actor=st.integers(1, 4),
            features=st.sets(st.integers(0, FEATURES - 1), min_size=1, max_size=3),
            honest=st.booleans(),
            wait=st.sampled_from([1, 7, 60, 600, 3600]),
            pay=st.sampled_from(["exact", "more", "less"]),
        )
        def add(self, actor, features, honest, wait, pay):
            sample = sorted(features)
            truth = int(sum(features) % 2 == 0)  # the "true" concept: an even sum of indices
            label = truth if honest else 1 - truth
            sender = actors[actor]
            self._at(wait)
            price = self.ledger.next_deposit(self.now)
            value = {"exact": price, "more": price + 12345, "less": max(price - 1, 0)}[pay]
            key = (tuple(sample), label, self.now, sender.address)
            result = self._expect(lambda: self.ledger.add(key, sender.address, self.now, value), sender,
                                  "add_data", sample, label, value=value)
            if result is None:
                return multiple()
            deposit, tx = result
            self.reference.update(sample, label)
            self.flows[sender.address] -= deposit
            assert tx.timestamp == self.now
            return key

        @rule(key=contributions, wait=st.sampled_from([0, 1800, 3600, 5 * 3600, 9 * 3600]))
        def refund(self, key, wait):
            sample, label, added_time, author = key
            sender = next(a for a in actors if a.address == author)
            self._at(max(wait, 1))
            agrees = self.reference.predict(list(sample)) == label
            result = self._expect(lambda: self.ledger.refund(key, self.now, agrees), sender,
                                  "refund", list(sample), label, added_time)
            if result is not None:
                self.flows[author] += result[0]
                assert contract.good_contributions(author) == self.ledger.good[author]

        @rule(key=contributions, reporter=st.integers(0, 4), wait=st.sampled_from([0, 1800, 3600, 5 * 3600, 9 * 3600]))
        def report(self, key, reporter, wait):
            sample, label, added_time, author = key
            sender = actors[reporter]
            self._at(max(wait, 1))
            agrees = self.reference.predict(list(sample)) == label
            result = self._expect(lambda: self.ledger.report(key, sender.address, self.now, agrees), sender,
                                  "report", list(sample), label, added_time, author)
            if result is not None:
                self.flows[sender.address] += result[0]

        @rule(key=consumes(contributions), actor=st.integers(1, 4))
        def refund_someone_elses(self, key, actor):
            sample, label, added_time, author = key
            sender = actors[actor]
            if sender.address == author:
                return
            self._at(1)
            self._expect(lambda: self.ledger.refund((sample, label, added_time, sender.address), self.now, True), sender,
                         "refund", list(sample), label, added_time)

        @invariant()
        def balance_is_what_is_claimable(self):
            if hasattr(self, "ledger"):
                assert contract.balance == self.ledger.held()

        @invariant()
        def ether_moved_as_the_model_says(self):
            if hasattr(self, "ledger"):
                for actor in actors:
                    expected = self.start_balances[actor.address] + self.flows[actor.address] - self.fees[actor.address]
                    assert actor.balance == expected

        @invariant()
        def counters_match(self):
            if hasattr(self, "ledger"):
                assert contract.total_good_contributions() == self.ledger.total_good

    run_state_machine_as_test(DepositMachine)
