"""Contributions as the data handler records them, and their keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from eth_abi import encode
from eth_utils import keccak, to_checksum_address


def contribution_key(data: Sequence[int], label: int, added_time: int, author: str) -> bytes:
    """keccak256(abi_encode(data, label, added_time, author)), as on chain.

    `data` is encoded as int64[], `label` as uint64, `added_time` as uint256
    and `author` as address (contracts/lib/common/data_handler.vy).
    """
    return keccak(encode(["int64[]", "uint64", "uint256", "address"], [list(data), label, added_time, author]))


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
