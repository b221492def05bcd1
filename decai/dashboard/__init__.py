"""The decai dashboard: a local web app over the SDK (see docs/DASHBOARD.md).

`decai.dashboard.app.create_app` builds the Starlette app, `serve` runs it;
`decai.dashboard.service.Service` does the reads, encoding and pre-checks;
`decai.dashboard.demo.deploy_demo` deploys the demo trainers of `make dashboard`.
"""
