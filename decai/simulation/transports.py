"""How the chain backend's transactions reach the node.

Both transports send the same contract functions with the same fee fields
and return the same values (a test runs both and compares every balance
to the wei): `SdkTransport` through `decai.chain.trainer.Trainer` and Ape,
as scripts do; `RpcTransport` as raw signed transactions over JSON-RPC
(`decai.simulation.rpc`), about ten times faster.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from decai.core.contributions import Contribution
from decai.errors import DecaiError
from decai.simulation.agents import REFUND
from decai.simulation.config import TX_GAS_LIMIT
from decai.simulation.rpc import METHOD_NOT_FOUND, JsonRpcClient, RpcError, codec


class SdkTransport:
    """Transactions and calls through the SDK (`decai.chain.trainer.Trainer`) and Ape,
    as a script or the console sends them; claims are checked first with
    the SDK's `refund_problem` / `report_problem`."""

    name = "sdk"

    def __init__(self, trainer, chain, gas_price: int = 0):
        self.trainer = trainer
        self.chain = chain
        # A price per gas, paid as a priority fee over the anvil's zero base fee.
        self.fees = {"max_priority_fee": gas_price, "max_fee": gas_price} if gas_price else {}
        self.max_fee = gas_price or 2 * int(chain.provider.base_fee) + int(chain.provider.priority_fee)

    def add(self, account, sample, label: int, value: int, now: int) -> tuple[Contribution, int]:
        self.chain.pending_timestamp = now
        contribution = self.trainer.add_data(
            sample, label, sender=account, value=value, gas=TX_GAS_LIMIT, unlearnable=True, **self.fees
        )
        return contribution, int(self.trainer.last_receipt.total_fees_paid)

    def problem(self, kind: str, account, contribution: Contribution, now: int) -> str | None:
        if kind == REFUND:
            return self.trainer.refund_problem(contribution, now)
        return self.trainer.report_problem(contribution, account.address, now)

    def claim(self, kind: str, account, contribution: Contribution, now: int) -> tuple[int, int, int]:
        self.chain.pending_timestamp = now
        method = self.trainer.refund if kind == REFUND else self.trainer.report
        amount = method(contribution, sender=account, gas=TX_GAS_LIMIT, **self.fees)
        burned = 0 if kind == REFUND else self.trainer.burned_in(self.trainer.last_receipt)
        return amount, burned, int(self.trainer.last_receipt.total_fees_paid)

    def predict(self, sample) -> int:
        return self.trainer.predict(sample)

    def predict_batch(self, samples: Sequence) -> list[int]:
        return self.trainer.predict_many(samples)


class RpcTransport:
    """The same contract functions, sent as raw transactions signed with
    each agent's own key, and read with plain `eth_call`s, straight over
    the node's JSON-RPC.

    Ape spends 100-250 ms on each transaction it sends (gas and fee
    look-ups, code checks, a trace for debug logs) and tens of
    milliseconds on each call; a full experiment sends thousands of
    transactions, so this transport encodes with eth_abi, keeps one HTTP
    connection open and gets each receipt with the transaction
    (`eth_sendRawTransactionSync`, where the node has it): under 10 ms per
    transaction. The fee fields are Ape's (its priority fee, on the chain's
    base fee), so the gas paid is the same as through the SDK; a test runs
    both transports and compares every balance to the wei. A claim is
    checked first by running the exact transaction as an `eth_call` on the
    pending block, whose timestamp is the one the transaction will get:
    the contract itself says whether, and why not.
    """

    name = "rpc"

    def __init__(self, trainer, chain, gas_price: int = 0):
        abi = [
            item.model_dump(by_alias=True, mode="json", exclude_none=True)
            for item in trainer.contract.contract_type.abi
        ]
        self.client = JsonRpcClient(chain.provider.web3.provider.endpoint_uri)
        self._sync_send = True  # eth_sendRawTransactionSync: the receipt in one round trip
        self.address = trainer.address
        self.functions, self.events = codec(abi)
        self.chain_id = int(chain.provider.chain_id)
        # A gas price, when given, is paid as a priority fee over the anvil's zero base fee.
        self.priority_fee = gas_price or int(chain.provider.priority_fee)
        self.max_fee = gas_price or 2 * int(chain.provider.base_fee) + self.priority_fee
        self.nonces: dict[str, int] = {}

    def _rpc(self, method: str, params: list):
        return self.client.request(method, params)

    def _set_time(self, now: int) -> None:
        self._rpc("evm_setNextBlockTimestamp", [int(now)])

    def _call(self, name: str, *args, sender: str | None = None, block: str = "latest"):
        function = self.functions[name]
        call = {"to": self.address, "data": function.encode(args)}
        if sender is not None:
            call["from"] = sender
        return function.decode(bytes.fromhex(self._rpc("eth_call", [call, block])[2:]))

    def _send(self, account, data: str, value: int, now: int) -> tuple[dict, int]:
        from eth_account import Account

        address = account.address
        if address not in self.nonces:
            self.nonces[address] = int(self._rpc("eth_getTransactionCount", [address, "pending"]), 16)
        transaction = {
            "type": 2,
            "to": self.address,
            "data": data,
            "nonce": self.nonces[address],
            "gas": TX_GAS_LIMIT,
            "maxFeePerGas": self.max_fee,
            "maxPriorityFeePerGas": self.priority_fee,
            "chainId": self.chain_id,
            "value": value,
        }
        signed = Account.sign_transaction(transaction, account.private_key)
        raw = "0x" + bytes(signed.raw_transaction).hex()
        self._set_time(now)
        receipt = None
        if self._sync_send:
            try:
                receipt = self._rpc("eth_sendRawTransactionSync", [raw])
            except RpcError as error:
                if error.code != METHOD_NOT_FOUND:
                    raise
                self._sync_send = False
                self._set_time(now)
        if receipt is None:
            transaction_hash = self._rpc("eth_sendRawTransaction", [raw])
            for _ in range(3000):  # anvil mines at once; wait a little if it has not
                receipt = self._rpc("eth_getTransactionReceipt", [transaction_hash])
                if receipt is not None:
                    break
                time.sleep(0.01)
            if receipt is None:
                raise DecaiError(f"transaction {transaction_hash} was not mined")
        self.nonces[address] += 1
        transaction_hash = receipt["transactionHash"]
        if int(receipt["status"], 16) != 1:
            raise DecaiError(f"transaction {transaction_hash} reverted")
        return receipt, int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)

    @staticmethod
    def _claim_arguments(kind: str, contribution: Contribution) -> tuple[str, tuple]:
        data = list(contribution.data)
        if kind == REFUND:
            return "refund", (data, contribution.label, contribution.added_time)
        return "report", (data, contribution.label, contribution.added_time, contribution.author)

    def add(self, account, sample, label: int, value: int, now: int) -> tuple[Contribution, int]:
        receipt, fee = self._send(account, self.functions["add_data"].encode((list(sample), label)), value, now)
        args = self.events["AddData"].find(receipt, self.address)
        contribution = Contribution(
            data=tuple(args["data"]),
            label=int(args["label"]),
            added_time=int(args["added_time"]),
            author=args["sender"],
            deposit=int(args["deposit"]),
            block_number=int(receipt["blockNumber"], 16),
            transaction_hash=receipt["transactionHash"],
        )
        return contribution, fee

    def problem(self, kind: str, account, contribution: Contribution, now: int) -> str | None:
        self._set_time(now)
        name, args = self._claim_arguments(kind, contribution)
        try:
            self._call(name, *args, sender=account.address, block="pending")
        except RpcError as error:
            return error.reason
        return None

    def claim(self, kind: str, account, contribution: Contribution, now: int) -> tuple[int, int, int]:
        name, args = self._claim_arguments(kind, contribution)
        receipt, fee = self._send(account, self.functions[name].encode(args), 0, now)
        event_name = "Refund" if kind == REFUND else "Report"
        event = (
            self.events[event_name].find(receipt, self.address) if event_name in self.events else None
        )  # points: no ether moves
        if event is None:
            return 0, 0, fee
        return int(event["amount"]), int(event.get("burned", 0)), fee

    def predict(self, sample) -> int:
        return int(self._call("predict", list(sample)))

    def predict_batch(self, samples: Sequence, batch: int = 100) -> list[int]:
        out: list[int] = []
        for start in range(0, len(samples), batch):
            out.extend(int(p) for p in self._call("predict_batch", [list(s) for s in samples[start : start + batch]]))
        return out


TRANSPORTS = {"rpc": RpcTransport, "sdk": SdkTransport}
