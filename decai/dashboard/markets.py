"""A prediction market's page: its status, contributions and the add, end,
process and withdraw transactions prepared for the browser's wallet.

`MarketPages` is mixed into `decai.dashboard.service.Service`, whose
`trainer`, `summary`, `account`, `input_kind`, `encode`, `label_of`, `_tx`
and `_funds` it uses. Everything goes through decai.market.client.Market.
"""

from __future__ import annotations

from typing import Any

from decai.chain.trainer import Trainer
from decai.chain.transact import check_call
from decai.dashboard.common import checksum, ether
from decai.errors import DecaiError, Rejected, revert_reason
from decai.market.client import Market
from decai.market.encoding import check_sparse_sample
from decai.units import format_ether


class MarketPages:
    """Reads and prepared transactions of a market's page (see the module)."""

    def market(self, address: str, account: str | None) -> dict[str, Any]:
        trainer = self.trainer(address)
        if trainer.mechanism != "market":
            raise DecaiError(f"{trainer.address} is a {trainer.kind} trainer, not a prediction market")
        market = Market(trainer.contract, trainer.deployment_block)
        me = checksum(account) if account else None
        status = market.status([me] if me else [])
        out = self.summary(trainer.address)
        out.update({
            "phase": status.phase, "stage": status.stage, "now": self.pending_time(), "provider": status.provider,
            "num_portions": status.num_portions, "num_test_samples": status.num_test_samples,
            "processing_cursor": status.processing_cursor, "rounds_left": status.rounds_left,
            "deadlines": {k: v for k, v in status.deadlines.items() if v},
            "min_contributions": int(trainer.contract.min_contributions())
            if hasattr(trainer.contract, "min_contributions") else None,
            "initial_loss": status.initial_loss, "final_loss": status.final_loss, "forfeited": status.forfeited,
            "balance": ether(status.balance), "total_owed": ether(status.total_owed),
            "input": self.input_kind(trainer),
            "contributions_list": [
                {"index": x.index, "author": x.author, "data": list(x.data), "label": x.label,
                 "class": trainer.classes[x.label], "added_time": x.added_time,
                 "transaction": x.transaction_hash}
                for x in market.contributions()
            ],
        })  # fmt: skip
        if me:
            out["account"] = self.account(me)
            out["owed"] = ether(status.owed.get(me, 0))
        actions = []
        if status.phase == "participation":
            actions.append("add")
            if me and self.may_end(trainer, me):
                actions.append("end")
        if status.phase in ("processing",) or (
            status.phase == "reveal" and status.deadlines.get("reveal deadline", 0) <= out["now"]
        ):
            actions.append("process")
        if me and status.owed.get(me, 0):
            actions.append("withdraw")
        out["actions"] = actions
        return out

    @staticmethod
    def may_end(trainer: Trainer, account: str) -> bool:
        """Whether `account` may end participation now (the contract's own answer, by eth_call)."""
        try:
            check_call("end_participation", trainer.contract.end_participation, sender=account)
        except Rejected:
            return False
        return True

    def prepare_market(self, trainer: Trainer, action: str, sender: str, body: dict[str, Any]) -> dict[str, Any]:
        market = Market(trainer.contract, trainer.deployment_block)
        c = trainer.contract
        if action == "add":
            sample, _ = self.encode(trainer, body.get("input"))
            check_sparse_sample(sample, int(c.num_features()))
            label = self.label_of(trainer, body.get("label"))
            value = market.stake
            self._funds(sender, value)
            check_call("add_data", c.add_data, sample, label, sender=sender, value=value)
            return {
                "tx": self._tx(sender, c.add_data, [sample, label], value),
                "summary": f"add {len(sample)} feature(s) labelled {trainer.classes[label]} "
                f"with a stake of {format_ether(value)}",
            }
        if action == "end":
            check_call("end_participation", c.end_participation, sender=sender)
            return {"tx": self._tx(sender, c.end_participation, []), "summary": "end participation"}
        if action == "process":
            if market.phase not in ("processing", "reveal"):
                raise DecaiError(f"nothing to process in phase {market.phase}")
            steps = int(body.get("steps") or 256)
            while True:
                name, function, args = market._step_call(steps)
                try:
                    estimate = int(function.estimate_gas_cost(*args, sender=sender))
                except Exception as error:  # noqa: BLE001 - a revert: its reason, in one line
                    raise Rejected(f"{name} rejected: {revert_reason(error)}") from None
                if estimate <= 8_000_000 or steps == 1:
                    break
                steps = max(1, steps // 2)
            tx = self._tx(sender, function, list(args))
            tx["gas"] = hex(int(estimate * 1.2) + 50_000)
            return {
                "tx": tx,
                "summary": f"{name} ({market.stage if market.phase == 'processing' else 'forfeit'}, "
                f"up to {steps} steps)",
            }
        if action == "withdraw":
            owed = int(c.owed(sender))
            if owed == 0:
                raise DecaiError(f"the market owes {sender} nothing (phase {market.phase})")
            check_call("withdraw", c.withdraw, sender=sender)
            return {"tx": self._tx(sender, c.withdraw, []), "summary": f"withdraw {format_ether(owed)}"}
        raise DecaiError(f"unknown market action {action!r}")
