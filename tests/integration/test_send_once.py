"""Sends happen once and reads survive a flaky endpoint (decai.chain.transact,
decai.chain.retry), against the fault proxy."""

from __future__ import annotations

import re
import time

import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.node import rpc
from decai.chain.retry import BUDGET_S, MAX_PAUSE_S
from decai.chain.trainer import Trainer
from decai.errors import NodeUnavailable
from tests.helpers.chain import PARAMETERS, sparse_model
from tests.helpers.faults import faulty_network


@pytest.fixture
def flaky():
    with faulty_network(seed=1) as proxy:
        from ape import accounts

        owner, contributor = accounts.test_accounts[0], accounts.test_accounts[1]
        trainer = Trainer(deploy_trainer(sparse_model(50), PARAMETERS, owner, progress=False).contract)
        yield proxy, trainer, contributor


def added_events(proxy, trainer) -> list[dict]:
    """AddData logs straight from the node (no faults)."""
    from eth_utils import keccak

    topic = "0x" + keccak(text=trainer.contract.AddData.abi.selector).hex()
    query = {"address": trainer.contract.address, "fromBlock": "0x0", "topics": [topic]}
    return rpc(proxy.upstream, "eth_getLogs", query)


def test_add_data__timeout_after_node_accepted__one_deposit(flaky):
    proxy, trainer, contributor = flaky
    before = int(rpc(proxy.upstream, "eth_getBalance", contributor.address, "latest"), 16)
    nonce = int(rpc(proxy.upstream, "eth_getTransactionCount", contributor.address, "latest"), 16)
    proxy.add("timeout_after_send")
    contribution = trainer.add_data([1, 2, 3], 1, sender=contributor)
    assert proxy.injected["timeout_after_send"] == 1
    # one transaction, one event, one deposit
    assert int(rpc(proxy.upstream, "eth_getTransactionCount", contributor.address, "latest"), 16) == nonce + 1
    assert len(added_events(proxy, trainer)) == 1
    after = int(rpc(proxy.upstream, "eth_getBalance", contributor.address, "latest"), 16)
    receipt = rpc(proxy.upstream, "eth_getTransactionReceipt", contribution.transaction_hash)
    fee = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
    assert before - after == contribution.deposit + fee
    assert int(rpc(proxy.upstream, "eth_getBalance", trainer.contract.address, "latest"), 16) == contribution.deposit


def test_add_data__dropped_from_the_pool__same_transaction_again(flaky):
    proxy, trainer, contributor = flaky
    nonce = int(rpc(proxy.upstream, "eth_getTransactionCount", contributor.address, "latest"), 16)
    proxy.add("drop_pending")
    contribution = trainer.add_data([4, 5], 1, sender=contributor)
    assert proxy.injected["drop_pending"] == 1
    assert int(rpc(proxy.upstream, "eth_getTransactionCount", contributor.address, "latest"), 16) == nonce + 1
    assert int(rpc(proxy.upstream, "eth_getBalance", trainer.contract.address, "latest"), 16) == contribution.deposit


def test_add_data__send_refused_by_5xx__sent_once_after_lookup(flaky):
    proxy, trainer, contributor = flaky
    proxy.add("server_error", method="eth_sendRawTransaction")
    contribution = trainer.add_data([6], 1, sender=contributor)
    assert proxy.injected["server_error"] == 1
    assert len(added_events(proxy, trainer)) == 1
    assert int(rpc(proxy.upstream, "eth_getBalance", trainer.contract.address, "latest"), 16) == contribution.deposit


def test_reads__429_with_retry_after__waited_and_answered(flaky):
    proxy, trainer, _ = flaky
    proxy.add("rate_limit", method="eth_call", retry_after_s=0.5, times=2)
    started = time.monotonic()
    assert trainer.predict([1, 2]) == 1
    assert time.monotonic() - started >= 1.0  # both pauses asked for were honoured
    assert proxy.injected["rate_limit"] == 2


def test_reads__drops_and_5xx__retried(flaky):
    proxy, trainer, _ = flaky
    proxy.add("drop", method="eth_call")
    proxy.add("server_error", method="eth_call")
    assert trainer.predict([1, 2]) == 1
    assert proxy.total == 2


def test_reads__streak_of_ten_faults__ridden_out(flaky):
    # Ten faults in a row on one read, as a flaky endpoint deals them: more tries than
    # a count of 8 allowed, well inside the policy's budget of time.
    proxy, trainer, _ = flaky
    proxy.add("drop", method="eth_call", times=4)
    proxy.add("server_error", method="eth_call", times=3)
    proxy.add("rate_limit", method="eth_call", retry_after_s=0.1, times=3)
    started = time.monotonic()
    assert trainer.predict([1, 2]) == 1
    assert proxy.total == 10 and proxy.injected == {"drop": 4, "server_error": 3, "rate_limit": 3}
    assert time.monotonic() - started < BUDGET_S


def test_reads__endpoint_keeps_failing__one_sentence_naming_it_in_bounded_time(flaky):
    proxy, trainer, _ = flaky
    proxy.add("server_error", method="eth_call", times=0, status=503)
    from ape.exceptions import VirtualMachineError

    started = time.monotonic()
    # Ape wraps any failure of eth_call in its VirtualMachineError; the sentence is ours.
    with pytest.raises((NodeUnavailable, VirtualMachineError)) as raised:
        trainer.contract.num_classes()
    spent = time.monotonic() - started
    message = str(raised.value)
    found = re.fullmatch(
        rf"the node at {re.escape(proxy.url)} did not answer eth_call after (\d+) tries in ([\d.]+) s "
        r"\(last: HTTP 503 Service Unavailable\)",
        message,
    )
    assert found, message
    tries, seconds = int(found[1]), float(found[2])
    assert tries == proxy.injected["server_error"] and tries > 8
    # it tried for the whole budget, and stopped when the next pause would cross it
    assert BUDGET_S - MAX_PAUSE_S * 1.25 <= seconds <= BUDGET_S
    assert spent < BUDGET_S + 3


def test_dashboard_send__timeout_after_node_accepted__one_transaction(flaky):
    from decai.dashboard.service import Service

    proxy, trainer, contributor = flaky
    service = Service()
    prepared = service.prepare(
        trainer.address, {"action": "add", "from": contributor.address, "input": "1, 2, 3", "label": "positive"}
    )
    nonce = int(rpc(proxy.upstream, "eth_getTransactionCount", contributor.address, "latest"), 16)
    proxy.add("timeout_after_send", method="eth_sendRawTransaction")
    tx_hash = service.send_dev(prepared["tx"])
    assert proxy.injected["timeout_after_send"] == 1
    assert int(rpc(proxy.upstream, "eth_getTransactionCount", contributor.address, "latest"), 16) == nonce + 1
    assert rpc(proxy.upstream, "eth_getTransactionReceipt", tx_hash)["status"] == "0x1"
    assert len(added_events(proxy, trainer)) == 1


@pytest.mark.parametrize("fault", ["drop_pending", "server_error"])
def test_dashboard_send__dropped_or_refused_by_5xx__the_same_transaction_once(flaky, fault):
    from decai.dashboard.service import Service

    proxy, trainer, contributor = flaky
    service = Service()
    prepared = service.prepare(
        trainer.address, {"action": "add", "from": contributor.address, "input": "4, 5", "label": "positive"}
    )
    nonce = int(rpc(proxy.upstream, "eth_getTransactionCount", contributor.address, "latest"), 16)
    proxy.add(fault, method="eth_sendRawTransaction")
    tx_hash = service.send_dev(prepared["tx"])
    assert proxy.injected[fault] == 1
    # mined before the server answers, under the nonce fixed before signing
    mined = rpc(proxy.upstream, "eth_getTransactionByHash", tx_hash)
    assert (int(mined["nonce"], 16), mined["blockNumber"] is not None) == (nonce, True)
    assert int(rpc(proxy.upstream, "eth_getTransactionCount", contributor.address, "latest"), 16) == nonce + 1
    assert len(added_events(proxy, trainer)) == 1


def test_refund__lagging_node_shows_the_clock_before_the_wait__contract_decides(flaky):
    proxy, trainer, contributor = flaky
    contribution = trainer.add_data([7], 1, sender=contributor)
    rpc(proxy.upstream, "evm_increaseTime", 86_400 + 1)
    rpc(proxy.upstream, "evm_mine")
    # from now on every block read is one block behind: its time is before the refund wait ended
    proxy.add("stale_head", method="eth_getBlockByNumber", depth=1, times=0)
    assert trainer.pending_time() < contribution.added_time + 86_400
    assert trainer.refund(contribution, sender=contributor) == contribution.deposit
    assert int(rpc(proxy.upstream, "eth_getBalance", trainer.contract.address, "latest"), 16) == 0


def test_deploy__first_requests_of_a_fresh_connection_fail__retried():
    """A deploy may be the first thing a connection does: the plan's reads
    (the latest block, the gas estimates) are retried like any other."""
    with faulty_network(seed=1) as proxy:
        from ape import accounts

        proxy.add("drop", method="eth_estimateGas")
        proxy.add("server_error", method="eth_estimateGas")
        proxy.add("rate_limit", method="eth_getBlockByNumber")
        deployment = deploy_trainer(sparse_model(50), PARAMETERS, accounts.test_accounts[0], progress=False)
        assert proxy.total == 3
        assert rpc(proxy.upstream, "eth_getCode", deployment.contract.address, "latest") != "0x"
