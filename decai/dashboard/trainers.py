"""A deposit or points trainer's page: what it takes as input, predictions,
its data set, and the add/refund/report transactions prepared for the
browser's wallet (after the same checks as the `ape run` scripts).

`TrainerPages` is mixed into `decai.dashboard.service.Service`, whose
`trainer`, `summary`, `account`, `pending_time`, `_tx` and `_funds` it uses.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from decai.chain.trainer import DEPOSIT_MARGIN, Trainer
from decai.chain.transact import check_call
from decai.core.contributions import Contribution
from decai.core.fixed_point import from_fixed
from decai.core.mechanisms import take_paid
from decai.dashboard.common import checksum, ether
from decai.errors import DecaiError, Rejected
from decai.units import format_ether

SPARSE_TEXT = ("bow", "hash")


class TrainerPages:
    """Reads and prepared transactions of a trainer's page (see the module)."""

    def input_kind(self, trainer: Trainer) -> dict[str, Any]:
        spec = str(trainer.contract.encoder())
        head = spec.split(":", 1)[0]
        if head in SPARSE_TEXT:
            return {"kind": "text", "spec": spec, "hint": "Raw text, e.g. a one-sentence review"}
        if head == "indices":
            return {"kind": "indices", "spec": spec, "hint": "Feature indices (whole numbers) separated by commas"}
        count = None
        try:
            encoder = trainer.encoder()
            count = len(getattr(encoder, "means", [])) or getattr(encoder, "width", None)
        except DecaiError:
            pass
        if count is None:
            try:
                count = int(getattr(trainer._shape_model(), "dimensions", 0)) or None
            except Exception:  # noqa: BLE001
                count = None
        hint = f"{count} numbers separated by commas" if count else "Numbers separated by commas"
        return {"kind": "numbers", "spec": spec, "count": count, "hint": hint}

    def encode(self, trainer: Trainer, raw: Any) -> tuple[list[int], list[str]]:
        """The sample for raw input, and the words/features it uses."""
        kind = self.input_kind(trainer)
        if not isinstance(raw, str) or not raw.strip():
            raise DecaiError("enter a sample first" if kind["kind"] != "text" else "enter some text first")
        if kind["kind"] == "text":
            encoder = trainer.encoder()
            sample = encoder.encode(raw)
            if not sample:
                raise DecaiError("none of these words is in the model's vocabulary: nothing to predict from")
            return sample, self.describe(trainer, sample)
        parts = [p.strip() for p in raw.replace(";", ",").replace("\n", ",").split(",") if p.strip()]
        if kind["kind"] == "indices":
            try:
                sample = sorted({int(p) for p in parts})
            except ValueError:
                bad = next(p for p in parts if not p.lstrip("-").isdigit())
                raise DecaiError(f"{bad!r} is not a whole number: give feature indices such as 1, 5, 9") from None
            if trainer.mechanism != "market":
                sample = trainer.check_sample(sample)
            return sample, [str(i) for i in sample]
        values = []
        for p in parts:
            try:
                values.append(float(p))
            except ValueError:
                raise DecaiError(f"{p!r} is not a number") from None
        if kind.get("count") and len(values) != kind["count"]:
            raise DecaiError(f"this model takes {kind['count']} numbers; you gave {len(values)}")
        sample = trainer.check_sample(trainer.encoder().encode(values))
        return sample, [f"x{i} = {v:g}" for i, v in enumerate(values)]

    def describe(self, trainer: Trainer, sample) -> list[str]:
        """A sample as people read it: the words of bag-of-words models, the
        feature indices of sparse ones, and the decoded values of dense ones
        (fixed point back to numbers: the values as the model sees them,
        standardised and scaled to unit length by the encoder)."""
        try:
            encoder = trainer.encoder()
        except DecaiError:
            encoder = None
        if encoder is not None and hasattr(encoder, "decode"):
            return encoder.decode(list(sample))
        if self.is_dense(trainer, encoder):
            return [f"{value:.4g}" for value in self.decoded(sample)]
        return [f"#{i}" for i in sample]

    @staticmethod
    def is_dense(trainer: Trainer, encoder=None) -> bool:
        if encoder is not None:
            return getattr(encoder, "kind", "") == "dense"
        return str(trainer.contract.encoder()).split(":", 1)[0] in ("unit", "standard-unit")

    @staticmethod
    def decoded(sample) -> list[float]:
        """A dense sample's fixed-point values as numbers."""
        return [from_fixed(int(v)) for v in sample]

    def label_of(self, trainer: Trainer, label: Any) -> int:
        classes = trainer.classes
        if isinstance(label, str) and label in classes:
            return classes.index(label)
        raise DecaiError(f"unknown class {label!r}: choose one of {', '.join(classes)}")

    def predict(self, address: str, raw: Any) -> dict[str, Any]:
        trainer = self.trainer(address)
        sample, used = self.encode(trainer, raw)
        if trainer.mechanism == "market":
            label = int(trainer.contract.predict(sample))
        else:
            label = trainer.predict(sample)
        return {"label": label, "class": trainer.classes[label], "features": used, "sample": sample}

    def _contribution_view(self, trainer: Trainer, contribution: Contribution) -> dict[str, Any]:
        status = trainer._status_or_none(contribution)
        classes = trainer.classes
        return {
            "data": list(contribution.data),
            "words": self.describe(trainer, contribution.data),
            "raw": self.raw_of(contribution),  # the input as typed, when the raw-input store knows it
            "label": contribution.label,
            "class": classes[contribution.label] if contribution.label < len(classes) else str(contribution.label),
            "added_time": contribution.added_time,
            "author": contribution.author,
            "deposit": ether(contribution.deposit),
            "claimable": ether(status.claimable if status else 0),
            "refunded": bool(status and status.refunded),
            "settled": bool(status and (status.refunded or status.claim_count)),
            "block": contribution.block_number,
            "transaction": contribution.transaction_hash,
        }

    def detail(self, address: str, account: str | None) -> dict[str, Any]:
        trainer = self.trainer(address)
        if trainer.mechanism == "market":
            raise DecaiError(f"{trainer.address} is a prediction market: open it on the market page")
        c = trainer.contract
        now = self.pending_time()
        out = self.summary(trainer.address)
        out["input"] = self.input_kind(trainer)
        out["now"] = now
        out["refund_wait_s"] = int(c.refund_wait_s())
        if trainer.mechanism == "deposit":
            out["quote"] = self.quote(trainer.address)
            out["owner_claim_wait_s"] = int(c.owner_claim_wait_s())
            out["any_address_claim_wait_s"] = int(c.any_address_claim_wait_s())
            out["owner"] = str(c.owner())
            out["cost_weight"] = ether(int(c.cost_weight())) if hasattr(c, "cost_weight") else None
        everything = trainer.contributions()
        out["dataset"] = [self._contribution_view(trainer, x) for x in everything]
        if account:
            me = checksum(account)
            out["account"] = self.account(me)
            mine, others = [], []
            for contribution in everything:
                view = self._contribution_view(trainer, contribution)
                if contribution.author == me:
                    view["problem"] = trainer.refund_problem(contribution, now)
                    view["opens_at"] = contribution.added_time + out["refund_wait_s"]
                    mine.append(view)
                else:
                    problem = trainer.report_problem(contribution, me, now)
                    view["problem"] = problem
                    view["opens_at"] = contribution.added_time + out["refund_wait_s"]
                    if problem is None:
                        view["share"] = ether(self.expected_share(trainer, contribution, me, now))
                        others.append(view)
                    elif not view["settled"] or view["claimable"]["wei"] != "0":
                        others.append(view)
            out["mine"] = mine
            out["others"] = others
            out["good_contributions"] = trainer.good_contributions(me)
            if trainer.mechanism == "points":
                stats = c.stats(me)
                out["points"] = {
                    k: int(getattr(stats, k))
                    for k in ("contributions", "points", "reported", "reports_made")
                    if hasattr(stats, k)
                }
                out["badges"] = trainer.badges(me)
        return out

    def expected_share(self, trainer: Trainer, contribution: Contribution, reporter: str, now: int) -> int:
        """Wei a report or sweep by `reporter` would pay now (the deposit
        mechanism's rule: half of what it removes while the model rejects
        the sample, the rest burned)."""
        if trainer.mechanism != "deposit":
            return 0
        c = trainer.contract
        status = trainer.status(contribution)
        agrees = trainer.predict(contribution.data) == contribution.label
        age = now - contribution.added_time
        if age >= int(c.any_address_claim_wait_s()) or (
            age >= int(c.owner_claim_wait_s()) and reporter == str(c.owner())
        ):
            return take_paid(status.claimable, agrees)
        total = int(c.total_good_contributions())
        share = status.initial_deposit * trainer.good_contributions(reporter) // total if total else 0
        return take_paid(min(share, status.claimable) if share > 0 else status.claimable, agrees)

    def dataset_csv(self, address: str) -> str:
        """The data set as CSV: `text` holds the contributor's own text where
        the raw-input store knows it (else the words of the sample), `data`
        the numbers a dense sample's contributor entered (else the sample's
        decoded fixed-point values), `encoded` the sample as on chain and
        `raw` the raw input as the store keeps it (importable elsewhere)."""
        trainer = self.trainer(address)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            ["text", "label", "class", "data", "encoded", "author", "added_time", "block", "transaction_hash", "raw"]
        )
        dense = self.is_dense(trainer)
        for contribution in trainer.contributions():
            raw = self.raw_of(contribution)
            words = self.describe(trainer, contribution.data)
            if isinstance(raw, list):
                data = [repr(v) for v in raw]
            elif dense:
                data = [repr(v) for v in self.decoded(contribution.data)]
            else:
                data = list(map(str, contribution.data))
            text = raw if isinstance(raw, str) else " ".join(words)
            writer.writerow([
                text, contribution.label, trainer.classes[contribution.label],
                " ".join(data), " ".join(map(str, contribution.data)), contribution.author, contribution.added_time,
                contribution.block_number, contribution.transaction_hash,
                "" if raw is None else raw if isinstance(raw, str) else json.dumps(raw),
            ])  # fmt: skip
        return out.getvalue()

    def prepare_add(self, trainer: Trainer, sender: str, body: dict[str, Any]) -> dict[str, Any]:
        """add_data for the wallet, with the deposit of the block it lands in.

        The deposit is the SDK's quote for the pending block
        (`Trainer.pending_deposit`); the wallet is asked for it plus
        DEPOSIT_MARGIN (another addition just before raises the price), and
        the contract sends back what it does not take. An account that holds
        the deposit and the gas but not the whole margin sends what it can
        spare: it is never refused while it can pay."""
        c = trainer.contract
        sample, used = self.encode(trainer, body.get("input"))
        label = self.label_of(trainer, body.get("label"))
        deposit = trainer.pending_deposit() if trainer.mechanism == "deposit" else 0
        wanted = deposit + int(deposit * DEPOSIT_MARGIN)
        balance = int(self.provider.get_balance(sender))
        fees = self._fees()
        tx = self._tx(sender, c.add_data, [sample, label], deposit)
        gas = int(tx.get("gas", hex(1_000_000)), 16)
        gas_cost = gas * fees["maxFeePerGas"]
        if balance < deposit + gas_cost:
            raise DecaiError(
                f"insufficient funds: the deposit is {format_ether(deposit)} plus up to {format_ether(gas_cost)} "
                f"of gas, and {sender} has {format_ether(balance)}"
            )
        value = min(wanted, balance - gas_cost)
        check_call("add_data", c.add_data, sample, label, sender=sender, value=value)
        tx["value"] = hex(value)
        tx.update({key: hex(fee) for key, fee in fees.items()})
        summary = f"add {len(sample)} feature(s) labelled {trainer.classes[label]}"
        if trainer.mechanism == "deposit":
            summary += (
                f", deposit {format_ether(deposit)} (sending {format_ether(value)}; "
                "what the contract does not take comes back at once)"
            )
        return {"tx": tx, "summary": summary, "features": used, "deposit": ether(deposit), "value": ether(value)}

    @staticmethod
    def contribution(body: dict[str, Any]) -> Contribution:
        try:
            return Contribution(
                data=tuple(int(x) for x in body["data"]),
                label=int(body["label"]),
                added_time=int(body["added_time"]),
                author=checksum(body["author"]),
                deposit=int((body.get("deposit") or {}).get("wei", 0)),
            )
        except (KeyError, TypeError, ValueError):
            raise DecaiError("the contribution is incomplete (data, label, added_time, author)") from None

    def prepare(self, address: str, body: dict[str, Any]) -> dict[str, Any]:
        trainer = self.trainer(address)
        action = body.get("action")
        sender = checksum(body.get("from") or "")
        now = self.pending_time()
        c = trainer.contract
        if trainer.mechanism == "market":
            return self.prepare_market(trainer, action, sender, body)
        if action == "add":
            return self.prepare_add(trainer, sender, body)
        contribution = self.contribution(body.get("contribution") or {})
        if action == "refund":
            if contribution.author != sender:
                raise DecaiError("only the author of a contribution can be refunded: choose that account")
            problem = trainer.refund_problem(contribution, now)
            args = [list(contribution.data), contribution.label, contribution.added_time]
            # A lagging node's clock says "too early": the contract itself decides then (as the SDK does).
            if problem and not trainer._too_early_here(problem, c.refund, tuple(args), sender, {}):
                raise Rejected(f"refund rejected: {problem}")
            check_call("refund", c.refund, *args, sender=sender)
            status = trainer.status(contribution)
            return {"tx": self._tx(sender, c.refund, args), "summary": f"refund {format_ether(status.claimable)}"}
        if action == "report":
            problem = trainer.report_problem(contribution, sender, now)
            args = [list(contribution.data), contribution.label, contribution.added_time, contribution.author]
            if problem and not trainer._too_early_here(problem, c.report, tuple(args), sender, {}):
                raise Rejected(f"report rejected: {problem}")
            check_call("report", c.report, *args, sender=sender)
            share = self.expected_share(trainer, contribution, sender, now)
            return {"tx": self._tx(sender, c.report, args), "summary": f"report, taking {format_ether(share)}"}
        raise DecaiError(f"unknown action {action!r}")
