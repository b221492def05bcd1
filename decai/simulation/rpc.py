"""The simulation's fast path to the node: JSON-RPC over one kept-alive
`http.client` connection, and ABI encoding of calls and decoding of
results and events with eth-abi directly.

Why not web3.py's `HTTPProvider` (with a kept-alive requests session) and
a web3 contract object, which Ape already ships? Measured on this project
(2 shared cores, a private anvil, the Rotten Tomatoes sparse perceptron):

=============================================  ===========  =============
workload                                        this module  web3 + eth-abi
=============================================  ===========  =============
1000 ``add_data`` transactions (signed, sync)   10.1 s       25.0 s
1000 ``predict`` calls (``eth_call``)            0.7 s       11.3 s
2000 ``eth_chainId`` requests (transport only)   1.3-1.7 s    7.7-10.0 s
2000 ``add_data`` encodings (codec only)         0.45-0.55 s  7.8-9.2 s
=============================================  ===========  =============

(web3's `contract.encode_abi` looks the function up and validates the
arguments on every call, about 4 ms; a requests round trip costs about
4 ms where `http.client` costs under 1 ms.) A full experiment sends tens
of thousands of transactions and calls, so the library path would be
more than twice as slow; this module keeps the fast path small and is
tested against web3's encoding and decoding (tests/unit/offchain/test_rpc.py).
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from eth_abi import decode, encode
from eth_utils import event_signature_to_log_topic, function_signature_to_4byte_selector, to_checksum_address

from decai.errors import DecaiError

#: JSON-RPC's "method not found".
METHOD_NOT_FOUND = -32601


class RpcError(Exception):
    """A node's JSON-RPC error; `reason` is a revert's reason without the
    node's "execution reverted" prefix."""

    def __init__(self, error: dict):
        super().__init__(error.get("message", "error"))
        self.code = error.get("code")
        message = str(error.get("message", ""))
        self.reason = message.removeprefix("execution reverted: ").removeprefix("execution reverted") or "reverted"


class JsonRpcClient:
    """JSON-RPC requests over one kept-alive HTTP connection, reopened
    once if the node closed it."""

    def __init__(self, url: str, timeout: float = 60):
        parts = urlsplit(url)
        if parts.scheme != "http":
            raise DecaiError(f"the rpc transport needs a plain http node URL, got {url}")
        self.host, self.port, self.path = parts.hostname, parts.port or 80, parts.path or "/"
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None
        self.next_id = 0

    def request(self, method: str, params: list) -> Any:
        """The result of one request; a node error raises `RpcError`."""
        self.next_id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.connection.request("POST", self.path, body=body, headers={"Content-Type": "application/json"})
                response = json.loads(self.connection.getresponse().read())
                break
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == 2:
                    raise
        if response.get("error"):
            raise RpcError(response["error"])
        return response["result"]

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def abi_type(item: dict) -> str:
    """The canonical type of one ABI input or output (tuples spelled out)."""
    kind = item["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(abi_type(c) for c in item["components"]) + ")" + kind[len("tuple") :]
    return kind


class AbiFunction:
    """Calldata for one ABI function, and its decoded result."""

    def __init__(self, item: dict):
        self.name = item["name"]
        self.inputs = [abi_type(i) for i in item.get("inputs", [])]
        self.outputs = [abi_type(o) for o in item.get("outputs", [])]
        self.selector = function_signature_to_4byte_selector(f"{self.name}({','.join(self.inputs)})")

    def encode(self, args: Sequence) -> str:
        """0x-prefixed calldata: the selector, then the encoded arguments."""
        return "0x" + (self.selector + encode(self.inputs, list(args))).hex()

    def decode(self, data: bytes) -> Any:
        """The returned value (a tuple when the function returns several)."""
        values = decode(self.outputs, data)
        return values[0] if len(values) == 1 else values


class AbiEvent:
    """Decodes one event's logs into {argument name: value}."""

    def __init__(self, item: dict):
        inputs = item.get("inputs", [])
        self.name = item["name"]
        self.indexed = [(i["name"], abi_type(i)) for i in inputs if i.get("indexed")]
        self.data = [(i["name"], abi_type(i)) for i in inputs if not i.get("indexed")]
        signature = f"{self.name}({','.join(abi_type(i) for i in inputs)})"
        self.topic = "0x" + event_signature_to_log_topic(signature).hex()

    def decode(self, log: dict) -> dict:
        """A log as the node returns it (hex strings) -> its arguments."""
        names = [name for name, _ in self.data]
        values = dict(zip(names, decode([kind for _, kind in self.data], bytes.fromhex(log["data"][2:]))))
        for (name, kind), topic in zip(self.indexed, log["topics"][1:]):
            value = decode([kind], bytes.fromhex(topic[2:]))[0]
            values[name] = to_checksum_address(value) if kind == "address" else value
        return values

    def find(self, receipt: dict, address: str) -> dict | None:
        """The arguments of this event's first log from `address` in a receipt."""
        for log in receipt["logs"]:
            if log["address"].lower() == address.lower() and log["topics"] and log["topics"][0] == self.topic:
                return self.decode(log)
        return None


def codec(abi: list[dict]) -> tuple[dict[str, AbiFunction], dict[str, AbiEvent]]:
    """(functions by name, events by name) of a contract's ABI."""
    functions = {item["name"]: AbiFunction(item) for item in abi if item.get("type") == "function"}
    events = {item["name"]: AbiEvent(item) for item in abi if item.get("type") == "event"}
    return functions, events
