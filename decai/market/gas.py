"""Gas of the prediction market (the "PM" entry of benchmarks/gas.json).

`pm_gas()` replays the scenario below on the connected chain and returns
gas figures; `pm_bounds_gas()` drives markets at the largest supported test
set and returns the largest transaction of each kind (every one must stay
under 10,000,000 gas). Both need an Ape network connection (`ape run gas`,
`ape run market gas`, or a test).

Scenario (PM): the SP model of benchmarks/reference/GAS_SCENARIOS.md (sparse
perceptron, 1000 features, every weight 2, intercept 0, learning rate 1)
behind the market with a stake of 10**15 wei and a bounty of 100 stakes.
The test set has 64 samples of 15 features, split into 4 portions of 16
(portion 0 revealed first, whatever the node's clock: see
_commit_drawing_portion_0; 48 evaluated). The market refuses a sample the model
already predicts (every weight 2: it predicts 1 for everything at first), so
carol adds the warm-ups w1 and w2 with label 0; bob adds x_bad with label 0
(add_update: the model changes, the sample is remembered for an exact undo);
carol adds [900] with label 0 twice and then with label 1, which undoes the
second exactly (add_cancel: the pair is cancelled); then 16 more
contributions from alice, bob and carol, half honest and half with random
labels, a label the model already predicts being flipped (T = 22).
Participation ends, the three other portions are revealed, and the keeper
processes: every test sample scored in one call, every contribution
replayed in one call, every account left out of h_T in one call, the two
reward passes in one call; bob withdraws.

Reported figures (gasUsed of receipts unless noted):
  deploy_TOTAL, commit, reveal_first, reveal_portion (mean of three),
  add_update, add_cancel, end_participation, score_per_test_sample,
  replay_call_base (the fixed part of a replay call: test set -> masks),
  replay_per_contribution, replay_per_contribution_per_test_sample,
  leave_out_call (the leave-out stage: every account's G_a, one call),
  rewards_per_contribution_visit (two visits per contribution: tally and
  settle), process_TOTAL (all keeper calls),
  withdraw, predict_estimate (eth_estimateGas, 21,000 included).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from decai.chain.deploy import deploy_trainer
from decai.core.fixed_point import ONE
from decai.market.client import Market, MarketParameters
from decai.market.encoding import MAX_TEST_INDICES, random_salts, split_test_set
from decai.models import SparsePerceptron

STAKE = 10**15
X_GOOD = [1, 2, 3, 14, 15, 26, 37, 48, 59, 110, 111, 112, 213, 314, 515]
X_BAD = list(range(600, 615))
W1 = list(range(700, 715))
W2 = list(range(800, 815))
PARAMETERS = MarketParameters(
    stake=STAKE,
    min_duration_s=0,
    max_duration_s=7 * 86_400,
    min_contributions=0,
    commit_window_s=86_400,
    reveal_window_s=86_400,
)


def sp_model(num_features: int = 1000, weight: int = 2 * ONE) -> SparsePerceptron:
    return SparsePerceptron(
        name="SP market",
        description="gas scenario",
        encoder="indices",
        weights=[weight] * num_features,
        intercept=0,
        learning_rate=ONE,
    )


def _rule(sample: Sequence[int]) -> int:
    return 1 if sum(sample) % 3 else 0


def _commit_drawing_portion_0(market: Market, portions, owner, chain) -> int:
    """Commit so that the draw reveals portion 0 first; the commit's gas.

    The draw is the hash of the block after the commitment, and a local
    node's hashes follow the wall clock, so which portion comes first (and
    the gas of what follows) would change from run to run. Until the draw
    says 0, the commitment is undone and one empty block mined before it
    is made again: every run measures the same draw."""
    for _ in range(64):
        snapshot = chain.snapshot()
        gas = market.commit(portions, 100 * STAKE, sender=owner).gas_used
        chain.mine(1)
        target = int(market.contract.random_block())
        if int.from_bytes(bytes(chain.blocks[target].hash), "big") % len(portions) == 0:
            return gas
        chain.restore(snapshot)
        chain.mine(1)
    raise RuntimeError("64 commitments in a row drew another portion than 0")  # (3/4)**64: never


def _accounts(accounts):
    if accounts is None:
        from ape import accounts as ape_accounts

        accounts = ape_accounts.test_accounts
    return accounts[0], accounts[1], accounts[2], accounts[3]


def pm_gas(accounts=None) -> dict[str, int]:
    """Run the PM scenario; returns its gas figures."""
    from ape import chain

    owner, alice, bob, carol = _accounts(accounts)
    rng = random.Random(4)
    gas: dict[str, int] = {}

    deployment = deploy_trainer(sp_model(), PARAMETERS, owner, progress=False)
    gas["deploy_TOTAL"] = deployment.total_gas
    market = Market(deployment.contract)
    c = market.contract

    samples = [sorted(rng.sample(range(1000), 15)) for _ in range(64)]
    portions = split_test_set(samples, [_rule(s) for s in samples], 4, num_features=1000, salts=random_salts(4, 4))
    gas["commit"] = _commit_drawing_portion_0(market, portions, owner, chain)
    index = market.first_portion(sender=owner)
    gas["reveal_first"] = c.reveal_first_portion(index, *portions[index].args(), sender=owner).gas_used

    for warm_up in (W1, W2):
        c.add_data(warm_up, 0, sender=carol, value=STAKE + 10**15)
    gas["add_update"] = c.add_data(X_BAD, 0, sender=bob, value=STAKE + 10**15).gas_used
    c.add_data([900], 0, sender=carol, value=STAKE)
    c.add_data([900], 0, sender=carol, value=STAKE)
    gas["add_cancel"] = c.add_data([900], 1, sender=carol, value=STAKE).gas_used
    for i in range(16):
        sample = sorted(rng.sample(range(1000), 15))
        label = _rule(sample) if i % 2 == 0 else rng.randint(0, 1)
        if c.predict(sample) == label:
            label = 1 - label  # refused otherwise
        c.add_data(sample, label, sender=(alice, bob, carol)[i % 3], value=STAKE)
    gas["predict_estimate"] = int(c.predict.estimate_gas_cost(X_GOOD, sender=alice))
    gas["end_participation"] = c.end_participation(sender=owner).gas_used

    reveals = []
    while market.phase == "reveal":
        i = int(c.next_portion())
        reveals.append(c.reveal_portion(i, *portions[i].args(), sender=owner).gas_used)
    gas["reveal_portion"] = sum(reveals) // len(reveals)

    m = int(c.num_test_samples())
    count = int(c.num_contributions())
    score = c.process(m, sender=owner).gas_used
    gas["score_per_test_sample"] = score // m
    # The replay's fixed part: one call with the most recent contribution only
    # (it did not change the model, or changed it little), measured apart.
    features, lengths, chain_before = market.replay_args(1)
    one = c.replay(features, lengths, chain_before, sender=owner).gas_used
    features, lengths, chain_before = market.replay_args(count)
    rest = c.replay(features, lengths, chain_before, sender=owner).gas_used
    per_contribution = (rest - one) // (count - 2) if count > 2 else rest
    gas["replay_call_base"] = max(0, one - per_contribution)
    gas["replay_per_contribution"] = per_contribution
    gas["replay_per_contribution_per_test_sample"] = per_contribution // m
    leave_out = c.process(4096, sender=owner).gas_used
    gas["leave_out_call"] = leave_out
    rounds = c.process(4096, sender=owner)
    visits = int(rounds.decode_logs(c.Processed)[0].steps)
    gas["rewards_per_contribution_visit"] = rounds.gas_used // visits
    gas["process_TOTAL"] = score + one + rest + leave_out + rounds.gas_used
    if market.phase != "finished":
        raise RuntimeError("the PM scenario did not finish processing in the expected calls")
    gas["withdraw"] = c.withdraw(sender=bob).gas_used
    gas["num_contributions"] = count
    gas["num_test_samples"] = m
    return gas


def _bounds_market(
    owner, contributors, samples, labels, contribution_samples, rng, chain
) -> tuple[Market, dict[str, int]]:
    """A market at the given test set; returns it and the largest gas per kind."""
    largest: dict[str, int] = {}

    def note(kind: str, used: int) -> None:
        largest[kind] = max(largest.get(kind, 0), int(used))

    num_features = 1024
    model = SparsePerceptron(
        name="bounds", description="", encoder="indices", weights=[0] * num_features, intercept=-1, learning_rate=ONE
    )
    deployment = deploy_trainer(model, PARAMETERS, owner, progress=False)
    market = Market(deployment.contract)
    c = market.contract
    portions = split_test_set(samples, labels, 3, num_features=num_features, salts=random_salts(3, 9))
    note("commit", market.commit(portions, 100 * STAKE, sender=owner).gas_used)
    chain.mine(1)
    index = market.first_portion(sender=owner)
    note("reveal", c.reveal_first_portion(index, *portions[index].args(), sender=owner).gas_used)
    for i, sample in enumerate(contribution_samples):
        # A label the model disagrees with: every contribution updates (the
        # replay's worst case), and none is refused.
        label = 1 - int(c.predict(sample))
        rng.randint(0, 1)  # keeps the random stream of earlier versions
        note("add_data", c.add_data(sample, label, sender=contributors[i % len(contributors)], value=STAKE).gas_used)
    note("end_participation", c.end_participation(sender=owner).gas_used)
    while market.phase == "reveal":
        i = int(c.next_portion())
        note("reveal", c.reveal_portion(i, *portions[i].args(), sender=owner).gas_used)
    if int(c.num_test_indices()) != MAX_TEST_INDICES:
        raise RuntimeError("the bounds scenario should fill the test set")
    # Worst single steps first: one test sample scored, one contribution replayed.
    note("process_score_1", c.process(1, sender=owner).gas_used)
    while market.stage == "score":
        note("process_score", c.process(256, sender=owner).gas_used)
    features, lengths, chain_before = market.replay_args(1)
    note("replay_1", c.replay(features, lengths, chain_before, sender=owner).gas_used)
    market.keep(sender=owner, max_steps=256, on_call=lambda stage, steps, used: note(f"keeper_{stage}", used))
    return market, largest


def pm_bounds_gas(accounts=None, contributions: int = 24) -> dict[str, int]:
    """Largest transaction of each kind at the largest supported test set
    (4096 feature indices), in two shapes: 32 samples of 128 features
    ("wide") and 256 samples of 16 features ("many"). Contributions use 128
    features drawn from the same 256, so every one meets most of the test
    set: the replay's worst case."""
    from ape import chain

    owner, alice, bob, carol = _accounts(accounts)
    rng = random.Random(5)
    contribution_samples = [sorted(rng.sample(range(256), 128)) for _ in range(contributions)]
    result: dict[str, int] = {}
    shapes = {
        "wide": [sorted(rng.sample(range(256), 128)) for _ in range(48)],
        "many": [sorted(rng.sample(range(256), 16)) for _ in range(384)],
    }
    for shape, samples in shapes.items():
        labels = [rng.randint(0, 1) for _ in samples]
        _, largest = _bounds_market(owner, [alice, bob, carol], samples, labels, contribution_samples, rng, chain)
        for kind, used in largest.items():
            result[f"{shape}_{kind}"] = used
    result["max_tx"] = max(result.values())
    return result


# ------------------------------------------------------------------ bounds --
# Ape starts anvil with --steps-tracing, which keeps every step of every
# transaction (stack and memory) in the node's memory: a transaction near 10
# million gas costs it gigabytes. The bounds scenario therefore runs on an
# untraced anvil of its own (decai.chain.node.Anvil), stopped afterwards.


def pm_bounds_gas_untraced(contributions: int = 24) -> dict[str, int]:
    """`pm_bounds_gas` on an untraced anvil of its own (see above)."""
    from ape import networks

    from decai.chain.node import Anvil

    with Anvil("--gas-limit", "30000000") as node:
        with networks.ethereum.local.use_provider("foundry", provider_settings={"host": node.url}):
            return pm_bounds_gas(contributions=contributions)
