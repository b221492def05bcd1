"""The keeper's thin runner: read the chain, ask the decisions, check, send, log.

    keeper = Keeper(account, [Trainer.find("spam-filter")], KeeperState.load("keeper.json", ...))
    keeper.tick()          # once per block (Silverback) or per poll (`ape run keeper`)

Every action goes through the SDK's pre-checks (`Trainer.refund_problem`,
`Trainer.report_problem`, then the pending-block call in
`decai.chain.transact`), so a transaction is sent only if the node says it
will pass. Each action is one log line with its amounts; with `dry_run`
the line says what would be sent and nothing is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from decai.chain.trainer import Trainer
from decai.core.mechanisms import take_paid
from decai.errors import DecaiError, Rejected
from decai.keeper import decisions as d
from decai.keeper.markets import market_action
from decai.keeper.state import KeeperState, TrainerState
from decai.units import format_ether, to_hex

#: Gas units assumed for an action before one of its kind has been mined
#: (measured refunds and reports of the sparse perceptron stay below these).
DEFAULT_GAS = {d.REFUND: 120_000, d.REPORT: 150_000, d.SWEEP: 150_000}

#: Steps a market `process` call starts from (halved while its gas estimate
#: is above the cap, see Market.keep).
MARKET_STEPS = 64


@dataclass
class TickReport:
    """What one tick did (or, dry, would have done)."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _short(value: str) -> str:
    return value[:10]


class Keeper:
    """One account's keeper for a set of trainers (and markets)."""

    def __init__(
        self,
        account,
        trainers: Sequence[Trainer],
        state: KeeperState,
        policy: d.Policy | None = None,
        *,
        markets: Sequence[Any] = (),
        dry_run: bool = False,
        log: Callable[[str], None] = print,
        names: dict[str, str] | None = None,
    ):
        self.account = account
        self.me = account.address
        self.trainers = list(trainers)
        self.markets = list(markets)
        self.state = state
        self.policy = policy or d.Policy()
        self.dry_run = dry_run
        self.log = log
        #: What the log lines call each trainer (by address): the name the user gave.
        self.names = dict(names or {})
        self.gas_units: dict[str, dict[str, int]] = {}
        self._rules: dict[str, d.Rules] = {}
        self._announced: set[tuple[str, str]] = set()

    # -- reading the chain ---------------------------------------------------------
    def rules(self, trainer: Trainer) -> d.Rules:
        if trainer.address not in self._rules:
            c = trainer.contract
            if trainer.mechanism == "points":
                rules = d.Rules("points", int(c.refund_wait_s()), owner=str(c.owner()))
            else:
                rules = d.Rules(
                    "deposit",
                    int(c.refund_wait_s()),
                    int(c.owner_claim_wait_s()),
                    int(c.any_address_claim_wait_s()),
                    str(c.owner()),
                )
            self._rules[trainer.address] = rules
        return self._rules[trainer.address]

    def scan(self, trainer: Trainer, state: TrainerState) -> int:
        """Read `AddData` events from where the last scan stopped; returns how many are new."""
        from ape import chain

        head = int(chain.blocks.height)
        start = max(state.next_block, trainer.deployment_block)
        if start > head:
            return 0
        new = 0
        for contribution in trainer.contributions(start_block=start, stop_block=head + 1):
            key = to_hex(contribution.key)
            if key not in state.contributions:
                state.contributions[key] = contribution
                new += 1
        state.next_block = head + 1
        self.state.save()
        return new

    def seen(self, trainer: Trainer, state: TrainerState, now: int) -> list[d.Seen]:
        """Contributions the keeper may act on now, as the decisions see them."""
        rules = self.rules(trainer)
        items: list[d.Seen] = []
        for key, c in state.contributions.items():
            if key in state.finished or now - c.added_time < rules.refund_wait_s:
                continue  # nothing can be claimed before the refund wait
            status = trainer.status(c)
            claimed = not rules.points and trainer.has_claimed(c, self.me)
            items.append(
                d.Seen(
                    key,
                    c.author,
                    c.label,
                    c.added_time,
                    status.initial_deposit,
                    status.claimable,
                    status.refunded,
                    status.claim_count,
                    claimed,
                )
            )
        ask = [s for s in items if d.wants_prediction(s, now, rules, self.me, self.policy)]
        if ask:
            predictions = trainer.predict_many([state.contributions[s.key].data for s in ask])
            by_key = dict(zip((s.key for s in ask), predictions))
            items = [replace(s, prediction=by_key[s.key]) if s.key in by_key else s for s in items]
        if not rules.points:
            good = total = None
            for index, s in enumerate(items):
                if not d.wants_take(s, now, rules, self.me, self.policy):
                    continue
                if d.take_stage(s, now, rules, self.me) == d.SWEEP:
                    # Without a prediction, assume the model rejects it (half).
                    take = take_paid(s.claimable, s.prediction is not None and s.prediction == s.label)
                else:
                    if good is None:
                        good = trainer.good_contributions(self.me)
                        total = int(trainer.contract.total_good_contributions())
                    take = d.report_take(s.initial_deposit, s.claimable, good, total)
                items[index] = replace(s, take=take)
        return items

    def gas_costs(self, trainer: Trainer) -> dict[str, int]:
        """Wei one action of each kind costs now (units measured on the last one mined)."""
        from ape import chain

        provider = chain.provider
        # What a transaction sent now pays per gas: the base fee plus the tip
        # Ape adds (eth_gasPrice alone reads 0 on a quiet anvil).
        try:
            price = int(provider.base_fee) + int(provider.priority_fee)
        except Exception:  # a node without EIP-1559 fees
            price = int(provider.gas_price)
        price = max(price, int(provider.gas_price))
        units = self.gas_units.get(trainer.address, {})
        return {kind: units.get(kind, default) * price for kind, default in DEFAULT_GAS.items()}

    # -- one round ------------------------------------------------------------------
    def tick(self) -> TickReport:
        """Scan, decide and act once for every trainer and market."""
        from ape.exceptions import ApeException

        report = TickReport()
        for item, step in [(t, self._tick_trainer) for t in self.trainers] + [
            (m, self._tick_market) for m in self.markets
        ]:
            try:
                step(item, report)
            except (DecaiError, ApeException, OSError) as error:
                # A node that hiccups or a trainer that cannot be read: say so
                # in one line and try again next round; the others go on.
                text = str(error).strip().splitlines()
                line = f"{_short(item.address)}: {text[0] if text else error.__class__.__name__}"
                report.failed.append(line)
                self.log(f"error: round failed for {line}")
        return report

    def _tick_trainer(self, trainer: Trainer, report: TickReport) -> None:
        state = self.state.trainer(trainer.address)
        self.scan(trainer, state)
        now = trainer.pending_time()
        rules = self.rules(trainer)
        items = self.seen(trainer, state, now)
        actions = d.decide(self.me, now, items, rules, self.policy, self.gas_costs(trainer), state.done)
        for action in actions:
            self._act(trainer, state, action, now, report)
        if actions:  # the state changed: read it again before marking anything finished
            items = self.seen(trainer, state, trainer.pending_time())
        newly = {s.key for s in items if d.finished(s, now, rules, self.me)}
        if newly - state.finished:
            state.finished |= newly
            self.state.save()

    def _name(self, trainer: Trainer) -> str:
        return self.names.get(trainer.address) or str((trainer.record or {}).get("name") or _short(trainer.address))

    def _act(self, trainer: Trainer, state: TrainerState, action: d.Action, now: int, report: TickReport) -> None:
        contribution = state.contributions[action.key]
        if action.kind == d.REFUND:
            problem = trainer.refund_problem(contribution, now)
        else:
            problem = trainer.report_problem(contribution, self.me, now)
        where = f"{self._name(trainer)} {_short(action.key)} by {_short(contribution.author)}"
        if problem is not None:
            report.skipped.append(f"{action.kind} {where}: {problem}")
            return
        amounts = f"{format_ether(action.expected)} for ~{format_ether(action.gas_cost)} gas"
        if self.dry_run:
            if (action.kind, action.key) not in self._announced:  # each once, not every round
                self._announced.add((action.kind, action.key))
                self.log(f"would {action.kind} {where}: {amounts}")
            report.sent.append({"kind": action.kind, "key": action.key, "amount": action.expected, "dry_run": True})
            return
        try:
            if action.kind == d.REFUND:
                amount = trainer.refund(contribution, sender=self.account)
            else:
                amount = trainer.report(contribution, sender=self.account)
        except (Rejected, DecaiError) as error:
            report.failed.append(f"{action.kind} {where}: {error}")
            self.log(f"error: {action.kind} {where}: {error}")
            return
        receipt = trainer.last_receipt
        gas_used = int(receipt.gas_used)
        self.gas_units.setdefault(trainer.address, {})[action.kind] = gas_used
        paid_gas = gas_used * int(getattr(receipt, "gas_price", 0) or 0)
        tx = to_hex(receipt.txn_hash)
        self.state.record(trainer.address, action.kind, action.key, amount, tx, int(receipt.block_number))
        self.log(f"{action.kind} {where}: {format_ether(amount)}, gas {format_ether(paid_gas)}, tx {tx}")
        report.sent.append(
            {
                "kind": action.kind,
                "key": action.key,
                "amount": amount,
                "gas": paid_gas,
                "gas_used": gas_used,
                "tx": tx,
                "dry_run": False,
            }
        )

    def _tick_market(self, market, report: TickReport) -> None:
        from ape import chain

        c = market.contract
        phase = market.phase
        deadline = int(c.reveal_deadline()) if phase == "reveal" else 0
        owed = int(c.owed(self.me))
        what = market_action(phase, deadline, int(chain.pending_timestamp), owed)
        where = f"market {_short(market.address)}"
        if what is None:
            return
        if self.dry_run:
            detail = format_ether(owed) if what == "withdraw" else f"up to {MARKET_STEPS} steps"
            self.log(f"would {what} {where}: {detail}")
            report.sent.append({"kind": what, "key": market.address, "amount": owed, "dry_run": True})
            return
        try:
            if what == "withdraw":
                amount = market.withdraw(sender=self.account)
                self.log(f"withdraw {where}: {format_ether(amount)}")
            else:
                # Market.keep sizes each call under the gas cap and calls until the market is finished.
                amount = market.keep(sender=self.account, max_steps=MARKET_STEPS)
                self.log(f"process {where} ({phase}): {amount} call(s), now {market.phase}")
        except (Rejected, DecaiError) as error:
            report.failed.append(f"{what} {where}: {error}")
            self.log(f"error: {what} {where}: {error}")
            return
        report.sent.append({"kind": what, "key": market.address, "amount": amount, "dry_run": False})

    # -- what it will do next (the dashboard, `--status`) -------------------------------
    def status(self) -> dict[str, Any]:
        """Per trainer: own contributions whose refund is pending (and when it opens)."""
        now = Trainer.pending_time()
        out: dict[str, Any] = {"account": self.me, "now": now, "trainers": []}
        for trainer in self.trainers:
            state = self.state.trainer(trainer.address)
            rules = self.rules(trainer)
            pending = [
                {"key": key, "added_time": c.added_time, "opens_at": c.added_time + rules.refund_wait_s}
                for key, c in state.contributions.items()
                if c.author == self.me and key not in state.finished and d.REFUND not in state.done.get(key, ())
            ]
            out["trainers"].append(
                {
                    "address": trainer.address,
                    "name": self._name(trainer),
                    "pending_refunds": sorted(pending, key=lambda p: p["opens_at"]),
                    "actions_sent": sum(len(kinds) for kinds in state.done.values()),
                }
            )
        return out

    def preview(self, trainer: Trainer) -> dict[str, Any]:
        """What the keeper knows and would do on `trainer` now, without sending
        anything: its own pending refunds (when each opens), the actions the
        decisions choose now, and when the next refund opens. Reads the
        chain's events into the state like a round does."""
        state = self.state.trainer(trainer.address)
        self.scan(trainer, state)
        now = trainer.pending_time()
        rules = self.rules(trainer)
        items = self.seen(trainer, state, now)
        state.finished |= {s.key for s in items if d.finished(s, now, rules, self.me)}
        actions = d.decide(self.me, now, items, rules, self.policy, self.gas_costs(trainer), state.done)
        pending = [
            d.Seen(key, c.author, c.label, c.added_time, c.deposit, 0, False)
            for key, c in state.contributions.items()
            if c.author == self.me and key not in state.finished and d.REFUND not in state.done.get(key, ())
        ]
        return {
            "account": self.me,
            "now": now,
            "refund_wait_s": rules.refund_wait_s,
            "pending_refunds": sorted(
                (
                    {
                        "key": s.key,
                        "deposit": s.initial_deposit,
                        "added_time": s.added_time,
                        "opens_at": s.added_time + rules.refund_wait_s,
                    }
                    for s in pending
                ),
                key=lambda p: p["opens_at"],
            ),  # fmt: skip
            "next": [{"kind": a.kind, "key": a.key, "expected": a.expected, "gas_cost": a.gas_cost} for a in actions],
            "next_opening": d.next_refund_opening(self.me, now, pending, rules),
        }
