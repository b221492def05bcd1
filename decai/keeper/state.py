"""The keeper's memory: a JSON file, written whole and atomically.

It holds, per trainer, the next block whose events the keeper has not yet
read, the contributions it has seen (everything needed to refund or report
them), those it is finished with, and the actions it sent (kind per
contribution key, with the transaction hash). The file is only a cache of
the chain: deleted, it is rebuilt from the trainers' `AddData` events, and
the chain's own records (refunded, claimed by this account) keep a rebuilt
keeper from acting twice.

A file written for another account or chain is refused (one line), so two
keepers never share one by mistake.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from decai.core.contributions import Contribution
from decai.errors import DecaiError

VERSION = 1


@dataclass
class TrainerState:
    next_block: int = 0
    contributions: dict[str, Contribution] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)
    #: key -> kinds of action sent (refund, report, sweep).
    done: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "next_block": self.next_block,
            "contributions": {
                key: {
                    "data": list(c.data),
                    "label": c.label,
                    "added_time": c.added_time,
                    "author": c.author,
                    "deposit": c.deposit,
                    "block": c.block_number,
                }
                for key, c in self.contributions.items()
            },
            "finished": sorted(self.finished),
            "done": self.done,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainerState:
        contributions = {
            key: Contribution(
                data=tuple(item["data"]),
                label=int(item["label"]),
                added_time=int(item["added_time"]),
                author=item["author"],
                deposit=int(item["deposit"]),
                block_number=item.get("block"),
            )
            for key, item in data.get("contributions", {}).items()
        }
        return cls(
            next_block=int(data.get("next_block", 0)),
            contributions=contributions,
            finished=set(data.get("finished", [])),
            done={key: list(kinds) for key, kinds in data.get("done", {}).items()},
        )


@dataclass
class KeeperState:
    account: str
    chain_id: int
    trainers: dict[str, TrainerState] = field(default_factory=dict)
    #: Every action sent: {"kind", "trainer", "key", "amount", "tx", "block"}.
    log: list[dict[str, Any]] = field(default_factory=list)
    path: Path | None = None

    def trainer(self, address: str) -> TrainerState:
        return self.trainers.setdefault(address, TrainerState())

    def record(self, trainer: str, kind: str, key: str, amount: int, tx: str | None, block: int | None) -> None:
        """An action that was mined; saved at once."""
        self.trainer(trainer).done.setdefault(key, []).append(kind)
        self.log.append({"kind": kind, "trainer": trainer, "key": key, "amount": amount, "tx": tx, "block": block})
        self.save()

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "account": self.account,
            "chain_id": self.chain_id,
            "trainers": {address: state.to_dict() for address, state in self.trainers.items()},
            "log": self.log,
        }

    def save(self) -> None:
        if self.path is None:
            return
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(self.to_dict(), indent=1))
        os.replace(temporary, self.path)

    @classmethod
    def load(cls, path: str | Path | None, account: str, chain_id: int) -> KeeperState:
        """The state in `path` (a fresh one if the file does not exist yet)."""
        if path is None:
            return cls(account, chain_id)
        path = Path(path)
        if not path.exists():
            if not path.parent.is_dir():
                raise DecaiError(f"--state {path}: directory {path.parent} does not exist")
            return cls(account, chain_id, path=path)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise DecaiError(f"--state {path}: not a keeper state file ({error.__class__.__name__})") from None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise DecaiError(f"--state {path}: not a keeper state file of version {VERSION}")
        if data.get("account") != account or int(data.get("chain_id", -1)) != chain_id:
            raise DecaiError(
                f"--state {path} belongs to {data.get('account')} on chain {data.get('chain_id')}, "
                f"not {account} on chain {chain_id}: use another file"
            )
        trainers = {address: TrainerState.from_dict(item) for address, item in data.get("trainers", {}).items()}
        return cls(account, chain_id, trainers, list(data.get("log", [])), path)
