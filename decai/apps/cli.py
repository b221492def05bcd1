"""Shared pieces of the `ape run` scripts: the command class, options,
parsing and error handling.

Every script is a thin click command over the SDK, declared with
`cls=DecaiCommand` (scripts that need no network: `cls=OfflineCommand`).
What a user meets is then the same everywhere:

- bad input, a refused call, a usage mistake (missing option, bad choice,
  bad integer) or a node that is not there ends with one line
  `error: ...` on stderr and exit status 1, before any transaction;
- `-v/--verbose` shows the full trace instead (and Ape's INFO lines);
- otherwise Ape is quiet: no per-transaction INFO lines, no call traces
  printed on a revert, no lines about starting or connecting to a node;
- `ape run --help` shows the first line of the script's docstring.

Scripts that still use `click.command(cls=ConnectedProviderCommand)` with
`@handle_errors` get the one-line errors, the description, `--verbose` and
the quiet logs from `handle_errors`, but not the usage errors or the check
for a missing node (those need the command class).
"""

from __future__ import annotations

import functools
import os
import re
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click
from ape.cli import ConnectedProviderCommand

from decai.apps.options import (  # noqa: F401 - the scripts' option types come from here
    ADDRESS,
    FRACTION,
    AddressType,
    AmountType,
    DurationType,
    FractionType,
    UIntType,
    uint,
)
from decai.errors import DecaiError, NodeUnavailable, node_refusal
from decai.units import parse_duration, parse_wei  # noqa: F401 - the scripts' parsers live here

_VERBOSE_KEY = "decai.verbose"
_LEVEL_KEY = "decai.verbosity"
_state = {"verbose": False, "quiet_traces": False}


# -- output and errors -------------------------------------------------------
def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def is_verbose() -> bool:
    return _state["verbose"]


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else error.__class__.__name__


def report_error(error: BaseException) -> None:
    """Print `error` as one line and exit 1 (with --verbose: the trace first)."""
    from ape.exceptions import ApeException

    if is_verbose():
        traceback.print_exception(error)
    refusal = node_refusal(str(error))  # a JSON-RPC error, never shown as a dict
    if refusal is not None:
        fail(refusal)
    if isinstance(error, DecaiError):
        fail(str(error))
    if isinstance(error, ApeException):
        fail(_first_line(error))
    fail(f"{error.__class__.__name__}: {_first_line(error)} (run with --verbose for the trace)")


def handle_errors(function: Callable) -> Callable:
    """Turn errors raised by a script's body into one line and exit status 1.

    Also gives the command `-v/--verbose` and `--verbosity` (see
    `verbosity_params`) and, when the function has no docstring of its own,
    the first paragraph of its module's docstring as the command's help.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (SystemExit, KeyboardInterrupt, click.exceptions.Exit, click.ClickException):
            raise
        except Exception as error:  # noqa: BLE001 - every error ends in one line
            report_error(error)

    if not wrapper.__doc__:
        wrapper.__doc__ = script_description(function)
    params = getattr(wrapper, "__click_params__", None)
    if params is None:
        wrapper.__click_params__ = params = []
    if not any(getattr(p, "name", None) == "verbosity" for p in params):
        params.extend(verbosity_params())
    return wrapper


def script_description(function: Callable) -> str | None:
    """The first paragraph of the script's module docstring, without the
    leading `ape run NAME:`; click shows it in `ape run --help`."""
    doc = (getattr(function, "__globals__", {}).get("__doc__") or "").strip()
    if not doc:
        return None
    first = " ".join(doc.split("\n\n", 1)[0].split())
    first = re.sub(r"^`?ape run [\w-]+(?: <command>)?`?:\s*", "", first)
    return first[:1].upper() + first[1:]


# -- verbosity ---------------------------------------------------------------
def _quiet_traces() -> None:
    """Ape prints the call trace of every reverted call or transaction; the
    one-line reason is enough unless --verbose."""
    if _state["quiet_traces"]:
        return
    import ape.exceptions
    import ape_ethereum.trace

    ape_ethereum.trace.Trace.show = lambda self, *args, **kwargs: None
    ape.exceptions._get_ape_traceback_from_tx = lambda txn: None
    _state["quiet_traces"] = True


def complete_confirmation_bars() -> None:
    """Ape stops waiting once a transaction has its confirmations but leaves
    its `Confirmations (n/N)` bar where it last looked (often 0/2); fill it
    on a normal exit so the line a user keeps says what happened."""
    from ape.api.transactions import ConfirmationsProgressBar

    if getattr(ConfirmationsProgressBar, "_decai_completes", False):
        return
    close = ConfirmationsProgressBar.__exit__

    def __exit__(self, exc_type, exc_val, exc_tb):
        if exc_type is None:
            self.confs = self._req_confs
        return close(self, exc_type, exc_val, exc_tb)

    ConfirmationsProgressBar.__exit__ = __exit__
    ConfirmationsProgressBar._decai_completes = True


def _apply_verbosity(ctx: click.Context) -> None:
    from ape.logging import logger

    import decai.chain.transact

    explicit = ctx.meta.get(_LEVEL_KEY)
    logger.set_level(explicit or ("INFO" if is_verbose() else "WARNING"))
    decai.chain.transact.SHOW_TRACES = is_verbose()
    complete_confirmation_bars()
    if not is_verbose():
        _quiet_traces()


def _set_verbose(ctx: click.Context, param, value) -> None:
    _state["verbose"] = bool(value) or _state["verbose"]
    ctx.meta[_VERBOSE_KEY] = _state["verbose"]
    _apply_verbosity(ctx)


def _set_level(ctx: click.Context, param, value) -> None:
    if value is not None:
        ctx.meta[_LEVEL_KEY] = str(value).upper()
    _apply_verbosity(ctx)


def use_verbosity(ctx: click.Context, level: str | None) -> None:
    """Ape's log `level` as the user chose it (None: quiet, the default);
    DEBUG also shows full traces, as --verbose does."""
    if level is not None:
        ctx.meta[_LEVEL_KEY] = level.upper()
        _state["verbose"] = level.upper() == "DEBUG" or _state["verbose"]
    _apply_verbosity(ctx)


def verbosity_params() -> list[click.Option]:
    """`-v/--verbose` (traces) and `--verbosity LVL` (Ape's log level,
    default WARNING: quiet). A parameter named `verbosity` also stops
    `ape run` from adding its own `-v`."""
    return [
        click.Option(
            ["-v", "--verbose"],
            is_flag=True,
            expose_value=False,
            is_eager=True,
            callback=_set_verbose,
            help="Show full traces and Ape's log lines instead of one-line errors.",
        ),
        click.Option(
            ["--verbosity", "verbosity"],
            default=None,
            expose_value=False,
            is_eager=True,
            callback=_set_level,
            metavar="LVL",
            type=click.Choice(["ERROR", "WARNING", "SUCCESS", "INFO", "DEBUG"], case_sensitive=False),
            help="Ape's log level (default WARNING).",
        ),
    ]


# -- the command classes -----------------------------------------------------
def _usage_message(error: click.UsageError) -> str:
    message = error.format_message().strip().rstrip(".")
    message = message.replace("Missing option", "missing option").replace("Invalid value for", "bad value for")
    return message.replace("No such option", "no such option").replace(
        "Got unexpected extra argument", "unexpected argument"
    )


class _OneLineErrors:
    """Usage errors as one `error: ...` line with exit status 1 (click
    prints a usage block and exits 2), plus the verbosity options and a
    help text from the module docstring."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.help and not self.short_help and self.callback is not None:
            self.help = script_description(getattr(self.callback, "__wrapped__", self.callback))
        if not any(p.name == "verbosity" for p in self.params):
            self.params.extend(verbosity_params())

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            fail(f"{_usage_message(error)} (see `ape run {ctx.info_name} --help`)")

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return self._invoke_body(ctx)
        except (SystemExit, KeyboardInterrupt, click.exceptions.Exit, click.ClickException):
            raise
        except Exception as error:  # noqa: BLE001 - every error ends in one line
            report_error(error)

    def _invoke_body(self, ctx: click.Context) -> Any:
        return super().invoke(ctx)


class OfflineCommand(_OneLineErrors, click.Command):
    """A script that needs no network (e.g. `train`)."""


class DecaiCommand(_OneLineErrors, ConnectedProviderCommand):
    """A script connected to a network; a node that cannot be reached, or a
    network whose RPC address is not configured, is one line, not Ape's
    traceback."""

    def _invoke_body(self, ctx: click.Context) -> Any:
        from ape.cli.commands import parse_network

        from decai.chain.node import cap_ape_anvils

        if self.callback is None:
            return None
        cap_ape_anvils()  # before Ape starts an anvil for a local or fork network
        network_ctx = parse_network(ctx)
        if network_ctx is None:
            return self._invoke(ctx)
        target = getattr(network_ctx, "_provider", None)
        check_node(target)
        connected = False
        try:
            with network_ctx as provider:
                connected = True
                from decai.chain.retry import make_resilient

                make_resilient(provider)
                return self._invoke(ctx, provider=provider)
        except Exception as error:
            if connected or isinstance(error, DecaiError):
                raise
            raise connection_error(target, error) from error


def check_node(provider) -> None:
    """Refuse, before Ape connects, a node that cannot be there: with
    APE_FOUNDRY_HOST set, Ape would silently start a fresh, empty anvil
    when nothing listens at that address."""
    host = os.environ.get("APE_FOUNDRY_HOST")
    if host and getattr(provider, "name", None) == "foundry":
        import requests

        url = host if "://" in host else f"http://{host}"
        try:
            requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=5)
        except requests.RequestException:
            raise NodeUnavailable(f"no node at {url} (APE_FOUNDRY_HOST) — {start_hint(url)}") from None


def start_hint(url: str) -> str:
    """How to start the node that `url` names (`make node` listens on 8545)."""
    from urllib.parse import urlparse

    try:
        port = urlparse(url).port
    except ValueError:
        port = None
    if port in (None, 8545):
        return "start one with `make node`"
    return f"start one with `anvil --port {port}` (`make node` listens on 8545)"


def connection_error(provider, error: BaseException) -> DecaiError:
    """One line for a failure while connecting to `provider`'s network."""
    text = str(error)
    unset = re.search(r"\$\{(\w+)\}", text)
    if unset:
        name = unset.group(1)
        return NodeUnavailable(f"{name} is not set: export {name}=https://... (see docs/NETWORKS.md)")
    network = getattr(provider, "network", None)
    where = f"{network.ecosystem.name}:{network.name}:{provider.name}" if network is not None else "the network"
    return NodeUnavailable(f"cannot connect to {where}: {_first_line(error)}")


def given(name: str) -> bool:
    """Whether the user gave option `name` (its parameter name) on the command line."""
    from click.core import ParameterSource

    source = click.get_current_context().get_parameter_source(name)
    return source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)


# -- parsing -------------------------------------------------------------------
def check_step_flag(flag: str, model_type: str, step: float | None) -> None:
    """A step option (`--step`) the model type cannot take, as a usage error naming the flag."""
    from decai.models.base import model_class

    if step is None:
        return
    try:
        model_class(model_type).check_step(step)
    except DecaiError as error:
        raise DecaiError(f"{flag} {step:g}: {error} ({model_type})") from None


def parse_numbers(text: str) -> list[str]:
    """'1,2, 3' or '1 2 3' -> ['1', '2', '3'] (empty input -> [])."""
    return [part for part in re.split(r"[,\s]+", text.strip()) if part]


def is_live(provider) -> bool:
    """True for networks whose transactions cost real value (not local, not forks)."""
    return not provider.network.is_dev


def load_account(alias: str | None, provider, signs: bool = True) -> Any:
    """An Ape account by alias, or a test account (TEST::n).

    On local networks the default is TEST::0. A keyfile account signs
    without prompting when DECAI_PASSPHRASE is set; without it and without
    a terminal to prompt on, an account that `signs` is refused here,
    before anything is planned or sent.
    """
    from ape import accounts

    if not alias:
        if is_live(provider):
            raise DecaiError("choose the sending account with --account ALIAS on a live network")
        alias = "TEST::0"
    if alias.upper().startswith("TEST::"):
        try:
            return accounts.test_accounts[int(alias.split("::", 1)[1])]
        except (ValueError, IndexError):
            raise DecaiError(f"no test account {alias}") from None
    try:
        account = accounts.load(alias)
    except Exception:
        raise DecaiError(f"no account with alias {alias!r} (see `ape accounts list`)") from None
    return unlock(account, signs=signs)


def unlock(account, signs: bool = True) -> Any:
    """`account`, signing without prompting when it is a keyfile account and
    DECAI_PASSPHRASE is set (test accounts need nothing). Without it and
    without a terminal to prompt on, an account that `signs` is refused."""
    passphrase = os.environ.get("DECAI_PASSPHRASE")
    if passphrase is None and hasattr(account, "set_autosign") and signs and not sys.stdin.isatty():
        raise DecaiError(
            f"account {account.alias!r} is locked and there is no terminal to ask for its passphrase: "
            "set DECAI_PASSPHRASE to sign with it (see docs/NETWORKS.md)"
        )
    if passphrase is not None and hasattr(account, "set_autosign"):
        from ape.exceptions import AccountsError

        try:
            account.set_autosign(True, passphrase=passphrase)
        except AccountsError:
            raise DecaiError(f"DECAI_PASSPHRASE does not unlock account {account.alias!r}") from None
    return account


def connect_trainer(reference: str):
    """The trainer at an address or recorded under a name on this network."""
    from decai.chain.trainer import Trainer

    return Trainer.find(reference)


def parse_sample(trainer, data: str | None, text: str | None, values: str | None) -> list[int]:
    """Turn the command-line input into the trainer's sample.

    --data: the sample itself (integers: indices or fixed-point values);
    --values: real numbers for dense models, encoded with the model's encoder;
    --text: raw text for text models, encoded with the model's encoder.
    """
    given_flags = [
        name for name, value in (("--data", data), ("--text", text), ("--values", values)) if value is not None
    ]
    if len(given_flags) != 1:
        raise DecaiError("give the sample with exactly one of --data, --values or --text")
    if data is not None:
        try:
            return [int(x) for x in parse_numbers(data)]
        except ValueError:
            raise DecaiError(f"--data takes integers separated by commas, got {data!r}") from None
    encoder = trainer.encoder()
    raw: Any = text if text is not None else parse_numbers(values or "")
    return encoder.encode(raw)


def parse_label(trainer, text: str, flag: str = "--label") -> int:
    """A label given as a class index ('1') or a class name ('benign',
    any case); an unknown one lists the model's classes."""
    classes = trainer.classes
    listing = ", ".join(f"{index} {name}" for index, name in enumerate(classes))
    value = str(text).strip()
    if re.fullmatch(r"-?\d+", value):
        label = int(value)
        if 0 <= label < len(classes):
            return label
        raise DecaiError(f"{flag} {value} is not one of the model's classes: {listing}")
    matches = [index for index, name in enumerate(classes) if name.lower() == value.lower()]
    if not matches:
        raise DecaiError(f"{flag} {value!r} is not one of the model's classes: {listing}")
    return matches[0]
