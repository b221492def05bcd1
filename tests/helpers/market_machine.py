"""The market state machine's plumbing: raw views, the machine's state,
its helpers and the end-of-example check against the reference. The rules
and invariants live in tests/property/test_market_invariants.py."""

from __future__ import annotations

from collections import Counter

import ape
from eth_abi import decode, encode
from eth_utils import keccak
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
)

from decai.market.client import MAX_PROCESS_STEPS, Market
from decai.market.encoding import Portion, chain_values, pack_uint32
from decai.market.reward import (
    cancelled_pairs,
    leave_out_gains,
    replay_losses,
    reward_balances,
    settle,
    settle_forfeit,
)
from tests.helpers.market import (
    NUM_FEATURES,
    PARAMETERS,
    STAKE,
    initial_model,
)

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


def check_account_caps(authors, payouts, gains, m, bounty):
    """The market's rule for accounts: one whose updates leave the final
    model no better (G_a <= 0) earns nothing, one that makes it worse
    (G_a < 0) gets nothing back, and none gains more than R units (R stakes
    / M) per error its updates still remove from the final model."""
    rounds = bounty // STAKE
    paid: dict[str, int] = {}
    staked: dict[str, int] = {}
    for author, payout in zip(authors, payouts):
        paid[author] = paid.get(author, 0) + payout
        staked[author] = staked.get(author, 0) + STAKE
    for author, gain in gains.items():
        if gain < 0:
            assert paid[author] == 0
        assert (paid[author] - staked[author]) * m <= rounds * STAKE * max(0, gain)


def settlement_forfeited(losses, m, rounds):
    return [score < 0 for score in reward_balances(losses, m, rounds).scores]


class MarketMachineBase(RuleBasedStateMachine):
    """State, helpers and the final check shared by the market machine's rules."""

    # Set by the test function before the machine runs.
    market: Market
    chain = None
    provider = None
    contributors: list = []
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
        return ("none", "score", "replay", "rounds", "forfeit", "leave_out")[self.view("stage()")]

    def accounts(self):
        return [self.provider, *self.contributors, self.keeper]

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
        burned_now = self.bounty if self.view("forfeited()", returns="bool") else 0
        assert self.view("total_owed()") + sum(self.withdrawn.values()) == self.paid_in - burned_now

        provider = self.provider.address
        authors = [author for author, _, _ in self.contributions]
        forfeited = self.view("forfeited()", returns="bool")
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
            first = self.view("first_portion()", returns="bool,uint256")[1]
            rest = [p for i, p in enumerate(self.portions) if i != first]
            samples = [s for p in rest for s in p.samples]
            labels = [label for p in rest for label in p.labels]
            losses = replay_losses(initial_model(), [(d, label) for _, d, label in self.contributions], samples, labels)
            count = len(self.contributions)
            on_chain = [self.view("initial_loss()")] + [
                self.view("contribution(uint256)", i, returns="address,uint64,bool,bool,bool,uint256,uint256")[5]
                for i in range(count)
            ]
            assert on_chain == losses
            pairs_of = [(d, label) for _, d, label in self.contributions]
            gains = leave_out_gains(initial_model(), pairs_of, authors, samples, labels)
            measured = {a: self.view("account(address)", a, returns="bool,int256") for a in gains}
            assert measured == {a: (True, g) for a, g in gains.items()}
            settlement = settle(authors, losses, len(samples), STAKE, self.bounty, provider, gains)
            check_account_caps(authors, settlement.payouts, gains, len(samples), self.bounty)
            expected = settlement.owed
            gain = sum(settlement.payouts) - STAKE * len(authors)
            self.tally[f"contributors {'gained' if gain > 0 else 'lost' if gain < 0 else 'broke even'}"] += 1
            self.tally["some contribution forfeited"] += any(
                settlement_forfeited(losses, len(samples), self.bounty // STAKE)
            )
            # Issue 11 item 1: a cancelled pair never lowers anyone else's balance.
            pairs = cancelled_pairs([(d, label) for _, d, label in self.contributions])
            self.tally["some pair cancelled"] += any(pairs)
            kept = [k for k in range(count) if not pairs[k]]
            if kept and any(pairs):
                rounds = self.bounty // STAKE
                alone = replay_losses(
                    initial_model(),
                    [(self.contributions[k][1], self.contributions[k][2]) for k in kept],
                    samples,
                    labels,
                )
                without = reward_balances(alone, len(samples), rounds, [authors[k] for k in kept], gains).balances
                withp = settlement.balances
                assert all(withp[k] >= b for k, b in zip(kept, without))
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
        # A forfeited bounty is burned: it stays in the contract, owed to nobody.
        burned = self.bounty if forfeited and authors else 0
        assert self.balance() == burned and sum(self.withdrawn.values()) == self.paid_in - burned
        with ape.reverts("prediction_market: nothing to withdraw"):
            c.withdraw(sender=self.provider)
