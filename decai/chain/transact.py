"""The one way decai sends a transaction: checked first, signed once, sent once.

`transact` (a contract call) and `deploy` (a contract creation) both:

1. ask the node with a call (the pending block, the same sender, value and
   arguments) whether the contract would accept the transaction; a refusal
   raises `Rejected` with the contract's reason in one line, before any
   nonce or gas is spent (`check_call`; deployments are estimated instead);
2. fix the nonce (the sender's pending transaction count) and sign the
   transaction once, keeping the signed bytes and their hash (`Signed`);
3. hand the signed bytes to the node once. If no answer comes back (a
   dropped connection, a timeout after the node accepted it), or the
   transaction later disappears from the pool, they look the hash up first,
   then the nonce: a known hash is waited for; a nonce the chain has used
   for another transaction means this one can never be mined, and they say
   so; otherwise they broadcast the *same* signed bytes again. A new
   transaction is never signed for the same intent, so one intended
   addition can never cost two deposits;
4. wait until the transaction has `confirmations` blocks on top of it (the
   network's `required_confirmations` unless given), check the receipt is
   still in the chain, and only then return it. A transaction that reverts
   raises the same one-line `Rejected` (the reason of a mined revert comes
   from the node's call trace, when it offers one).

Reads go through `decai.chain.retry` (backoff, Retry-After, one sentence
naming the endpoint when it gives up).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from decai.chain.contracts import contract_at
from decai.chain.retry import connected_resilient
from decai.errors import DecaiError, Rejected, UnknownOutcome, revert_reason
from decai.units import to_hex

#: Messages of a node that already has (or had) this very transaction.
_ALREADY_SENT = ("already known", "known transaction", "nonce too low", "already imported", "replacement transaction")
#: Fewest seconds to wait for a transaction to be mined before giving up.
MIN_TIMEOUT_S = 60


@dataclass(frozen=True)
class Signed:
    """A signed transaction, kept until it is confirmed."""

    action: str
    raw: bytes
    hash: str
    sender: str
    nonce: int


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

    connected_resilient()
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
    """Send `method(*args, **tx)` once, after `check_call`; returns the confirmed receipt.

    `tx` takes `sender` (required), `value`, `gas` and the like, and
    `required_confirmations`."""
    if precheck:
        check_call(action, method, *args, **tx)
    confirmations = tx.pop("required_confirmations", None)
    sender = tx.pop("sender")
    tx = capped_gas(tx)
    unsigned = _prepared(action, lambda: method.as_transaction(*args, sender=sender, **tx))
    return send_once(action, unsigned, sender, confirmations=confirmations)


def deploy(
    action: str,
    container,
    *args,
    sender,
    required_confirmations: int | None = None,
    on_signed: Callable[[Signed, str], None] | None = None,
):
    """Deploy `container(*args)` from `sender` once; returns (contract, receipt).

    `on_signed(signed, address)` runs after signing and before the first
    broadcast, with the address the contract will have: a caller can record
    the deployment before it can exist, so a crash never leaves it unknown."""
    from ape import chain

    def build():
        unsigned = container.constructor.serialize_transaction(*args, sender=sender, **capped_gas({}))
        unsigned = chain.provider.prepare_transaction(unsigned)
        return sender.prepare_transaction(unsigned)

    unsigned = _prepared(action, build)
    notify = None
    if on_signed is not None:

        def notify(signed: Signed) -> None:
            on_signed(signed, creation_address(signed.sender, signed.nonce))

    receipt = send_once(action, unsigned, sender, confirmations=required_confirmations, on_signed=notify)
    address = receipt.contract_address or creation_address(_sender_address(sender), receipt.nonce)
    contract = contract_at(container, address, txn_hash=receipt.txn_hash)
    return contract, receipt


def creation_address(sender: str, nonce: int) -> str:
    """The address of the contract `sender` creates with `nonce`."""
    import rlp
    from eth_utils import keccak, to_canonical_address, to_checksum_address

    return to_checksum_address(keccak(rlp.encode([to_canonical_address(sender), nonce]))[12:])


def _prepared(action: str, build: Callable[[], Any]) -> Any:
    from ape.exceptions import ContractLogicError

    connected_resilient()
    try:
        with _quiet_revert():
            return build()
    except ContractLogicError as error:
        raise Rejected(f"{action} rejected: {revert_reason(error)}") from None


# -- the send itself -----------------------------------------------------------


def _request(method: str, *params) -> Any:
    from ape import chain

    return chain.provider.make_request(method, list(params))


def _node_url() -> str:
    from ape import chain

    return str(getattr(chain.provider, "http_uri", None) or chain.provider.name)


def sign(action: str, unsigned, sender) -> Signed:
    """Fix the nonce (the sender's pending count) and sign, once."""
    from eth_utils import keccak

    address = _sender_address(sender)
    unsigned.nonce = int(_request("eth_getTransactionCount", address, "pending"), 16)
    signed = sender.sign_transaction(unsigned)
    if signed is None:
        raise DecaiError(f"{action}: the account {address} did not sign the transaction")
    raw = bytes(signed.serialize_transaction())
    return Signed(action, raw, to_hex(keccak(raw)), address, int(unsigned.nonce))


def broadcast(signed: Signed) -> None:
    """Hand the signed bytes to the node; silent when the outcome is unknown
    or the node already has them (the caller looks the hash up next)."""
    from ape.exceptions import ProviderError

    try:
        _request("eth_sendRawTransaction", to_hex(signed.raw))
    except UnknownOutcome:
        return
    except ProviderError as error:
        message = str(error).lower()
        if any(words in message for words in _ALREADY_SENT):
            return
        raise DecaiError(f"{signed.action}: the node at {_node_url()} refused the transaction: {error}") from None


def send_once(action: str, unsigned, sender, *, confirmations: int | None = None, on_signed=None):
    """Sign `unsigned` once, send it, and return its receipt once confirmed."""
    signed = sign(action, unsigned, sender)
    if on_signed is not None:
        on_signed(signed)
    broadcast(signed)
    return settle(signed, confirmations)


def _poll_s() -> float:
    from ape import chain

    return 0.05 if chain.provider.network.is_local else 1.0


def settle(signed: Signed, confirmations: int | None = None, timeout_s: float | None = None):
    """Wait for `signed` to be mined under `confirmations` blocks; re-broadcast
    the same bytes while the node has lost it and its nonce is still free."""
    from ape import chain

    network = chain.provider.network
    waits = network.required_confirmations if confirmations is None else confirmations
    timeout_s = timeout_s or max(MIN_TIMEOUT_S, network.transaction_acceptance_timeout or 0)
    deadline = time.monotonic() + timeout_s
    poll_s = _poll_s()
    while time.monotonic() < deadline:
        found = _request("eth_getTransactionReceipt", signed.hash)
        if found is not None:
            if _confirmed(found, waits):
                return _finished(signed)
        elif _request("eth_getTransactionByHash", signed.hash) is None:
            used = int(_request("eth_getTransactionCount", signed.sender, "latest"), 16)
            if used > signed.nonce:
                raise DecaiError(
                    f"{signed.action}: nonce {signed.nonce} of {signed.sender} was used by another transaction, "
                    f"so {signed.hash} can never be mined; nothing was sent again"
                )
            broadcast(signed)
        time.sleep(poll_s)
    raise DecaiError(
        f"{signed.action}: transaction {signed.hash} (nonce {signed.nonce}) is not confirmed after "
        f"{timeout_s:g} s at {_node_url()}; it may still be mined: look it up before sending again"
    )


def _confirmed(receipt: dict, waits: int) -> bool:
    """Mined under `waits` blocks, and its block is still in the chain."""
    number = int(receipt["blockNumber"], 16)
    if waits > 0:
        head = int(_request("eth_blockNumber"), 16)
        if head - number < waits:
            return False
    block = _request("eth_getBlockByNumber", hex(number), False)
    return block is not None and block["hash"] == receipt["blockHash"]


def _finished(signed: Signed):
    from ape import chain
    from ape.exceptions import ContractLogicError, TransactionError

    receipt = chain.provider.get_receipt(signed.hash, required_confirmations=0)
    if receipt.failed:
        try:
            receipt.raise_for_status()
        except ContractLogicError as error:
            raise Rejected(f"{signed.action} rejected: {revert_reason(error)}") from None
        except TransactionError as error:
            # Ape's receipt says only "Transaction '0x..' failed.": the
            # reason is in the node's trace of the mined transaction.
            raise Rejected(f"{signed.action} rejected: {_mined_reason(signed) or revert_reason(error)}") from None
        raise Rejected(f"{signed.action} rejected: reverted without a reason")
    return receipt


#: The selector of Solidity's and Vyper's `Error(string)` revert data.
_ERROR_SELECTOR = bytes.fromhex("08c379a0")


def _mined_reason(signed: Signed) -> str | None:
    """The reason string a mined transaction reverted with, from the node's
    call trace (`debug_traceTransaction`); None when the node has no debug
    API or the revert carries no reason string."""
    from ape.exceptions import ApeException
    from eth_abi import decode
    from eth_abi.exceptions import DecodingError

    try:
        trace = _request("debug_traceTransaction", signed.hash, {"tracer": "callTracer"})
    except (ApeException, DecaiError):
        return None
    if not isinstance(trace, Mapping):
        return None
    if trace.get("revertReason"):
        return str(trace["revertReason"]).splitlines()[0]
    output = bytes.fromhex(str(trace.get("output") or "0x").removeprefix("0x"))
    if not output.startswith(_ERROR_SELECTOR):
        return None
    try:
        (reason,) = decode(["string"], output[4:])
    except DecodingError:
        return None
    return reason.splitlines()[0] if reason else None
