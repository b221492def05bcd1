"""The compiled contracts shipped in the package (decai/artifacts) are the
current compile output (.build, which `make test` refreshes first)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ethpm_types import ContractType

from decai.chain import artifacts
from decai.chain.contracts import contract_container
from decai.errors import DecaiError

ROOT = Path(__file__).resolve().parents[3]
COMPILED = artifacts.compiled_deployables(ROOT / ".build" / "__local__.json")


def test_shipped_artifacts__compared_with_build__same_deployables():
    assert COMPILED, "the compile output holds no deployable contract"
    assert artifacts.shipped_names() == sorted(COMPILED), "run `python -m decai.chain.artifacts` (make compile does)"


@pytest.mark.parametrize("name", sorted(COMPILED))
def test_shipped_artifact__compared_with_build__same_abi_and_code(name):
    compiled = ContractType.model_validate(COMPILED[name])
    shipped = artifacts.contract_type(name)
    assert shipped.name == compiled.name == name
    assert shipped.abi == compiled.abi
    assert shipped.deployment_bytecode.bytecode == compiled.deployment_bytecode.bytecode
    assert shipped.runtime_bytecode.bytecode == compiled.runtime_bytecode.bytecode


def test_is_deployable__lib_test_or_interface__false():
    assert artifacts.is_deployable("contracts/DepositSparsePerceptron.vy")
    assert not artifacts.is_deployable("contracts/test/ReentrantContributor.vy")
    assert not artifacts.is_deployable("contracts/lib/deposit.vy")
    assert not artifacts.is_deployable("contracts/interfaces/ITrainer.vyi")
    assert not artifacts.is_deployable(None)


def test_write_artifacts__writes_deployables_and_removes_stale(tmp_path):
    stale = tmp_path / "Gone.json"
    stale.write_text("{}")
    written = artifacts.write_artifacts(ROOT / ".build" / "__local__.json", tmp_path)
    assert written == sorted(COMPILED)
    assert not stale.exists() and "ReentrantContributor" not in written
    data = json.loads((tmp_path / "DepositSparsePerceptron.json").read_text())
    assert set(data) <= set(artifacts.KEPT_FIELDS) and "ast" not in data
    assert (tmp_path / "DepositSparsePerceptron.json").read_text() == (
        artifacts.ARTIFACTS_DIR / "DepositSparsePerceptron.json"
    ).read_text()


def test_write_artifacts__no_compile_output__one_line_error(tmp_path):
    with pytest.raises(DecaiError, match="no compile output"):
        artifacts.write_artifacts(tmp_path / "missing.json", tmp_path)


def test_contract_container__any_trainer__type_from_package():
    container = contract_container("points", "sparse_perceptron")
    assert container.contract_type.name == "PointsSparsePerceptron"
    assert container.contract_type == artifacts.contract_type("PointsSparsePerceptron")


def test_contract_type__unknown_name__decai_error():
    with pytest.raises(DecaiError, match="ships no compiled contract 'Nope'"):
        artifacts.contract_type("Nope")
