"""Shared fixtures: role-named accounts and freshly deployed trainers.

Scenario used by most tests: a sparse perceptron over 1000 features whose
weights are all 2.0 (so every non-empty sample is predicted 1), behind the
deposit mechanism with refund after 1 day, owner claims after 10 days and
anyone's after 20 days, cost weight 10**15 wei.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# `ape test` starts its own anvil when no node is configured, but only if it
# finds one on PATH: outside make (a plain virtualenv) the project's
# node_modules/.bin is not there, and Ape failed with an INTERNALERROR.
_NODE_BIN = Path(__file__).resolve().parents[1] / "node_modules" / ".bin"
if shutil.which("anvil") is None and (_NODE_BIN / "anvil").exists():
    os.environ["PATH"] = f"{_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"

# Hypothesis profiles: "ci" (default, what `make test` runs) and "fuzz"
# (`make fuzz`, ten times the examples). Stateful tests set their own
# step counts; these profiles scale them. "fuzz" also prints the
# @reproduce_failure blob of a failure, which the nightly workflow shows.
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
settings.register_profile(
    "ci", max_examples=50, stateful_step_count=20, deadline=None, suppress_health_check=_SLOW_OK, derandomize=True
)
settings.register_profile(
    "fuzz", max_examples=500, stateful_step_count=20, deadline=None, suppress_health_check=_SLOW_OK, print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from decai.chain.deploy import deploy_trainer  # noqa: E402 - after the profiles
from decai.chain.node import cap_ape_anvils  # noqa: E402
from decai.chain.trainer import Trainer  # noqa: E402
from tests.helpers.chain import PARAMETERS, dense_model, sparse_model  # noqa: E402

# The anvil Ape starts for the tests enforces EIP-7825's per-transaction gas
# cap, as Ethereum and Base do (Ape connects after collecting the tests).
cap_ape_anvils()


@pytest.fixture(scope="session")
def owner(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def contributor(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def reporter(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def stranger(accounts):
    return accounts[3]


@pytest.fixture
def sparse_trainer(owner) -> Trainer:
    return Trainer(deploy_trainer(sparse_model(), PARAMETERS, owner, progress=False).contract)


@pytest.fixture
def dense_trainer(owner) -> Trainer:
    return Trainer(deploy_trainer(dense_model(), PARAMETERS, owner, progress=False).contract)
