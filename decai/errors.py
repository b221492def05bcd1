"""decai's one exception hierarchy.

Every error decai raises on purpose is a `DecaiError`: a problem with the
user's input or with the state of a chain, said in one line. The command
line, the console and the dashboard show its message and nothing else (the
trace only with `--verbose`).

- `Rejected`: a contract refuses (or would refuse) a call; the message
  carries the contract's reason, e.g. "refund rejected: deposit: refund wait
  not over". Raised by pre-checks before anything is sent, by the Python
  mirrors of the mechanisms and by the SDK when a transaction reverts.
- `NodeUnavailable`: no node answers where one is expected (also: a node
  that kept failing a read until decai gave up).
- `UnknownOutcome`: a transaction was handed to the node and no answer came
  back; `decai.chain.transact` resolves it by hash and nonce.

`node_refusal` turns a JSON-RPC error (the dict a node answers) into one
sentence that says what to change.
"""

from __future__ import annotations

import re


class DecaiError(Exception):
    """A problem with user input or state, reported as one line."""


class Rejected(DecaiError):
    """A contract refuses the call; the message carries its reason."""


class NodeUnavailable(DecaiError):
    """No node answers at the configured address."""


class UnknownOutcome(DecaiError):
    """A transaction reached the node, or may have, and no answer came back."""


def revert_reason(error: BaseException) -> str:
    """The reason string of a revert, from Ape's or web3's exception."""
    message = getattr(error, "revert_message", None) or getattr(error, "message", None) or str(error)
    text = str(message).strip()
    return text.splitlines()[0] if text else "reverted without a reason"


# A JSON-RPC error as Ape and web3 print it: {'code': -32000, 'message': '...'}.
_RPC_ERROR = re.compile(r"""\{\s*['"]code['"]\s*:\s*-?\d+\s*,\s*['"]message['"]\s*:\s*(['"])(?P<message>.*?)\1""")
_TX_GAS_CAP = "16,777,216"
# What a node's refusal means, and what to change, by the words nodes use.
_NODE_REFUSALS = [
    (
        r"tx_gas_limit_cap|gas limit too high|exceeds (the )?(maximum )?(transaction|tx) gas (limit )?cap"
        r"|exceeds allowance: 16777216|intrinsic gas too high",
        f"the node refuses transactions over the per-transaction gas cap of {_TX_GAS_CAP} (EIP-7825): "
        f"send less per transaction (for a deployment, --max-gas-per-tx at most {_TX_GAS_CAP}, the default)",
    ),
    (
        r"exceeds block gas limit|gas limit reached|gas required exceeds allowance",
        "the transaction asks for more gas than a block holds: lower --max-gas-per-tx",
    ),
    (
        r"insufficient funds",
        "the sending account cannot pay for this transaction's gas and value: "
        "fund it, or choose another with --account",
    ),
    (
        r"nonce too low|already known|replacement transaction underpriced",
        "the account already has a transaction with this nonce: wait until it is mined, then run the command again",
    ),
    (
        r"max fee per gas less than block base fee|fee cap less than|transaction underpriced",
        "the fee offered is below what the node asks now: run the command again to price it anew",
    ),
]


def node_refusal(text: str) -> str | None:
    """One sentence for a JSON-RPC error in `text` (which says what to change
    when the refusal is a known one), or None when `text` holds none."""
    found = _RPC_ERROR.search(text)
    if found is None:
        return None
    message = found.group("message").strip()
    for pattern, sentence in _NODE_REFUSALS:
        if re.search(pattern, message, re.IGNORECASE):
            return f"{sentence} (the node said: {message})"
    return f"the node refused the request: {message}"
