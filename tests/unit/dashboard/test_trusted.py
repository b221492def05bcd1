"""The trusted-list file and the explorer table, without a chain."""

from __future__ import annotations

import json

import pytest

from decai.chain.explorers import EXPLORERS, explorer_url
from decai.dashboard.trusted import load_trusted
from decai.errors import DecaiError

A = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def test_trusted__addresses_per_chain_checksummed(tmp_path):
    path = tmp_path / "trusted.json"
    path.write_text(json.dumps({"84532": [A.lower()], "1": []}))
    assert load_trusted(path) == {84532: {A}, 1: set()}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "line 1: not valid JSON"),
        ('["0x"]', 'the trusted list must be a JSON object {"<chain id>": ["0x…", …]}'),
        ('{"sepolia": []}', "'sepolia' is not a chain id (a decimal number such as \"11155111\")"),
        (json.dumps({"1": A}), "chain 1: the value must be a list of addresses"),
        ('{"1": ["0x1234"]}', "chain 1: '0x1234' is not an Ethereum address"),
        ('{"1": [5]}', "chain 1: 5 is not an Ethereum address"),
    ],
    ids=["not json", "not an object", "not a chain id", "not a list", "short address", "number"],
)
def test_trusted__bad_file__names_file_and_entry(tmp_path, text, message):
    path = tmp_path / "trusted.json"
    path.write_text(text)
    with pytest.raises(DecaiError) as error:
        load_trusted(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)


def test_trusted__missing_file(tmp_path):
    with pytest.raises(DecaiError, match="cannot read the trusted list"):
        load_trusted(tmp_path / "nope.json")


def test_explorers__every_configured_public_network_and_none_on_dev_chains():
    assert EXPLORERS == {
        1: "https://etherscan.io",
        11155111: "https://sepolia.etherscan.io",
        8453: "https://basescan.org",
        84532: "https://sepolia.basescan.org",
        10: "https://optimistic.etherscan.io",
        11155420: "https://sepolia-optimism.etherscan.io",
        42161: "https://arbiscan.io",
        421614: "https://sepolia.arbiscan.io",
    }
    assert explorer_url(11155111) == "https://sepolia.etherscan.io"
    assert explorer_url(11155111, is_dev=True) is None  # a Sepolia fork
    assert explorer_url(31337) is None
