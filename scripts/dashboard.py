"""ape run dashboard: the web app for finding, querying and training decai models, served locally.

    ape run dashboard                                  # the local network, http://127.0.0.1:8000/
    ape run dashboard --network ethereum:sepolia:node --port 8080
    ape run dashboard --demo                           # first deploy the demo trainers (local networks)
    ape run dashboard --network base:sepolia:node --trusted trusted.json

Serves the dashboard (docs/DASHBOARD.md) for the connected network and
prints its URL. On real networks the browser's own wallet (any EIP-1193
injected wallet) signs every transaction; on a local node or fork the page
also offers the node's dev accounts. `make dashboard` starts a fresh local
chain with the demo trainers. With --demo the deployment records go to a
temporary folder of the demo's own, removed when the dashboard stops: the
records in deployments/ (or $DECAI_DEPLOYMENTS) are never touched.

The server answers only its own page: requests naming another host
(--allowed-host adds one), posts from other origins, posts that are not
JSON or lack the page's session token, and bodies over 1 MiB are refused
(decai/dashboard/security.py).

Names, descriptions and contributed text are shown unasked only for
trusted trainers: those in your own deployment records for the network,
and those the --trusted file lists for its chain id (decai/dashboard/trusted.py).

With --series DIR the model page charts the accuracy series that
`ape run monitor --series DIR/<name>.csv` writes (decai/dashboard/health.py);
every page with an account shows what a keeper would do for it.

Stop it with Ctrl-C.
"""

import contextlib
import os
import shutil
import tempfile

import click

from decai.apps.cli import DecaiCommand, is_live
from decai.errors import DecaiError


@click.command(cls=DecaiCommand)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option("--demo", is_flag=True, help="Deploy the demo trainers first (local networks only).")
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME[:PORT]",
    help="Another host name the page may be opened as (repeatable); the address served is always allowed.",
)
@click.option(
    "--trusted",
    "trusted_file",
    metavar="FILE",
    help="A trusted list (JSON, chain id -> trainer addresses) whose trainers' names and texts are shown.",
)
@click.option(
    "--series",
    "series_dir",
    metavar="DIR",
    help="Folder of `ape run monitor --series` files (<address>.csv or <name>.csv): the model page charts them.",
)
def cli(provider, host, port, demo, allowed_hosts, trusted_file, series_dir):
    from decai.dashboard.app import serve
    from decai.dashboard.trusted import load_trusted

    trusted = load_trusted(trusted_file) if trusted_file else None
    if series_dir is not None and not os.path.isdir(series_dir):
        raise DecaiError(f"--series {series_dir}: not a folder")

    def run() -> None:
        serve(host=host, port=port, echo=click.echo, allowed_hosts=allowed_hosts, trusted=trusted, series=series_dir)

    if not demo:
        run()
        return
    if is_live(provider):
        raise DecaiError("--demo deploys test trainers: use a local network or a fork")
    from decai.dashboard.demo import deploy_demo

    with demo_records() as folder:
        click.echo(f"demo records in {folder} (removed on exit; your own deployment records are left alone)")
        deploy_demo(echo=click.echo)
        run()


@contextlib.contextmanager
def demo_records():
    """A records folder of the demo's own (DECAI_DEPLOYMENTS points to it
    while the dashboard runs): the demo trainers and whatever the page
    deploys on the throwaway chain never land in the user's records."""
    previous = os.environ.get("DECAI_DEPLOYMENTS")
    folder = tempfile.mkdtemp(prefix="decai-dashboard-demo-")
    os.environ["DECAI_DEPLOYMENTS"] = folder
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop("DECAI_DEPLOYMENTS", None)
        else:
            os.environ["DECAI_DEPLOYMENTS"] = previous
        shutil.rmtree(folder, ignore_errors=True)
