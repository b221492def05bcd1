"""The provider's secrets file: the portions of a committed test set with
their salts. Without it the portions cannot be revealed and the bounty is
forfeited, so it is written with care:

- never over an existing file;
- readable by its owner only (mode 0600);
- atomically: the content goes to a temporary file next to the target,
  which gets its final name in one step, so that the target is either
  absent or complete.

`pending_portions` ties the file to the commitment: the temporary file is
written before the transaction is sent and renamed once it is mined; if the
contract refuses the commitment it is removed, and if the outcome is unknown
(the node went away, Ctrl-C) it is kept and the error says where.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from decai.errors import DecaiError
from decai.market.encoding import Portion

FORMAT = "decai-market-portions/1"


def _document(portions: Sequence[Portion], extra: dict[str, Any]) -> str:
    data = {"format": FORMAT, **extra, "portions": [p.to_dict() for p in portions]}
    return json.dumps(data, indent=1) + "\n"


def check_target(path: str | Path) -> Path:
    """Raise DecaiError unless a new secrets file can be created at `path`."""
    target = Path(path)
    if target.exists():
        raise DecaiError(f"{path} exists; refusing to overwrite a provider's secret file")
    if not target.parent.is_dir():
        raise DecaiError(f"cannot write {path}: directory {target.parent} does not exist")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise DecaiError(f"cannot write {path}: directory {target.parent} is not writable")
    return target


def _write_private(directory: Path, name: str, text: str) -> Path:
    """A new file in `directory` holding `text`, mode 0600, flushed to disk."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".pending", dir=directory)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return Path(temporary)


def _publish(temporary: Path, target: Path) -> None:
    """Give `temporary` the name `target`, refusing to replace an existing file."""
    try:
        os.link(temporary, target)  # fails if the target appeared meanwhile
    except FileExistsError:
        raise DecaiError(f"{target} appeared meanwhile; the portions are kept in {temporary}") from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise DecaiError(f"{target} appeared meanwhile; the portions are kept in {temporary}") from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)


@contextlib.contextmanager
def pending_portions(path: str | Path, portions: Sequence[Portion], **extra: Any) -> Iterator[Path]:
    """Write the secrets file under a temporary name, run the block (the
    commitment), then give the file its name `path`.

    A DecaiError in the block (the contract refused, nothing changed on
    chain) removes the temporary file. Any other error leaves it in place and
    is re-raised as a DecaiError naming it: the commitment may have gone
    through, and only this file can reveal it."""
    target = check_target(path)
    temporary = _write_private(target.parent, target.name, _document(portions, extra))
    try:
        yield temporary
    except DecaiError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    except (Exception, KeyboardInterrupt) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
        raise DecaiError(
            f"{reason}; the commitment may have been sent: its portions are kept in {temporary}"
        ) from error
    _publish(temporary, target)


def save_portions(path: str | Path, portions: Sequence[Portion], **extra: Any) -> None:
    """Write a new secrets file at `path` (mode 0600, atomically, never over an existing file)."""
    with pending_portions(path, portions, **extra):
        pass


def load_portions(path: str | Path) -> list[Portion]:
    """The portions of a secrets file; DecaiError naming the file if it cannot be read."""
    from decai.data.files import read_json

    data, _ = read_json(path, "portions file")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DecaiError(f"{path} is not a decai portions file")
    try:
        return [Portion.from_dict(p) for p in data["portions"]]
    except (KeyError, TypeError, ValueError, AttributeError, DecaiError) as error:
        raise DecaiError(f"bad portions file {path}: {error}") from None
