"""The decai dashboard: a local web app over the SDK (see docs/DASHBOARD.md).

`decai.dashboard.app.create_app` builds the Starlette app, `serve` runs it;
`decai.dashboard.service.Service` does the reads, encoding and pre-checks
(a trainer's page in `trainers`, a market's in `markets`, deploying in
`deployments`, shared helpers in `common`);
`decai.dashboard.demo.deploy_demo` deploys the demo trainers of `make dashboard`.
"""
