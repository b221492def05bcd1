"""The keeper as a Silverback bot: one round on every new block.

    DECAI_KEEPER_TRAINERS=spam-filter DECAI_KEEPER_STATE=alice-keeper.json \
        silverback run keeper --network ethereum:sepolia:node --account alice

Settings come from the environment (decai.keeper.service.settings_from_env);
the decisions, the pre-checks and the state file are the same as
`ape run keeper`'s. The handler returns what the round did, which
Silverback records as the task's result.
"""

from ape import chain
from silverback import SilverbackBot

from decai.keeper.service import build_keeper, settings_from_env

bot = SilverbackBot()
_keepers = []


@bot.on_startup()
def start(startup_state):
    if bot.signer is None:
        raise RuntimeError("the keeper signs its claims: start it with --account ALIAS")
    _keepers.append(build_keeper(bot.signer, settings_from_env()))
    # Silverback records numbers as the task's metrics.
    return {"trainers": len(_keepers[0].trainers), "markets": len(_keepers[0].markets)}


@bot.on_(chain.blocks)
def tick(block):
    report = _keepers[0].tick()
    return {"sent": len(report.sent), "skipped": len(report.skipped), "failed": len(report.failed)}
