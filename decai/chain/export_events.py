"""Reading a trainer's events for an export: page by page, and again if a
reorg touched them while they were read (see decai.chain.export)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from decai.chain.progress import progress_bar
from decai.core.contributions import Contribution
from decai.errors import DecaiError

#: Blocks below the head whose events are re-checked against a reorg.
REORG_WINDOW = 64
#: Reads of the events before a chain that keeps reorganising is an error.
READ_ATTEMPTS = 3


@dataclass
class ClaimState:
    refunded: bool = False
    claim_count: int = 0
    refunded_amount: int = 0
    taken_amount: int = 0
    burned_amount: int = 0


# -- reading the events ------------------------------------------------------


def _topic(event) -> str:
    from eth_utils import encode_hex, keccak

    return encode_hex(keccak(text=event.abi.selector))


def _get_logs(address: str, topics: list[str], start: int, stop: int) -> list[dict]:
    from ape import chain

    return list(
        chain.provider.web3.eth.get_logs({"address": address, "fromBlock": start, "toBlock": stop, "topics": [topics]})
    )


def iterate_pages(
    fetch: Callable[[int, int], list],
    start_block: int,
    stop_block: int,
    page_size: int,
    on_page: Callable[[int, int, list], None],
) -> int:
    """Call `fetch(first, last)` over [start_block, stop_block] page by page.

    A page the node refuses (too many results, range too large) is split in
    halves, down to single blocks; a single block that still fails raises
    DecaiError. Returns the number of requests made.
    """
    if page_size < 1:
        raise DecaiError("the page size must be at least one block")
    requests = 0
    first, size = start_block, page_size
    while first <= stop_block:
        last = min(first + size - 1, stop_block)
        try:
            logs = fetch(first, last)
            requests += 1
        except Exception as error:  # the node's refusal comes in many shapes
            requests += 1
            if first == last:
                raise DecaiError(
                    f"the node refused the events of block {first}: {str(error).splitlines()[0]}"
                ) from None
            size = max(1, (last - first + 1) // 2)
            continue
        on_page(first, last, logs)
        first = last + 1
    return requests


def _block_hash(number: int) -> str | None:
    from ape import chain

    from decai.units import to_hex

    try:
        return to_hex(chain.provider.get_block(number).hash)
    except Exception:  # noqa: BLE001 - a block that is gone (the chain got shorter)
        return None


def read_settled(trainer, start: int, stop: int, page_size: int, progress: bool):
    """The events of [start, stop], read again if a reorg touched them while reading."""
    for _ in range(READ_ATTEMPTS):
        stop_hash = _block_hash(stop)
        added, claims, seen = _read_events(trainer, start, stop, page_size, progress)
        recent = {number: block for number, block in seen.items() if number > stop - REORG_WINDOW}
        if stop_hash is not None and _block_hash(stop) == stop_hash:
            if all(_block_hash(number) == block for number, block in recent.items()):
                block_hashes = {c.key: seen.get(c.block_number) for c in added}
                return stop_hash, added, claims, block_hashes
    raise DecaiError(
        f"the chain reorganised while its events were read, {READ_ATTEMPTS} times: try again, "
        "or export up to an older --stop-block"
    )


def _read_events(trainer, start: int, stop: int, page_size: int, progress: bool):
    """AddData, Refund and Report events of [start, stop]; and the hash of each block they are in."""
    from ape import chain

    from decai.units import to_hex

    contract = trainer.contract
    if trainer.mechanism == "points":
        events = {"AddData": contract.AddData, "Refund": contract.PointAwarded, "Report": contract.Reported}
    else:
        events = {"AddData": contract.AddData, "Refund": contract.Refund, "Report": contract.Report}
    topics = {name: _topic(event) for name, event in events.items()}
    abis = [event.abi for event in events.values()]
    ecosystem = chain.provider.network.ecosystem

    added: list[Contribution] = []
    claims: dict[bytes, ClaimState] = {}
    seen: dict[int, str] = {}

    refund_event = events["Refund"].abi.name

    def on_page(first: int, last: int, logs: list) -> None:
        for raw in logs:
            seen[int(raw["blockNumber"])] = to_hex(raw["blockHash"])
        for log in ecosystem.decode_logs(logs, *abis):
            args = log.event_arguments
            if log.event_name == "AddData":
                added.append(trainer.contribution_from_event(log))
            else:
                state = claims.setdefault(bytes(args["key"]), ClaimState())
                state.claim_count += 1
                if log.event_name == refund_event:
                    state.refunded = True
                    state.refunded_amount += int(args.get("amount", 0))
                else:
                    state.taken_amount += int(args.get("amount", 0))
                    state.burned_amount += int(args.get("burned", 0))
        bar.update(task, completed=last - start + 1, found=len(added))

    bar = progress_bar(progress, "blocks, {task.fields[found]} contributions")
    with bar:
        task = bar.add_task("reading events", total=stop - start + 1, found=0)
        iterate_pages(
            lambda first, last: _get_logs(contract.address, list(topics.values()), first, last),
            start,
            stop,
            page_size,
            on_page,
        )
    return added, claims, seen
