"""The one way decai sends a contract transaction: check it first, then send.

`transact` asks the node with a call (the pending block, the same sender,
value and arguments) whether the contract would accept the transaction, and
only then sends it. A refusal raises `Rejected` with the contract's reason
in one line; no transaction is sent, no nonce or gas is spent, and Ape's
call trace is never printed. A transaction that still reverts (the state
changed between check and send) raises the same one-line `Rejected`.
"""

from __future__ import annotations

from typing import Any

from decai.errors import Rejected, revert_reason


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
        return method.call(*args, block_id="pending", **call_tx)
    except ContractLogicError as error:
        raise Rejected(f"{action} rejected: {revert_reason(error)}") from None


def transact(action: str, method, *args, precheck: bool = True, **tx) -> Any:
    """Send `method(*args, **tx)` after `check_call`; returns the receipt."""
    from ape.exceptions import ContractLogicError

    if precheck:
        check_call(action, method, *args, **tx)
    try:
        return method(*args, **tx)
    except ContractLogicError as error:
        raise Rejected(f"{action} rejected: {revert_reason(error)}") from None
