"""Front-running the price. Before, a contribution placed just before an
honest one restarted the price clock, so the price jumped up to 60 times
(cost_weight * 3600 / 1 instead of cost_weight * 3600 / 60 after a quiet
hour) and the honest transaction, sent with a 25% margin, reverted. Now an
addition moves the clock 7/10 of the way to now, so one addition raises the
price at most 1.83 times, and the SDK sends twice its quote by default: the
honest addition goes through and pays at most twice its quote. More than
one addition in between can push the price past that; then the SDK refuses
without sending unless the caller allows more with `max_deposit`. The
front-runner's best strategy, found by a search over attack sequences
(tests/helpers/deposit_search.py: two additions in the honest
transaction's own block, ahead of it), is performed here through the
mempool: the honest transaction reverts on chain, its sender loses the fee
of one reverted transaction, and the SDK, quoting again, stops."""

from __future__ import annotations

import re

import pytest
from ape.exceptions import ProviderError

import decai.chain.trainer as trainer_module
import decai.chain.transact as transact_module
from decai.chain.trainer import Trainer
from decai.chain.transact import broadcast, transact
from decai.errors import DecaiError, Rejected
from decai.units import to_hex
from tests.helpers.chain import DAY, HOUR, PARAMETERS, advance, at
from tests.helpers.deposit_search import fewest_to_revert, gas_figures, run

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


@pytest.mark.parametrize("additions", [1, 2], ids=["one-addition", "two-additions"])
def test_front_run__searched_worst_case_in_the_honest_block(
    sparse_trainer, contributor, stranger, chain, monkeypatch, additions
):
    """The search's worst case, performed: after a quiet hour, a front-runner
    watching the mempool puts its additions of ordinary samples in the
    honest transaction's own block, ahead of it (a higher tip). Two make the
    SDK's transaction revert on chain with "deposit: insufficient deposit";
    its sender loses that transaction's fee, and the SDK, quoting again,
    refuses in one line without sending a second. One does not: the honest
    addition is mined in the same block, within twice its quote. Either
    way the front-runner is refunded in full a day later."""
    fewest, worst, times = fewest_to_revert(PARAMETERS, HOUR, 0)
    assert (fewest, times) == (2, (0, 0))  # what is performed below
    expected = worst if additions == 2 else run(PARAMETERS, HOUR, 0, (0,))
    c = sparse_trainer.contract
    t0 = c.last_update_time() + HOUR
    at(chain, t0)
    provider = chain.provider
    quotes, outcomes, mined = _record_quotes_and_sends(monkeypatch)

    def front_run_then_send(signed):
        """The honest transaction has been checked and signed: the
        front-runner's additions reach the mempool first, with a higher tip,
        and all are mined together in one block at t0."""
        provider.make_request("evm_setAutomine", [False])
        try:
            for sample in FRONT_RUN[:additions]:
                provider.make_request(
                    "eth_sendTransaction",
                    [
                        {
                            "from": stranger.address,
                            "to": c.address,
                            "data": to_hex(c.add_data.encode_input(sample, 1)),
                            "value": hex(10**19),
                            "gas": hex(500_000),
                            "maxPriorityFeePerGas": hex(100 * 10**9),
                            "maxFeePerGas": hex(1000 * 10**9),
                        }
                    ],
                )
            broadcast(signed)
            provider.make_request("evm_mine", [])
        finally:
            provider.make_request("evm_setAutomine", [True])
        mined.append(signed.hash)

    monkeypatch.setattr(transact_module, "broadcast", front_run_then_send)
    nonce, balance = contributor.nonce, contributor.balance

    if additions == 2:
        with pytest.raises(DecaiError) as refusal:
            sparse_trainer.add_data(HONEST, 1, sender=contributor)
        quote, requote = quotes
        assert str(refusal.value) == (
            f"the deposit is now {requote} wei, above {2 * quote} wei (2 times the first quote); "
            "pass a larger max_deposit (--max-deposit) to pay more: nothing was sent"
        )
        assert outcomes == ["add_data rejected: deposit: insufficient deposit"]
    else:
        contribution = sparse_trainer.add_data(HONEST, 1, sender=contributor)
        quote = quotes[0]
        assert outcomes == ["mined"]
        assert contribution.added_time == t0
        assert contribution.deposit == expected.price <= 2 * quote

    # One honest transaction, in the front-runner's block, after its additions.
    assert len(mined) == 1
    honest = chain.provider.get_receipt(mined[0])
    block = chain.blocks[honest.block_number]
    assert block.timestamp == t0
    senders = [tx.sender for tx in block.transactions]
    assert senders == [stranger.address] * additions + [contributor.address]
    assert quote == expected.quote
    assert honest.failed == (additions == 2)
    # The mirror's figures are the chain's: the front-runner's deposits, and
    # the price the honest transaction met in that block.
    paid = [log.deposit for log in c.AddData.range(honest.block_number, honest.block_number + 1)]
    assert paid[:additions] == list(expected.deposits)
    if honest.failed:  # the state after the block is the front-runner's
        assert c.next_deposit(block_id=honest.block_number) == expected.price > 2 * quote
    # The honest user lost the fee (and, if mined, the deposit it made).
    assert contributor.nonce == nonce + 1
    deposit = 0 if additions == 2 else expected.price
    assert contributor.balance == balance - honest.total_fees_paid - deposit
    if honest.failed:  # the revert costs less gas than one of the front-runner's additions
        assert honest.gas_used < gas_figures()[0]

    # The front-runner's ordinary samples are refunded in full.
    advance(chain, DAY)
    for sample, deposit in zip(FRONT_RUN, expected.deposits):
        receipt = c.refund(sample, 1, t0, sender=stranger)
        assert [log.amount for log in receipt.decode_logs(c.Refund)] == [deposit]


def _record_quotes_and_sends(monkeypatch):
    """Record the SDK's quotes, the outcome of each of its sends, and the
    hashes of the transactions the test mines."""
    quote, send = Trainer.pending_deposit, trainer_module.transact
    quotes: list[int] = []
    outcomes: list[str] = []

    def recorded_quote(self):
        quotes.append(quote(self))
        return quotes[-1]

    def recorded_transact(*args, **kwargs):
        try:
            receipt = send(*args, **kwargs)
        except Rejected as rejection:
            outcomes.append(str(rejection))
            raise
        outcomes.append("mined")
        return receipt

    monkeypatch.setattr(Trainer, "pending_deposit", recorded_quote)
    monkeypatch.setattr(trainer_module, "transact", recorded_transact)
    return quotes, outcomes, []


@pytest.mark.parametrize("trace", ["revert-reason", "output-only", "no-debug-api"])
def test_mined_revert__reason_from_the_nodes_trace(sparse_trainer, contributor, chain, monkeypatch, trace):
    """A transaction mined and reverted (sent here without the check that
    would have refused it) reports the contract's reason, read from the
    node's call trace (its `revertReason`, or else the revert data in its
    `output`, as nodes differ); without a debug API, Ape's words."""
    request = transact_module._request

    def node(method, *params):
        if method != "debug_traceTransaction" or trace == "revert-reason":
            return request(method, *params)
        if trace == "no-debug-api":
            raise ProviderError("the method debug_traceTransaction does not exist/is not available")
        found = request(method, *params)
        return {key: value for key, value in found.items() if key != "revertReason"}

    monkeypatch.setattr(transact_module, "_request", node)
    at(chain, chain.blocks.head.timestamp + HOUR)
    c, nonce = sparse_trainer.contract, contributor.nonce

    with pytest.raises(Rejected) as rejection:
        transact("add_data", c.add_data, HONEST, 1, sender=contributor, value=1, precheck=False)

    reason = r"Transaction '0x[0-9a-f]{64}' failed\." if trace == "no-debug-api" else "deposit: insufficient deposit"
    assert re.fullmatch(f"add_data rejected: {reason}", str(rejection.value))
    assert contributor.nonce == nonce + 1
