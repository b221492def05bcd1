"""A second anvil of the same network, used through Ape's `use_provider`,
leaves nothing behind that changes what decai sends or reads afterwards.

Both anvils are `ethereum:local` with chain id 31337 and the same dev
accounts, so a deployer's contracts land at the same addresses on both, and
Ape's caches (kept per network name) hold entries for addresses of the other
chain."""

from __future__ import annotations

from decai.chain.deploy import deploy_trainer
from decai.chain.node import Anvil, rpc
from decai.chain.trainer import Trainer
from decai.chain.transact import creation_address
from decai.units import DAY
from tests.helpers.chain import PARAMETERS, advance, sparse_model
from tests.helpers.market import deploy_market


def _pending_nonce(account) -> int:
    from ape import chain

    return int(chain.provider.make_request("eth_getTransactionCount", [account.address, "pending"]), 16)


def _market_on_another_anvil(owner, nonce: int) -> str:
    """A prediction market deployed by `owner` with `nonce` on a second
    anvil, through Ape's `use_provider`; its address."""
    from ape import chain, networks

    with Anvil() as node:
        rpc(node.url, "anvil_setNonce", owner.address, hex(nonce))
        with networks.ethereum.local.use_provider("foundry", provider_settings={"host": node.url}):
            market = deploy_market(owner)
            assert chain.provider.http_uri == node.url
    assert market.address == creation_address(owner.address, nonce)
    return market.address


def test_trainer_deployed_where_another_anvil_had_a_market__sends_and_reads_are_the_trainers(owner, contributor, chain):
    elsewhere = _market_on_another_anvil(owner, _pending_nonce(owner))
    trainer = Trainer(deploy_trainer(sparse_model(50), PARAMETERS, owner, progress=False).contract)
    assert trainer.address == elsewhere

    contribution = trainer.add_data([1, 2, 3], 1, sender=contributor)
    # The chain holds the contribution the SDK returned ...
    assert trainer.status(contribution).initial_deposit == contribution.deposit
    assert int(rpc(chain.provider.http_uri, "eth_getBalance", trainer.address, "latest"), 16) == contribution.deposit
    # ... and it can be refunded after the wait.
    advance(chain, DAY)
    assert trainer.refund(contribution, sender=contributor) == contribution.deposit
    assert trainer.status(contribution).refunded
    assert trainer.contract.contract_type.name == "DepositSparsePerceptron"


def test_trainer_found_by_address_after_another_anvil_had_a_market_there__is_the_trainer(owner, contributor, chain):
    nonce = _pending_nonce(owner)
    address = deploy_trainer(sparse_model(50), PARAMETERS, owner, progress=False).contract.address
    # The other chain's market at the same address is the last type Ape saw there.
    assert _market_on_another_anvil(owner, nonce) == address
    trainer = Trainer.at(address)
    assert (trainer.kind, trainer.contract.contract_type.name) == (
        "deposit/sparse_perceptron",
        "DepositSparsePerceptron",
    )
    contribution = trainer.add_data([4, 5], 1, sender=contributor)
    assert trainer.status(contribution).initial_deposit == contribution.deposit
