"""The raw-input store off chain: its file, the files people share, and the encoding check."""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decai.data.encoders import UnitEncoder, VocabularyEncoder
from decai.data.raw_inputs import RawInput, RawStore, check_raw, read_claims, store_path
from decai.errors import DecaiError

TX = "0x" + "ab" * 32
OTHER_TX = "0x" + "cd" * 32
TRAINER = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
OTHER_TRAINER = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
AUTHOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def entry(tx=TX, trainer=TRAINER, raw="a great film", sample=(3, 17)) -> RawInput:
    return RawInput(tx, trainer, raw, tuple(sample), 1, AUTHOR)


class FakeContract:
    def __init__(self, spec):
        self.spec = spec

    def encoder(self):
        return self.spec


class FakeTrainer:
    """What check_raw reads of a trainer: its encoder spec and its encoder."""

    def __init__(self, encoder):
        self._encoder = encoder
        self.contract = FakeContract(encoder.spec)

    def encoder(self):
        return self._encoder


def test_store__round_trip__text_and_numbers(tmp_path):
    store = RawStore(tmp_path / "s.jsonl")
    numbers = entry(OTHER_TX, OTHER_TRAINER, (17.99, 10.38, -2.5), (1, -2, 3))
    assert store.add([entry(), numbers]) == (2, 0)
    assert RawStore(store.path).load() == {TX: entry(), OTHER_TX: numbers}
    assert store.for_trainer(OTHER_TRAINER.lower()) == {OTHER_TX: numbers}
    assert numbers.raw_text() == "[17.99, 10.38, -2.5]"


def test_store__same_transaction_again__first_entry_kept(tmp_path):
    store = RawStore(tmp_path / "s.jsonl")
    store.add([entry()])
    assert store.add([entry(raw="A GREAT FILM!")]) == (0, 1)
    assert store.load()[TX].raw == "a great film"


def test_store__default_folder_follows_the_records_override(tmp_path, monkeypatch):
    monkeypatch.delenv("DECAI_RAW_INPUTS", raising=False)
    monkeypatch.setenv("DECAI_DEPLOYMENTS", str(tmp_path / "records"))
    assert store_path("base", "sepolia-fork") == tmp_path / "records" / "raw-inputs" / "base_sepolia_fork.jsonl"
    monkeypatch.setenv("DECAI_RAW_INPUTS", str(tmp_path / "raw"))
    assert store_path("ethereum", "local") == tmp_path / "raw" / "ethereum_local.jsonl"


def test_store__damaged_line__names_file_and_line(tmp_path):
    path = tmp_path / "s.jsonl"
    RawStore(path).add([entry()])
    path.write_text(path.read_text() + '{"transaction": "0x12"}\n')
    with pytest.raises(DecaiError, match=r"s\.jsonl:2: '0x12' is not a transaction hash"):
        RawStore(path).load()


def test_export__one_trainer__a_store_file_that_imports_back(tmp_path):
    store = RawStore(tmp_path / "s.jsonl")
    store.add([entry(), entry(OTHER_TX, OTHER_TRAINER)])
    out = tmp_path / "shared.jsonl"
    assert store.export(out, TRAINER) == 1
    claims = read_claims(out)
    assert [(c.where, c.transaction, c.trainer, c.raw) for c in claims] == [(f"{out}:1", TX, TRAINER, "a great film")]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("not json", "not valid JSON"),
        ('["a"]', "each line must be a JSON object"),
        (json.dumps({"transaction": TX, "trainer": TRAINER}), "no 'raw' field"),
        (json.dumps({"transaction": TX, "trainer": TRAINER, "raw": "  "}), "'raw' is empty"),
        (json.dumps({"transaction": TX, "trainer": TRAINER, "raw": [1, "x"]}), "'raw' must be the text"),
        (f'{{"transaction": "{TX}", "trainer": "{TRAINER}", "raw": [1, NaN]}}', "NaN is not a number decai accepts"),
        (json.dumps({"transaction": TX, "trainer": "0x12", "raw": "x"}), "trainer '0x12' is not an address"),
        (json.dumps({"transaction": TX, "raw": "x"}), "no 'trainer' field"),
    ],
)
def test_read_claims__bad_line__file_line_and_why(tmp_path, line, reason):
    path = tmp_path / "theirs.jsonl"
    path.write_text(json.dumps({"transaction": OTHER_TX, "trainer": TRAINER, "raw": "fine"}) + "\n\n" + line + "\n")
    with pytest.raises(DecaiError, match=rf"^{path}:3: .*{reason.replace('(', '.').replace(')', '.')}"):
        read_claims(path)


def test_read_claims__csv__raw_column_by_transaction_empty_rows_skipped(tmp_path):
    path = tmp_path / "dataset.csv"
    path.write_text(f'transaction_hash,label,raw\n{TX},1,a great film\n{OTHER_TX},0,\n0x{"ef" * 32},1,"[1.5, 2]"\n')
    claims = read_claims(path, trainer=TRAINER.lower())
    assert [(c.where, c.raw) for c in claims] == [(f"{path}:2", "a great film"), (f"{path}:4", (1.5, 2.0))]
    assert {c.trainer for c in claims} == {TRAINER}


def test_read_claims__csv_without_trainer_or_raw_column__refused(tmp_path):
    path = tmp_path / "dataset.csv"
    path.write_text(f"transaction_hash,label\n{TX},1\n")
    with pytest.raises(DecaiError, match="a CSV names no trainer"):
        read_claims(path)
    with pytest.raises(DecaiError, match=rf"^{path}:1: no 'raw' column"):
        read_claims(path, trainer=TRAINER)
    with pytest.raises(DecaiError, match="unknown file type '.txt'"):
        read_claims(tmp_path / "x.txt")


def test_check_raw__text_encodes_to_the_sample__accepted_else_refused():
    trainer = FakeTrainer(VocabularyEncoder(["great", "film", "bad"]))
    check_raw(trainer, "A GREAT film!", [0, 1])
    expected = r"its text encode to \[0, 2\] \(2 values\), but the contribution holds \[0, 1\]"
    with pytest.raises(DecaiError, match=expected):
        check_raw(trainer, "great but bad", [0, 1])
    with pytest.raises(DecaiError, match="does not fit this trainer: it takes text"):
        check_raw(trainer, [1.0, 2.0], [0, 1])


def test_check_raw__numbers_through_the_dense_encoder():
    trainer = FakeTrainer(UnitEncoder())
    sample = UnitEncoder().encode([3.0, 4.0])
    check_raw(trainer, (3.0, 4.0), sample)
    check_raw(trainer, [6, 8], sample)  # the same direction: the same unit-length sample
    with pytest.raises(DecaiError, match="its numbers encode to"):
        check_raw(trainer, [4.0, 3.0], sample)
    with pytest.raises(DecaiError, match="it takes numbers"):
        check_raw(trainer, "3, 4", sample)


@given(
    lines=st.lists(
        st.one_of(
            st.text(max_size=40),
            st.dictionaries(
                st.sampled_from(["transaction", "trainer", "raw"]),
                st.one_of(
                    st.none(),
                    st.booleans(),
                    st.integers(),
                    st.floats(),
                    st.text(max_size=70),
                    st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=3)), max_size=3),
                ),
            ).map(json.dumps),
        ),
        min_size=1,
        max_size=4,
    ),
    suffix=st.sampled_from([".jsonl", ".csv"]),
)
def test_read_claims__generated_files__claims_or_one_error_naming_the_file(lines, suffix):
    """Whatever the file holds, reading it gives checked claims or one
    DecaiError that names the file (and its line where there is one)."""
    path = f"generated{suffix}"
    try:
        claims = read_claims(path, "\n".join(lines), trainer=TRAINER)
    except DecaiError as error:
        assert str(error).startswith(f"{path}") and "\n" not in str(error)
    else:
        for claim in claims:
            assert re.fullmatch(r"0x[0-9a-f]{64}", claim.transaction) and claim.trainer.startswith("0x")
            assert isinstance(claim.raw, str) and claim.raw.strip() or all(math.isfinite(v) for v in claim.raw)
