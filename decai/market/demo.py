"""A whole prediction market on a local chain, for `ape run market demo`.

A hidden rule labels sparse samples, like words in a review: features 0-19
are "positive words", 20-39 "negative" ones, and a sample is positive when
it holds more positive words. The provider's model h_0 was trained on 4
samples; the provider stakes a bounty of 100 stakes on a test set of 128
samples in 4 portions (the one revealed first is public, so 96 are
evaluated). alice and bob contribute 15 correctly labelled samples each,
mallory 10 with the label flipped. Then the provider ends participation and
reveals, a keeper runs the reward computation, and everyone withdraws. The
demo prints the test error before and after, what each account staked and
received, and the gas of each step.

Everything but the chain is fixed by `seed`; on a chain whose clock does not
follow the wall clock (decai.chain.node.fresh_local_chain, which
`ape run market demo` uses) the block hash that draws the first portion
repeats too, and so does every figure.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from decai.chain.deploy import deploy_trainer
from decai.core.fixed_point import ONE
from decai.errors import DecaiError
from decai.market.client import Market, MarketParameters
from decai.market.encoding import random_salts, split_test_set
from decai.models import SparsePerceptron
from decai.units import ETHER

FEATURES = 40
STAKE = 10**16


class VoteWorld:
    """The demo markets' hidden rule: a sample is a few of FEATURES word
    features; the first half vote positive, the second half negative."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def sample(self) -> list[int]:
        return sorted(self.rng.sample(range(FEATURES), self.rng.randint(3, 8)))

    @staticmethod
    def truth(features: list[int]) -> int:
        return 1 if sum(1 if f < FEATURES // 2 else -1 for f in features) > 0 else 0

    def initial_model(self, **metadata) -> SparsePerceptron:
        """A perceptron with zero weights, trained on four samples of the rule."""
        model = SparsePerceptron(encoder="indices", weights=[0] * FEATURES, intercept=0, learning_rate=ONE, **metadata)
        for _ in range(4):
            s = self.sample()
            model.update(s, self.truth(s))
        return model


def _ether(wei: int, sign: bool = False) -> str:
    """Wei as ether with four decimals, like the rest of the table."""
    return f"{wei / ETHER:{'+' if sign else ''}.4f}"


def run_demo(seed: int = 4, echo: Callable[[str], None] = print) -> dict:
    """Run the demo on the connected local chain; returns its figures."""
    from ape import accounts, chain

    if chain.provider.network.name not in ("local",) and "fork" not in chain.provider.network.name:
        raise DecaiError("the demo travels in time: run it on a local network")
    provider, alice, bob, mallory, keeper = accounts.test_accounts[:5]
    names = {
        provider.address: "provider",
        alice.address: "alice",
        bob.address: "bob",
        mallory.address: "mallory",
        keeper.address: "keeper",
    }
    world = VoteWorld(seed)
    sample, truth = world.sample, world.truth
    model = world.initial_model(name="demo", description="hidden vote rule")
    parameters = MarketParameters(
        stake=STAKE,
        min_duration_s=3600,
        max_duration_s=86_400,
        min_contributions=10,
        commit_window_s=86_400,
        reveal_window_s=86_400,
    )
    gas: dict[str, int] = {}
    deployment = deploy_trainer(model, parameters, provider, progress=False)
    gas["deploy"] = deployment.total_gas
    market = Market(deployment.contract)
    c = market.contract
    echo(f"market at {market.address}: a sparse perceptron over {FEATURES} features, stake {STAKE / 10**18} ETH")

    test = [sample() for _ in range(128)]
    portions = split_test_set(test, [truth(s) for s in test], 4, num_features=FEATURES, salts=random_salts(4, seed))
    bounty = 100 * STAKE
    gas["commit"] = market.commit(portions, bounty, sender=provider).gas_used
    chain.mine(1)
    first = market.first_portion(sender=keeper)
    gas["reveal_first"] = c.reveal_first_portion(first, *portions[first].args(), sender=provider).gas_used
    echo(f"provider committed 4 portions with a bounty of {bounty / 10**18} ETH and revealed portion {first}")

    plan = [(alice, True)] * 15 + [(bob, True)] * 15 + [(mallory, False)] * 10
    world.rng.shuffle(plan)
    adds = []
    for account, honest in plan:
        # The market refuses a sample the model already predicts: draw again.
        while True:
            s = sample()
            label = truth(s) if honest else 1 - truth(s)
            if c.predict(s) != label:
                break
        adds.append(c.add_data(s, label, sender=account, value=STAKE).gas_used)
    gas["add_data (mean)"] = sum(adds) // len(adds)
    echo(f"{len(plan)} contributions: alice and bob label by the rule, mallory flips the label")

    chain.mine(timestamp=chain.blocks.head.timestamp + 3600)
    gas["end_participation"] = c.end_participation(sender=provider).gas_used
    reveals = []
    while market.phase == "reveal":
        i = int(c.next_portion())
        reveals.append(c.reveal_portion(i, *portions[i].args(), sender=provider).gas_used)
    gas["reveal (per portion)"] = sum(reveals) // len(reveals)
    echo("participation ended; the provider revealed the other 3 portions")

    process_gas = []
    calls = market.keep(sender=keeper, on_call=lambda stage, steps, used: process_gas.append((stage, steps, used)))
    gas["process (all calls)"] = sum(used for _, _, used in process_gas)
    echo(
        f"a keeper computed the rewards in {calls} calls: "
        + ", ".join(f"{stage} {steps} steps" for stage, steps, _ in process_gas)
    )

    losses = market.losses()
    m = int(c.num_test_samples())
    echo(f"test errors: h_0 {losses[0]}/{m}, h_T {losses[-1]}/{m}")
    staked: dict[str, int] = {}
    for contribution in market.contributions():
        staked[contribution.author] = staked.get(contribution.author, 0) + STAKE
    staked[provider.address] = bounty
    echo(f"{'account':<10}{'staked ETH':>12}{'received ETH':>14}{'net ETH':>10}")
    result = {}
    for account in (alice, bob, mallory, provider):
        owed = int(c.owed(account))
        if owed:
            gas["withdraw"] = c.withdraw(sender=account).gas_used
        spent = staked.get(account.address, 0)
        result[names[account.address]] = {"staked": spent, "received": owed}
        echo(f"{names[account.address]:<10}{_ether(spent):>12}{_ether(owed):>14}{_ether(owed - spent, sign=True):>10}")
    burned = int(c.burned_stakes())
    echo(f"burned (stakes of harmful contributions, fees of idle ones): {_ether(burned)} ETH")
    if chain.provider.get_balance(c.address) != burned:
        raise DecaiError("the market holds other ether than the burned stakes after everyone withdrew")
    echo("gas: " + ", ".join(f"{name} {used:,}" for name, used in gas.items()))
    return {"losses": losses, "num_test_samples": m, "accounts": result, "burned": burned, "gas": gas}
