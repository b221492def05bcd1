"""The deploy form's checks (decai.dashboard.deployments), without a chain:
messages name the form's labels, empty fields are refused, parameters that
leave a trainer without deposits or waits come with warnings, and an
existing deployment record is never replaced without the page's confirmation."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from decai.dashboard.deployments import Deployments
from decai.errors import DecaiError
from tests.helpers.chain import sparse_model

FORM = {"refund_wait": "1d", "owner_claim_wait": "10d", "any_claim_wait": "20d", "cost_weight": "1e15"}


@pytest.fixture
def deployments():
    network = SimpleNamespace(name="local", ecosystem=SimpleNamespace(name="ethereum"))
    pages = Deployments()
    pages.provider = SimpleNamespace(network=network)
    return pages


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("owner_claim_wait", "1d", "“Owner may take leftovers after” must exceed “Refund wait”"),
        ("any_claim_wait", "5d", "“Owner may take leftovers after” must not exceed “Anyone may take leftovers after”"),
        ("cost_weight", "1e30", "“Cost weight (wei)” must be at most"),
        ("refund_wait", "soon", "“Refund wait”: bad duration 'soon'"),
        ("cost_weight", "lots", "“Cost weight (wei)”: bad amount 'lots'"),
    ],
)
def test_parameters__bad_value__message_names_the_label(deployments, field, value, message):
    with pytest.raises(DecaiError) as error:
        deployments.mechanism_parameters("deposit", {**FORM, field: value})
    assert str(error.value).startswith(message)
    assert "_s " not in str(error.value) and "cost_weight" not in str(error.value)


@pytest.mark.parametrize("field", sorted(FORM))
@pytest.mark.parametrize("value", ["", "   ", None])
def test_parameters__empty_field__refused(deployments, field, value):
    with pytest.raises(DecaiError, match=r"^“.+” is empty: enter "):
        deployments.mechanism_parameters("deposit", {**FORM, field: value})


def test_parameters__points_need_only_the_refund_wait(deployments):
    assert deployments.mechanism_parameters("points", {"refund_wait": "2h"}).refund_wait_s == 7200
    with pytest.raises(DecaiError, match="^“Refund wait” is empty"):
        deployments.mechanism_parameters("points", {"refund_wait": ""})


def test_warnings__no_deposit_or_no_wait__named(deployments):
    assert deployments.warnings(deployments.mechanism_parameters("deposit", FORM)) == []
    free = deployments.warnings(deployments.mechanism_parameters("deposit", {**FORM, "cost_weight": "0"}))
    assert len(free) == 1 and free[0].startswith("“Cost weight (wei)” is 0: adding data costs nothing")
    instant = deployments.warnings(deployments.mechanism_parameters("points", {"refund_wait": "0"}))
    assert len(instant) == 1 and instant[0].startswith("“Refund wait” is 0: a contributor may claim its point")


def test_record__existing_name__not_replaced_without_confirmation(deployments, tmp_path, monkeypatch):
    monkeypatch.setenv("DECAI_DEPLOYMENTS", str(tmp_path))
    path = tmp_path / "ethereum_local.json"
    path.write_text(json.dumps({"bc": {"address": "0x" + "ab" * 20}}))
    before = path.read_bytes()
    body = {"model": sparse_model(num_features=8).to_dict(), "name": "bc", "hashes": ["0x" + "11" * 32]}
    for replace in (None, False, "yes", 1):
        with pytest.raises(DecaiError, match=r"^a record named 'bc' already exists \(0xabab"):
            deployments.record_deployment({**body, "replace": replace})
    assert path.read_bytes() == before
    assert deployments.existing_record("bc") == {"name": "bc", "address": "0x" + "ab" * 20}
    assert deployments.existing_record("other") is None
