"""The market state machine's plumbing: raw views, the machine's state,
its helpers, the attacker's moves and the end-of-example check against the
reference. The other rules and the invariants live in
tests/property/test_market_invariants.py."""

from __future__ import annotations

from collections import Counter

import ape
from eth_abi import decode, encode
from eth_utils import keccak
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    precondition,
    rule,
)

from decai.market.client import MAX_PROCESS_STEPS, Market
from decai.market.encoding import Portion, chain_values, pack_uint32
from decai.market.reward import replay_losses, reward_balances, settle, settle_forfeit
from tests.helpers.market import (
    NUM_FEATURES,
    PARAMETERS,
    STAKE,
    initial_model,
    truth,
)

ACCOUNT_LIMIT = 64

PHASES = ("setup", "committed", "participation", "reveal", "processing", "finished", "cancelled")


class Views:
    """The market's views through a bare eth_call request: an Ape contract
    call costs about 20 ms, this under 2, and the machine reads state after
    every step."""

    def __init__(self, contract, web3):
        self.address = contract.address
        self.provider = web3.provider

    def __call__(self, signature: str, *args, returns: str = "uint256"):
        _, _, types = signature.partition("(")
        types = [t for t in types.rstrip(")").split(",") if t]
        data = keccak(text=signature)[:4] + encode(types, list(args))
        response = self.provider.make_request("eth_call", [{"to": self.address, "data": "0x" + data.hex()}, "latest"])
        values = decode(returns.split(","), bytes.fromhex(response["result"][2:]))
        return values[0] if len(values) == 1 else values


samples_strategy = st.lists(st.integers(0, NUM_FEATURES - 1), min_size=1, max_size=6, unique=True).map(sorted)


def check_appended(prefix, everything, samples, labels, rounds) -> str:
    """The market's rules for contributions appended after `prefix` (by
    anyone, any number of accounts), on the reference: unless they make the
    final model worse, no earlier balance goes down; and they gain at most R
    units per error they removed from the final model, so nothing when they
    leave it no better. Returns what happened, for the tally."""
    m, count = len(samples), len(prefix)
    losses_before = replay_losses(initial_model(), prefix, samples, labels)
    losses_after = replay_losses(initial_model(), everything, samples, labels)
    before = reward_balances(losses_before, m, rounds).balances
    after = reward_balances(losses_after, m, rounds).balances
    better = losses_before[-1] - losses_after[-1]
    if better >= 0:
        assert all(a >= b for a, b in zip(after, before)), (before, after)
    gain = sum(after[count:]) - m * (len(everything) - count)
    assert gain <= rounds * max(0, better)
    if better <= 0:
        assert gain <= 0
        return "appended, no better: earned nothing"
    return "appended, improved h_T"


class MarketMachineBase(RuleBasedStateMachine):
    """State, helpers and the final check shared by the market machine's rules."""

    # Set by the test function before the machine runs.
    market: Market
    chain = None
    provider = None
    contributors: list = []
    attackers: list = []  # one attacker's accounts
    keeper = None
    vanishing: str | None = None
    tally: Counter = Counter()

    def __init__(self):
        super().__init__()
        self.snapshot = self.chain.snapshot()
        self.contract = self.market.contract
        self.view = Views(self.contract, self.chain.provider.web3)
        self.contributions: list[tuple[str, list[int], int]] = []
        self.withdrawn: dict[str, int] = {}
        self.paid_in = 0
        self.portions: list[Portion] = []
        self.vanish = None
        self.bounty = 0
        self.last_phase = "setup"

    def teardown(self):
        try:
            self.finish_and_check()
        finally:
            self.chain.restore(self.snapshot)

    # -- helpers ----------------------------------------------------------------
    @property
    def phase(self) -> str:
        return PHASES[self.view("phase()")]

    def at(self, *phases: str) -> bool:
        """For preconditions: the phase as read after the last step (the
        invariant refreshes it), to avoid a call per rule per step."""
        return self.last_phase in phases

    @property
    def stage(self) -> str:
        return ("none", "score", "replay", "rounds", "forfeit")[self.view("stage()")]

    def accounts(self):
        return [self.provider, *self.contributors, *self.attackers, self.keeper]

    def fingerprint(self):
        """The market's whole storage (its trie root) and its balance: a
        rejected call must change neither. (On the local network Ape mines a
        failing transaction, so the chain's head does move.)"""
        proof = self.view.provider.make_request("eth_getProof", [self.contract.address, [], "latest"])["result"]
        return proof["storageHash"], proof["balance"]

    def owed(self, account) -> int:
        return self.view("owed(address)", account.address)

    def replay_args(self, count: int):
        """The samples of the `count` contributions below the replay cursor."""
        cursor = self.view("processing_cursor()")
        batch = [data for _, data, _ in self.contributions[max(0, cursor - count) : cursor]]
        before = chain_values(data for _, data, _ in self.contributions[: cursor - len(batch)])[-1]
        return pack_uint32([f for data in batch for f in data]), [len(d) for d in batch], before

    def balance(self) -> int:
        response = self.view.provider.make_request("eth_getBalance", [self.contract.address, "latest"])
        return int(response["result"], 16)

    def rejected(self, reason: str, function, *args, **kwargs):
        before = self.fingerprint()
        with ape.reverts(reason):
            function(*args, **kwargs)
        assert self.fingerprint() == before

    def advance(self, seconds: int):
        self.chain.mine(timestamp=self.chain.blocks.head.timestamp + seconds)

    def next_time(self) -> int:
        """Pin the next block's timestamp (head + 1), so that deadline checks
        here and on chain agree to the second."""
        when = self.chain.blocks.head.timestamp + 1
        self.chain.pending_timestamp = when
        return when

    def provider_active(self, phase: str | None = None) -> bool:
        order = ("committed", "participation", "reveal")
        phase = phase or self.phase
        return self.vanish is None or phase not in order or order.index(phase) < order.index(self.vanish)

    def first_portion(self) -> int:
        drawn, index = self.view("first_portion()", returns="bool,uint256")
        if not drawn:
            self.contract.draw_first_portion(sender=self.keeper)
            drawn, index = self.view("first_portion()", returns="bool,uint256")
        return index

    def evaluated_test_set(self):
        """The test set D (all portions but the first), once the first is drawn."""
        drawn, first = self.view("first_portion()", returns="bool,uint256")
        if not drawn:
            return None
        rest = [p for i, p in enumerate(self.portions) if i != first]
        return [s for p in rest for s in p.samples], [label for p in rest for label in p.labels]

    # -- the attacker -----------------------------------------------------------------
    @precondition(lambda self: self.at("participation"))
    @rule(
        moves=st.lists(
            st.tuples(st.integers(0, 1), samples_strategy, st.integers(0, 2), st.integers(0, NUM_FEATURES - 1)),
            min_size=1,
            max_size=4,
        )
    )
    def attacker_appends(self, moves):
        """One attacker with two accounts appends: inexact harm/undo pairs
        (a sample with the wrong label from one account, then the sample
        plus one feature with the right label from the other), ordinary
        samples with a random label, or exact undos of others' work."""
        c = self.contract
        for who, sample, kind, extra in moves:
            if self.next_time() >= self.view("participation_deadline()"):
                return
            if kind == 0:
                undo = sorted(set(sample) | {extra})
                planned = [(who, sample, 1 - truth(sample)), (1 - who, undo, truth(sample))]
            elif kind == 1:
                planned = [(who, sample, extra % 2)]
            elif self.contributions:
                _, other, label = self.contributions[extra % len(self.contributions)]
                planned = [(who, other, 1 - label)]
            else:
                continue
            for k, data, label in planned:
                account = self.attackers[k]
                if c.predict(data) == label or self.view("contributions_of(address)", account.address) >= ACCOUNT_LIMIT:
                    continue
                self.next_time()
                c.add_data(data, label, sender=account, value=STAKE)
                self.contributions.append((account.address, data, label))
                self.paid_in += STAKE
                self.tally["attacker added"] += 1

    # -- the end ----------------------------------------------------------------------
    def finish_and_check(self):
        """Drive the market to its end through the exit that applies, then
        check every account against the reference."""
        c = self.contract
        if self.phase == "setup":
            return
        if self.phase == "committed":
            if self.provider_active() and self.next_time() < self.view("commit_deadline()"):
                index = self.first_portion()
                c.reveal_first_portion(index, *self.portions[index].args(), sender=self.provider)
            else:
                self.advance(PARAMETERS.commit_window_s)
                c.cancel(sender=self.keeper)
        if self.phase == "participation":
            self.advance(PARAMETERS.max_duration_s)
            c.end_participation(sender=self.keeper)
        if self.phase == "reveal":
            if self.provider_active() and self.next_time() < self.view("reveal_deadline()"):
                while self.phase == "reveal":
                    index = self.view("next_portion()")
                    c.reveal_portion(index, *self.portions[index].args(), sender=self.provider)
            else:
                self.advance(PARAMETERS.reveal_window_s)
        while self.phase in ("processing", "reveal"):
            if self.phase == "processing" and self.stage == "replay":
                c.replay(*self.replay_args(len(self.contributions)), sender=self.keeper)
            else:
                c.process(MAX_PROCESS_STEPS, sender=self.keeper)
        assert self.phase in ("finished", "cancelled")
        forfeited = self.view("forfeited()", returns="bool")
        burned = self.bounty if forfeited and self.contributions else self.view("burned_stakes()")
        assert self.view("total_owed()") + sum(self.withdrawn.values()) == self.paid_in - burned

        provider = self.provider.address
        authors = [author for author, _, _ in self.contributions]
        ending = (
            "cancelled"
            if self.phase == "cancelled"
            else "no contributions"
            if not authors
            else "forfeited"
            if forfeited
            else "rewarded"
        )
        event(f"ending: {ending}")
        self.tally[f"ending: {ending}"] += 1
        self.tally[f"vanished: {self.vanish}"] += 1
        if self.phase == "cancelled" or not self.contributions:
            expected = {provider: self.bounty}
        elif forfeited:
            expected = settle_forfeit(authors, STAKE, self.bounty, provider).owed
        else:
            samples, labels = self.evaluated_test_set()
            losses = replay_losses(initial_model(), [(d, label) for _, d, label in self.contributions], samples, labels)
            count = len(self.contributions)
            on_chain = [self.view("initial_loss()")] + [
                self.view("contribution(uint256)", i, returns="address,uint64,bool,bool,uint256,uint256")[4]
                for i in range(count)
            ]
            assert on_chain == losses
            settlement = settle(authors, losses, len(samples), STAKE, self.bounty, provider)
            assert self.view("burned_stakes()") == settlement.burned
            expected = settlement.owed
            gain = sum(settlement.payouts) - STAKE * len(authors)
            self.tally[f"contributors {'gained' if gain > 0 else 'lost' if gain < 0 else 'broke even'}"] += 1
            self.tally["some stake burned"] += settlement.burned > 0
            self.tally["some forfeit shared"] += any(reward_balances(losses, len(samples), self.bounty // STAKE).income)
            attack = sum(settlement.owed.get(a.address, 0) for a in self.attackers)
            staked = STAKE * sum(1 for author in authors if author in {a.address for a in self.attackers})
            self.tally[f"attacker {'gained' if attack > staked else 'did not gain'}"] += bool(staked)
            assert gain * len(samples) <= self.bounty * max(0, losses[0] - losses[-1])
            assert gain <= self.bounty
        for account in self.accounts():
            credited = self.owed(account) + self.withdrawn.get(account.address, 0)
            assert credited == expected.get(account.address, 0)
        # Everyone collects; then nothing is left and nobody can collect twice.
        for account in self.accounts():
            owed = self.owed(account)
            if owed:
                self.withdrawn[account.address] = self.withdrawn.get(account.address, 0) + owed
                c.withdraw(sender=account)
        # A forfeited bounty, or forfeited stakes, are burned: they stay in the
        # contract, owed to nobody.
        assert self.balance() == burned and sum(self.withdrawn.values()) == self.paid_in - burned
        with ape.reverts("prediction_market: nothing to withdraw"):
            c.withdraw(sender=self.provider)
