"""Exporting a trainer's crowd-sourced data set from its events.

The trainer: a sparse perceptron over a 100-word vocabulary whose weights
are all 2.0 (learning rate 10**-9), so it predicts "positive" (1) for every
non-empty text however it is trained; label-1
contributions are good (refundable), label-0 ones can be reported. 300
contributions from six accounts are sent straight to anvil in six blocks
(automine off), which is much faster than one transaction at a time.
"""

from __future__ import annotations

import csv

import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.export import COLUMNS, export_dataset, iterate_pages, read_csv, reconstruct
from decai.chain.records import deployment_record, save_record
from decai.chain.trainer import Trainer
from decai.core.fixed_point import ONE
from decai.core.mechanisms import DepositParameters
from decai.data.encoders import VocabularyEncoder
from decai.errors import DecaiError
from decai.models import SparsePerceptron
from tests.helpers.chain import DAY, advance

VOCABULARY = [f"{stem}{j}" for stem in ("alpha", "beta") for j in range(50)]
CONTRIBUTIONS = 300
PER_BLOCK = 50
COST_WEIGHT = 10**6
PARAMETERS = DepositParameters(
    refund_wait_s=DAY, owner_claim_wait_s=10 * DAY, any_address_claim_wait_s=20 * DAY, cost_weight=COST_WEIGHT
)


def _text(i: int) -> str:
    # Two words that identify i (one from each half of the vocabulary), an
    # unknown word that the encoder skips, and upper case it lower-cases.
    return f"{VOCABULARY[i // 50].upper()} unknownword {VOCABULARY[50 + i % 50]}"


@pytest.fixture(scope="module")
def dataset_trainer(accounts, chain, tmp_path_factory):
    """(trainer, contributions sent as (text, label, sender)) on the test chain."""
    records = tmp_path_factory.mktemp("deployments")
    encoder = VocabularyEncoder(VOCABULARY)
    model = SparsePerceptron(
        name="export test",
        description="predicts positive for any text",
        encoder=encoder.spec,
        encoder_params=encoder.params(),
        weights=[2 * ONE] * len(VOCABULARY),
        intercept=0,
        # The smallest step (10**-9): training on the label-0 texts leaves
        # every prediction at 1, so they stay reportable.
        learning_rate=1,
    )
    owner = accounts[0]
    deployment = deploy_trainer(model, PARAMETERS, owner, progress=False)
    mp = pytest.MonkeyPatch()
    mp.setenv("DECAI_DEPLOYMENTS", str(records))
    save_record(
        "ethereum", "local", "texts", deployment_record(deployment, model, PARAMETERS, owner, chain.provider, 0)
    )

    trainer = Trainer.find("texts")
    web3 = chain.provider.web3
    senders = [accounts[i] for i in range(4, 10)]
    sent = []
    chain.provider.make_request("evm_setAutomine", [False])
    try:
        for i in range(CONTRIBUTIONS):
            text, label, sender = _text(i), i % 2, senders[i % len(senders)]
            data = trainer.contract.add_data.encode_input(encoder.encode(text), label)
            web3.eth.send_transaction(
                {
                    "from": sender.address,
                    "to": trainer.address,
                    "data": data,
                    "value": COST_WEIGHT * 3600,
                    "gas": 400_000,
                }
            )
            sent.append((text, label, sender.address))
            if (i + 1) % PER_BLOCK == 0:
                chain.provider.make_request("evm_mine", [chain.blocks.head.timestamp + 600])
    finally:
        chain.provider.make_request("evm_setAutomine", [True])
    assert chain.provider.web3.eth.get_block("latest").transactions.__len__() == PER_BLOCK
    yield trainer, sent
    mp.undo()


@pytest.fixture(scope="module")
def claimed(dataset_trainer, accounts, chain):
    """Refund a few good contributions and report a few bad ones, a day later."""
    trainer, _ = dataset_trainer
    advance(chain, DAY)
    contributions = trainer.contributions()
    by_author = {}
    for c in contributions:
        by_author.setdefault(c.author, []).append(c)
    reporter = accounts[5]  # sends the odd, label-1 texts
    good = [c for c in by_author[reporter.address] if c.label == 1][:3]
    for c in good:
        trainer.refund(c, sender=next(a for a in accounts if a.address == c.author))
    bad = [c for c in contributions if c.label == 0 and c.author != reporter.address][:4]
    for c in bad:
        trainer.report(c, sender=reporter)
    return good, bad


def test_export__every_contribution_with_tokens_and_claim_status(dataset_trainer, claimed, tmp_path):
    trainer, sent = dataset_trainer
    good, bad = claimed
    path = tmp_path / "texts.csv"
    summary = export_dataset(trainer, path, page_size=3, progress=False)
    assert (summary.rows, summary.senders, summary.format, summary.tokens_note) == (CONTRIBUTIONS, 6, "csv", None)
    assert summary.start_block == trainer.deployment_block

    with path.open() as handle:
        assert next(csv.reader(handle)) == COLUMNS
    rows = read_csv(path)
    assert [(" ".join(row["tokens"]), row["label"], row["sender"]) for row in rows] == [
        (text.lower().replace(" unknownword", ""), label, sender) for text, label, sender in sent
    ]
    assert all(row["label_name"] == ("positive" if row["label"] else "negative") for row in rows)
    assert all(row["time"].endswith("Z") and row["deposit"] > 0 for row in rows)

    by_key = {row["key"]: row for row in rows}
    for c in good:
        row = by_key["0x" + c.key.hex()]
        assert (row["refunded"], row["claim_count"], row["claimable"], row["refunded_amount"]) == (
            True,
            1,
            0,
            c.deposit,
        )
    for c in bad:
        row = by_key["0x" + c.key.hex()]
        assert row["refunded"] is False and row["claim_count"] == 1
        # The model rejects it: the report was paid half of what it removed, the rest burned.
        assert row["taken_amount"] > 0 and row["burned_amount"] - row["taken_amount"] in (0, 1)
        assert row["claimable"] == c.deposit - row["taken_amount"] - row["burned_amount"]
    # A sparse perceptron does not forget: every sample still counts, reported or not.
    assert all(row["in_model"] is True for row in rows)
    untouched = [row for row in rows if row["claim_count"] == 0]
    assert len(untouched) == CONTRIBUTIONS - len(good) - len(bad)
    assert all(row["claimable"] == row["deposit"] for row in untouched)


def test_export__status_from_events_equals_the_contract_view(dataset_trainer, claimed):
    trainer, _ = dataset_trainer
    from_events = reconstruct(trainer, progress=False).rows
    from_view = reconstruct(trainer, status_from="view", progress=False).rows
    assert [(r["claimable"], r["refunded"], r["claim_count"]) for r in from_events] == [
        (r["claimable"], r["refunded"], r["claim_count"]) for r in from_view
    ]


def test_export__block_range_selects_contributions(dataset_trainer):
    trainer, _ = dataset_trainer
    first_block = trainer.contributions()[0].block_number
    dataset = reconstruct(trainer, start_block=first_block, stop_block=first_block + 1, progress=False)
    assert len(dataset.rows) == 2 * PER_BLOCK
    assert {row["block_number"] for row in dataset.rows} == {first_block, first_block + 1}


def test_export__without_vocabulary__samples_kept_tokens_empty(dataset_trainer, tmp_path):
    trainer, _ = dataset_trainer
    anonymous = Trainer.at(trainer.address)  # no record, so no vocabulary
    summary = export_dataset(anonymous, tmp_path / "x.csv", start_block=trainer.deployment_block, progress=False)
    assert summary.tokens_note.startswith("samples not decoded to words: encoder bow needs its vocabulary")
    rows = read_csv(tmp_path / "x.csv")
    assert rows[0]["tokens"] is None and rows[0]["sample"] == [0, 50]


def test_export__failure_leaves_nothing_half_written(dataset_trainer, tmp_path, monkeypatch):
    trainer, _ = dataset_trainer
    path = tmp_path / "texts.csv"
    path.write_text("previous export\n")

    import decai.chain.export as export

    original = export._csv_value
    calls = {"n": 0}

    def failing(value):
        calls["n"] += 1
        if calls["n"] > 1000:
            raise OSError("disk full")
        return original(value)

    monkeypatch.setattr(export, "_csv_value", failing)
    with pytest.raises(OSError, match="disk full"):
        export_dataset(trainer, path, progress=False)
    assert path.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["texts.csv"]


def test_export__parquet(dataset_trainer, tmp_path):
    import pyarrow.parquet as pq

    trainer, sent = dataset_trainer
    summary = export_dataset(trainer, tmp_path / "texts.parquet", progress=False)
    assert summary.format == "parquet"
    table = pq.read_table(tmp_path / "texts.parquet")
    assert table.column_names == COLUMNS and table.num_rows == CONTRIBUTIONS
    assert table.column("tokens")[0].as_py() == _text(0).lower().replace(" unknownword", "").split()
    assert table.schema.metadata[b"decai.trainer"] == trainer.address.encode()


def test_export__unknown_format_or_no_pyarrow__fails_before_reading(dataset_trainer, tmp_path, monkeypatch):
    trainer, _ = dataset_trainer
    with pytest.raises(DecaiError, match="^unknown format 'xlsx': use csv or parquet$"):
        export_dataset(trainer, tmp_path / "x.xlsx", format="xlsx", progress=False)
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(
        DecaiError, match=r"^writing Parquet needs pyarrow \(pip install pyarrow\); CSV works without it$"
    ):
        export_dataset(trainer, tmp_path / "x.parquet", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_iterate_pages__refused_ranges_are_halved():
    requested = []

    def fetch(first, last):
        requested.append((first, last))
        if last - first + 1 > 3:
            raise ValueError("query returned more than 10000 results")
        return [first]

    pages = []
    iterate_pages(fetch, 10, 20, 8, lambda first, last, logs: pages.append((first, last)))
    assert pages == [(10, 11), (12, 13), (14, 15), (16, 17), (18, 19), (20, 20)]
    assert requested[:3] == [(10, 17), (10, 13), (10, 11)]  # 8 blocks, 4, then 2 that pass

    def broken(first, last):
        raise ValueError("node down\nmore")

    with pytest.raises(DecaiError, match="^the node refused the events of block 0: node down$"):
        iterate_pages(broken, 0, 5, 4, lambda *a: None)
