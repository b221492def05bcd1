"""A deposit trainer whose model can undo an update (naive Bayes) forgets a
sample at its first take while the model rejects it.

The spam here is ordinary: short samples of the model's own vocabulary,
labelled against what the model has learned, so the model keeps rejecting
them and they are reported. Once taken, they are gone from the model: its
parameters are exactly those of a model that never saw them. Samples the
model accepts stay, whether refunded or swept.
"""

from __future__ import annotations

import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.export import reconstruct
from decai.chain.trainer import Trainer
from decai.core.fixed_point import ONE
from decai.errors import DecaiError
from decai.models import NaiveBayes
from tests.helpers.chain import DAY, PARAMETERS, at

FEATURES = 40
# Label 1 ("ham") owns features 0-19 with 40 occurrences each, label 0
# ("spam") features 20-39: one added sample moves a count by one, so spam
# labelled 0 over features 0-19 stays rejected, and a sample labelled as its
# features say is accepted.
SPAM = [[1, 4, 7], [2, 2, 9, 15], [3, 11, 18], [5, 6, 12, 19], [0, 8, 13]]


def model() -> NaiveBayes:
    ham = [40] * 20 + [1] * 20
    spam = [1] * 20 + [40] * 20
    return NaiveBayes(
        name="forgetting nb",
        description="test model",
        classes=["spam", "ham"],
        encoder="indices",
        num_features=FEATURES,
        smoothing=ONE,
        class_counts=[30, 30],
        feature_counts=[spam, ham],
    )


@pytest.fixture
def spammed(owner, contributor, reporter, stranger, chain):
    """The trainer after `reporter` and `stranger` each earned a good
    contribution and the spammer (`contributor`) added SPAM with label 0;
    a day later, with the good contributions refunded."""
    trainer = Trainer(deploy_trainer(model(), PARAMETERS, owner, progress=False).contract)
    before = trainer.reference_model().to_dict()
    good = [trainer.add_data([25, 30], 0, sender=reporter), trainer.add_data([3, 10], 1, sender=stranger)]
    counted = trainer.reference_model()
    spam = [trainer.add_data(sample, 0, sender=contributor, unlearnable=True) for sample in SPAM]
    at(chain, spam[-1].added_time + DAY)
    trainer.refund(good[0], sender=reporter)
    trainer.refund(good[1], sender=stranger)
    for c in spam:
        assert trainer.predict(c.data) == 1  # still rejected a day later
    return trainer, spam, before, counted


def test_reports__forget_the_rejected_spam_exactly(spammed, reporter, stranger):
    trainer, spam, before, counted = spammed
    for c in spam:
        trainer.report(c, sender=reporter)
    # The two good samples stay; every spam sample is gone, count for count.
    assert trainer.reference_model().to_dict() == counted.to_dict()
    assert counted.to_dict() != before
    # A second reporter's share of the same contributions forgets nothing more.
    for c in spam:
        trainer.report(c, sender=stranger)
    assert trainer.reference_model().to_dict() == counted.to_dict()


def test_python_mirror__forgets_as_the_chain_does(spammed, reporter):
    trainer, spam, _, counted = spammed
    mirror = trainer.reference_model()
    for c in spam[:2]:
        trainer.report(c, sender=reporter)
        mirror.forget(list(c.data), c.label)
        assert trainer.reference_model().to_dict() == mirror.to_dict()
    # The mirror refuses to forget what it does not hold.
    with pytest.raises(DecaiError, match="naive_bayes: the sample is not counted for this label"):
        counted.forget([0, 0, 0], 0)


def test_spammers_own_sweep__forgets_too(spammed, contributor, chain):
    """Silence does not keep spam in the model: the spammer's sweep after the
    any-address wait is a take while the model rejects the sample."""
    trainer, spam, _, counted = spammed
    at(chain, spam[-1].added_time + PARAMETERS.any_address_claim_wait_s)
    for c in spam:
        trainer.report(c, sender=contributor)
    assert trainer.reference_model().to_dict() == counted.to_dict()


def test_accepted_samples__stay_when_refunded_or_swept(owner, contributor, stranger, chain):
    trainer = Trainer(deploy_trainer(model(), PARAMETERS, owner, progress=False).contract)
    kept = [trainer.add_data([21, 30], 0, sender=contributor), trainer.add_data([2, 5], 1, sender=contributor)]
    counted = trainer.reference_model().to_dict()
    at(chain, kept[-1].added_time + DAY)
    trainer.refund(kept[0], sender=contributor)
    at(chain, kept[-1].added_time + PARAMETERS.any_address_claim_wait_s)
    assert trainer.predict(kept[1].data) == 1
    trainer.report(kept[1], sender=stranger)  # a sweep of a sample the model accepts
    assert trainer.reference_model().to_dict() == counted


def test_export__says_which_samples_the_model_forgot(spammed, reporter, stranger):
    trainer, spam, _, _ = spammed
    trainer.report(spam[0], sender=reporter)
    trainer.report(spam[0], sender=stranger)  # a second share: still forgotten once
    rows = reconstruct(trainer, start_block=0, progress=False).rows
    assert len(rows) == 2 + len(SPAM)
    assert {row["key"] for row in rows if not row["in_model"]} == {"0x" + spam[0].key.hex()}


def test_dashboard_outcome__says_which_take_removed_the_sample(spammed, reporter, stranger):
    from decai.dashboard.service import Service

    trainer, spam, _, _ = spammed
    c = spam[0]
    args = (list(c.data), c.label, c.added_time, c.author)
    first = trainer.contract.report(*args, sender=reporter)
    second = trainer.contract.report(*args, sender=stranger)
    [log1] = first.decode_logs(trainer.contract.Report)
    [log2] = second.decode_logs(trainer.contract.Report)
    assert Service._forgot(trainer, log1, int(log1.burned)) is True
    assert Service._forgot(trainer, log2, int(log2.burned)) is False  # the second share forgets nothing more


def test_adversary_who_makes_an_honest_sample_rejected__takes_half_as_before_and_removes_it(
    owner, contributor, stranger, chain
):
    """The price of forgetting, performed: an adversary adds ordinary samples
    the model accepts until it rejects an honest contributor's correct
    sample, then reports it. It is paid half, as without forgetting (the
    rest burned), and the honest sample leaves the model; the adversary's
    own samples, being accepted, stay. The README states this residual."""
    trainer = Trainer(deploy_trainer(model(), PARAMETERS, owner, progress=False).contract)
    honest = trainer.add_data([0, 1, 20], 1, sender=stranger)
    assert trainer.predict(honest.data) == 1
    pushes = []
    while trainer.predict(honest.data) == 1:
        assert len(pushes) < 200, "the model never came to reject the honest sample"
        at(chain, chain.pending_timestamp + 600)
        pushes.append(trainer.add_data([0, 20, 21, 22], 0, sender=contributor))
    with_honest = trainer.reference_model()
    at(chain, pushes[-1].added_time + DAY)
    for push in pushes:
        trainer.refund(push, sender=contributor)  # accepted: refunded, each a good contribution
    claimable = trainer.status(honest).claimable
    assert trainer.report(honest, sender=contributor) == claimable // 2
    assert trainer.burned_in(trainer.last_receipt) == claimable - claimable // 2
    without_honest = with_honest.copy()
    without_honest.forget(list(honest.data), honest.label)
    assert trainer.reference_model().to_dict() == without_honest.to_dict()
