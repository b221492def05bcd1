"""Fixtures for the prediction market: a small sparse perceptron behind the
market mechanism, a hidden test set drawn from a known rule, and helpers
that drive a market to each phase.

The rule: a sample (a set of feature indices below NUM_FEATURES) is positive
when it holds more "good" features (even indices) than "bad" ones (odd).
h_0 starts with all weights zero and intercept -0.5, so it answers 0 to
everything; honest contributions teach it the rule.
"""

from __future__ import annotations

import random

import pytest

from decai.chain.deploy import deploy_trainer
from decai.core.fixed_point import ONE
from decai.market.client import Market, MarketParameters, split_test_set, random_salts
from decai.models import SparsePerceptron

from decai.units import DAY, HOUR  # noqa: E402
NUM_FEATURES = 24
STAKE = 10**15
BOUNTY = 100 * STAKE
PARAMETERS = MarketParameters(
    stake=STAKE, min_duration_s=HOUR, max_duration_s=DAY, min_contributions=3, commit_window_s=DAY, reveal_window_s=DAY
)


def truth(sample) -> int:
    good = sum(1 for f in sample if f % 2 == 0)
    return 1 if good > len(sample) - good else 0


def random_sample(rng: random.Random, size: int | None = None) -> list[int]:
    size = size or rng.randint(1, 6)
    return sorted(rng.sample(range(NUM_FEATURES), size))


def make_test_set(seed: int = 1, size: int = 12):
    rng = random.Random(seed)
    samples = [random_sample(rng) for _ in range(size)]
    return samples, [truth(s) for s in samples]


def initial_model() -> SparsePerceptron:
    return SparsePerceptron(
        name="market test", description="even features vote 1, odd ones 0", encoder="indices",
        weights=[0] * NUM_FEATURES, intercept=-ONE // 2, learning_rate=ONE,
    )


def deploy_market(owner, parameters: MarketParameters = PARAMETERS):
    return Market(deploy_trainer(initial_model(), parameters, owner, progress=False).contract)


def make_portions(num_portions: int = 3, seed: int = 1, size: int = 12):
    samples, labels = make_test_set(seed, size)
    return split_test_set(samples, labels, num_portions, num_features=NUM_FEATURES, salts=random_salts(num_portions, seed))


def advance(chain, seconds: int) -> None:
    chain.mine(timestamp=chain.blocks.head.timestamp + seconds)


def quiet_reverts():
    """Skip what Ape does for display on every reverted transaction.

    Ape prints the call trace of a reverted transaction (a trace fetch,
    about 0.15 s) and rebuilds a Vyper source traceback from it, re-streaming
    the trace once per frame (10 s for a reveal that reverts). Neither
    changes the revert reason that `ape.reverts` checks, which comes from
    the node. Returns a function that restores both.
    """
    import ape.exceptions
    import ape_ethereum.trace

    source_traceback = ape.exceptions._get_ape_traceback_from_tx
    show = ape_ethereum.trace.Trace.show
    ape.exceptions._get_ape_traceback_from_tx = lambda txn: None
    ape_ethereum.trace.Trace.show = lambda self, *args, **kwargs: None

    def restore():
        ape.exceptions._get_ape_traceback_from_tx = source_traceback
        ape_ethereum.trace.Trace.show = show

    return restore


@pytest.fixture(autouse=True, scope="session")
def _quiet_reverts():
    restore = quiet_reverts()
    yield
    restore()


@pytest.fixture(scope="session")
def provider(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def contributors(accounts):
    return [accounts[1], accounts[2], accounts[3]]


@pytest.fixture(scope="session")
def stranger(accounts):
    return accounts[4]


@pytest.fixture
def portions():
    return make_portions()


@pytest.fixture
def market(provider) -> Market:
    return deploy_market(provider)


@pytest.fixture
def committed(market, portions, provider, chain) -> Market:
    market.commit(portions, BOUNTY, sender=provider)
    chain.mine(1)
    return market


@pytest.fixture
def open_market(committed, portions, provider) -> Market:
    committed.reveal_first(portions, sender=provider)
    return committed


def contribute(market: Market, contributors, count: int, seed: int = 7, harmful: bool = False):
    rng = random.Random(seed)
    made = []
    for i in range(count):
        sample = random_sample(rng)
        label = rng.randint(0, 1) if harmful else truth(sample)
        made.append(market.add_data(sample, label, sender=contributors[i % len(contributors)]))
    return made


@pytest.fixture
def revealing(open_market, contributors, provider, chain) -> Market:
    contribute(open_market, contributors, 4)
    advance(chain, HOUR)
    open_market.end_participation(sender=provider)
    return open_market


@pytest.fixture
def processing(revealing, portions, provider) -> Market:
    revealing.reveal_rest(portions, sender=provider)
    return revealing
