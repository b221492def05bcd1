"""The SDK says what is wrong in decai's words: only DecaiError subclasses
leave it, and nothing is printed on their way (no call trace, no log line)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from decai.chain.deploy import deploy_trainer
from decai.errors import DecaiError, Rejected
from decai.sdk import Trainer
from tests.helpers.chain import PARAMETERS, sparse_model


@pytest.mark.parametrize("address", ["0x1234", "vitalik.eth", "TEST::0", "0x" + "g" * 40, ""])
def test_trainer_at__not_an_address__decai_error(address):
    with pytest.raises(DecaiError, match=r"is not an address \(0x and 40 hex digits\)$"):
        Trainer.at(address)
    with pytest.raises(DecaiError):
        Trainer.find(address if address.startswith("0x") else "no-such-record")


def test_add_data__deposit_too_small__rejected_and_nothing_printed(accounts, capfd):
    deployment = deploy_trainer(sparse_model(), PARAMETERS, accounts[0], progress=False)
    trainer = Trainer.at(deployment.contract.address)
    capfd.readouterr()
    with pytest.raises(Rejected, match="^add_data rejected: deposit: insufficient deposit$"):
        trainer.add_data([1, 2], 1, sender=accounts[1], value=1)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    trainer.add_data([1, 2], 1, sender=accounts[1])
    out, err = capfd.readouterr()
    assert "INFO" not in out + err and "Confirmed" not in out + err


def test_trainer__no_network_connected__decai_error_says_how():
    script = (
        "from decai.sdk import DecaiError, Trainer\n"
        "for call in (lambda: Trainer.at('0x' + '1' * 40), lambda: Trainer.find('bc')):\n"
        "    try:\n"
        "        call()\n"
        "    except DecaiError as error:\n"
        "        print(type(error).__name__, error)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120)
    message = (
        "DecaiError no network is connected: use the SDK inside `with networks.parse_network_choice(...)`, "
        "an `ape run` script or `ape console`"
    )
    assert done.stdout.splitlines() == [message, message], done.stdout + done.stderr
