"""Numbers for a sparse model, on chain: a model trained on breast cancer
with the column-mean encoder deploys, and the trainer, given the encoder's
means from the model file, encodes raw measurements and predicts as the
model file does."""

from __future__ import annotations

from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import Trainer
from decai.data.datasets import load_source
from decai.data.pipeline import build_model_file
from decai.models import load_model
from tests.helpers.chain import PARAMETERS


def test_breast_cancer_sparse_perceptron__column_mean_encoding_on_chain(tmp_path, owner, contributor):
    path = tmp_path / "bc.json"
    build_model_file("breast-cancer", "sparse_perceptron", str(path), seed=1)
    model = load_model(path)
    deployment = deploy_trainer(model, PARAMETERS, owner, progress=False)
    trainer = Trainer(deployment.contract)
    assert trainer.contract.encoder() == model.encoder
    trainer.encoder_params = model.encoder_params
    encoder = trainer.encoder()

    data = load_source("breast-cancer")
    rows = data.inputs[:40]
    samples = [encoder.encode(row) for row in rows]
    assert len({tuple(s) for s in samples}) > 20  # the row's mean left 8 distinct samples of 569
    assert [trainer.predict(s) for s in samples] == [model.predict(s) for s in samples]
    correct = sum(p == y for p, y in zip((model.predict(s) for s in samples), data.labels[:40]))
    assert correct >= 32

    # An addition moves the chain's weights exactly as the model file's.
    wrong = next(s for s in samples if s and trainer.predict(s) == 1)
    trainer.add_data(wrong, 0, sender=contributor, unlearnable=True)
    model.update(wrong, 0)
    assert trainer.reference_model().storage_words() == model.storage_words()
