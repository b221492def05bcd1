"""`ape console` connected the way decai's scripts connect.

Ape declares the console command itself (`ape_console._cli.cli`), so decai
cannot give it a command class where it is made. decai's Ape plugin
(`ape_decai.py` at the project's root) calls `adopt_ape_console()` while
Ape registers its plugins, which Ape does while click parses the command
line, before the console connects to a network. From then on `ape console`
behaves as `ape run` scripts do (`decai.apps.cli.DecaiCommand`):

- a network whose RPC address is not set (`SEPOLIA_RPC_URL` for Sepolia and
  its fork), or a node that is not there, is one line `error: ...` with exit
  status 1. Ape itself would print every frame of the failure that lies
  under the project's folder, and the virtualenv lies there too: some 70
  lines of its own code, before anything of decai's has run;
- Ape's INFO lines (an anvil starting, each transaction confirmed) and the
  call traces of reverted calls show only with `-v INFO` or `-v DEBUG`
  (`-v DEBUG` also prints a failure's full traceback);
- the anvils Ape starts enforce the per-transaction gas cap, and reads
  retry on a flaky node (`decai.chain.retry`).
"""

from __future__ import annotations

import logging
from typing import Any

import click
from click.core import ParameterSource

from decai.apps.cli import DecaiCommand, use_verbosity


class ConsoleCommand(DecaiCommand):
    """Ape's console command, connecting through decai's checks and errors."""

    def invoke(self, ctx: click.Context) -> Any:
        from ape.logging import logger

        level = None
        if ctx.get_parameter_source("verbosity") in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
            level = logging.getLevelName(logger.level)  # Ape's option has set it already
        use_verbosity(ctx, level if isinstance(level, str) and not level.startswith("Level ") else None)
        return super().invoke(ctx)


def adopt_ape_console() -> bool:
    """Make Ape's `console` command a `ConsoleCommand`. Idempotent; False
    (and nothing changed) if Ape's console is not the command class this
    was written for."""
    from ape.cli.commands import ConnectedProviderCommand

    try:
        from ape_console._cli import cli
    except ImportError:  # pragma: no cover - ape_console is one of Ape's core plugins
        return False
    if isinstance(cli, ConsoleCommand):
        return True
    if type(cli) is not ConnectedProviderCommand:
        return False
    cli.__class__ = ConsoleCommand
    return True
