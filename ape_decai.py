"""decai's Ape plugin: `ape console` connects as decai's scripts do.

Ape loads every installed distribution whose name starts with `ape-` as a
plugin, importing its module before it connects to a network. The metadata
beside this file (`ape_decai-0.1.0.dist-info`) makes this module one while
the project's root is on PYTHONPATH, as `.envrc`, `make shell` and every
make target set it; nothing is installed. Importing it turns Ape's console
command into `decai.apps.console_command.ConsoleCommand`: a network whose
RPC address is not set, or a missing node, is one `error:` line, and the
console is quiet unless `-v` is given.
"""

from decai.apps.console_command import adopt_ape_console

adopt_ape_console()
