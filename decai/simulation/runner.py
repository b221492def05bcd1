"""One call for scripts and tests: prepare, deploy (or build the
reference), run; and how a run is stopped early (`StopFlag`, Ctrl-C).

    config = SimulationConfig(duration_s=28 * DAY, seed=1)
    result = run_experiment(config)                    # on the connected chain
    write_outputs(result, Path("results/simulation"))  # decai.simulation.report
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

from decai.errors import DecaiError
from decai.simulation.backends import ChainBackend, ReferenceBackend
from decai.simulation.books import SimulationResult
from decai.simulation.config import SimulationConfig, prepare_experiment
from decai.simulation.data import Prepared
from decai.simulation.engine import Simulation, StopFlag


@contextlib.contextmanager
def interrupt_stops(flag: StopFlag) -> Iterator[StopFlag]:
    """While inside, Ctrl-C (SIGINT) sets `flag` instead of killing the
    process (Ape's own handler would exit at once); a second Ctrl-C
    raises KeyboardInterrupt."""
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        if flag.requested:
            raise KeyboardInterrupt
        flag.request("interrupted (Ctrl-C)")

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def quiet_ape_logs() -> Iterator[None]:
    """Hide Ape's per-transaction INFO lines while the simulation runs."""
    from ape.logging import logger

    previous = logger.level
    logger.set_level("WARNING")
    try:
        yield
    finally:
        logger.set_level(previous)


def run_experiment(
    config: SimulationConfig,
    *,
    backend: str = "chain",
    accounts=None,
    chain=None,
    progress=None,
    stop: StopFlag | None = None,
    prepared: Prepared | None = None,
) -> SimulationResult:
    """Prepare the data, deploy (or build the reference), run the agents.

    `progress(simulation, elapsed_s, total_s)` is called after each event;
    `stop` ends the run early (see `interrupt_stops` for Ctrl-C).
    """
    prepared = prepared or prepare_experiment(config)
    if backend == "chain":
        if accounts is None or chain is None:
            import ape

            accounts = accounts if accounts is not None else ape.accounts.test_accounts
            chain = chain if chain is not None else ape.chain
        with quiet_ape_logs():
            target = ChainBackend.deploy(prepared, config, accounts, chain)
            return Simulation(config, prepared, target, progress=progress).run(stop)
    if backend == "reference":
        if config.gas_price:
            raise DecaiError("the reference backend has no gas: --network-fees needs --backend chain")
        return Simulation(config, prepared, ReferenceBackend(prepared, config), progress=progress).run(stop)
    raise DecaiError(f"unknown backend {backend!r}: chain or reference")
