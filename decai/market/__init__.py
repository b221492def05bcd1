"""The prediction market off chain.

- decai.market.encoding: test-set portions, their hashes and packing, the
  contribution hash chain;
- decai.market.reward: the reference of the contract's reward arithmetic;
- decai.market.client: `MarketParameters` and the `Market` client;
- decai.market.status: the status snapshot;
- decai.market.files: the provider's secrets file;
- decai.market.demo and decai.market.gas: the demo and the benchmark.

The names most callers need are importable from here.
"""

from decai.market.client import Market, MarketParameters
from decai.market.encoding import Portion, random_salts, split_test_set

__all__ = ["Market", "MarketParameters", "Portion", "random_salts", "split_test_set"]
