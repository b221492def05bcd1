"""decai helpers for `ape console` (Ape loads this file from the project root).

    $ ape console --network ethereum:sepolia-fork:foundry
    In [1]: bc = trainer("bc")
    In [2]: predict(bc, "17.99,10.38,122.8,...")
    In [3]: c = add(bc, "17.99,10.38,122.8,...", "malignant")
    In [4]: wait("1d"); mine(bc)
    In [5]: refund(bc)

`decai_help()` lists every helper; each has a docstring (`help(add)`). The
logic lives in decai/apps/console.py, so tests and other sessions can use it too.
A DecaiError or a contract revert prints as one `error: ...` line, not a
traceback; amounts show in ether and times as dates and durations.
"""

from decai.apps.console import (  # noqa: F401  (the console's namespace)
    account,
    add,
    claimable_now,
    decai_help,
    encode,
    ether,
    install,
    market,
    market_phase,
    mine,
    next_deposit,
    predict,
    records,
    refund,
    refund_opens_in,
    report,
    reportable,
    trainer,
    wait,
)
from decai.chain.trainer import Trainer  # noqa: F401

# Ape imports this file once the console's IPython shell is running: from
# then on, decai's errors print as one line.
install()
