"""The `ape console` helpers (ape_console_extras.py), called as the console would.

`ape console -c` always exits 0, so the helpers are imported and called
here instead; tests/integration/test_networks.py runs them on a fork too.
"""

from __future__ import annotations

import re
import sys
import types

import pytest

import ape_console_extras as console
from decai.chain.deploy import deploy_trainer
from decai.chain.records import deployment_record, save_record
from decai.core.fixed_point import ONE
from decai.data.encoders import VocabularyEncoder
from decai.errors import DecaiError
from decai.models import SparsePerceptron
from tests.helpers.chain import DAY, PARAMETERS

VOCABULARY = ["good", "great", "fine", "bad", "awful", "movie", "plot"]


@pytest.fixture
def records(tmp_path, monkeypatch):
    monkeypatch.setenv("DECAI_DEPLOYMENTS", str(tmp_path))
    monkeypatch.delenv("DECAI_ACCOUNT", raising=False)
    return tmp_path


@pytest.fixture
def reviews(owner, chain, records):
    """A text trainer recorded as 'reviews': positive words +2, negative -2."""
    encoder = VocabularyEncoder(VOCABULARY, unknown="skip")
    weights = [2 * ONE, 2 * ONE, 2 * ONE, -2 * ONE, -2 * ONE, 0, 0]
    model = SparsePerceptron(
        name="reviews",
        description="is a review positive?",
        encoder=encoder.spec,
        encoder_params=encoder.params(),
        classes=["negative", "positive"],
        weights=weights,
        intercept=0,
        learning_rate=ONE // 4,
    )
    deployment = deploy_trainer(model, PARAMETERS, owner, progress=False)
    save_record(
        "ethereum", "local", "reviews", deployment_record(deployment, model, PARAMETERS, owner, chain.provider, 0)
    )
    return deployment.contract.address


def test_helpers_are_documented_and_listed(capsys):
    helpers = [
        getattr(console, name) for name in dir(console) if not name.startswith("_") and callable(getattr(console, name))
    ]
    assert all(helper.__doc__ and helper.__doc__.strip() for helper in helpers)
    console.decai_help()
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines()}
    assert {
        "trainer",
        "encode",
        "predict",
        "add",
        "mine",
        "claimable_now",
        "refund",
        "report",
        "reportable",
        "market_phase",
    } <= listed


def test_trainer__by_record_name_or_address(reviews):
    by_name = console.trainer("reviews")
    assert by_name.address == reviews and by_name.record["model_name"] == "reviews"
    by_address = console.trainer(reviews)
    assert by_address.encoder_params == by_name.encoder_params  # found through its record
    assert [entry["status"] for entry in console.records()] == ["ok"]
    with pytest.raises(DecaiError, match=r"^no trainer named 'nope' on ethereum:local \(recorded: reviews\)$"):
        console.trainer("nope")


def test_encode_and_predict__text_through_the_models_encoder(reviews):
    bc = console.trainer("reviews")
    assert console.encode(bc, "A GREAT movie, but an awful plot") == [1, 4, 5, 6]
    assert repr(console.predict("reviews", "good movie")) == "1 (positive)"
    assert console.predict(bc, "bad, awful plot").name == "negative"
    assert console.predict(bc, [3, 4], encoded=True).label == 0


def test_add_mine_wait_refund__the_whole_cycle(reviews, contributor, chain):
    bc = console.trainer("reviews")
    deposit = console.next_deposit(bc)
    assert repr(deposit) == "3.6 ETH" and str(deposit) == "3600000000000000000"  # an int of wei that shows as ether
    before = contributor.balance
    added = console.add(bc, "a fine movie", "positive", sender=contributor)
    assert added.deposit == deposit and added.data == (2, 5) and added.label == 1
    fees = bc.last_receipt.total_fees_paid
    assert contributor.balance == before - deposit - fees  # the margin sent on top came back

    # The next block is a second or so later: a day, or a day less a few seconds.
    about_a_day = "(1d|23h 59m)"
    (state,) = console.mine(bc, contributor)
    assert state.action is None and re.fullmatch(f"too early: refunds open in {about_a_day}", state.why_not)
    assert "deposit 3.6 ETH, claimable 3.6 ETH, 0 claim(s): too early" in repr(state)
    assert re.search(r" UTC \(\ds ago\) by 0x", repr(state))  # when, and how long ago
    assert console.claimable_now(bc, contributor) == []
    assert re.fullmatch(about_a_day, console.refund_opens_in(bc, state))
    with pytest.raises(DecaiError, match=f"^too early: refunds open in {about_a_day}$"):
        console.refund(bc, 0, sender=contributor)

    moved = console.wait("1d")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", repr(moved)) and moved == chain.blocks.head.timestamp
    (ready,) = console.claimable_now(bc, contributor)
    assert ready.action == "refund" and ready.claimable == deposit and repr(ready.claimable) == "3.6 ETH"
    assert re.search(r"\(1d( \d+s)? ago\)", repr(ready))
    refunded = console.refund(bc, sender=contributor)  # every refund claimable now
    assert refunded == deposit and repr(refunded) == "3.6 ETH"
    (done,) = console.mine(bc, contributor)
    assert (done.status.refunded, done.claimable, done.why_not) == (True, 0, "already refunded")


def test_reportable_and_report(reviews, contributor, reporter, chain):
    bc = console.trainer("reviews")
    good = console.add(bc, "great plot", 1, sender=reporter)
    # The model says negative, and would after learning it: added anyway.
    wrong = console.add(bc, "awful awful movie", "positive", sender=contributor, unlearnable=True)
    console.wait(DAY)
    assert console.reportable(bc, reporter) == []  # no good contribution yet
    console.refund(bc, good, sender=reporter)
    (target,) = console.reportable(bc, reporter)
    assert target.contribution == wrong and target.action == "report"
    # The model rejects the sample: half of the deposit is paid, half burned.
    assert console.report(bc, target, sender=reporter) == wrong.deposit // 2
    with pytest.raises(DecaiError, match="^nothing left to take$"):
        console.report(bc, target.index, sender=reporter)


def test_default_account__test_account_on_local_chain_or_DECAI_ACCOUNT(reviews, accounts, monkeypatch):
    assert console.account().address == accounts[0].address
    monkeypatch.setenv("DECAI_ACCOUNT", "TEST::3")
    assert console.account().address == accounts[3].address
    with pytest.raises(DecaiError, match="^no account with alias 'nobody'"):
        console.account("nobody")


def test_wrong_label_name__one_line_error(reviews):
    with pytest.raises(DecaiError, match=r"^'maybe' is not one of the model's classes \['negative', 'positive'\]$"):
        console.add("reviews", "good", "maybe")


def test_market_phase__guarded_when_the_market_is_missing(reviews, monkeypatch):
    monkeypatch.setitem(sys.modules, "decai.market.client", None)  # import fails, as on a checkout without it
    with pytest.raises(
        DecaiError, match=r"^the prediction market is not part of this checkout \(no decai.market.client\)$"
    ):
        console.market_phase("reviews")


def test_market_phase__uses_decai_market_when_present(reviews, monkeypatch):
    class FakeMarket:
        def __init__(self, address):
            self.address = address

        @classmethod
        def at(cls, address):
            return cls(address)

        def status(self):
            return {"address": self.address, "phase": "participation"}

    monkeypatch.setitem(sys.modules, "decai.market.client", types.SimpleNamespace(Market=FakeMarket))
    assert console.market_phase("reviews") == {"address": reviews, "phase": "participation"}


@pytest.fixture
def shell():
    """An IPython shell with the console's error handler and display, as `ape console` has."""
    from IPython.core.interactiveshell import InteractiveShell

    instance = InteractiveShell.instance()
    assert console.install() is True  # finds the running shell, as when Ape loads the extras file
    instance.user_ns.update({name: getattr(console, name) for name in dir(console) if not name.startswith("_")})
    yield instance
    InteractiveShell.clear_instance()


def test_console__decai_error__one_line_instead_of_a_traceback(reviews, shell, capsys):
    result = shell.run_cell("trainer('nope')")
    out, err = capsys.readouterr()
    assert isinstance(result.error_in_exec, DecaiError)
    assert (
        err.startswith("error: no trainer named 'nope' on ethereum:local (recorded: reviews)") and err.count("\n") == 1
    )
    assert "Traceback" not in out + err


def test_console__contract_revert__one_line_with_the_reason(shell, capsys):
    shell.run_cell(
        "from ape.exceptions import ContractLogicError\n"
        "raise ContractLogicError('sparse_perceptron: feature index out of range')"
    )
    out, err = capsys.readouterr()
    assert err == "error: transaction reverted: sparse_perceptron: feature index out of range\n"
    assert "Traceback" not in out


def test_console__other_errors__still_show_their_traceback(shell, capsys):
    shell.run_cell("1 / 0")
    out, err = capsys.readouterr()
    assert "ZeroDivisionError" in out + err and "error: " not in err


def test_console__contribution__shows_ether_and_a_date(reviews, contributor, shell):
    added = console.add("reviews", "a fine movie", "positive", sender=contributor)
    text = shell.display_formatter.format(added)[0]["text/plain"]
    assert re.fullmatch(
        r"Contribution\(label 1, 2 value\(s\), deposit 3\.6 ETH, "
        r"added \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, by 0x\w{40}\)",
        text,
    )


def test_predict__empty_or_all_unknown_text__warns_that_the_sample_is_empty(reviews, capsys):
    prediction = console.predict("reviews", "zzz qqq, nothing it knows")
    assert prediction.label in (0, 1)
    assert capsys.readouterr().err == (
        "warning: the sample is empty: nothing the encoder knows (empty text or only unknown words); "
        "the prediction says nothing about the input\n"
    )
    console.predict("reviews", "good movie")
    assert capsys.readouterr().err == ""
