"""`Trainer.add_data(..., raw=...)`: the SDK keeps what was typed, and refuses
raw input that does not encode to the sample before anything is sent."""

from __future__ import annotations

import pytest

from decai.data.encoders import UnitEncoder
from decai.data.raw_inputs import RawStore, import_file
from decai.errors import DecaiError

VALUES = [3.0, -4.0, 1.5, 2.0, 0.5, 7.0, -1.0, 2.5]


def test_add_data__raw__kept_by_transaction_and_verified(dense_trainer, contributor, monkeypatch, tmp_path, chain):
    monkeypatch.setenv("DECAI_RAW_INPUTS", str(tmp_path))
    contribution = dense_trainer.add_data(UnitEncoder().encode(VALUES), 1, sender=contributor, raw=VALUES)
    entries = RawStore.connected().load()
    entry = entries[contribution.transaction_hash.lower()]
    assert (entry.raw, entry.sample, entry.label, entry.author) == (
        tuple(VALUES),
        contribution.data,
        1,
        contributor.address,
    )
    # The entry stands up to the chain's own record of the transaction.
    shared = tmp_path / "shared.jsonl"
    RawStore.connected().export(shared)
    monkeypatch.setenv("DECAI_RAW_INPUTS", str(tmp_path / "theirs"))
    assert import_file(shared, lambda address: dense_trainer, chain.provider)[:2] == (1, 0)


def test_add_data__raw_not_the_sample__refused_before_sending(dense_trainer, contributor, monkeypatch, tmp_path):
    monkeypatch.setenv("DECAI_RAW_INPUTS", str(tmp_path))
    nonce = contributor.nonce
    other = list(reversed(VALUES))
    with pytest.raises(DecaiError, match="^the raw input does not match: its numbers encode to"):
        dense_trainer.add_data(UnitEncoder().encode(VALUES), 1, sender=contributor, raw=other)
    assert contributor.nonce == nonce and not (tmp_path / "ethereum_local.jsonl").exists()
