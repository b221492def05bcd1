"""The market provider's checks (decai.dashboard.provider), without a chain:
the create form's messages name its labels, and a commitment or reveal the
page asks for too early, by the wrong account or with a portion that is not
the committed one is refused with a sentence before anything is prepared."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from decai.dashboard.deployments import Deployments
from decai.dashboard.provider import ProviderPages
from decai.errors import DecaiError
from decai.market.client import MarketParameters
from decai.market.encoding import Portion

FORM = {
    "stake": "0.01ether", "min_duration": "1d", "max_duration": "7d", "min_contributions": "10",
    "commit_window": "1d", "reveal_window": "1d",
}  # fmt: skip
PROVIDER = "0x" + "11" * 20
OTHER = "0x" + "22" * 20


class Pages(ProviderPages, Deployments):
    pass


def test_market_form__good_values__the_cli_parameters():
    assert Pages().mechanism_parameters("market", FORM) == MarketParameters(
        10**16, 86_400, 7 * 86_400, 10, 86_400, 86_400
    )
    assert Pages().warnings(MarketParameters()) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("min_duration", "", "“Provider may end after” is empty: enter a duration such as 1d"),
        ("min_duration", "8d", "“Provider may end after” must lie between 0 and “Participation closes after”"),
        ("stake", "0", "“Stake per contribution” must be between 1 and"),
        ("stake", "lots", "“Stake per contribution”: bad amount 'lots'"),
        ("min_contributions", "ten", "“Or after this many contributions”: 'ten' is not a whole number"),
        ("min_contributions", "5000", "“Or after this many contributions” must lie between 0 and 4096"),
        ("reveal_window", "0", "“Time to reveal the first portion” and “Time to reveal the rest” must be positive"),
    ],
)
def test_market_form__bad_value__message_names_the_label(field, value, message):
    with pytest.raises(DecaiError) as error:
        Pages().mechanism_parameters("market", {**FORM, field: value})
    assert str(error.value).startswith(message), str(error.value)
    assert "_s " not in str(error.value) and "min_contributions" not in str(error.value)


def view(**overrides):
    portion = Portion(((1, 2), (3,)), (1, 0), b"\x07" * 32)
    out = {
        "phase": "participation", "now": 1_000, "owner": PROVIDER, "provider": PROVIDER, "is_provider": True,
        "num_features": 10, "num_portions": 2, "hashes": ["0x" + portion.hash().hex(), "0x" + "00" * 32],
        "first_portion": 1, "next_portion": 0, "contributions": 1, "min_contributions": 10,
        "may_end_at": 1_000 + 3_600, "participation_deadline": 1_000 + 7 * 86_400, "reveal_deadline": None,
        "commit_deadline": None,
    }  # fmt: skip
    out.update(overrides)
    return out, portion


def reveal(v, body, sender=PROVIDER, action="reveal"):
    contract = SimpleNamespace(reveal_portion=None, reveal_first_portion=None)  # never reached
    return Pages()._prepare_reveal(contract, v, sender, action, body)


def test_reveal_during_participation__refused_with_the_wait():
    v, portion = view()
    with pytest.raises(DecaiError, match=r"revealed after participation ends; you may end it in 1h$"):
        reveal(v, {"portion": portion.to_dict()})
    v, _ = view(contributions=10)
    with pytest.raises(DecaiError, match=r"you may end it now$"):
        reveal(v, {"portion": portion.to_dict()})


def test_reveal__not_the_provider__refused():
    v, portion = view(phase="reveal", reveal_deadline=2_000)
    with pytest.raises(DecaiError, match=f"only the provider {PROVIDER} may reveal"):
        reveal(v, {"portion": portion.to_dict()}, sender=OTHER)


def test_reveal__after_the_window__refused():
    v, portion = view(phase="reveal", reveal_deadline=1_000)
    with pytest.raises(DecaiError, match="the time to reveal is over"):
        reveal(v, {"portion": portion.to_dict()})


def test_reveal__portion_not_the_committed_one__refused():
    v, portion = view(phase="reveal", reveal_deadline=2_000)
    changed = {**portion.to_dict(), "labels": [0, 0]}
    with pytest.raises(DecaiError, match="portion 0 does not match its committed hash"):
        reveal(v, {"portion": changed})
    with pytest.raises(DecaiError, match="portion 0 is missing: load the secrets file first"):
        reveal(v, {})
    with pytest.raises(DecaiError, match="portion 0 of the secrets file is not valid"):
        reveal(v, {"portion": {**portion.to_dict(), "samples": [[2, 1], [3]]}})


def test_commit__refusals_before_any_call():
    pages = Pages()
    v, _ = view(phase="setup", num_portions=0, hashes=[])
    good = {"hashes": ["0x" + "ab" * 32] * 2, "bounty": "1ether"}
    with pytest.raises(DecaiError, match=f"only the market's owner {PROVIDER} may commit"):
        pages._prepare_commit(None, v, OTHER, good)
    with pytest.raises(DecaiError, match="a commitment holds 2 to 16 portion hashes"):
        pages._prepare_commit(None, v, PROVIDER, {**good, "hashes": ["0x" + "ab" * 32]})
    with pytest.raises(DecaiError, match="is not a 32-byte portion hash"):
        pages._prepare_commit(None, v, PROVIDER, {**good, "hashes": ["0xzz", "0x" + "ab" * 32]})
    with pytest.raises(DecaiError, match="“Bounty”: bad amount"):
        pages._prepare_commit(None, v, PROVIDER, {**good, "bounty": "much"})
    committed, _ = view(phase="committed")
    with pytest.raises(DecaiError, match="already committed"):
        pages._prepare_commit(None, committed, PROVIDER, good)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"features": ""}, "“Features” must be a whole number from 1 to 100000 when no model file is chosen"),
        ({"features": "0"}, "“Features” must be a whole number from 1 to 100000"),
        ({"features": "ten"}, "“Features” must be a whole number from 1 to 100000"),
        ({"model": {"type": "naive_bayes"}}, "a market holds a sparse perceptron; this model file holds a naive_bayes"),
        ({"model": [1, 2]}, "a market holds a sparse perceptron; this model file holds a something else"),
    ],
)
def test_create__no_sparse_perceptron__refused_before_planning(body, message):
    with pytest.raises(DecaiError) as error:
        Pages().plan_market(body)  # no chain: the refusal comes before any estimate
    assert str(error.value).startswith(message), str(error.value)
