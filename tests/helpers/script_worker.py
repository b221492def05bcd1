"""One process that runs `ape run` commands one after another, for tests
that run many scripts in a row and check what each prints.

Starting `ape run` costs seconds (importing Ape and its plugins) before a
script does anything; a test of ten steps spent most of its time there.
This worker pays that once: it reads one JSON request a line from stdin
(`{"args": [...], "env": {...}}`), runs `ape run ARGS` through Ape's own
command line in-process (the same click command, the same network options,
the same error handling), and answers one JSON line
`{"code": ..., "out": ..., "err": ...}` on the stdout it started with.

What a script prints is captured as click's runner captures it; an
exception that escapes is printed as Python would print it (a trace), so
the tests' checks for traces see it. Each request starts from the same
quiet state (`-v/--verbose` is refused: it changes process-wide state, so
verbose runs stay separate processes).
"""

from __future__ import annotations

import json
import os
import sys
import traceback

#: What the parent looks for: a line of the worker's own, never a script's.
MARK = "\x1edecai-script-worker "


def main() -> None:
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    from ape._cli import cli
    from click.testing import CliRunner

    runner = CliRunner(mix_stderr=False)
    answers.write(MARK + json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        args = request["args"]
        if "-v" in args or "--verbose" in args:
            answer = {"code": 2, "out": "", "err": "script worker: run --verbose in a process of its own\n"}
        else:
            result = runner.invoke(
                cli, ["run", *args], prog_name="ape", env=request.get("env") or None, catch_exceptions=True
            )
            err = result.stderr
            error = result.exception
            if error is not None and not isinstance(error, SystemExit):
                err += "".join(traceback.format_exception(error))
            answer = {"code": result.exit_code, "out": result.stdout, "err": err}
        answers.write(MARK + json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
