"""Shared pieces of the `ape run` scripts: options, parsing, error handling.

Every script is a thin click command over the SDK. Bad input ends with a
one-line `error: ...` on stderr and exit status 1, before any transaction.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from typing import Any, Callable

import click

from decai.errors import DecaiError
from decai.units import parse_duration, parse_wei  # noqa: F401 - the scripts' parsers live here

def parse_numbers(text: str) -> list[str]:
    """'1,2, 3' or '1 2 3' -> ['1', '2', '3'] (empty input -> [])."""
    return [part for part in re.split(r"[,\s]+", text.strip()) if part]


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def handle_errors(function: Callable) -> Callable:
    """Turn decai and Ape errors into one line on stderr and exit status 1."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        from ape.exceptions import ApeException

        try:
            return function(*args, **kwargs)
        except DecaiError as error:
            fail(str(error))
        except ApeException as error:
            fail(str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__)

    return wrapper


def is_live(provider) -> bool:
    """True for networks whose transactions cost real value (not local, not forks)."""
    return not provider.network.is_dev


def load_account(alias: str | None, provider) -> Any:
    """An Ape account by alias, or a test account (TEST::n).

    On local networks the default is TEST::0. A keyfile account signs
    without prompting when DECAI_PASSPHRASE is set.
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
    passphrase = os.environ.get("DECAI_PASSPHRASE")
    if passphrase is not None and hasattr(account, "set_autosign"):
        from ape.exceptions import AccountsError

        try:
            account.set_autosign(True, passphrase=passphrase)
        except AccountsError:
            raise DecaiError(f"DECAI_PASSPHRASE does not unlock account {alias!r}") from None
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
    given = [name for name, value in (("--data", data), ("--text", text), ("--values", values)) if value is not None]
    if len(given) != 1:
        raise DecaiError("give the sample with exactly one of --data, --values or --text")
    if data is not None:
        try:
            return [int(x) for x in parse_numbers(data)]
        except ValueError:
            raise DecaiError(f"--data takes integers separated by commas, got {data!r}") from None
    encoder = trainer.encoder()
    raw: Any = text if text is not None else parse_numbers(values or "")
    return encoder.encode(raw)
