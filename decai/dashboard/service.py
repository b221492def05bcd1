"""What the dashboard's JSON API does, on the connected Ape network.

Reads, encoding and pre-checks all go through the decai SDK (Trainer,
Market, plan_deployment, the records). A transaction is never signed here:
`prepare_*` returns {from, to, data, value} for the browser's wallet to
send, after the same checks the `ape run` scripts make (refund_problem,
report_problem, check_call), so a request the contract would refuse fails
with one sentence and nothing is sent. Only on development networks (local
anvil, forks) may the server send for a dev account (`send_dev`), with the
node's unlocked accounts: no private key ever passes through this process.
"""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from decai.chain.records import list_records, record_for_address
from decai.chain.trainer import DEPOSIT_MARGIN, Trainer
from decai.chain.transact import check_call
from decai.core.contributions import Contribution
from decai.errors import DecaiError, Rejected
from decai.units import format_ether, human_duration

SPARSE_TEXT = ("bow", "hash")


def _hex(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    text = str(value)
    return text if text.startswith("0x") else "0x" + text


def _checksum(address: str) -> str:
    from eth_utils import is_address, to_checksum_address

    if not isinstance(address, str) or not is_address(address):
        raise DecaiError(f"{address!r} is not an Ethereum address")
    return to_checksum_address(address)


def ether(wei: int) -> dict[str, str]:
    return {"wei": str(int(wei)), "eth": format_ether(int(wei))}


def _embedded_runtime(deployment: bytes, code: bytes) -> bytes | None:
    """The runtime code a Vyper creation code carries: it runs from where
    `code` starts inside it to just before the trailing CBOR metadata (whose
    length, those two bytes included, is the creation code's last two bytes)."""
    metadata = int.from_bytes(deployment[-2:], "big") if len(deployment) > 2 else 0
    start = deployment.find(code[:64]) if len(code) >= 64 else -1
    if start <= 0 or metadata >= len(deployment) - start:
        return None
    return deployment[start : len(deployment) - metadata]


def known_contract(address: str) -> str | None:
    """The name of the decai deployable whose code is at `address`, or None.

    A deployed Vyper contract's code is the runtime its creation code
    carries, followed by its immutables; it must start with the whole
    runtime of one of the compiled contracts shipped in decai/artifacts
    (this checkout's compiled contracts)."""
    from pathlib import Path

    from ape import chain

    from decai.chain.artifacts import container
    from decai.chain.contracts import MECHANISM_CONTRACT_PARTS

    code = bytes(chain.provider.get_code(address) or b"")
    if not code:
        return None
    for path in sorted((Path(__file__).resolve().parents[1] / "artifacts").glob("*.json")):
        if not any(path.stem.startswith(part) for part in MECHANISM_CONTRACT_PARTS.values()):
            continue
        deployment = container(path.stem).contract_type.deployment_bytecode
        creation = bytes.fromhex((deployment.bytecode if deployment else "").removeprefix("0x"))
        runtime = _embedded_runtime(creation, code)
        if runtime and len(runtime) > 256 and code.startswith(runtime):
            return path.stem
    return None


class Service:
    """The dashboard's view of one network (the one Ape is connected to)."""

    def __init__(self) -> None:
        from ape import chain

        self.provider = chain.provider
        #: Addresses added in the browser after the code check (this session).
        self.added: dict[str, str] = {}
        self._trainers: dict[str, Trainer] = {}

    # -- network and accounts ---------------------------------------------------
    @property
    def is_dev(self) -> bool:
        network = self.provider.network
        return bool(network.is_dev) or network.name == "local" or network.name.endswith("-fork")

    def network(self) -> dict[str, Any]:
        network = self.provider.network
        info = {
            "ecosystem": network.ecosystem.name,
            "network": network.name,
            "chain_id": int(self.provider.chain_id),
            "dev": self.is_dev,
            "now": self.pending_time(),
            "dev_accounts": [],
        }
        if self.is_dev:
            try:
                addresses = self.provider.make_request("eth_accounts", [])
            except Exception:  # noqa: BLE001 - a node without unlocked accounts
                addresses = []
            info["dev_accounts"] = [
                {"address": _checksum(a), "balance": ether(self.provider.get_balance(_checksum(a)))}
                for a in addresses[:10]
            ]
        return info

    def account(self, address: str) -> dict[str, Any]:
        address = _checksum(address)
        return {"address": address, "balance": ether(self.provider.get_balance(address))}

    def pending_time(self) -> int:
        return Trainer.pending_time()

    # -- the list -----------------------------------------------------------------------
    def trainer(self, address: str) -> Trainer:
        address = _checksum(address)
        if address not in self._trainers:
            trainer = Trainer.at(address)
            entry = record_for_address(address, self.provider)
            if entry:
                trainer.record = entry.record
                trainer.encoder_params = entry.record.get("encoder_params") or None
            self._trainers[address] = trainer
        return self._trainers[address]

    def addresses(self) -> list[tuple[str, str | None]]:
        """(address, recorded name) of every fresh record, then the added ones."""
        seen: dict[str, str | None] = {}
        for entry in list_records(self.provider):
            if not entry.stale:
                seen.setdefault(_checksum(entry.address), entry.name)
        for address in self.added:
            seen.setdefault(address, None)
        return list(seen.items())

    def summary(self, address: str, name: str | None = None) -> dict[str, Any]:
        trainer = self.trainer(address)
        c = trainer.contract
        out: dict[str, Any] = {
            "address": trainer.address,
            "record": name,
            "name": str(c.name()),
            "description": str(c.description()),
            "mechanism": trainer.mechanism,
            "model_type": trainer.model_type,
            "classes": trainer.classes,
        }
        if trainer.mechanism == "market":
            from decai.market.status import PHASES

            out["phase"] = PHASES[int(c.phase())]
            out["contributions"] = int(c.num_contributions())
            out["stake"] = ether(int(c.stake()))
            out["bounty"] = ether(int(c.bounty()))
        else:
            out["contributions"] = len(trainer.contributions())
            out["deposit"] = ether(trainer.next_deposit())
        return out

    def list(self) -> list[dict[str, Any]]:
        return [self.summary(address, name) for address, name in self.addresses()]

    def add_address(self, address: str) -> dict[str, Any]:
        address = _checksum(address)
        name = known_contract(address)
        if name is None:
            if not self.provider.get_code(address):
                raise DecaiError(f"there is no contract at {address} on this network")
            raise DecaiError(
                f"{address} is not a known decai trainer: its code is not that of any contract "
                "compiled in this checkout"
            )
        self.added[address] = name
        return self.summary(address)

    # -- a trainer's page ------------------------------------------------------------------
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
        """Words (bag-of-words models) or feature indices of a sample."""
        try:
            encoder = trainer.encoder()
        except DecaiError:
            encoder = None
        if encoder is not None and hasattr(encoder, "decode"):
            return encoder.decode(list(sample))
        if str(trainer.contract.encoder()).split(":", 1)[0] in ("indices", "hash", "above-mean"):
            return [f"#{i}" for i in sample]
        return [f"{len(sample)} values"]

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
            "label": contribution.label,
            "class": classes[contribution.label] if contribution.label < len(classes) else str(contribution.label),
            "added_time": contribution.added_time,
            "author": contribution.author,
            "deposit": ether(contribution.deposit),
            "claimable": ether(status.claimable if status else 0),
            "refunded": bool(status and status.refunded),
            "settled": bool(status and (status.refunded or status.claim_count)),
            "block": contribution.block_number,
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
            out["owner_claim_wait_s"] = int(c.owner_claim_wait_s())
            out["any_address_claim_wait_s"] = int(c.any_address_claim_wait_s())
            out["owner"] = str(c.owner())
        everything = trainer.contributions()
        out["dataset"] = [self._contribution_view(trainer, x) for x in everything]
        if account:
            me = _checksum(account)
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
        """Wei a report by `reporter` would take now (the deposit mechanism's rule)."""
        if trainer.mechanism != "deposit":
            return 0
        c = trainer.contract
        status = trainer.status(contribution)
        age = now - contribution.added_time
        if age >= int(c.any_address_claim_wait_s()) or (
            age >= int(c.owner_claim_wait_s()) and reporter == str(c.owner())
        ):
            return status.claimable
        total = int(c.total_good_contributions())
        share = status.initial_deposit * trainer.good_contributions(reporter) // total if total else 0
        return min(share, status.claimable) if share > 0 else status.claimable

    def dataset_csv(self, address: str) -> str:
        trainer = self.trainer(address)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["text", "label", "class", "data", "author", "added_time", "block"])
        for contribution in trainer.contributions():
            words = self.describe(trainer, contribution.data)
            writer.writerow([
                " ".join(words), contribution.label, trainer.classes[contribution.label],
                " ".join(map(str, contribution.data)), contribution.author, contribution.added_time,
                contribution.block_number,
            ])  # fmt: skip
        return out.getvalue()

    # -- transactions the wallet will send ------------------------------------------------------
    def _tx(self, sender: str, method, args: list, value: int = 0) -> dict[str, Any]:
        data = method.encode_input(*args)
        tx = {"from": sender, "to": method.contract.address, "data": _hex(data), "value": hex(int(value))}
        # A gas limit with room: the node's own estimate can be exact to the
        # unit, and the state (the deposit's clock) moves before the block.
        try:
            estimate = int(str(self.provider.make_request("eth_estimateGas", [tx])), 0)
            tx["gas"] = hex(estimate * 5 // 4 + 30_000)
        except Exception:  # noqa: BLE001 - the wallet estimates instead
            pass
        return tx

    def _funds(self, sender: str, value: int) -> None:
        balance = int(self.provider.get_balance(sender))
        if balance < value:
            raise DecaiError(
                f"insufficient funds: this needs {format_ether(value)} and {sender} has {format_ether(balance)}"
            )

    @staticmethod
    def contribution(body: dict[str, Any]) -> Contribution:
        try:
            return Contribution(
                data=tuple(int(x) for x in body["data"]),
                label=int(body["label"]),
                added_time=int(body["added_time"]),
                author=_checksum(body["author"]),
                deposit=int((body.get("deposit") or {}).get("wei", 0)),
            )
        except (KeyError, TypeError, ValueError):
            raise DecaiError("the contribution is incomplete (data, label, added_time, author)") from None

    def prepare(self, address: str, body: dict[str, Any]) -> dict[str, Any]:
        trainer = self.trainer(address)
        action = body.get("action")
        sender = _checksum(body.get("from") or "")
        now = self.pending_time()
        c = trainer.contract
        if trainer.mechanism == "market":
            return self.prepare_market(trainer, action, sender, body)
        if action == "add":
            sample, used = self.encode(trainer, body.get("input"))
            label = self.label_of(trainer, body.get("label"))
            deposit = trainer.next_deposit()
            value = deposit + int(deposit * DEPOSIT_MARGIN)
            self._funds(sender, value)
            check_call("add_data", c.add_data, sample, label, sender=sender, value=value)
            summary = f"add {len(sample)} feature(s) labelled {trainer.classes[label]}" + (
                f", deposit {format_ether(deposit)} (sending {format_ether(value)}; the excess comes back at once)"
                if trainer.mechanism == "deposit"
                else ""
            )
            return {
                "tx": self._tx(sender, c.add_data, [sample, label], value),
                "summary": summary,
                "features": used,
                "deposit": ether(deposit),
                "value": ether(value),
            }
        contribution = self.contribution(body.get("contribution") or {})
        if action == "refund":
            if contribution.author != sender:
                raise DecaiError("only the author of a contribution can be refunded: choose that account")
            problem = trainer.refund_problem(contribution, now)
            if problem:
                raise Rejected(f"refund rejected: {problem}")
            args = [list(contribution.data), contribution.label, contribution.added_time]
            check_call("refund", c.refund, *args, sender=sender)
            status = trainer.status(contribution)
            return {"tx": self._tx(sender, c.refund, args), "summary": f"refund {format_ether(status.claimable)}"}
        if action == "report":
            problem = trainer.report_problem(contribution, sender, now)
            if problem:
                raise Rejected(f"report rejected: {problem}")
            args = [list(contribution.data), contribution.label, contribution.added_time, contribution.author]
            check_call("report", c.report, *args, sender=sender)
            share = self.expected_share(trainer, contribution, sender, now)
            return {"tx": self._tx(sender, c.report, args), "summary": f"report, taking {format_ether(share)}"}
        raise DecaiError(f"unknown action {action!r}")

    # -- markets -----------------------------------------------------------------------------------
    def market(self, address: str, account: str | None) -> dict[str, Any]:
        from decai.market.client import Market

        trainer = self.trainer(address)
        if trainer.mechanism != "market":
            raise DecaiError(f"{trainer.address} is a {trainer.kind} trainer, not a prediction market")
        market = Market(trainer.contract, trainer.deployment_block)
        me = _checksum(account) if account else None
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
                 "class": trainer.classes[x.label], "added_time": x.added_time}
                for x in self._market_contributions(trainer)
            ],
        })  # fmt: skip
        if me:
            out["account"] = self.account(me)
            out["owed"] = ether(status.owed.get(me, 0))
        actions = []
        if status.phase == "participation":
            actions += ["add", "end"]
        if status.phase in ("processing",) or (
            status.phase == "reveal" and status.deadlines.get("reveal deadline", 0) <= out["now"]
        ):
            actions.append("process")
        if me and status.owed.get(me, 0):
            actions.append("withdraw")
        out["actions"] = actions
        return out

    @staticmethod
    def _market_contributions(trainer: Trainer):
        """Market contributions from AddData events (Market.contributions
        reads the range with no stop block, which this Ape refuses)."""
        from ape import chain

        from decai.market.client import MarketContribution

        logs = trainer.contract.AddData.range(trainer.deployment_block, chain.blocks.height + 1)
        return [
            MarketContribution(i, log.event_arguments["sender"], tuple(log.event_arguments["data"]),
                               int(log.event_arguments["label"]), int(log.event_arguments["added_time"]))
            for i, log in enumerate(logs)
        ]  # fmt: skip

    def prepare_market(self, trainer: Trainer, action: str, sender: str, body: dict[str, Any]) -> dict[str, Any]:
        from decai.market.client import Market
        from decai.market.encoding import check_sparse_sample

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
                    from decai.errors import revert_reason

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

    # -- sending (dev networks only) and following ------------------------------------------------------
    def send_dev(self, tx: dict[str, Any]) -> str:
        if not self.is_dev:
            raise DecaiError("the server sends only for dev accounts on a local network or fork; use your wallet")
        sender = _checksum(tx.get("from") or "")
        accounts = [_checksum(a) for a in self.provider.make_request("eth_accounts", [])]
        if sender not in accounts:
            raise DecaiError(f"{sender} is not one of the node's dev accounts")
        fields = {k: tx[k] for k in ("from", "to", "data", "value", "gas") if tx.get(k) is not None}
        try:
            return str(self.provider.make_request("eth_sendTransaction", [fields]))
        except Exception as error:  # noqa: BLE001 - the node's reason, in one line
            message = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
            if "insufficient funds" in message.lower():
                message = f"insufficient funds in {sender} for this transaction"
            raise DecaiError(message) from None

    def receipt(self, tx_hash: str) -> dict[str, Any]:
        raw = self.provider.make_request("eth_getTransactionReceipt", [tx_hash])
        if not raw:
            return {"status": "pending"}
        ok = int(raw["status"], 16) == 1 if isinstance(raw["status"], str) else int(raw["status"]) == 1
        out = {
            "status": "success" if ok else "failed",
            "block": int(str(raw["blockNumber"]), 0),
            "gas_used": int(str(raw["gasUsed"]), 0),
            "contract_address": raw.get("contractAddress"),
        }
        if ok and raw.get("to"):
            out["outcome"] = self._outcome(_checksum(raw["to"]), tx_hash)
        return out

    def _outcome(self, address: str, tx_hash: str) -> str | None:
        trainer = self._trainers.get(address)
        if trainer is None:
            return None
        receipt = self.provider.get_receipt(tx_hash)
        c = trainer.contract
        for event, what in (("Refund", "refunded"), ("Report", "taken")):
            if hasattr(c, event):
                logs = list(receipt.decode_logs(getattr(c, event)))
                if logs and hasattr(logs[0], "amount"):
                    return f"{what} {format_ether(int(logs[0].amount))}"
        if hasattr(c, "AddData"):
            logs = list(receipt.decode_logs(c.AddData))
            if logs:
                deposit = int(logs[0].event_arguments.get("deposit", 0) or 0)
                return f"added; deposit held {format_ether(deposit)}" if deposit else "added"
        return None

    # -- deploying a model file ------------------------------------------------------------------
    def mechanism_parameters(self, mechanism: str, params: dict[str, Any]):
        from decai.core.mechanisms import DepositParameters, PointsParameters
        from decai.units import parse_duration, parse_wei

        def duration(key: str, default: str) -> int:
            text = str(params.get(key) or default).strip()
            try:
                return parse_duration(text)
            except DecaiError as error:
                raise DecaiError(f"{key.replace('_', ' ')}: {error}") from None

        if mechanism == "points":
            return PointsParameters(refund_wait_s=duration("refund_wait", "1d"))
        if mechanism == "deposit":
            try:
                cost = parse_wei(str(params.get("cost_weight") or "1e15"))
            except DecaiError as error:
                raise DecaiError(f"cost weight: {error}") from None
            return DepositParameters(
                refund_wait_s=duration("refund_wait", "1d"),
                owner_claim_wait_s=duration("owner_claim_wait", "10d"),
                any_address_claim_wait_s=duration("any_claim_wait", "20d"),
                cost_weight=cost,
            )
        raise DecaiError(f"choose the deposit or points mechanism, not {mechanism!r}")

    def plan(self, body: dict[str, Any]) -> dict[str, Any]:
        from decai.chain.deploy import _constructor_args, plan_deployment
        from decai.models.base import model_from_dict

        sender = _checksum(body.get("from") or "")
        model = model_from_dict(body.get("model"), body.get("filename") or "the model file")
        parameters = self.mechanism_parameters(body.get("mechanism") or "deposit", body.get("params") or {})
        plan = plan_deployment(model, parameters, sender)
        words = plan.words
        creation = plan.container.constructor.serialize_transaction(
            *_constructor_args(model, parameters, words[: plan.in_constructor], plan.finish_now), sender=sender
        )
        steps = [{"label": "deploy", "to": None, "data": _hex(creation.data), "gas": plan.transactions[0].gas}]
        abi = plan.container.contract_type
        init = next(m for m in abi.methods if m.name == "init_parameters")
        finish = next(m for m in abi.methods if m.name == "finish_setup")
        ecosystem = self.provider.network.ecosystem
        for (start, end), planned in zip(plan.chunks, plan.transactions[1:]):
            data = ecosystem.encode_calldata(init, start, words[start:end])
            steps.append(
                {
                    "label": planned.name,
                    "to": "deployed",
                    "data": _hex(_selector(init) + bytes(data)),
                    "gas": planned.gas,
                }
            )
        if not plan.finish_now:
            steps.append(
                {
                    "label": "finish_setup",
                    "to": "deployed",
                    "data": _hex(_selector(finish)),
                    "gas": plan.transactions[-1].gas,
                }
            )
        from ape import chain

        block_gas = int(chain.blocks.head.gas_limit)
        for step in steps:
            step["value"] = "0x0"
            # Room over the estimate, but never above the block's gas limit.
            step["gas_hex"] = hex(min(int(step["gas"] * 1.3) + 100_000, block_gas))
        gas_price = int(self.provider.gas_price or 0)
        total_gas = sum(s["gas"] for s in steps)
        cost = gas_price * total_gas
        self._funds(sender, cost)
        return {
            "contract": plan.contract_name,
            "steps": steps,
            "words": len(words),
            "total_gas": total_gas,
            "gas_price_gwei": f"{gas_price / 1e9:.3f}",
            "cost": ether(cost),
            "model": model.name,
            "model_type": model.type,
            "classes": model.classes,
            "mechanism": parameters.to_dict(),
        }

    def record_deployment(self, body: dict[str, Any]) -> dict[str, Any]:
        """Write the deployment record once the browser's wallet has sent every step."""
        from decai.chain.contracts import contract_container
        from decai.chain.deploy import Deployment
        from decai.chain.records import deployment_record, save_record
        from decai.models.base import model_from_dict

        model = model_from_dict(body.get("model"), "the model file")
        parameters = self.mechanism_parameters(body.get("mechanism") or "deposit", body.get("params") or {})
        hashes = list(body.get("hashes") or [])
        if not hashes:
            raise DecaiError("no deployment transactions to record")
        receipts = [self.provider.get_receipt(h) for h in hashes]
        address = receipts[0].contract_address
        if not address:
            raise DecaiError("the first transaction did not create a contract")
        if known_contract(address) is None:
            raise DecaiError(f"{address} does not hold a decai trainer's code")
        container = contract_container(parameters.mechanism, model.type)
        contract = container.at(address)
        if not bool(contract.setup_finished()):
            raise DecaiError("the deployment is not finished: its setup is still open")
        labels = body.get("labels") or ["deploy"] * len(receipts)
        deployment = Deployment(
            contract,
            container.contract_type.name,
            [(label, int(r.gas_used)) for label, r in zip(labels, receipts)],
            receipts[0].block_number,
            hashes[0],
        )
        name = (body.get("name") or model.name).strip() or model.name

        class _Sender:  # deployment_record reads only .address
            address = _checksum(body.get("from") or receipts[0].sender)

        record = deployment_record(deployment, model, parameters, _Sender, self.provider, 1)
        network = self.provider.network
        save_record(network.ecosystem.name, network.name, name, record)
        self._trainers.pop(_checksum(address), None)
        return {"address": _checksum(address), "name": name}


def _selector(abi) -> bytes:
    from eth_utils import keccak

    return keccak(text=abi.selector)[:4]


def wait(service: Service, tx_hash: str, timeout_s: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        result = service.receipt(tx_hash)
        if result["status"] != "pending" or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


__all__ = ["Service", "known_contract", "human_duration"]
