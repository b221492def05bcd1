"""The one way decai sends a contract transaction: check it first, then send.

`transact` asks the node with a call (the pending block, the same sender,
value and arguments) whether the contract would accept the transaction, and
only then sends it. A refusal raises `Rejected` with the contract's reason
in one line; no transaction is sent, no nonce or gas is spent, and Ape's
call trace is never printed. A transaction that still reverts (the state
changed between check and send) raises the same one-line `Rejected`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from decai.errors import Rejected, revert_reason

#: Whether Ape may print its call trace when a check or a send reverts (the
#: scripts' --verbose turns it on); the SDK is quiet by default.
SHOW_TRACES = False


@contextlib.contextmanager
def _quiet_revert() -> Iterator[None]:
    """Ape's node providers print the call trace of every revert to stdout,
    and Ape logs `INFO: Confirmed ...` for every transaction; decai raises
    a refusal's reason in one line instead, and says what it did itself."""
    if SHOW_TRACES:
        yield
        return
    import logging

    import ape_ethereum.trace
    from ape.logging import logger

    trace = ape_ethereum.trace.Trace
    original = trace.__dict__.get("show")
    level = logger.level
    trace.show = lambda self, *args, **kwargs: None
    if level < logging.WARNING:
        logger.set_level(logging.WARNING)
    try:
        yield
    finally:
        if original is not None:
            trace.show = original
        if level < logging.WARNING:
            logger.set_level(level)


def _sender_address(sender: Any) -> str | None:
    return getattr(sender, "address", sender)


def check_call(action: str, method, *args, **tx) -> Any:
    """What the contract would return for this transaction now; Rejected if it would revert."""
    from ape.exceptions import ContractLogicError

    call_tx = {key: value for key, value in tx.items() if key in ("value", "gas", "gas_limit")}
    sender = tx.get("sender")
    if sender is not None:
        call_tx["sender"] = _sender_address(sender)
    try:
        with _quiet_revert():
            return method.call(*args, block_id="pending", **call_tx)
    except ContractLogicError as error:
        raise Rejected(f"{action} rejected: {revert_reason(error)}") from None


def capped_gas(tx: dict[str, Any]) -> dict[str, Any]:
    """`tx` with a gas limit no node enforcing EIP-7825 refuses.

    Outside this checkout (no ape-config.yaml of ours) Ape asks local
    networks for the whole block's gas, which is above the per-transaction
    cap of 16,777,216; the cap is asked for instead. A gas limit the caller
    chose, and networks where Ape estimates, are left alone."""
    if "gas" in tx or "gas_limit" in tx:
        return tx
    from ape import chain

    from decai.chain.node import TX_GAS_CAP

    configured = chain.provider.network.gas_limit
    if configured == "max" or (isinstance(configured, int) and configured > TX_GAS_CAP):
        return {**tx, "gas_limit": TX_GAS_CAP}
    return tx


def transact(action: str, method, *args, precheck: bool = True, **tx) -> Any:
    """Send `method(*args, **tx)` after `check_call`; returns the receipt."""
    from ape.exceptions import ContractLogicError

    if precheck:
        check_call(action, method, *args, **tx)
    tx = capped_gas(tx)
    try:
        with _quiet_revert():
            return method(*args, **tx)
    except ContractLogicError as error:
        raise Rejected(f"{action} rejected: {revert_reason(error)}") from None
