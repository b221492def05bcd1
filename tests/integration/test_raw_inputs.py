"""The contributors' own data through the real command line and SDK.

One anvil, reached by `ape run` as a user runs it (one long-lived `ape run`
process, tests/helpers/script_worker.py, runs the steps one after another;
the import without records runs as processes of their own): a dense
breast-cancer trainer (numbers) and a bag-of-words trainer (text) get data
with --values and --text; the raw inputs land in the network's store, go out
in the export's raw column and in a store file, and come back in another
person's store only after the chain confirms them. A tampered entry is
refused with its file and line, and nothing is written.
"""

from __future__ import annotations

import csv
import json

import pytest

from decai.core.fixed_point import ONE
from decai.data.encoders import VocabularyEncoder
from decai.models import SparsePerceptron
from tests.helpers.scripts import SAMPLE, ScriptSession, run_script

TEXT = "A wonderful, moving film!"
VOCABULARY = ["wonderful", "moving", "film", "dull", "plot"]


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    from decai.chain.node import Anvil

    with Anvil() as anvil:
        yield anvil.url, tmp_path_factory.mktemp("deployments")


@pytest.fixture(scope="module")
def session(node):
    with ScriptSession(*node) as scripts:
        yield scripts


def run(session, *args, **env):
    result = session.run(*args, **env)
    assert not result.traced, result.out + result.err
    return result.code, result.out, result.errors


def save_texts_model(path):
    encoder = VocabularyEncoder(VOCABULARY)
    SparsePerceptron(
        name="texts", description="five words", encoder=encoder.spec, encoder_params=encoder.params(),
        weights=[ONE] * len(VOCABULARY), intercept=0, learning_rate=ONE,
    ).save(path)  # fmt: skip


@pytest.fixture(scope="module")
def added(session, node, tmp_path_factory):
    """Deploy both trainers and add one sample to each from raw input; the store's path."""
    folder = tmp_path_factory.mktemp("models")
    save_texts_model(folder / "texts.json")
    for args in (("--name", "bc"), ("--model", str(folder / "texts.json"), "--name", "texts")):
        code, out, errors = run(session, "deploy", *args)
        assert (code, errors) == (0, []), out
    code, out, errors = run(
        session, "add_data", "--trainer", "bc", "--values", SAMPLE, "--label", "malignant", "--account", "TEST::1"
    )
    assert (code, errors) == (0, []), out
    code, out, errors = run(session, "add_data", "--trainer", "texts", "--text", TEXT, "--label", "1")
    assert (code, errors) == (0, []), out
    return node[1] / "raw-inputs" / "ethereum_local.jsonl"


def test_add_data__keeps_the_text_and_the_numbers_by_transaction(added):
    entries = [json.loads(line) for line in added.read_text().splitlines()]
    assert [e["raw"] for e in entries] == [[float(v) for v in SAMPLE.split(",")], TEXT]
    assert all(e["transaction"].startswith("0x") and len(e["transaction"]) == 66 for e in entries)
    assert entries[1]["sample"] == [0, 1, 2] and entries[1]["label"] == 1


def test_export__raw_column(session, added, tmp_path):
    out = tmp_path / "texts.csv"
    code, _, errors = run(session, "export", "--trainer", "texts", "--output", str(out))
    assert (code, errors) == (0, [])
    rows = list(csv.DictReader(out.open()))
    assert [(row["raw"], row["tokens"]) for row in rows] == [(TEXT, '["wonderful", "moving", "film"]')]
    code, _, errors = run(session, "export", "--trainer", "bc", "--output", str(tmp_path / "bc.csv"))
    assert json.loads(next(csv.DictReader((tmp_path / "bc.csv").open()))["raw"])[:2] == [17.99, 10.38]


def test_share__export_then_import_in_another_store(session, added, tmp_path):
    shared = tmp_path / "shared.jsonl"
    code, out, errors = run(session, "raw_inputs", "export", "--output", str(shared), "--trainer", "bc")
    assert (code, errors, out.strip()) == (0, [], f"wrote 1 raw input(s) to {shared}")
    theirs = tmp_path / "theirs"
    code, out, errors = run(session, "raw_inputs", "import", str(shared), DECAI_RAW_INPUTS=str(theirs))
    assert (code, errors) == (0, [])
    assert out.strip() == f"kept 1 raw input(s) from {shared} in {theirs / 'ethereum_local.jsonl'}"
    assert json.loads((theirs / "ethereum_local.jsonl").read_text())["raw"][:2] == [17.99, 10.38]
    # Once more: nothing new.
    code, out, errors = run(session, "raw_inputs", "import", str(shared), DECAI_RAW_INPUTS=str(theirs))
    assert (code, errors, out.strip()) == (
        0,
        [],
        f"kept 0 raw input(s) from {shared} in {theirs / 'ethereum_local.jsonl'} (1 already known)",
    )


def test_import__csv_of_an_export__with_its_trainer(session, added, tmp_path):
    out = tmp_path / "texts.csv"
    assert run(session, "export", "--trainer", "texts", "--output", str(out))[0] == 0
    theirs = tmp_path / "theirs"
    code, _, errors = run(session, "raw_inputs", "import", str(out), DECAI_RAW_INPUTS=str(theirs))
    assert (code, errors) == (1, [f"error: {out}: a CSV names no trainer: give the trainer it was exported from"])
    code, text, errors = run(
        session, "raw_inputs", "import", str(out), "--trainer", "texts", DECAI_RAW_INPUTS=str(theirs)
    )
    assert (code, errors) == (0, []) and text.startswith("kept 1 raw input(s)")
    assert json.loads((theirs / "ethereum_local.jsonl").read_text())["raw"] == TEXT


def test_import__tampered_entry__refused_with_file_line_nothing_written(session, added, tmp_path):
    lines = added.read_text().splitlines()
    forged = json.loads(lines[1])
    forged["raw"] = "A dull plot"  # someone else's words for the same transaction
    path = tmp_path / "forged.jsonl"
    path.write_text(lines[0] + "\n" + json.dumps(forged) + "\n")
    theirs = tmp_path / "theirs"
    code, _, errors = run(session, "raw_inputs", "import", str(path), DECAI_RAW_INPUTS=str(theirs))
    tx = forged["transaction"]
    assert (code, errors) == (
        1,
        [
            f"error: {path}:2: the raw input of transaction {tx[:10]}… does not match: its text encode to "
            "[3, 4] (2 values), but the contribution holds [0, 1, 2] (3 values)"
        ],
    )
    assert not theirs.exists()


def test_import__transaction_of_another_trainer__refused(session, added, tmp_path):
    entries = [json.loads(line) for line in added.read_text().splitlines()]
    entries[1]["trainer"] = entries[0]["trainer"]  # the text's transaction, claimed for the dense trainer
    path = tmp_path / "wrong.jsonl"
    path.write_text(json.dumps(entries[1]) + "\n")
    code, _, errors = run(session, "raw_inputs", "import", str(path), DECAI_RAW_INPUTS=str(tmp_path / "t"))
    assert (code, errors) == (
        1,
        [f"error: {path}:1: transaction {entries[1]['transaction']} added no data to {entries[0]['trainer']} "
         "on this chain"],
    )  # fmt: skip


def test_export__output_not_jsonl__refused_before_reading(session, added, tmp_path):
    code, _, errors = run(session, "raw_inputs", "export", "--output", str(tmp_path / "x.csv"))
    assert (code, errors) == (1, [f"error: --output {tmp_path / 'x.csv'}: a raw-input store is a .jsonl file"])


def test_import__trainer_recorded_nowhere__vocabulary_from_the_model_file(node, added, tmp_path):
    """Someone without the deployment record: the bag-of-words vocabulary
    comes from --model, and without it the entry cannot be checked."""
    text_entry = added.read_text().splitlines()[1]
    shared = tmp_path / "shared.jsonl"
    shared.write_text(text_entry + "\n")
    url, _ = node
    stranger = tmp_path / "no-records"
    stranger.mkdir()
    result = run_script(url, stranger, "raw_inputs", "import", str(shared))
    assert result.code == 1 and len(result.errors) == 1, result.out + result.err
    assert result.errors[0].startswith(f"error: {shared}:1: encoder bow needs its vocabulary")
    assert not (stranger / "raw-inputs").exists()
    save_texts_model(tmp_path / "texts.json")
    result = run_script(url, stranger, "raw_inputs", "import", str(shared), "--model", str(tmp_path / "texts.json"))
    assert (result.code, result.errors) == (0, []), result.out + result.err
    assert json.loads((stranger / "raw-inputs" / "ethereum_local.jsonl").read_text())["raw"] == TEXT
