"""Participation: fixed-stake contributions train the live model; the
provider or, after the deadline, anyone ends it."""

import ape
import pytest
from eth_abi import encode

from decai.errors import DecaiError
from decai.market.client import MAX_CONTRIBUTIONS
from decai.market.encoding import chain_values
from tests.helpers.market import BOUNTY, PARAMETERS, STAKE, advance, contribute, initial_model


def test_add_data__records_and_trains(open_market, contributors, chain):
    c = open_market.contract
    model = initial_model()
    receipt = c.add_data([0, 2, 4], 1, sender=contributors[0], value=STAKE)
    model.update([0, 2, 4], 1)
    assert c.num_contributions() == 1
    assert tuple(c.contribution(0)) == (contributors[0].address, 1, True, False, 0, 0)
    assert c.contributions_of(contributors[0]) == 1 and c.contributions_of(contributors[1]) == 0
    assert [c.weight(i) for i in range(6)] == model.weights[:6]
    assert c.chain_head() == chain_values([[0, 2, 4]])[-1]
    event = next(iter(receipt.decode_logs(c.AddData)))
    assert (event.sender, list(event.data), event.label, event.deposit) == (
        contributors[0].address,
        [0, 2, 4],
        1,
        STAKE,
    )
    assert event.added_time == chain.blocks.head.timestamp
    # The model now agrees with this sample: a second copy would not change
    # it, so it is refused (slots cannot be filled for gas alone).
    with ape.reverts("prediction_market: the model already predicts this label"):
        c.add_data([0, 2, 4], 1, sender=contributors[1], value=STAKE)
    assert c.num_contributions() == 1
    assert chain.provider.get_balance(c.address) == BOUNTY + STAKE


def test_contribution__unknown_index__reverts(open_market, contributors):
    contribute(open_market, contributors, 1)
    with ape.reverts("prediction_market: no such contribution"):
        open_market.contract.contribution(1)


def test_add_data__excess_stake_comes_back(open_market, contributors, chain):
    before = contributors[0].balance
    receipt = open_market.contract.add_data([2], 1, sender=contributors[0], value=STAKE * 3)
    assert contributors[0].balance == before - STAKE - receipt.total_fees_paid
    assert chain.provider.get_balance(open_market.address) == BOUNTY + STAKE


def test_add_data__stake_too_low__reverts(open_market, contributors):
    with ape.reverts("prediction_market: stake too low"):
        open_market.contract.add_data([2], 1, sender=contributors[0], value=STAKE - 1)
    assert open_market.contract.num_contributions() == 0


def test_add_data__before_opening__reverts(committed, contributors):
    with ape.reverts("prediction_market: participation is not open"):
        committed.contract.add_data([1], 0, sender=contributors[0], value=STAKE)


def test_add_data__after_deadline__reverts(open_market, contributors, chain):
    advance(chain, PARAMETERS.max_duration_s)
    with ape.reverts("prediction_market: participation deadline passed"):
        open_market.contract.add_data([1], 0, sender=contributors[0], value=STAKE)


@pytest.mark.parametrize(
    "data, label, reason",
    [
        ([3, 1], 1, "sparse_perceptron: feature indices must increase"),
        ([-1], 1, "sparse_perceptron: negative feature index"),
        ([24], 1, "sparse_perceptron: feature index out of range"),
        ([1], 2, "sparse_perceptron: label must be 0 or 1"),
    ],
)
def test_add_data__invalid_sample__reverts(open_market, contributors, data, label, reason):
    with ape.reverts(reason):
        open_market.contract.add_data(data, label, sender=contributors[0], value=STAKE)
    assert open_market.contract.num_contributions() == 0


def test_add_data__too_long_sample__rejected(open_market, contributors, chain):
    # The client refuses with one line; the contract's ABI decoder rejects
    # more than MAX_SAMPLE_LENGTH values before any code runs, so that revert
    # carries no reason: the node's answer is checked instead.
    from web3.exceptions import ContractLogicError

    with pytest.raises(DecaiError, match="at most 128"):
        open_market.add_data(list(range(129)), 1, sender=contributors[0])
    c = open_market.contract
    selector = bytes(c.add_data.encode_input([1], 1))[:4]
    calldata = selector + encode(["int64[]", "uint64"], [list(range(129)), 1])
    with pytest.raises(ContractLogicError) as error:
        chain.provider.web3.eth.call(
            {"from": contributors[0].address, "to": c.address, "data": "0x" + calldata.hex(), "value": STAKE}
        )
    assert error.value.message == "execution reverted"
    assert c.num_contributions() == 0


def test_end__by_provider_after_min_duration(open_market, contributors, provider, chain):
    contribute(open_market, contributors, 1)
    advance(chain, PARAMETERS.min_duration_s)
    receipt = open_market.contract.end_participation(sender=provider)
    assert open_market.phase == "reveal"
    c = open_market.contract
    assert c.ended_at() == chain.blocks.head.timestamp
    assert c.reveal_deadline() == c.ended_at() + PARAMETERS.reveal_window_s
    event = next(iter(receipt.decode_logs(c.ParticipationEnded)))
    assert event.contributions == 1


def test_end__by_provider_after_min_contributions(open_market, contributors, provider):
    contribute(open_market, contributors, PARAMETERS.min_contributions)
    open_market.contract.end_participation(sender=provider)
    assert open_market.phase == "reveal"


def test_end__by_provider_too_early__reverts(open_market, contributors, provider):
    contribute(open_market, contributors, PARAMETERS.min_contributions - 1)
    with ape.reverts("prediction_market: too early to end"):
        open_market.contract.end_participation(sender=provider)


def test_end__by_stranger_before_deadline__reverts(open_market, contributors, stranger, chain):
    contribute(open_market, contributors, PARAMETERS.min_contributions)
    advance(chain, PARAMETERS.min_duration_s)
    with ape.reverts("prediction_market: only the provider may end before the deadline"):
        open_market.contract.end_participation(sender=stranger)


def test_end__by_anyone_after_deadline(open_market, contributors, stranger, chain):
    contribute(open_market, contributors, 1)
    advance(chain, PARAMETERS.max_duration_s)
    open_market.contract.end_participation(sender=stranger)
    assert open_market.phase == "reveal"


def test_end__without_contributions__returns_the_bounty(open_market, provider, stranger, chain):
    advance(chain, PARAMETERS.max_duration_s)
    open_market.contract.end_participation(sender=stranger)
    assert open_market.phase == "finished"
    assert open_market.contract.owed(provider) == BOUNTY
    assert open_market.withdraw(sender=provider) == BOUNTY
    assert chain.provider.get_balance(open_market.address) == 0


def test_end__twice__reverts(open_market, contributors, provider):
    contribute(open_market, contributors, PARAMETERS.min_contributions)
    open_market.contract.end_participation(sender=provider)
    with ape.reverts("prediction_market: participation is not open"):
        open_market.contract.end_participation(sender=provider)
    with ape.reverts("prediction_market: participation is not open"):
        open_market.contract.add_data([1], 0, sender=contributors[0], value=STAKE)


def test_nothing_to_withdraw_or_process_during_participation(open_market, contributors, stranger):
    contribute(open_market, contributors, 2)
    with ape.reverts("prediction_market: nothing to withdraw"):
        open_market.contract.withdraw(sender=contributors[0])
    with ape.reverts("prediction_market: nothing to process"):
        open_market.contract.process(1, sender=stranger)


def test_add_data__contribution_limit__reverts(open_market, contributors, chain):
    # Filling 512 contributions one by one takes a while; set the count field
    # of the market's state word (slot from `vyper -f layout`) instead.
    contribute(open_market, contributors, 1)
    slot = 1048577
    state = int.from_bytes(chain.provider.get_storage(open_market.address, slot), "big")
    state += (MAX_CONTRIBUTIONS - 1) << 8
    chain.provider.set_storage(open_market.address, slot, state)
    assert open_market.contract.num_contributions() == MAX_CONTRIBUTIONS
    with ape.reverts("prediction_market: contribution limit reached"):
        open_market.contract.add_data([1], 0, sender=contributors[0], value=STAKE)
