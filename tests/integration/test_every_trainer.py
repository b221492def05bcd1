"""Every model behind every mechanism: deploy, train, settle, through the SDK.

Ten deployables (5 models x 2 mechanisms) share one public interface
(contracts/interfaces/ITrainer.vyi); this walks each through the same story with the gas
scenario's models and samples and checks the chain against the reference
model after every update."""

from __future__ import annotations

import pytest

from decai.apps.gas import NB_REPORT_ADAPTATION, scenario_models, scenario_samples
from decai.chain.contracts import contract_name
from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import Trainer
from decai.core.mechanisms import PointsParameters
from decai.models.base import model_class, model_types
from tests.helpers.chain import DAY, PARAMETERS, advance

TYPES = {model_class(t).short_name: t for t in model_types()}


@pytest.mark.parametrize("mechanism", ["deposit", "points"])
@pytest.mark.parametrize("key", list(TYPES))
def test_trainer_story(owner, contributor, reporter, stranger, chain, key, mechanism):
    parameters = PARAMETERS if mechanism == "deposit" else PointsParameters(refund_wait_s=DAY)
    model = scenario_models()[key](NB_REPORT_ADAPTATION if key == "NB" else 1)
    deployment = deploy_trainer(model, parameters, owner, progress=False)
    assert deployment.contract_name == contract_name(mechanism, TYPES[key])
    trainer = Trainer(deployment.contract)
    assert trainer.kind == f"{mechanism}/{TYPES[key]}"
    assert trainer.classes == ["negative", "positive"]
    samples = scenario_samples(key)

    for name, who, label in (
        ("w1", stranger, 1),
        ("w2", stranger, 1),
        ("x_good", reporter, 1),
        ("x_bad", contributor, 0),
    ):
        advance(chain, 12)
        trainer.add_data(samples[name], label, sender=who, unlearnable=True)
        model.update(samples[name], label)
        assert trainer.reference_model().storage_words() == model.storage_words(), name
    good, bad = trainer.contributions(author=reporter.address)[0], trainer.contributions(author=contributor.address)[0]
    assert trainer.predict(samples["x_good"]) == model.predict(samples["x_good"]) == 1
    assert trainer.predict(samples["x_bad"]) == model.predict(samples["x_bad"]) == 1

    advance(chain, DAY)
    assert trainer.refund_problem(good, chain.blocks.head.timestamp + 1) is None
    assert trainer.refund(good, sender=reporter) == (good.deposit if mechanism == "deposit" else 0)
    assert trainer.good_contributions(reporter.address) == 1
    assert trainer.report_problem(bad, reporter.address, chain.blocks.head.timestamp + 1) is None
    # The model rejects the sample: half of the deposit is paid, half burned.
    assert trainer.report(bad, sender=reporter) == (bad.deposit // 2 if mechanism == "deposit" else 0)
    # A deposit trainer over naive Bayes forgets it; every other trainer keeps it.
    if mechanism == "deposit" and model.forgets_taken:
        model.forget(samples["x_bad"], 0)
    assert trainer.reference_model().storage_words() == model.storage_words()
    warm_ups = trainer.contributions(author=stranger.address)
    burned = bad.deposit - bad.deposit // 2 if mechanism == "deposit" else 0
    held = sum(trainer.claimable(c) for c in warm_ups)
    assert (held, trainer.contract.balance) == (sum(c.deposit for c in warm_ups), held + burned)
    if mechanism == "points":
        assert trainer.badges(reporter.address) == ["first contribution"]
        assert trainer.contract.stats(contributor).reported == 1
        assert trainer.next_deposit() == 0
