"""Block explorers of the public networks decai is configured for.

Ape's network objects expose an explorer only through an explorer plugin
(`network.explorer`); the one this project installs, ape-sourcify, links an
address to Sourcify's source repository and has no transaction pages. The
chain metadata Ape itself ships (evmchains, EIP-155 and EIP-3091 entries per
ecosystem and network) does name each chain's block explorers, so the table
below takes the first EIP-3091 explorer listed there for every network in
ape-config.yaml. EIP-3091 fixes the paths: `<base>/address/<address>` and
`<base>/tx/<hash>`. Local chains and forks have no explorer: what happens
there exists nowhere else.
"""

from __future__ import annotations

#: The public networks ape-config.yaml configures, as (ecosystem, network).
NETWORKS = (
    ("ethereum", "mainnet"),
    ("ethereum", "sepolia"),
    ("base", "mainnet"),
    ("base", "sepolia"),
    ("optimism", "mainnet"),
    ("optimism", "sepolia"),
    ("arbitrum", "mainnet"),
    ("arbitrum", "sepolia"),
)


def _table() -> dict[int, str]:
    from evmchains import PUBLIC_CHAIN_META

    table: dict[int, str] = {}
    for ecosystem, network in NETWORKS:
        meta = PUBLIC_CHAIN_META.get(ecosystem, {}).get(network) or {}
        urls = [e["url"] for e in meta.get("explorers") or [] if e.get("url") and e.get("standard") == "EIP3091"]
        if meta.get("chainId") and urls:
            table[int(meta["chainId"])] = str(urls[0]).rstrip("/")
    return table


#: Chain id -> explorer base URL (no trailing slash), from Ape's chain metadata.
EXPLORERS: dict[int, str] = _table()


def explorer_url(chain_id: int, is_dev: bool = False) -> str | None:
    """The explorer base URL for `chain_id`, or None (unknown chain, or a
    local chain or fork, `is_dev`, whose transactions no explorer has)."""
    if is_dev:
        return None
    return EXPLORERS.get(int(chain_id))


def address_url(base: str, address: str) -> str:
    return f"{base}/address/{address}"


def transaction_url(base: str, tx_hash: str) -> str:
    return f"{base}/tx/{tx_hash}"
