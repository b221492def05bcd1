"""The dashboard's web server: a Starlette app with a small JSON API and the
static page (decai/dashboard/static) that uses it.

Every handler is `async` and calls the SDK inline: Ape's network connection
lives in this process and the handlers run one at a time on the event loop,
which is what a single-user local app needs and keeps Ape out of threads.
Every error is one sentence, never an exception's text: errors the user can
act on (DecaiError, Rejected) answer 400 with {"error": "..."}; a node that
does not answer, 503 with {"error": "the node at URL does not answer ...",
"node_down": true}, which the page takes as a cue to try again by itself
until the node is back; anything else, 500 with a sentence pointing to the
server's terminal, where the trace is logged.
`decai.dashboard.security.LocalOnly` wraps the whole app: only the page this
server serves (trusted Host, same Origin, JSON, the session token written
into that page, a bounded body) gets an answer to a POST.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from decai.dashboard.security import LocalOnly, new_token, trusted_hosts
from decai.errors import DecaiError

if TYPE_CHECKING:
    from decai.dashboard.service import Service

STATIC = Path(__file__).resolve().parent / "static"
UNEXPECTED = "the dashboard could not answer this request; its terminal shows why"
_log = logging.getLogger("decai.dashboard")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else error.__class__.__name__


def _error_response(service: Service, error: Exception) -> JSONResponse:
    """One sentence for `error`; the node's absence comes first, whatever the error was."""
    from ape.exceptions import ContractLogicError

    from decai.errors import revert_reason

    down = service.node_problem()
    if down:
        return JSONResponse({"error": down, "node_down": True}, status_code=503)
    if isinstance(error, DecaiError):
        return JSONResponse({"error": _first_line(error)}, status_code=400)
    if isinstance(error, ContractLogicError):
        return JSONResponse({"error": f"rejected: {revert_reason(error)}"}, status_code=400)
    _log.error("dashboard request failed", exc_info=error)
    return JSONResponse({"error": UNEXPECTED}, status_code=500)


def create_app(service=None, hosts: list[str] | None = None, token: str | None = None) -> Starlette:
    """The app over `service` (a `decai.dashboard.service.Service` by
    default), answering only as `hosts` (default: 127.0.0.1:8000 and its
    loopback names) and to POSTs carrying `token` (default: a fresh one)."""
    if service is None:
        from decai.dashboard.service import Service

        service = Service()
    token = token or new_token()
    hosts = hosts or trusted_hosts("127.0.0.1", 8000)
    page = (STATIC / "index.html").read_text().replace("{{token}}", token)

    def api(handler):
        async def endpoint(request: Request) -> Response:
            from decai.chain.retry import read_budget
            from decai.dashboard.service import PAGE_READ_BUDGET_S

            with read_budget(PAGE_READ_BUDGET_S):
                return await answer(request)

        async def answer(request: Request) -> Response:
            down = service.node_problem(cached=True)
            if down:
                return JSONResponse({"error": down, "node_down": True}, status_code=503)
            try:
                body: dict[str, Any] = {}
                if request.method == "POST":
                    raw = await request.body()
                    try:
                        body = json.loads(raw or b"{}")
                    except json.JSONDecodeError:
                        raise DecaiError("the request is not valid JSON") from None
                    if not isinstance(body, dict):
                        raise DecaiError("the request must be a JSON object")
                result = handler(request, body)
                if isinstance(result, Response):
                    return result
                return JSONResponse(result)
            except Exception as error:  # noqa: BLE001 - one sentence for the page
                return _error_response(service, error)

        return endpoint

    def address(request: Request) -> str:
        return request.path_params["address"]

    def account(request: Request) -> str | None:
        return request.query_params.get("account") or None

    def dataset(request: Request, body):
        text = service.dataset_csv(address(request))
        return Response(
            text,
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="dataset-{address(request)[:10]}.csv"'},
        )

    def raw_inputs(request: Request, body):
        return Response(
            service.raw_jsonl(address(request)),
            media_type="application/jsonl",
            headers={"Content-Disposition": f'attachment; filename="raw-inputs-{address(request)[:10]}.jsonl"'},
        )

    async def index(request: Request) -> Response:
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    routes = [
        Route("/", index),
        Route("/api/network", api(lambda r, b: service.network())),
        Route("/api/account/{address}", api(lambda r, b: service.account(address(r)))),
        Route("/api/trainers", api(lambda r, b: service.list())),
        Route("/api/trainers/add", api(lambda r, b: service.add_address(b.get("address") or "")), methods=["POST"]),
        Route("/api/trainers/{address}", api(lambda r, b: service.detail(address(r), account(r)))),
        Route(
            "/api/trainers/{address}/predict",
            api(lambda r, b: service.predict(address(r), b.get("input"))),
            methods=["POST"],
        ),
        Route("/api/trainers/{address}/prepare", api(lambda r, b: service.prepare(address(r), b)), methods=["POST"]),
        Route("/api/trainers/{address}/dataset.csv", api(dataset)),
        Route("/api/trainers/{address}/raw", api(lambda r, b: service.keep_raw(address(r), b)), methods=["POST"]),
        Route(
            "/api/trainers/{address}/raw/import", api(lambda r, b: service.import_raw(address(r), b)), methods=["POST"]
        ),
        Route("/api/trainers/{address}/raw-inputs.jsonl", api(raw_inputs)),
        Route("/api/trainers/{address}/series", api(lambda r, b: service.series(address(r)))),
        Route("/api/trainers/{address}/keeper", api(lambda r, b: service.keeper_status(address(r), account(r)))),
        Route("/api/trainers/{address}/quote", api(lambda r, b: service.quote(address(r)))),
        Route("/api/markets/plan", api(lambda r, b: service.plan_market(b)), methods=["POST"]),
        Route("/api/markets/{address}", api(lambda r, b: service.market(address(r), account(r)))),
        Route("/api/markets/{address}/provider", api(lambda r, b: service.provider_view(address(r), account(r)))),
        Route(
            "/api/markets/{address}/provider/prepare",
            api(lambda r, b: service.prepare_provider(address(r), b)),
            methods=["POST"],
        ),
        Route("/api/send", api(lambda r, b: {"hash": service.send_dev(b.get("tx") or {})}), methods=["POST"]),
        Route("/api/tx/{hash}", api(lambda r, b: service.receipt(r.path_params["hash"]))),
        Route("/api/deploy/plan", api(lambda r, b: service.plan(b)), methods=["POST"]),
        Route("/api/deploy/record", api(lambda r, b: service.record_deployment(b)), methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.service = service
    app.state.token = token
    app.add_middleware(LocalOnly, hosts=hosts, token=token)
    return app


def serve(
    host: str = "127.0.0.1", port: int = 8000, service=None, echo=print, allowed_hosts=(), trusted=None, series=None
) -> None:
    """Serve the dashboard until interrupted; prints its URL once it listens.

    It answers as the address it listens on (with the loopback names when
    that is a loopback or wildcard address) and as `allowed_hosts`; `trusted`
    is a trusted list (decai.dashboard.trusted.load_trusted) for a new Service;
    `series` the folder of the monitor's series files (decai.dashboard.health)."""
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)  # connections wait from now on, so the URL printed below answers at once
    bound = sock.getsockname()[1]
    if service is None:
        from decai.dashboard.service import Service

        service = Service(trusted=trusted, series_dir=series)
    url = f"http://{host if host not in ('0.0.0.0', '::') else '127.0.0.1'}:{bound}/"
    app = create_app(service, hosts=trusted_hosts(host, bound, allowed_hosts))
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    echo(f"decai dashboard: {url}", flush=True) if echo is print else echo(f"decai dashboard: {url}")
    server.run(sockets=[sock])
