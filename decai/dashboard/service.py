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

import time
from typing import Any

from decai.chain.explorers import explorer_url
from decai.chain.records import list_records, record_for_address
from decai.chain.trainer import DEPOSIT_MARGIN, Trainer
from decai.core.mechanisms import take_forgets
from decai.dashboard.common import checksum, ether, known_contract
from decai.dashboard.deployments import Deployments
from decai.dashboard.health import HealthPages
from decai.dashboard.markets import MarketPages
from decai.dashboard.provider import ProviderPages
from decai.dashboard.raw_inputs import RawInputPages
from decai.dashboard.trainers import TrainerPages
from decai.errors import DecaiError
from decai.units import format_ether, to_hex

#: Seconds a node that answered is trusted to be there without asking again.
NODE_PROBE_S = 2.0
#: Seconds of trying the probe before the node counts as gone.
PROBE_BUDGET_S = 3.0
#: Seconds a read made for the page keeps being tried (decai.chain.retry's
#: budget, narrowed: the page is waiting, and a gone node is then probed too).
PAGE_READ_BUDGET_S = 8.0


class Service(TrainerPages, MarketPages, ProviderPages, Deployments, HealthPages, RawInputPages):
    """The dashboard's view of one network (the one Ape is connected to).

    The network, accounts, the list of trainers, the transactions' common
    parts and sending/following them are here; a trainer's page is in
    decai.dashboard.trainers, a market's in decai.dashboard.markets and
    deploying a model file in decai.dashboard.deployments."""

    def __init__(self, trusted: dict[int, set[str]] | None = None, series_dir: str | None = None) -> None:
        from pathlib import Path

        from ape import chain

        if series_dir is not None and not Path(series_dir).is_dir():
            raise DecaiError(f"--series {series_dir}: not a folder")
        #: Where the monitor's series files are (decai.dashboard.health).
        self.series_dir = Path(series_dir) if series_dir is not None else None

        self.provider = chain.provider
        #: Addresses a trusted-list file names for this chain (decai.dashboard.trusted).
        self.trusted_listed: set[str] = set((trusted or {}).get(int(self.provider.chain_id), set()))
        #: Addresses added in the browser after the code check (this session).
        self.added: dict[str, str] = {}
        self._trainers: dict[str, Trainer] = {}
        self._listed_known: dict[str, bool] = {}
        self._node_seen = 0.0  # when the node last answered a probe (monotonic s)

    # -- the node's health ---------------------------------------------------------
    @property
    def node_url(self) -> str:
        return str(getattr(self.provider, "http_uri", None) or getattr(self.provider, "uri", None) or "")

    def node_problem(self, cached: bool = False) -> str | None:
        """A sentence naming the node if it does not answer now, else None.

        With `cached`, a node that answered in the last NODE_PROBE_S
        seconds is not asked again."""
        import requests

        if cached and time.monotonic() - self._node_seen < NODE_PROBE_S:
            return None
        url = self.node_url
        if not url:
            return None
        from decai.chain.retry import resilient_request
        from decai.errors import NodeUnavailable

        def probe() -> None:
            body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
            requests.post(url, json=body, timeout=3).raise_for_status()

        try:
            # Under the policy of every read (decai.chain.retry), with a shorter
            # budget: a flaky node (a 429, a dropped connection) is not a dead one;
            # a node that fails every try is.
            resilient_request(url, "eth_chainId", probe, budget_s=PROBE_BUDGET_S)
        except (NodeUnavailable, requests.RequestException):
            return f"the node at {url} does not answer; this page carries on by itself when it is back"
        self._node_seen = time.monotonic()
        return None

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
            # What the page shows: "sepolia" alone would not tell Base Sepolia from Ethereum's.
            "name": f"{network.ecosystem.name}:{network.name}",
            "chain_id": int(self.provider.chain_id),
            "dev": self.is_dev,
            # Where addresses and transactions link to; None on local chains and forks.
            "explorer": explorer_url(int(self.provider.chain_id), self.is_dev),
            "now": self.pending_time(),
            "dev_accounts": [],
        }
        if self.is_dev:
            try:
                addresses = self.provider.make_request("eth_accounts", [])
            except Exception:  # noqa: BLE001 - a node without unlocked accounts
                addresses = []
            info["dev_accounts"] = [
                {"address": checksum(a), "balance": ether(self.provider.get_balance(checksum(a)))}
                for a in addresses[:10]
            ]
        return info

    def account(self, address: str) -> dict[str, Any]:
        address = checksum(address)
        return {"address": address, "balance": ether(self.provider.get_balance(address))}

    def pending_time(self) -> int:
        return Trainer.pending_time()

    # -- the list -----------------------------------------------------------------------
    def trainer(self, address: str) -> Trainer:
        address = checksum(address)
        if address not in self._trainers:
            trainer = Trainer.at(address)
            entry = record_for_address(address, self.provider)
            if entry:
                trainer.record = entry.record
                trainer.encoder_params = entry.record.get("encoder_params") or None
            self._trainers[address] = trainer
        return self._trainers[address]

    def addresses(self) -> list[tuple[str, str | None]]:
        """(address, recorded name) of every fresh record, then the decai
        trainers the trusted list names for this chain, then the added ones."""
        return [(address, name) for address, name, problem in self.entries() if problem is None]

    def entries(self) -> list[tuple[str, str | None, str | None]]:
        """(address, recorded name, why it is not usable or None) of every
        record, then the decai trainers the trusted list names for this
        chain, then the added ones."""
        seen: dict[str, tuple[str | None, str | None]] = {}
        for entry in list_records(self.provider):
            seen.setdefault(checksum(entry.address), (entry.name, entry.problem))
        for address in sorted(self.trusted_listed):
            if address not in self._listed_known:
                # Listed only if its code is a decai contract's, like an address added by hand.
                self._listed_known[address] = known_contract(address) is not None
            if self._listed_known[address]:
                seen.setdefault(address, (None, None))
        for address in self.added:
            seen.setdefault(address, (None, None))
        return [(address, name, problem) for address, (name, problem) in seen.items()]

    def trust(self, address: str) -> str | None:
        """Why the trainer at `address` is trusted ("record" or "list"), or None."""
        entry = record_for_address(address, self.provider)
        if entry is not None and not entry.stale:
            return "record"
        return "list" if checksum(address) in self.trusted_listed else None

    def summary(self, address: str, name: str | None = None) -> dict[str, Any]:
        trainer = self.trainer(address)
        c = trainer.contract
        record = getattr(trainer, "record", None) or {}
        out: dict[str, Any] = {
            "address": trainer.address,
            "record": name,
            "trusted": self.trust(trainer.address),
            "deployment": {"transaction": record.get("transaction"), "deployer": record.get("deployer")}
            if record.get("transaction")
            else None,
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
            out["deposit"] = ether(trainer.pending_deposit())
        return out

    def quote(self, address: str) -> dict[str, Any]:
        """The deposit `add_data` takes in the next block (the SDK's quote,
        `Trainer.pending_deposit`), what the wallet is asked for (that plus
        DEPOSIT_MARGIN, the excess coming back at once) and the time it is for."""
        trainer = self.trainer(address)
        deposit = trainer.pending_deposit() if trainer.mechanism == "deposit" else 0
        return {
            "deposit": ether(deposit),
            "value": ether(deposit + int(deposit * DEPOSIT_MARGIN)),
            "margin_percent": round(DEPOSIT_MARGIN * 100),
            "at": self.pending_time(),
        }

    def list(self) -> list[dict[str, Any]]:
        """A summary of every trainer; one that is gone is marked, and the others still show."""
        out = []
        for address, name, problem in self.entries():
            if problem is None:
                try:
                    out.append(self.summary(address, name))
                    continue
                except Exception as error:  # noqa: BLE001 - marked below, in one sentence
                    if self.node_problem():
                        raise
                    self._trainers.pop(address, None)
                    problem = str(error) if isinstance(error, DecaiError) else f"there is no decai trainer at {address}"
                    if self.provider.get_code(address):
                        problem = f"the trainer at {address} cannot be read on this chain"
            out.append({"address": address, "record": name, "missing": problem.splitlines()[0]})
        return out

    def add_address(self, address: str) -> dict[str, Any]:
        address = checksum(address)
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

    # -- transactions the wallet will send ------------------------------------------------------
    def _tx(self, sender: str, method, args: list, value: int = 0) -> dict[str, Any]:
        data = method.encode_input(*args)
        tx = {"from": sender, "to": method.contract.address, "data": to_hex(data), "value": hex(int(value))}
        # A gas limit with room: the node's own estimate can be exact to the
        # unit, and the state (the deposit's clock) moves before the block.
        # Estimated against the pending block, where the transaction lands.
        try:
            estimate = int(str(self.provider.make_request("eth_estimateGas", [tx, "pending"])), 0)
            tx["gas"] = hex(estimate * 5 // 4 + 30_000)
        except Exception:  # noqa: BLE001 - the wallet estimates instead
            pass
        return tx

    def _fees(self) -> dict[str, int]:
        """EIP-1559 fees for a prepared transaction: twice the base fee plus the tip, so
        the gas it may cost (gas limit x maxFeePerGas) is known when its value is chosen."""
        tip = int(str(self.provider.make_request("eth_maxPriorityFeePerGas", [])), 0)
        base = int(self.provider.get_block("pending").base_fee or 0)
        return {"maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip}

    def _funds(self, sender: str, value: int) -> None:
        balance = int(self.provider.get_balance(sender))
        if balance < value:
            raise DecaiError(
                f"insufficient funds: this needs {format_ether(value)} and {sender} has {format_ether(balance)}"
            )

    # -- sending (dev networks only) and following ------------------------------------------------------
    def send_dev(self, tx: dict[str, Any]) -> str:
        if not self.is_dev:
            raise DecaiError("the server sends only for dev accounts on a local network or fork; use your wallet")
        sender = checksum(tx.get("from") or "")
        accounts = [checksum(a) for a in self.provider.make_request("eth_accounts", [])]
        if sender not in accounts:
            raise DecaiError(f"{sender} is not one of the node's dev accounts")
        keys = ("from", "to", "data", "value", "gas", "maxFeePerGas", "maxPriorityFeePerGas")
        fields = {k: tx[k] for k in keys if tx.get(k) is not None}
        # The nonce is fixed and the node signs once; the signed bytes go through
        # decai.chain.transact: sent once, a lost answer or a dropped transaction
        # resolved by hash, then nonce, the same bytes sent again, never new ones.
        fields["nonce"] = str(self.provider.make_request("eth_getTransactionCount", [sender, "pending"]))
        try:
            return self._send_once(sender, fields)
        except Exception as error:  # noqa: BLE001 - the node's reason, in one line
            message = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
            if "insufficient funds" in message.lower():
                message = f"insufficient funds in {sender} for this transaction"
            raise DecaiError(message) from None

    def _send_once(self, sender: str, fields: dict[str, Any]) -> str:
        """Have the node sign `fields` (its unlocked dev account), send the bytes
        once and wait until they are mined; returns the transaction's hash.
        A transaction that reverts is mined too: the page reads why from its receipt."""
        from eth_utils import keccak, to_bytes

        from decai.chain.transact import Signed, broadcast, settle
        from decai.errors import Rejected

        raw = to_bytes(hexstr=str(self.provider.make_request("eth_signTransaction", [fields])))
        signed = Signed("the transaction", raw, to_hex(keccak(raw)), sender, int(fields["nonce"], 0))
        broadcast(signed)
        try:
            settle(signed, confirmations=0)
        except Rejected:
            pass
        return signed.hash

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
            out["outcome"] = self._outcome(checksum(raw["to"]), tx_hash)
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
                    burned = int(getattr(logs[0], "burned", 0) or 0)
                    forgot = what == "taken" and self._forgot(trainer, logs[0], burned)
                    return (
                        f"{what} {format_ether(int(logs[0].amount))}"
                        + (f", {format_ether(burned)} burned" if burned else "")
                        + ("; the sample is removed from the model" if forgot else "")
                    )
        if hasattr(c, "AddData"):
            logs = list(receipt.decode_logs(c.AddData))
            if logs:
                deposit = int(logs[0].event_arguments.get("deposit", 0) or 0)
                return f"added; deposit held {format_ether(deposit)}" if deposit else "added"
        return None

    @staticmethod
    def _forgot(trainer: Trainer, log: Any, burned: int) -> bool:
        """Whether this take removed its sample from the model: a trainer
        that forgets what it takes while rejecting, and no earlier take of
        the same contribution. Read from the `Report` events alone (nodes
        that keep no old states cannot answer a call at an earlier block)."""
        if not trainer.forgets_taken or not burned:
            return False
        here = (int(log.block_number), int(log.log_index))
        earlier = any(
            other.key == log.key and (int(other.block_number), int(other.log_index)) < here
            for other in trainer.contract.Report.range(trainer.deployment_block, here[0] + 1)
        )
        return take_forgets(True, not earlier, burned)


def wait(service: Service, tx_hash: str, timeout_s: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        result = service.receipt(tx_hash)
        if result["status"] != "pending" or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


__all__ = ["Service", "known_contract", "wait"]
