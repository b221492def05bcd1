"""Chain helpers: the standard deposit parameters, small perceptrons, the
clock, revert reasons without a trace, and quiet reverts."""

from __future__ import annotations

from decai.core.fixed_point import ONE
from decai.core.mechanisms import DepositParameters
from decai.models import AveragedPerceptron, DensePerceptron, SparsePerceptron
from decai.units import DAY, HOUR

__all__ = [
    "DAY",
    "HOUR",
    "PARAMETERS",
    "advance",
    "advance_node_time",
    "at",
    "averaged_model",
    "dense_model",
    "quiet_reverts",
    "revert_reason",
    "sparse_model",
]

PARAMETERS = DepositParameters(
    refund_wait_s=DAY, owner_claim_wait_s=10 * DAY, any_address_claim_wait_s=20 * DAY, cost_weight=10**15
)


def sparse_model(num_features: int = 1000, weight: int = 2 * ONE) -> SparsePerceptron:
    return SparsePerceptron(
        name="test sparse",
        description="all weights equal",
        encoder="indices",
        weights=[weight] * num_features,
        intercept=0,
        learning_rate=ONE,
    )


def averaged_model(num_features: int = 1000, weight: int = 2 * ONE) -> AveragedPerceptron:
    """An averaged perceptron whose every weight is `weight` (predicts 1 for any non-empty sample)."""
    return AveragedPerceptron(
        name="averaged",
        description="test model",
        encoder="indices",
        weights=[weight] * num_features,
        intercept=0,
        learning_rate=ONE,
        initial_count=1,
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


def quiet_reverts():
    """Skip what Ape does for display on every reverted transaction.

    Ape prints the call trace of a reverted transaction (a trace fetch,
    about 0.15 s) and rebuilds a Vyper source traceback from it, re-streaming
    the trace once per frame (10 s for a reveal that reverts). Neither
    changes the revert reason that `ape.reverts` checks, which comes from
    the node. Returns a function that restores both.
    """
    import ape.exceptions
    import ape_ethereum.trace

    source_traceback = ape.exceptions._get_ape_traceback_from_tx
    show = ape_ethereum.trace.Trace.show
    ape.exceptions._get_ape_traceback_from_tx = lambda txn: None
    ape_ethereum.trace.Trace.show = lambda self, *args, **kwargs: None

    def restore():
        ape.exceptions._get_ape_traceback_from_tx = source_traceback
        ape_ethereum.trace.Trace.show = show

    return restore


def advance_node_time(url: str, seconds: int) -> None:
    """Move a node's clock forward and mine a block there (by JSON-RPC)."""
    from decai.chain.node import rpc

    rpc(url, "evm_increaseTime", seconds)
    rpc(url, "evm_mine")
