"""Fixtures for the prediction market: a small sparse perceptron behind the
market mechanism, a hidden test set drawn from a known rule, and helpers
that drive a market to each phase.

The rule: a sample (a set of feature indices below NUM_FEATURES) is positive
when it holds more "good" features (even indices) than "bad" ones (odd).
h_0 starts with all weights zero and intercept -0.5, so it answers 0 to
everything; honest contributions teach it the rule.
"""

from __future__ import annotations

import pytest

from decai.market.client import Market
from decai.units import HOUR
from tests.helpers.chain import advance, quiet_reverts
from tests.helpers.market import BOUNTY, contribute, deploy_market, make_portions


@pytest.fixture(autouse=True, scope="session")
def _quiet_reverts():
    restore = quiet_reverts()
    yield
    restore()


@pytest.fixture(scope="session")
def provider(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def contributors(accounts):
    return [accounts[1], accounts[2], accounts[3]]


@pytest.fixture(scope="session")
def stranger(accounts):
    return accounts[4]


@pytest.fixture
def portions():
    return make_portions()


@pytest.fixture
def market(provider) -> Market:
    return deploy_market(provider)


@pytest.fixture
def committed(market, portions, provider, chain) -> Market:
    market.commit(portions, BOUNTY, sender=provider)
    chain.mine(1)
    return market


@pytest.fixture
def open_market(committed, portions, provider) -> Market:
    committed.reveal_first(portions, sender=provider)
    return committed


@pytest.fixture
def revealing(open_market, contributors, provider, chain) -> Market:
    contribute(open_market, contributors, 4)
    advance(chain, HOUR)
    open_market.end_participation(sender=provider)
    return open_market


@pytest.fixture
def processing(revealing, portions, provider) -> Market:
    revealing.reveal_rest(portions, sender=provider)
    return revealing
