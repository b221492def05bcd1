"""Contributions as the data handler records them, and their keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi import encode
from eth_utils import keccak, to_checksum_address


def contribution_key(data: Sequence[int], label: int, added_time: int, author: str) -> bytes:
    """keccak256(abi_encode(data, label, added_time, author)), as on chain.

    `data` is encoded as int64[], `label` as uint64, `added_time` as uint256
    and `author` as address (contracts/lib/common/data_handler.vy).
    """
    return keccak(_encode_key_fields(data, label, added_time, author))


def _word(value: int) -> bytes:
    return (value % 2**256).to_bytes(32, "big")


def _encode_key_fields(data: Sequence[int], label: int, added_time: int, author: str) -> bytes:
    """abi_encode(int64[], uint64, uint256, address), written out: the
    simulation computes thousands of keys and eth_abi's generic encoder
    dominated its run time. Out-of-range values go through eth_abi, which
    raises as before."""
    if not (0 <= label < 2**64 and 0 <= added_time < 2**256 and all(-(2**63) <= int(x) < 2**63 for x in data)):
        return encode(["int64[]", "uint64", "uint256", "address"], [list(data), label, added_time, author])
    address = bytes.fromhex(author[2:] if author[:2] in ("0x", "0X") else author)
    if len(address) != 20:
        return encode(["int64[]", "uint64", "uint256", "address"], [list(data), label, added_time, author])
    head = _word(128) + _word(label) + _word(added_time) + bytes(12) + address
    return head + _word(len(data)) + b"".join(_word(int(x)) for x in data)


@dataclass(frozen=True)
class Contribution:
    """One `AddData` event: everything needed to refund or report it."""

    data: tuple[int, ...]
    label: int
    added_time: int
    author: str
    deposit: int
    block_number: int | None = None
    transaction_hash: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", tuple(int(x) for x in self.data))
        object.__setattr__(self, "author", to_checksum_address(self.author))

    @property
    def key(self) -> bytes:
        return contribution_key(self.data, self.label, self.added_time, self.author)

    def to_dict(self) -> dict:
        return {
            "data": list(self.data),
            "label": self.label,
            "added_time": self.added_time,
            "author": self.author,
            "deposit": self.deposit,
            "block_number": self.block_number,
            "transaction_hash": self.transaction_hash,
            "key": "0x" + self.key.hex(),
        }
