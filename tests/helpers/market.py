"""The market tests' world: a small sparse perceptron, a hidden test set
drawn from a known rule, portions and contributions.

The rule: a sample (a set of feature indices below NUM_FEATURES) is positive
when it holds more "good" features (even indices) than "bad" ones (odd).
h_0 starts with all weights zero and intercept -0.5, so it answers 0 to
everything; honest contributions teach it the rule.
"""

from __future__ import annotations

import random

from decai.chain.deploy import deploy_trainer
from decai.core.fixed_point import ONE
from decai.market.client import Market, MarketParameters
from decai.market.encoding import random_salts, split_test_set
from decai.models import SparsePerceptron
from decai.units import DAY, HOUR
from tests.helpers.chain import advance  # noqa: F401 - the market tests move the clock the same way

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
        name="market test",
        description="even features vote 1, odd ones 0",
        encoder="indices",
        weights=[0] * NUM_FEATURES,
        intercept=-ONE // 2,
        learning_rate=ONE,
    )


def deploy_market(owner, parameters: MarketParameters = PARAMETERS):
    return Market(deploy_trainer(initial_model(), parameters, owner, progress=False).contract)


def make_portions(num_portions: int = 3, seed: int = 1, size: int = 12):
    samples, labels = make_test_set(seed, size)
    return split_test_set(
        samples, labels, num_portions, num_features=NUM_FEATURES, salts=random_salts(num_portions, seed)
    )


def contribute(market: Market, contributors, count: int, seed: int = 7, harmful: bool = False):
    rng = random.Random(seed)
    made = []
    for i in range(count):
        # add_data refuses a sample the model already predicts: draw until
        # the live model disagrees with the label.
        while True:
            sample = random_sample(rng)
            label = rng.randint(0, 1) if harmful else truth(sample)
            if market.contract.predict(sample) != label:
                break
        made.append(market.add_data(sample, label, sender=contributors[i % len(contributors)]))
    return made
