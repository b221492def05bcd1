"""A stand-in for Sourcify's and Etherscan's verification APIs: it records
every request `ape run verify --publish` sends and answers as the services
do (a job or guid, then "verified"), so a test can check the exact payload."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse


class ExplorerStandin:
    def __init__(self):
        self.requests: list[dict] = []
        recorded = self.requests

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _record(self, body: bytes) -> dict:
                url = urlparse(self.path)
                entry = {"method": self.command, "path": url.path, "query": dict(parse_qsl(url.query)), "body": body}
                recorded.append(entry)
                return entry

            def do_POST(self):
                entry = self._record(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                if entry["path"].startswith("/sourcify/v2/verify/"):
                    self._reply(202, {"verificationId": "job-1"})
                elif entry["path"] == "/etherscan/v2/api":
                    self._reply(200, {"status": "1", "message": "OK", "result": "guid-1"})
                else:
                    self._reply(404, {"message": "not found"})

            def do_GET(self):
                entry = self._record(b"")
                if entry["path"] == "/sourcify/v2/verify/job-1":
                    chain_id, address = recorded[-2]["path"].split("/")[-2:]
                    contract = {"match": "exact_match", "chainId": chain_id, "address": address}
                    self._reply(200, {"isJobCompleted": True, "verificationId": "job-1", "contract": contract})
                elif entry["path"] == "/etherscan/v2/api":
                    self._reply(200, {"status": "1", "message": "OK", "result": "Pass - Verified"})
                else:
                    self._reply(404, {"message": "not found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def environment(self) -> dict[str, str]:
        return {"DECAI_SOURCIFY_URL": f"{self.url}/sourcify", "DECAI_ETHERSCAN_URL": f"{self.url}/etherscan"}

    def sourcify_submission(self) -> tuple[str, dict]:
        """(path, JSON body) of the last verification submitted to Sourcify."""
        entry = [r for r in self.requests if r["method"] == "POST" and r["path"].startswith("/sourcify/")][-1]
        return entry["path"], json.loads(entry["body"])

    def etherscan_submission(self) -> tuple[dict, dict]:
        """(query, form) of the last verification submitted to Etherscan."""
        entry = [r for r in self.requests if r["method"] == "POST" and r["path"].startswith("/etherscan/")][-1]
        return entry["query"], dict(parse_qsl(entry["body"].decode()))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def check_payloads(node_url: str, explorer: ExplorerStandin, api_key: str) -> dict:
    """Check that what was sent reproduces the contract on chain; returns the
    constructor arguments Etherscan was sent, decoded by name.

    - Sourcify and Etherscan got the same standard-JSON input, contract and compiler;
    - compiling that input with the pinned Vyper gives creation code that,
      with the constructor arguments sent, is exactly the creation
      transaction's input, and that deploys exactly the code on chain.
    """
    import vyper
    from eth_abi import decode
    from vyper.cli.vyper_json import compile_json

    from decai.chain.node import rpc

    path, body = explorer.sourcify_submission()
    chain_id, address = path.split("/")[-2:]
    query, form = explorer.etherscan_submission()
    assert query == {"chainid": chain_id} and form["chainid"] == chain_id
    assert form["apikey"] == api_key and form["contractaddress"].lower() == address.lower()
    assert (form["module"], form["action"], form["codeformat"]) == ("contract", "verifysourcecode", "vyper-json")
    standard_json = json.loads(form["sourceCode"])
    assert standard_json == body["stdJsonInput"]
    assert form["contractname"] == body["contractIdentifier"]
    assert body["compilerVersion"] == vyper.__version__ == "0.4.3" and form["compilerversion"] == "vyper:0.4.3"

    source_id, name = body["contractIdentifier"].split(":")
    output = compile_json(standard_json)
    assert not [e for e in output.get("errors", []) if e.get("severity") == "error"], output["errors"]
    compiled = output["contracts"][source_id][name]
    creation = compiled["evm"]["bytecode"]["object"].removeprefix("0x")
    transaction = rpc(node_url, "eth_getTransactionByHash", body["creationTransactionHash"])
    assert transaction["input"].removeprefix("0x") == creation + form["constructorArguements"]
    receipt = rpc(node_url, "eth_getTransactionReceipt", body["creationTransactionHash"])
    assert receipt["contractAddress"].lower() == address.lower()
    # The compiled creation code, run with the arguments sent from the deployer
    # on the state before the deployment, returns exactly the code on chain
    # (runtime and immutables). Vyper 0.4.3's separate runtime output is not
    # compared: with experimental codegen its jump offsets differ from those
    # of the runtime its creation code deploys.
    before = hex(int(receipt["blockNumber"], 16) - 1)
    sent = "0x" + creation + form["constructorArguements"]
    call = {"from": transaction["from"], "data": sent, "gas": hex(16_000_000)}
    on_chain = rpc(node_url, "eth_getCode", address, "latest")
    assert rpc(node_url, "eth_call", call, before) == on_chain != "0x"

    (constructor,) = [entry for entry in compiled["abi"] if entry["type"] == "constructor"]
    types = [_abi_type(i) for i in constructor["inputs"]]
    values = decode(types, bytes.fromhex(form["constructorArguements"]))
    return {i["name"]: value for i, value in zip(constructor["inputs"], values)}


def _abi_type(entry: dict) -> str:
    if entry["type"].startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in entry["components"]) + ")" + entry["type"][5:]
    return entry["type"]
