"""Commitment: the provider stakes the bounty and commits to portion hashes."""

import ape
import pytest

from decai.chain.deploy import deploy_trainer
from decai.market.client import MAX_CONTRIBUTIONS, MAX_ROUNDS, Market, MarketParameters
from tests.helpers.market import BOUNTY, PARAMETERS, STAKE, initial_model


def hashes(portions):
    return [p.hash() for p in portions]


def test_commit__records_provider_bounty_and_hashes(market, portions, provider, chain):
    receipt = market.contract.commit(hashes(portions), sender=provider, value=BOUNTY)
    c = market.contract
    assert market.phase == "committed"
    assert c.market_provider() == provider.address
    assert c.bounty() == BOUNTY
    assert c.num_portions() == len(portions)
    assert [c.portion_hash(i) for i in range(len(portions))] == hashes(portions)
    assert c.random_block() == receipt.block_number + 1
    assert c.commit_deadline() == c.committed_at() + PARAMETERS.commit_window_s
    assert chain.provider.get_balance(c.address) == BOUNTY
    event = next(iter(receipt.decode_logs(c.Committed)))
    assert event.bounty == BOUNTY and list(event.portion_hashes) == hashes(portions)


def test_commit__not_owner__reverts(market, portions, stranger):
    with ape.reverts("ownership: caller is not the owner"):
        market.contract.commit(hashes(portions), sender=stranger, value=BOUNTY)


def test_commit__setup_open__reverts(provider, portions):
    from ape import project

    # A deployment that keeps setup open: the owner could still change h_0.
    open_contract = provider.deploy(
        project.PredictionMarketSparsePerceptron,
        "m",
        "",
        "",
        ["a", "b"],
        24,
        0,
        10**9,
        [],
        *PARAMETERS.constructor_args(),
        False,
    )
    with ape.reverts("ownership: setup is not finished"):
        open_contract.commit(hashes(portions), sender=provider, value=BOUNTY)


def test_portion_hash__unknown_portion__reverts(committed, portions):
    with ape.reverts("prediction_market: no such portion"):
        committed.contract.portion_hash(len(portions))


def test_commit__twice__reverts(committed, portions, provider):
    with ape.reverts("prediction_market: already committed"):
        committed.contract.commit(hashes(portions), sender=provider, value=BOUNTY)


def test_commit__one_portion__reverts(market, portions, provider):
    with ape.reverts("prediction_market: at least two portions"):
        market.contract.commit(hashes(portions)[:1], sender=provider, value=BOUNTY)


def test_commit__bounty_below_one_stake__reverts(market, portions, provider):
    with ape.reverts("prediction_market: bounty below one stake"):
        market.contract.commit(hashes(portions), sender=provider, value=STAKE - 1)


def test_commit__too_many_rounds__reverts(provider, portions):
    parameters = MarketParameters(
        stake=1, min_duration_s=0, max_duration_s=10, min_contributions=0, commit_window_s=10, reveal_window_s=10
    )
    market = Market(deploy_trainer(initial_model(), parameters, provider, progress=False).contract)
    with ape.reverts("prediction_market: bounty buys too many rounds"):
        market.contract.commit(hashes(portions), sender=provider, value=MAX_ROUNDS + 1)


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("stake", 0, "prediction_market: stake must be positive"),
        ("stake", 2**128 + 1, "prediction_market: stake too large"),
        ("max_duration_s", 0, "prediction_market: participation needs a deadline"),
        ("min_duration_s", 10**9, "prediction_market: minimum duration exceeds the deadline"),
        ("min_contributions", MAX_CONTRIBUTIONS + 1, "prediction_market: minimum contributions too large"),
        ("commit_window_s", 0, "prediction_market: commit window must be positive"),
        ("reveal_window_s", 0, "prediction_market: reveal window must be positive"),
    ],
)
def test_constructor__bad_parameter__reverts(provider, field, value, reason, chain):
    from ape import project
    from web3.exceptions import ContractLogicError

    args = dict(
        zip(
            ("stake", "min_duration_s", "max_duration_s", "min_contributions", "commit_window_s", "reveal_window_s"),
            PARAMETERS.constructor_args(),
        )
    )
    args[field] = value
    # A reverted deployment is slow to trace in Ape; ask the node directly.
    tx = project.PredictionMarketSparsePerceptron.constructor.serialize_transaction(
        "m", "", "", ["a", "b"], 24, 0, 10**9, [], *args.values(), True, sender=provider
    )
    with pytest.raises(ContractLogicError) as error:
        chain.provider.web3.eth.call({"from": provider.address, "data": "0x" + tx.data.hex()})
    assert error.value.message == f"execution reverted: {reason}"
