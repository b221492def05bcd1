"""add_data through the deposit mechanism: price, excess, records, rejects."""

from math import isqrt

import ape
import pytest
from ape.exceptions import ContractLogicError
from eth_utils import keccak

from decai.core.contributions import contribution_key
from tests.helpers.chain import PARAMETERS, at

GOOD = [1, 2, 3]


def test_add_data__exact_deposit__records_and_emits(sparse_trainer, contributor, chain):
    contract = sparse_trainer.contract
    clock = contract.last_update_time()
    at(chain, clock + 100)
    deposit = PARAMETERS.deposit(chain.pending_timestamp, clock)
    assert deposit == 10**15 * 3600 // 10
    before = contributor.balance
    tx = contract.add_data(GOOD, 1, sender=contributor, value=deposit)
    assert contributor.balance == before - deposit - tx.total_fees_paid
    assert contract.balance == deposit
    event = next(iter(tx.decode_logs(contract.AddData)))
    assert (list(event.data), event.label, event.added_time, event.sender, event.deposit) == (
        GOOD,
        1,
        tx.timestamp,
        contributor.address,
        deposit,
    )
    assert contract.claimable(GOOD, 1, tx.timestamp, contributor) == deposit
    record = contract.contribution(contribution_key(GOOD, 1, tx.timestamp, contributor.address))
    assert (record.claimable, record.initial_deposit, record.claim_count, record.refunded) == (
        deposit,
        deposit,
        0,
        False,
    )
    # The price clock moves 7/10 of the way to the block time, not all of it.
    assert contract.last_update_time() == clock + (tx.timestamp - clock) * 7 // 10 == clock + 70


def test_add_data__excess__returned_in_same_transaction(sparse_trainer, contributor, chain):
    contract = sparse_trainer.contract
    at(chain, contract.last_update_time() + 3600)
    deposit = PARAMETERS.deposit(chain.pending_timestamp, contract.last_update_time())
    before = contributor.balance
    tx = contract.add_data(GOOD, 1, sender=contributor, value=deposit + 123456789)
    assert contributor.balance == before - deposit - tx.total_fees_paid
    assert contract.balance == deposit


def test_next_deposit__falls_with_square_root_of_idle_time(sparse_trainer, contributor, chain):
    contract = sparse_trainer.contract
    sparse_trainer.contract.add_data(GOOD, 1, sender=contributor, value=10**19)
    clock = contract.last_update_time()
    for idle in (400, 3600, 86_400, 86_401, 10**6):
        chain.mine(timestamp=clock + idle)
        # cost_weight * 3600 / sqrt(idle), the root to 9 decimals, rounded up.
        assert contract.next_deposit() == -(-(10**15) * 3600 * 10**9 // isqrt(idle * 10**18))
        if isqrt(idle) ** 2 == idle:
            assert contract.next_deposit() == 10**15 * 3600 // isqrt(idle)
        assert contract.next_deposit() == PARAMETERS.deposit(clock + idle, clock)


def test_add_data__same_block__costs_the_maximum(sparse_trainer, contributor):
    # Two additions in one transaction: the second pays for zero elapsed
    # seconds, counted as one.
    assert PARAMETERS.deposit(100, 100) == 10**15 * 3600


def test_add_data__insufficient_deposit__reverts(sparse_trainer, contributor, chain):
    contract = sparse_trainer.contract
    at(chain, contract.last_update_time() + 100)
    deposit = PARAMETERS.deposit(chain.pending_timestamp, contract.last_update_time())
    with ape.reverts("deposit: insufficient deposit"):
        contract.add_data(GOOD, 1, sender=contributor, value=deposit - 1)


def test_add_data__free_mechanism__takes_nothing(owner, contributor):
    from decai.chain.deploy import deploy_trainer
    from decai.core.mechanisms import DepositParameters
    from tests.helpers.chain import sparse_model

    free = DepositParameters(refund_wait_s=0, owner_claim_wait_s=1, any_address_claim_wait_s=1, cost_weight=0)
    contract = deploy_trainer(sparse_model(), free, owner, progress=False).contract
    assert contract.next_deposit() == 0
    contract.add_data(GOOD, 1, sender=contributor, value=5)
    assert contract.balance == 0


def test_add_data__same_key_twice__reverts(sparse_trainer, contributor, project):
    proxy = contributor.deploy(project.ReentrantContributor, sparse_trainer.address)
    with ape.reverts("data_handler: data already added"):
        proxy.add_twice(GOOD, 1, sender=contributor, value=2 * 10**19)
    proxy.add(GOOD, 1, sender=contributor, value=10**19)  # once is fine


@pytest.mark.parametrize(
    "sample, label, reason",
    [
        ([-1, 2], 1, "sparse_perceptron: negative feature index"),
        ([3, 3], 1, "sparse_perceptron: feature indices must increase"),
        ([5, 4], 1, "sparse_perceptron: feature indices must increase"),
        ([1, 1000], 1, "sparse_perceptron: feature index out of range"),
        ([1, 2], 2, "sparse_perceptron: label must be 0 or 1"),
    ],
)
def test_add_data__bad_sparse_sample__reverts(sparse_trainer, contributor, sample, label, reason):
    with ape.reverts(reason):
        sparse_trainer.contract.add_data(sample, label, sender=contributor, value=10**19)
    assert sparse_trainer.contract.balance == 0


def test_add_data__over_long_sample__rejected(sparse_trainer, contributor):
    contract = sparse_trainer.contract
    too_long = list(range(129))
    # Off chain: the SDK names the problem before anything is sent.
    with pytest.raises(Exception, match="^sample has 129 values; a sample may have at most 128$"):
        sparse_trainer.add_data(too_long, 1, sender=contributor)
    # On chain: Vyper's ABI decoder refuses arrays over their bound before
    # any contract code runs, so there is no reason string to give.
    with pytest.raises(ContractLogicError) as reverted:
        contract.add_data(too_long, 1, sender=contributor, value=10**19)
    assert reverted.value.message == "Transaction failed."  # Ape's text for empty revert data
    assert contract.balance == 0
    contract.add_data(list(range(128)), 1, sender=contributor, value=10**19)  # the bound itself is fine


def test_contribution__unknown_key__reverts(sparse_trainer):
    with ape.reverts("data_handler: contribution not found"):
        sparse_trainer.contract.contribution(keccak(b"nothing"))
    assert sparse_trainer.contract.claimable(GOOD, 1, 1, sparse_trainer.address) == 0


def test_contribution_key__matches_chain(sparse_trainer, contributor):
    contribution = sparse_trainer.add_data(GOOD, 1, sender=contributor)
    record = sparse_trainer.contract.contribution(contribution.key)
    assert record.initial_deposit == contribution.deposit
