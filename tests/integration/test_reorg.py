"""Records and exports under reorgs: an export holds no sample from an
orphaned block and misses none from the new chain; `ape run records`
says what a reorg removed."""

from __future__ import annotations

import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.export import reconstruct
from decai.chain.node import rpc
from decai.chain.records import deployment_record, save_record
from decai.chain.trainer import Trainer
from tests.helpers.chain import PARAMETERS, sparse_model
from tests.helpers.faults import faulty_network
from tests.helpers.scripts import run_script


@pytest.fixture
def reorging():
    with faulty_network() as proxy:
        from ape import accounts

        owner, contributor = accounts.test_accounts[0], accounts.test_accounts[1]
        deployment = deploy_trainer(sparse_model(50), PARAMETERS, owner, progress=False)
        yield proxy, Trainer(deployment.contract), contributor, deployment


def chain_contributions(proxy, trainer) -> set[tuple[int, str]]:
    """(block, block hash) of every AddData event the node holds now, read without faults."""
    from eth_utils import keccak

    topic = "0x" + keccak(text=trainer.contract.AddData.abi.selector).hex()
    logs = rpc(
        proxy.upstream, "eth_getLogs", {"address": trainer.contract.address, "fromBlock": "0x0", "topics": [topic]}
    )
    return {(int(log["blockNumber"], 16), log["blockHash"]) for log in logs}


def exported(trainer) -> set[tuple[int, str]]:
    return {
        (row["block_number"], row["block_hash"]) for row in reconstruct(trainer, start_block=0, progress=False).rows
    }


def test_export__reorg_after_first_page__orphaned_sample_not_exported(reorging):
    proxy, trainer, contributor, _ = reorging
    for sample in ([1], [2], [3]):
        trainer.add_data(sample, 1, sender=contributor, unlearnable=True)
    before = chain_contributions(proxy, trainer)
    assert len(before) == 3
    # the first page (one block) is read, then the last three blocks are replaced by empty ones
    proxy.add("reorg", method="eth_getLogs", after=1, depth=3)
    dataset = reconstruct(trainer, start_block=min(block for block, _ in before), page_size=1, progress=False)
    assert proxy.injected["reorg"] == 1
    assert chain_contributions(proxy, trainer) == set()
    assert dataset.rows == []
    assert (
        dataset.stop_block_hash == rpc(proxy.upstream, "eth_getBlockByNumber", hex(dataset.stop_block), False)["hash"]
    )


def test_export__after_a_reorg__equals_the_new_chain(reorging):
    proxy, trainer, contributor, _ = reorging
    for sample in ([1], [2]):
        trainer.add_data(sample, 1, sender=contributor, unlearnable=True)
    proxy.reorg(1)  # the second contribution is orphaned
    trainer.add_data([4], 0, sender=contributor, unlearnable=True)
    trainer.add_data([5], 1, sender=contributor, unlearnable=True)
    on_chain = chain_contributions(proxy, trainer)
    assert len(on_chain) == 3
    assert exported(trainer) == on_chain


def test_records__reorg_removed_the_deployment__flagged(reorging, tmp_path, monkeypatch):
    proxy, trainer, _, deployment = reorging
    from ape import accounts, chain

    monkeypatch.setenv("DECAI_DEPLOYMENTS", str(tmp_path))
    record = deployment_record(deployment, sparse_model(50), PARAMETERS, accounts.test_accounts[0], chain.provider, 0)
    save_record("ethereum", "local", "sp", record)
    head = int(rpc(proxy.upstream, "eth_blockNumber"), 16)
    proxy.reorg(head - record["block"] + 1)  # from the deployment's block on
    result = run_script(proxy.upstream, tmp_path, "records")
    assert result.code == 0, result.err
    assert (
        f"sp: {record['address']} block {record['block']}: stale: block {record['block']} of this chain is not the "
        f"block it was deployed in and its transaction {record['transaction']} is not in this chain: "
        "a reorg removed it, or the chain was restarted"
    ) in result.out
