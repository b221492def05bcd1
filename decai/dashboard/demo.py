"""Demo trainers for `make dashboard` and the browser tests.

On the connected local chain: a naive Bayes text model trained on the
built-in Rotten Tomatoes snippets behind deposits ("reviews"), the
breast-cancer perceptron behind points ("cancer-points"), and a prediction
market brought to participation ("market", the provider's steps done by
TEST::0 as in decai.market.demo). Each is recorded (decai.chain.records),
so the dashboard lists them like any deployed trainer.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from decai.errors import DecaiError
from decai.units import DAY

TEXT_TRAIN_SIZE = 4000


def text_model(size: int = TEXT_TRAIN_SIZE, seed: int = 0):
    """A naive Bayes over a 1000-word vocabulary, trained on `size` snippets."""
    from decai.data.datasets import load_source
    from decai.data.pipeline import choose_encoder
    from decai.data.training import train_model

    data = load_source("rotten-tomatoes")
    order = list(range(len(data.inputs)))
    random.Random(seed).shuffle(order)
    rows = order[:size]
    texts = [data.inputs[i] for i in rows]
    encoder = choose_encoder("auto", "naive_bayes", True, texts, vocabulary_size=1000)
    samples = [encoder.encode(t) for t in texts]
    model, _ = train_model(
        "naive_bayes", samples, [data.labels[i] for i in rows], classes=data.classes, encoder=encoder.spec,
        encoder_params=encoder.params(), num_features=encoder.num_features, name="Movie reviews",
        description=f"Is a one-sentence movie review fresh or rotten? Naive Bayes on {size} Rotten Tomatoes snippets.",
        seed=seed,
    )  # fmt: skip
    return model


def deploy_demo(echo: Callable[[str], None] = print) -> dict[str, str]:
    """Deploy and record the three demo trainers; returns name -> address."""
    from ape import accounts, chain

    from decai.chain.deploy import deploy_trainer
    from decai.chain.records import deployment_record, save_record
    from decai.core.mechanisms import DepositParameters, PointsParameters
    from decai.data.training import default_model
    from decai.market.client import Market, MarketParameters
    from decai.market.demo import FEATURES, STAKE, VoteWorld
    from decai.market.encoding import random_salts, split_test_set

    provider = chain.provider
    if not provider.network.is_dev:
        raise DecaiError("the demo trainers go on a local network only")
    owner = accounts.test_accounts[0]
    network = provider.network
    out: dict[str, str] = {}

    def record(name, deployment, model, parameters):
        save_record(
            network.ecosystem.name,
            network.name,
            name,
            deployment_record(deployment, model, parameters, owner, provider, 0),
        )
        out[name] = deployment.contract.address
        echo(f"deployed {name}: {deployment.contract_name} at {deployment.contract.address}")

    reviews = text_model()
    parameters = DepositParameters(
        refund_wait_s=DAY, owner_claim_wait_s=10 * DAY, any_address_claim_wait_s=20 * DAY, cost_weight=10**14
    )
    record("reviews", deploy_trainer(reviews, parameters, owner, progress=False), reviews, parameters)

    cancer, _ = default_model(initial_fraction=0.05, seed=1)
    cancer.name = "Breast cancer (points)"
    cancer.description = "Malignant or benign, from 30 measurements; contributors earn points and badges."
    points = PointsParameters(refund_wait_s=DAY)
    record("cancer-points", deploy_trainer(cancer, points, owner, progress=False), cancer, points)

    world = VoteWorld(4)
    sample, truth = world.sample, world.truth
    model = world.initial_model(
        name="Word vote market",
        description="A prediction market over 40 word features: features 0-19 vote positive, 20-39 negative.",
        classes=["negative", "positive"],
    )
    market_parameters = MarketParameters(
        stake=STAKE,
        min_duration_s=3600,
        max_duration_s=30 * DAY,
        min_contributions=1,
        commit_window_s=DAY,
        reveal_window_s=3600,
    )
    deployment = deploy_trainer(model, market_parameters, owner, progress=False)
    market = Market(deployment.contract)
    test = [sample() for _ in range(16)]
    portions = split_test_set(test, [truth(s) for s in test], 4, num_features=FEATURES, salts=random_salts(4, 4))
    market.commit(portions, 10 * STAKE, sender=owner)
    market.reveal_first(portions, sender=owner)
    record("market", deployment, model, market_parameters)
    return out
