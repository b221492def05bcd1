"""Market.contributions(): every contribution in order, read back from the
AddData events between the start block and the chain's head."""

import pytest

from decai.errors import DecaiError
from decai.market.client import Market, MarketContribution
from tests.helpers.market import contribute


def test_contributions__from_a_start_block__every_contribution_in_order(open_market, contributors, chain):
    start = chain.blocks.height  # a start block above 0, before the first AddData
    made = contribute(open_market, contributors, 3)
    market = Market(open_market.contract, start_block=start)

    found = market.contributions()

    assert found == made
    assert [x.index for x in found] == [0, 1, 2]
    assert [x.author for x in found] == [c.address for c in contributors]
    assert all(isinstance(x, MarketContribution) for x in found)
    # A later contribution is read too (the cache is refreshed).
    [later] = contribute(open_market, contributors[:1], 1, seed=8)
    assert market.contributions() == [*made, later]


def test_contributions__start_block_after_the_contributions__refused(open_market, contributors, chain):
    contribute(open_market, contributors, 2)
    chain.mine(1)
    market = Market(open_market.contract, start_block=chain.blocks.height)
    with pytest.raises(DecaiError, match="found 0 AddData events for 2 contributions"):
        market.contributions()
