"""Shared fixtures: role-named accounts and freshly deployed trainers.

Scenario used by most tests: a sparse perceptron over 1000 features whose
weights are all 2.0 (so every non-empty sample is predicted 1), behind the
deposit mechanism with refund after 1 day, owner claims after 10 days and
anyone's after 20 days, cost weight 10**15 wei.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis profiles: "ci" (default, what `make test` runs) and "fuzz"
# (`make fuzz`, ten times the examples). Stateful tests set their own
# step counts; these profiles scale them. "fuzz" also prints the
# @reproduce_failure blob of a failure, which the nightly workflow shows.
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
settings.register_profile("ci", max_examples=50, stateful_step_count=20, deadline=None, suppress_health_check=_SLOW_OK, derandomize=True)
settings.register_profile("fuzz", max_examples=500, stateful_step_count=20, deadline=None, suppress_health_check=_SLOW_OK, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from decai.deploy import deploy_trainer
from decai.fixed_point import ONE
from decai.mechanisms import DepositParameters
from decai.models import DensePerceptron, SparsePerceptron
from decai.sdk import Trainer

DAY = 86_400
PARAMETERS = DepositParameters(
    refund_wait_s=DAY, owner_claim_wait_s=10 * DAY, any_address_claim_wait_s=20 * DAY, cost_weight=10**15
)


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


def sparse_model(num_features: int = 1000, weight: int = 2 * ONE) -> SparsePerceptron:
    return SparsePerceptron(
        name="test sparse",
        description="all weights equal",
        encoder="indices",
        weights=[weight] * num_features,
        intercept=0,
        learning_rate=ONE,
    )


def dense_model(dimensions: int = 8, weight: int = 2 * ONE) -> DensePerceptron:
    return DensePerceptron(
        name="test dense",
        description="all weights equal",
        encoder="unit",
        weights=[weight] * dimensions,
        intercept=0,
        learning_rate=ONE,
    )


@pytest.fixture
def sparse_trainer(owner) -> Trainer:
    return Trainer(deploy_trainer(sparse_model(), PARAMETERS, owner, progress=False).contract)


@pytest.fixture
def dense_trainer(owner) -> Trainer:
    return Trainer(deploy_trainer(dense_model(), PARAMETERS, owner, progress=False).contract)


def advance(chain, seconds: int) -> None:
    """Mine an empty block `seconds` after the latest one."""
    chain.mine(timestamp=chain.blocks.head.timestamp + seconds)


def at(chain, timestamp: int) -> None:
    """The next transaction is mined at `timestamp`."""
    chain.pending_timestamp = timestamp


def revert_reason(chain, contract, method: str, *args, sender, value: int = 0) -> str | None:
    """Run `method` as an eth_call on the pending block (the next block's
    timestamp applies) and return its revert reason, or None if it passes.

    As exact as sending the transaction, at a fraction of the cost: a
    reverting transaction makes Ape fetch a trace (about 0.35 s each)."""
    from web3.exceptions import ContractLogicError as Web3Revert

    data = "0x" + bytes(getattr(contract, method).encode_input(*args)).hex()
    call = {"from": sender.address, "to": contract.address, "data": data, "value": value}
    try:
        chain.provider.web3.eth.call(call, "pending")
    except Web3Revert as error:
        message = str(error.args[0] if error.args else error)
        return message.removeprefix("execution reverted: ").removeprefix("execution reverted")
    return None
