"""A same-block price spike. A contribution one second
before an honest one raises the deposit 60 times (cost_weight * 3600 / 1
instead of cost_weight * 3600 / 60 after a quiet hour); the honest
transaction, priced before, reverts and its sender loses it. The SDK quotes
the pending block, and when it is outbid re-quotes and resends within the
user's cap, or refuses without sending anything."""

from __future__ import annotations

import pytest

from decai.chain.trainer import DEPOSIT_MARGIN, Trainer
from decai.errors import DecaiError
from tests.helpers.chain import HOUR, PARAMETERS, at

FRONT_RUN = [7, 8]
HONEST = [1, 2]


def _front_run_after_first_quote(monkeypatch, trainer, front_runner, chain, t0):
    """Make the front-runner's transaction land right after the honest
    user's first quote, one second before the honest transaction: what a
    front-runner watching the mempool does."""
    quote = Trainer.pending_deposit
    quotes: list[int] = []

    def quote_then_front_run(self):
        price = quote(self)
        quotes.append(price)
        if len(quotes) == 1:
            trainer.contract.add_data(FRONT_RUN, 1, sender=front_runner, value=10 * price)
            at(chain, t0 + 1)
        return price

    monkeypatch.setattr(Trainer, "pending_deposit", quote_then_front_run)
    return quotes


def test_front_run__sdk_requotes_within_the_cap_and_succeeds(sparse_trainer, contributor, stranger, chain, monkeypatch):
    t0 = chain.blocks.head.timestamp + HOUR
    at(chain, t0)
    last = sparse_trainer.contract.last_update_time()
    quotes = _front_run_after_first_quote(monkeypatch, sparse_trainer, stranger, chain, t0)
    cheap, spiked = PARAMETERS.deposit(t0, last), PARAMETERS.deposit(t0 + 1, t0)
    assert spiked >= 60 * cheap - 60

    before = contributor.balance
    contribution = sparse_trainer.add_data(HONEST, 1, sender=contributor, max_deposit=2 * spiked)

    assert quotes == [cheap, spiked]
    assert (contribution.added_time, contribution.deposit) == (t0 + 1, spiked)
    # One transaction only: the outbid attempt was refused by the check
    # before sending. The excess over the deposit came back.
    receipt = sparse_trainer.last_receipt
    assert receipt.value == spiked + int(spiked * DEPOSIT_MARGIN)
    assert contributor.balance == before - spiked - receipt.total_fees_paid


def test_front_run__above_the_cap__refuses_without_sending(sparse_trainer, contributor, stranger, chain, monkeypatch):
    t0 = chain.blocks.head.timestamp + HOUR
    at(chain, t0)
    last = sparse_trainer.contract.last_update_time()
    _front_run_after_first_quote(monkeypatch, sparse_trainer, stranger, chain, t0)
    cheap, spiked = PARAMETERS.deposit(t0, last), PARAMETERS.deposit(t0 + 1, t0)
    cap = 2 * cheap
    nonce, balance = contributor.nonce, contributor.balance

    with pytest.raises(DecaiError) as refusal:
        sparse_trainer.add_data(HONEST, 1, sender=contributor, max_deposit=cap)

    assert str(refusal.value) == f"the deposit is now {spiked} wei, above your maximum of {cap} wei: nothing was sent"
    assert "\n" not in str(refusal.value)
    assert (contributor.nonce, contributor.balance) == (nonce, balance)


def test_cap_below_the_quote__refuses_at_once(sparse_trainer, contributor, chain):
    at(chain, chain.blocks.head.timestamp + 1)
    price = sparse_trainer.pending_deposit()
    nonce = contributor.nonce
    with pytest.raises(DecaiError, match=f"the deposit is now {price} wei, above your maximum of {price - 1} wei"):
        sparse_trainer.add_data(HONEST, 1, sender=contributor, max_deposit=price - 1)
    assert contributor.nonce == nonce


def test_cap_limits_the_margin(sparse_trainer, contributor, chain):
    """With a cap between the deposit and the deposit plus the margin, the
    cap is what is sent (and the excess still comes back)."""
    t0 = chain.blocks.head.timestamp + HOUR
    at(chain, t0)
    price = PARAMETERS.deposit(t0, sparse_trainer.contract.last_update_time())
    contribution = sparse_trainer.add_data(HONEST, 1, sender=contributor, max_deposit=price + 1)
    assert contribution.deposit == price
    assert sparse_trainer.last_receipt.value == price + 1
