"""Front-running the price. Before, a contribution placed just before an
honest one restarted the price clock, so the price jumped up to 60 times
(cost_weight * 3600 / 1 instead of cost_weight * 3600 / 60 after a quiet
hour) and the honest transaction, sent with a 25% margin, reverted. Now an
addition moves the clock 7/10 of the way to now, so one addition raises the
price at most 1.83 times, and the SDK sends twice its quote by default: the
honest addition goes through and pays at most twice its quote. More than
one addition in between can push the price past that; then the SDK refuses
without sending unless the caller allows more with `max_deposit`."""

from __future__ import annotations

import pytest

from decai.chain.trainer import Trainer
from decai.errors import DecaiError
from tests.helpers.chain import HOUR, PARAMETERS, at

# Ordinary samples the model learns from (and will agree with): what a
# front-runner would really send, so that it is refunded in full later.
FRONT_RUN = [[7, 8], [9, 10], [11, 12]]
HONEST = [1, 2]


def _front_run_after_first_quote(monkeypatch, trainer, front_runner, chain, times, honest_time):
    """Make the front-runner's additions land right after the honest user's
    first quote, at `times`, and the honest transaction at `honest_time`:
    what a front-runner watching the mempool does."""
    quote = Trainer.pending_deposit
    quotes: list[int] = []

    def quote_then_front_run(self):
        price = quote(self)
        quotes.append(price)
        if len(quotes) == 1:
            for sample, when in zip(FRONT_RUN, times):
                at(chain, when)
                trainer.contract.add_data(sample, 1, sender=front_runner, value=10**19)
            at(chain, honest_time)
        return price

    monkeypatch.setattr(Trainer, "pending_deposit", quote_then_front_run)
    return quotes


@pytest.mark.parametrize("quiet_s", [2, 60, HOUR, 7 * 24 * HOUR])
@pytest.mark.parametrize("delay_s", [0, 1], ids=["same-second", "next-block"])
def test_front_run__one_ordinary_addition_just_before__honest_default_succeeds_within_twice_its_quote(
    sparse_trainer, contributor, stranger, chain, monkeypatch, quiet_s, delay_s
):
    clock = sparse_trainer.contract.last_update_time()
    t0 = max(clock + quiet_s, chain.blocks.head.timestamp + 1)
    at(chain, t0)
    quotes = _front_run_after_first_quote(monkeypatch, sparse_trainer, stranger, chain, [t0], t0 + delay_s)
    before = contributor.balance

    contribution = sparse_trainer.add_data(HONEST, 1, sender=contributor)  # the SDK's defaults

    quote = quotes[0]
    assert quote == PARAMETERS.deposit(t0, clock)
    # One quote, one transaction: the default value covered the new price.
    assert len(quotes) == 1
    assert contribution.added_time == t0 + delay_s
    assert quote <= contribution.deposit <= 2 * quote
    receipt = sparse_trainer.last_receipt
    assert receipt.value == 2 * quote
    assert contributor.balance == before - contribution.deposit - receipt.total_fees_paid
    # The old rule would have charged the restarted clock's price.
    old_price = PARAMETERS.cost_weight * 3600 // max(1, delay_s)
    assert quiet_s < 16 or old_price > 2 * quote


def test_front_run__two_additions__default_cap_refuses_without_sending(
    sparse_trainer, contributor, stranger, chain, monkeypatch
):
    """Two additions in between raise the price past twice the quote: the
    default cap (twice the first quote) refuses with one line, and nothing
    is sent."""
    t0 = sparse_trainer.contract.last_update_time() + HOUR
    at(chain, t0)
    quotes = _front_run_after_first_quote(monkeypatch, sparse_trainer, stranger, chain, [t0, t0 + 1], t0 + 2)
    nonce, balance = contributor.nonce, contributor.balance

    with pytest.raises(DecaiError) as refusal:
        sparse_trainer.add_data(HONEST, 1, sender=contributor)

    quote, requote = quotes
    assert requote > 2 * quote
    assert str(refusal.value) == (
        f"the deposit is now {requote} wei, above {2 * quote} wei (2 times the first quote); "
        "pass a larger max_deposit (--max-deposit) to pay more: nothing was sent"
    )
    assert (contributor.nonce, contributor.balance) == (nonce, balance)


def test_front_run__two_additions__explicit_cap_requotes_and_pays(
    sparse_trainer, contributor, stranger, chain, monkeypatch
):
    t0 = sparse_trainer.contract.last_update_time() + HOUR
    at(chain, t0)
    quotes = _front_run_after_first_quote(monkeypatch, sparse_trainer, stranger, chain, [t0, t0 + 1], t0 + 2)
    before = contributor.balance

    contribution = sparse_trainer.add_data(HONEST, 1, sender=contributor, max_deposit=10 * PARAMETERS.cost_weight * 60)

    quote, requote = quotes
    assert contribution.deposit == requote > 2 * quote
    # One transaction only: the outbid attempt was refused by the check
    # before sending. The excess over the deposit came back.
    receipt = sparse_trainer.last_receipt
    assert receipt.value == 2 * requote
    assert contributor.balance == before - requote - receipt.total_fees_paid


def test_front_run__above_an_explicit_cap__refuses_without_sending(
    sparse_trainer, contributor, stranger, chain, monkeypatch
):
    t0 = sparse_trainer.contract.last_update_time() + HOUR
    at(chain, t0)
    quotes = _front_run_after_first_quote(monkeypatch, sparse_trainer, stranger, chain, [t0, t0 + 1], t0 + 2)
    cap = PARAMETERS.deposit(t0, t0 - HOUR) * 3 // 2
    nonce, balance = contributor.nonce, contributor.balance

    with pytest.raises(DecaiError) as refusal:
        sparse_trainer.add_data(HONEST, 1, sender=contributor, max_deposit=cap)

    expected = f"the deposit is now {quotes[1]} wei, above your maximum of {cap} wei: nothing was sent"
    assert str(refusal.value) == expected
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
