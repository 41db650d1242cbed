"""Starting `paperlens serve`: check where it may listen, build the index and the assistant,
assemble the app and run it on uvicorn."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn

from paperlens.config import Settings
from paperlens.interfaces.api.app import create_app, mount_web_app
from paperlens.interfaces.api.security import check_bind

FACTORY = "paperlens.interfaces.api.app:app_from_environment"


def serve(settings: Settings, echo: Callable[[str], None] = print) -> None:
    """Serve until interrupted. Refuses (ConfigError) to listen beyond loopback without API keys."""
    api = settings.api
    check_bind(api.host, api.keys)  # before anything slow is loaded
    from paperlens.interfaces.web.layout import build_assistant, ensure_index

    ensure_index(settings, echo)
    base = f"http://{api.host}:{api.port}"
    if api.workers > 1:
        # Each process builds its own app from the environment; Gradio keeps per-user state in
        # one process, so the web app is left out.
        echo(f"paperlens API on {base}/v1 with {api.workers} processes (docs {base}/docs, MCP {base}/mcp).")
        if api.web:
            echo("The web app needs a single process and is not served; use `paperlens app` for it.")
        uvicorn.run(FACTORY, factory=True, host=api.host, port=api.port, workers=api.workers)
        return
    provider = build_assistant(settings)
    app = create_app(provider.get, settings)
    web = api.web and mount_web_app(app, provider, settings, api.host)
    echo(
        f"paperlens API on {base}/v1 (docs {base}/docs, MCP {base}/mcp"
        + (f", web app {base}/)." if web else ").")
    )
    uvicorn.run(app, host=api.host, port=api.port, timeout_graceful_shutdown=5)
