"""The simulation's fast JSON-RPC client and ABI codec, checked against
web3.py's contract encoding and event decoding and a local HTTP server."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from eth_abi import encode
from web3 import Web3

from decai.errors import DecaiError
from decai.simulation.rpc import METHOD_NOT_FOUND, AbiEvent, AbiFunction, JsonRpcClient, RpcError, codec

ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
SENDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ABI = [
    {"type": "function", "name": "add_data", "stateMutability": "payable", "outputs": [],
     "inputs": [{"name": "data", "type": "uint256[]"}, {"name": "label", "type": "uint256"}]},
    {"type": "function", "name": "predict", "stateMutability": "view",
     "inputs": [{"name": "data", "type": "uint256[]"}], "outputs": [{"name": "", "type": "int256"}]},
    {"type": "function", "name": "stats", "stateMutability": "view", "inputs": [{"name": "who", "type": "address"}],
     "outputs": [{"name": "", "type": "tuple",
                  "components": [{"name": "points", "type": "uint256"}, {"name": "badges", "type": "uint256"}]}]},
    {"type": "event", "name": "AddData", "anonymous": False, "inputs": [
        {"name": "sender", "type": "address", "indexed": True},
        {"name": "data", "type": "uint256[]", "indexed": False},
        {"name": "label", "type": "uint256", "indexed": False},
        {"name": "added_time", "type": "uint256", "indexed": False},
        {"name": "deposit", "type": "uint256", "indexed": False}]},
]  # fmt: skip


@pytest.fixture(scope="module")
def contract():
    return Web3().eth.contract(address=ADDRESS, abi=ABI)


@pytest.mark.parametrize(
    "name, args",
    [("add_data", ([3, 17, 999], 1)), ("add_data", ([], 0)), ("predict", ([2**255],)), ("stats", (SENDER,))],
)
def test_abi_function_encode__equals_web3s_calldata(contract, name, args):
    functions, _ = codec(ABI)
    assert functions[name].encode(args) == contract.encode_abi(name, args=list(args))


def test_abi_function_decode__one_value_bare_several_as_a_tuple():
    predict, stats = AbiFunction(ABI[1]), AbiFunction(ABI[2])
    assert stats.outputs == ["(uint256,uint256)"]
    assert predict.decode(encode(["int256"], [-5])) == -5
    assert stats.decode(encode(["(uint256,uint256)"], [(7, 3)])) == (7, 3)


def test_abi_event_decode__equals_web3s_decoding_of_the_same_log(contract):
    event = AbiEvent(ABI[3])
    log = {
        "address": ADDRESS.lower(),
        "topics": [event.topic, "0x" + encode(["address"], [SENDER]).hex()],
        "data": "0x" + encode(["uint256[]"] + ["uint256"] * 3, [[1, 4, 9], 1, 1_900_000_000, 10**15]).hex(),
        "blockNumber": "0x5", "blockHash": "0x" + "11" * 32, "transactionHash": "0x" + "22" * 32,
        "transactionIndex": "0x0", "logIndex": "0x0", "removed": False,
    }  # fmt: skip
    ours = event.decode(log)
    theirs = contract.events.AddData().process_log(log)["args"]
    assert {k: list(v) if isinstance(v, tuple) else v for k, v in ours.items()} == dict(
        theirs
    )  # web3 gives arrays as lists
    assert ours["sender"] == SENDER and ours["deposit"] == 10**15
    assert event.find({"logs": [log]}, ADDRESS) == ours
    assert event.find({"logs": [{**log, "address": SENDER}]}, ADDRESS) is None


class _Node(BaseHTTPRequestHandler):
    """Answers eth_chainId, fails every other method as not found."""

    def do_POST(self):  # noqa: N802 - http.server's name
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if request["method"] == "eth_chainId":
            reply = {"jsonrpc": "2.0", "id": request["id"], "result": "0x7a69"}
        elif request["method"] == "eth_call":
            reply = {
                "jsonrpc": "2.0",
                "id": request["id"],
                "error": {"code": 3, "message": "execution reverted: wait not over"},
            }
        else:
            reply = {
                "jsonrpc": "2.0",
                "id": request["id"],
                "error": {"code": METHOD_NOT_FOUND, "message": "method not found"},
            }
        body = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def node_url():
    server = HTTPServer(("127.0.0.1", 0), _Node)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_client__results_errors_with_reasons_and_a_reopened_connection(node_url):
    client = JsonRpcClient(node_url)
    assert client.request("eth_chainId", []) == "0x7a69"
    with pytest.raises(RpcError) as reverted:
        client.request("eth_call", [{}, "latest"])
    assert reverted.value.reason == "wait not over"
    with pytest.raises(RpcError) as missing:
        client.request("eth_sendRawTransactionSync", ["0x"])
    assert missing.value.code == METHOD_NOT_FOUND
    client.close()  # as if the node had dropped the connection
    assert client.request("eth_chainId", []) == "0x7a69"


def test_client__not_plain_http__refused():
    with pytest.raises(DecaiError, match="plain http node URL"):
        JsonRpcClient("wss://node.example/ws")
