"""The dashboard's trusted list: which trainers' words it shows unasked.

Anyone can deploy a decai contract and give it any name and description,
and anyone can add any text to a model. The dashboard therefore shows the
name, description and contributed text of a trainer only when it is
trusted; for any other it shows the address and the numbers, and the user
chooses to show the rest (per trainer, for the browser session).

A trainer is trusted when
- the user's own deployment records for the connected network list it
  (`decai.chain.records`: what `ape run deploy`, the dashboard's deploy page
  or `--demo` deployed from this machine), or
- the trusted-list file given with `ape run dashboard --trusted FILE` lists
  it for the connected chain.

The file is JSON: an object whose keys are chain ids (decimal strings) and
whose values are lists of trainer addresses, for example

    {"11155111": ["0x5FbDB2315678afecb367f032d93F642f64180aa3"],
     "84532": []}

A deployment can publish such a file with its trainers; a user can keep
their own.
"""

from __future__ import annotations

import json
from pathlib import Path

from decai.errors import DecaiError


def load_trusted(path: str | Path) -> dict[int, set[str]]:
    """Chain id -> checksummed addresses, from the file at `path`.

    DecaiError (naming the file and the entry) for a file that cannot be
    read, is not JSON, or holds anything but chain ids and address lists."""
    from eth_utils import is_address, to_checksum_address

    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise DecaiError(f"{path}: cannot read the trusted list ({error.strerror or error})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DecaiError(f"{path}: line {error.lineno}: not valid JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise DecaiError(f'{path}: the trusted list must be a JSON object {{"<chain id>": ["0x…", …]}}')
    out: dict[int, set[str]] = {}
    for key, addresses in data.items():
        if not str(key).isdigit():
            raise DecaiError(f'{path}: {key!r} is not a chain id (a decimal number such as "11155111")')
        if not isinstance(addresses, list):
            raise DecaiError(f"{path}: chain {key}: the value must be a list of addresses")
        for address in addresses:
            if not isinstance(address, str) or not is_address(address):
                raise DecaiError(f"{path}: chain {key}: {address!r} is not an Ethereum address")
        out[int(key)] = {to_checksum_address(a) for a in addresses}
    return out
