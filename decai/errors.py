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
"""

from __future__ import annotations


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
