"""Exporting a points trainer's data set: its events are `PointAwarded` and
`Reported` (no ether moves), and the export shows them as the claim status."""

from __future__ import annotations

import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.export import COLUMNS, export_dataset, read_csv
from decai.chain.trainer import Trainer
from decai.core.mechanisms import PointsParameters
from decai.errors import DecaiError
from tests.helpers.chain import DAY, advance, sparse_model


@pytest.fixture(scope="module")
def points_trainer(accounts, chain):
    """A points trainer (predicts 1 for any sample) with a good contribution
    whose point was awarded, a bad one that was reported, and one untouched."""
    deployment = deploy_trainer(sparse_model(), PointsParameters(refund_wait_s=DAY), accounts[0], progress=False)
    trainer = Trainer.at(deployment.contract.address)
    good = trainer.add_data([1, 2], 1, sender=accounts[1])
    bad = trainer.add_data([3, 4], 0, sender=accounts[2])
    untouched = trainer.add_data([5], 1, sender=accounts[3])
    advance(chain, DAY + 1)
    trainer.refund(good, sender=accounts[1])
    trainer.report(bad, sender=accounts[1])
    return trainer, good, bad, untouched


def test_export__points_trainer__rows_with_points_and_reports(points_trainer, tmp_path):
    trainer, good, bad, untouched = points_trainer
    summary = export_dataset(trainer, tmp_path / "points.csv", progress=False)
    rows = {row["key"]: row for row in read_csv(summary.path)}
    assert (summary.rows, summary.format, list(next(iter(rows.values())))) == (3, "csv", COLUMNS)
    by_key = {c: rows["0x" + c.key.hex()] for c in (good, bad, untouched)}
    assert [(r["refunded"], r["claim_count"], r["deposit"], r["taken_amount"]) for r in by_key.values()] == [
        (True, 1, 0, 0),
        (False, 1, 0, 0),
        (False, 0, 0, 0),
    ]
    assert [r["sample"] for r in by_key.values()] == [[1, 2], [3, 4], [5]]


@pytest.mark.parametrize(
    "name, message",
    [
        ("x.xlsx", "unknown file type '.xlsx'; end the name in .csv or .parquet"),
        ("bc", "unknown file type '(no ending)'; end the name in .csv or .parquet"),
        ("missing/x.csv", "folder {tmp}/missing does not exist"),
        ("", "is a folder; give a file name ending in .csv or .parquet"),
    ],
)
def test_export__output_refused_before_any_event_is_read(points_trainer, tmp_path, monkeypatch, name, message):
    trainer = points_trainer[0]
    import decai.chain.export as export

    monkeypatch.setattr(export, "reconstruct", lambda *a, **k: pytest.fail("events were read"))
    with pytest.raises(DecaiError) as error:
        export_dataset(trainer, tmp_path / name, progress=False)
    assert message.format(tmp=tmp_path) in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_export__upper_case_csv_ending_writes_csv(points_trainer, tmp_path):
    summary = export_dataset(points_trainer[0], tmp_path / "BC.CSV", progress=False)
    assert summary.format == "csv" and (tmp_path / "BC.CSV").read_text().startswith("key,")
