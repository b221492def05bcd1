"""A trainer's health on its page: the monitor's accuracy series and the
keeper's status for the connected account.

The series is the CSV `ape run monitor --series` writes
(decai.keeper.monitor). `ape run dashboard --series DIR` tells the
dashboard where those files are: for a trainer it reads
`DIR/<address>.csv` (checksummed or lower case) or `DIR/<recorded name>.csv`,
the first that exists. Without --series there is no series.

The keeper status is what `decai.keeper.runner.Keeper` would do for the
account: the same scan, the same reads and the same pure decisions
(decai.keeper.decisions), with nothing sent. The dashboard keeps one
in-memory keeper state per (trainer, account), so each request reads only
the new events.

`HealthPages` is mixed into `decai.dashboard.service.Service`.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from decai.dashboard.common import checksum, ether
from decai.errors import DecaiError


class HealthPages:
    series_dir: Path | None = None

    def series_path(self, address: str) -> Path | None:
        """The series file of the trainer at `address` in the --series folder, or None."""
        if self.series_dir is None:
            return None
        from decai.chain.records import record_for_address

        trainer = self.trainer(address)
        names = [trainer.address, trainer.address.lower()]
        entry = record_for_address(trainer.address, self.provider)
        if entry is not None and not entry.stale:
            names.append(entry.name)
        for stem in names:
            path = self.series_dir / f"{stem}.csv"
            if path.is_file():
                return path
        return None

    def series(self, address: str) -> dict[str, Any]:
        from decai.keeper.monitor import read_series

        path = self.series_path(address)
        if path is None:
            return {"source": None, "rows": []}
        try:
            rows = read_series(path, flag="the series file")
        except (OSError, ValueError) as error:
            raise DecaiError(f"the series {path.name} cannot be read: {error}") from None
        return {
            "source": path.name,
            "rows": [
                {
                    "timestamp": r.timestamp,
                    "block": r.block,
                    "accuracy": r.accuracy,
                    "samples": r.samples,
                    "contributions": r.contributions,
                    "deposits_held": ether(r.deposits_held_wei),
                    "reports": r.reports,
                }
                for r in rows
            ],
        }

    def keeper_status(self, address: str, account: str | None) -> dict[str, Any]:
        from decai.keeper.runner import Keeper
        from decai.keeper.state import KeeperState

        if not account:
            raise DecaiError("choose an account to see its keeper's status")
        trainer = self.trainer(address)
        if trainer.mechanism == "market":
            raise DecaiError("a market has no refunds: its keeper processes steps and withdrawals")
        me = checksum(account)
        keepers = self.__dict__.setdefault("_keepers", {})
        key = (trainer.address, me)
        if key not in keepers:
            state = KeeperState(me, int(self.provider.chain_id))  # no file: the dashboard never writes one
            keepers[key] = Keeper(SimpleNamespace(address=me), [trainer], state, log=lambda line: None)
        out = keepers[key].preview(trainer)
        for item in out["pending_refunds"]:
            item["deposit"] = ether(item["deposit"])
        for action in out["next"]:
            action["expected"] = ether(action["expected"])
            action["gas_cost"] = ether(action["gas_cost"])
        return out
