"""Publish a deployed trainer's or market's source on block explorers.

An explorer shows a contract's source as verified when compiling what it is
sent reproduces the code on chain. decai sends the Vyper standard-JSON input
of the contract (its source and every module it imports, with the compiler
settings Ape compiled it with), the compiler version, the contract's name and
the creation transaction, to

- Sourcify (through ape-sourcify's client; no key needed), whose verified
  sources the Blockscout explorers of Ethereum, Base, OP and Arbitrum show;
- Etherscan's API v2, one endpoint for every chain Etherscan runs an
  explorer for (Etherscan, Basescan, Optimistic Etherscan, Arbiscan), with
  the ABI-encoded constructor arguments. It needs an API key, read from the
  environment variable ETHERSCAN_API_KEY only: decai writes it nowhere.

`publication` builds what is sent, `publish` sends it. The addresses of both
services can be pointed elsewhere (a Sourcify server of your own, a test):
DECAI_SOURCIFY_URL and DECAI_ETHERSCAN_URL.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

from decai.errors import DecaiError
from decai.units import to_hex

ETHERSCAN_KEY = "ETHERSCAN_API_KEY"
SOURCIFY_URL = "DECAI_SOURCIFY_URL"
ETHERSCAN_URL = "DECAI_ETHERSCAN_URL"
DEFAULT_ETHERSCAN_URL = "https://api.etherscan.io"
EXPLORERS = ("sourcify", "etherscan")


@dataclass(frozen=True)
class Publication:
    """Everything an explorer is sent about one deployed contract."""

    chain_id: int
    address: str
    contract_identifier: str  # contracts/<Name>.vy:<Name>
    compiler_version: str
    standard_json: dict[str, Any]
    creation_transaction: str
    constructor_arguments: str  # hex, without 0x

    def sourcify_request(self) -> dict[str, Any]:
        """The body of Sourcify's POST /v2/verify/<chain id>/<address>."""
        return {
            "stdJsonInput": self.standard_json,
            "compilerVersion": self.compiler_version,
            "contractIdentifier": self.contract_identifier,
            "creationTransactionHash": self.creation_transaction.lower(),
        }

    def etherscan_request(self, api_key: str) -> dict[str, Any]:
        """The form of Etherscan's POST /v2/api?chainid=<chain id> (verifysourcecode)."""
        return {
            "module": "contract",
            "action": "verifysourcecode",
            "apikey": api_key,
            "chainid": str(self.chain_id),
            "codeformat": "vyper-json",
            "sourceCode": json.dumps(self.standard_json, sort_keys=True),
            "contractaddress": self.address,
            "contractname": self.contract_identifier,
            "compilerversion": f"vyper:{self.compiler_version}",
            "optimizationUsed": "1",
            # Etherscan's historical spelling, still the field its API reads.
            "constructorArguements": self.constructor_arguments,
        }


def standard_json_input(contract_type, address: str, chain_id: int) -> tuple[dict[str, Any], str]:
    """The Vyper standard-JSON input of `contract_type` as ape-sourcify builds
    it from this project (sources, imports, Ape's compiler settings), and the
    compiler version. Every decai contract states its optimization mode in a
    pragma and Vyper refuses a setting that contradicts one, so Ape's project
    default (`optimize`) is left out: the pragmas decide, as they did when
    Ape compiled the contract."""
    from ape_sourcify.client import SourcifyClient
    from ape_sourcify.verify import SourceVerifier

    verifier = SourceVerifier(address, chain_id, SourcifyClient(), "")
    verifier.__dict__["contract_type"] = contract_type  # decai's shipped artifact, not Ape's address cache
    try:
        payload = verifier.build_standard_json_input()
        version = verifier.compiler_version
    except Exception as error:  # noqa: BLE001 - the plugin's errors name the problem
        raise DecaiError(f"cannot build the source of {contract_type.name} for publication: {error}") from None
    payload["settings"].pop("optimize", None)
    return payload, version


def publication(address: str, creation_transaction: str) -> Publication:
    """What the explorers are sent for the contract at `address`, created by
    `creation_transaction`: the shipped contract whose creation code the
    transaction's input starts with (the rest is the constructor arguments),
    provided its receipt names `address`."""
    from ape import chain

    from decai.chain.artifacts import contract_type, shipped_names

    provider = chain.provider
    try:
        transaction = provider.web3.eth.get_transaction(creation_transaction)
        receipt = provider.web3.eth.get_transaction_receipt(creation_transaction)
    except Exception:  # noqa: BLE001 - web3 raises its own not-found errors
        raise DecaiError(f"no transaction {creation_transaction} on this network") from None
    created = receipt.get("contractAddress") or ""
    if created.lower() != address.lower():
        raise DecaiError(f"transaction {creation_transaction} created {created or 'no contract'}, not {address}")
    data = bytes(transaction["input"])
    found = None
    for name in shipped_names():
        candidate = contract_type(name)
        code = bytes.fromhex(candidate.deployment_bytecode.bytecode.removeprefix("0x"))
        if data.startswith(code) and (found is None or len(code) > len(found[1])):
            found = candidate, code
    if found is None:
        raise DecaiError(f"transaction {creation_transaction} deploys none of the contracts this decai ships")
    deployed, creation_code = found
    standard_json, version = standard_json_input(deployed, address, provider.chain_id)
    return Publication(
        chain_id=provider.chain_id,
        address=address,
        contract_identifier=f"{deployed.source_id}:{deployed.name}",
        compiler_version=version,
        standard_json=standard_json,
        creation_transaction=to_hex(creation_transaction),
        constructor_arguments=data[len(creation_code) :].hex(),
    )


def publish(item: Publication, explorers: tuple[str, ...], timeout_s: float = 300.0, poll_s: float = 3.0) -> list[str]:
    """Send `item` to each of `explorers`; returns one line per explorer."""
    lines = []
    for explorer in explorers:
        if explorer == "sourcify":
            lines.append(_sourcify(item, timeout_s, poll_s))
        elif explorer == "etherscan":
            lines.append(_etherscan(item, timeout_s, poll_s))
        else:
            raise DecaiError(f"unknown explorer {explorer!r}: choose from {', '.join(EXPLORERS)}")
    return lines


def _sourcify(item: Publication, timeout_s: float, poll_s: float) -> str:
    from ape import config
    from ape_sourcify.client import SourcifyClient
    from ape_sourcify.exceptions import ContractAlreadyVerifiedError, SourcifyError

    url = os.environ.get(SOURCIFY_URL) or str(config.get_config("sourcify").get("api_url") or "")
    client = SourcifyClient(url or "https://sourcify.dev/server", retries=3)
    request = item.sourcify_request()
    try:
        job_id = client.submit_verification(
            item.chain_id,
            item.address,
            std_json_input=request["stdJsonInput"],
            compiler_version=request["compilerVersion"],
            contract_identifier=request["contractIdentifier"],
            creation_transaction_hash=request["creationTransactionHash"],
        )
        deadline = time.monotonic() + timeout_s
        while True:
            job = client.get_verification_job(job_id)
            if job.is_job_completed:
                break
            if time.monotonic() >= deadline:
                raise DecaiError(f"Sourcify did not finish verifying {item.address} within {timeout_s:g} s")
            time.sleep(poll_s)
    except ContractAlreadyVerifiedError:
        return f"sourcify: {item.address} was already verified"
    except SourcifyError as error:
        raise DecaiError(f"Sourcify at {client.api_url} refused {item.address}: {error}") from None
    if job.contract is None or job.contract.match is None:
        reason = job.error.message if job.error else "the compiled code does not match"
        raise DecaiError(f"Sourcify did not verify {item.address}: {reason}")
    return f"sourcify: {item.address} verified ({job.contract.match})"


def _etherscan(item: Publication, timeout_s: float, poll_s: float) -> str:
    import requests

    key = os.environ.get(ETHERSCAN_KEY, "").strip()
    if not key:
        raise DecaiError(
            f"publishing on Etherscan needs an API key: export {ETHERSCAN_KEY}=... (etherscan.io/myapikey)"
        )
    url = (os.environ.get(ETHERSCAN_URL) or DEFAULT_ETHERSCAN_URL).rstrip("/") + "/v2/api"
    where = {"chainid": str(item.chain_id)}

    def answer(reply: requests.Response) -> tuple[str, str]:
        try:
            body = reply.json()
        except ValueError:
            raise DecaiError(f"Etherscan at {url} answered HTTP {reply.status_code} without JSON") from None
        return str(body.get("status")), str(body.get("result"))

    try:
        status, result = answer(requests.post(url, params=where, data=item.etherscan_request(key), timeout=60))
        if status != "1":
            if "already verified" in result.lower():
                return f"etherscan: {item.address} was already verified"
            raise DecaiError(f"Etherscan refused {item.address}: {result}")
        deadline = time.monotonic() + timeout_s
        check = dict(where, module="contract", action="checkverifystatus", guid=result, apikey=key)
        while True:
            status, result = answer(requests.get(url, params=check, timeout=60))
            if "pending" not in result.lower():
                break
            if time.monotonic() >= deadline:
                raise DecaiError(f"Etherscan did not finish verifying {item.address} within {timeout_s:g} s")
            time.sleep(poll_s)
    except requests.RequestException as error:
        raise DecaiError(f"cannot reach Etherscan at {url}: {error.__class__.__name__}") from None
    if status != "1" and "already verified" not in result.lower():
        raise DecaiError(f"Etherscan did not verify {item.address}: {result}")
    return f"etherscan: {item.address} {result}"
