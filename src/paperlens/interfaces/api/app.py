"""`paperlens serve`: one ASGI app on one port.

    /v1/...   the OpenAI-compatible chat API and paperlens' search, papers and summaries
    /mcp      the MCP server over streamable HTTP
    /docs     the OpenAPI documentation
    /         the web app (Gradio), when mounted

API keys and the body limit guard /v1 and /mcp (`security.Guard`); the web app keeps its own
login. CORS is off unless origins are configured.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.security import HTTPBearer
from mcp.server.transport_security import TransportSecuritySettings

from paperlens.answering.protocol import AssistantProtocol
from paperlens.config import Settings
from paperlens.interfaces.api import openai_compat, routes
from paperlens.interfaces.api.context import ApiContext
from paperlens.interfaces.api.errors import install_error_handlers
from paperlens.interfaces.api.mcp_server import build_mcp, warm_up
from paperlens.interfaces.api.security import Gate, Guard, KeyChecker, is_loopback

if TYPE_CHECKING:
    from paperlens.interfaces.web.handlers import AssistantProvider

log = logging.getLogger("paperlens.interfaces.api")
LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
LOOPBACK_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
DESCRIPTION = """Cited answers from a collection of research papers.

* `POST /v1/chat/completions` works with any OpenAI client (`base_url=http://HOST:PORT/v1`).
* Send `Authorization: Bearer <key>` when the server has PAPERLENS_API_KEYS.
* The MCP server is at `/mcp` (streamable HTTP).
"""


def mcp_security(settings: Settings) -> TransportSecuritySettings:
    """DNS-rebinding protection for a server without keys (which only listens on loopback): a
    web page cannot make the browser talk to it under another host name. With keys every
    request must carry one, so any host name may be used."""
    origins = [*LOOPBACK_ORIGINS, *settings.api.cors_origins]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=not settings.api.keys,
        allowed_hosts=LOOPBACK_HOSTS,
        allowed_origins=origins,
    )


def create_app(get_assistant: Callable[[], AssistantProtocol], settings: Settings) -> FastAPI:
    """The API and MCP endpoints over an assistant (built on first use by `get_assistant`)."""
    gate = Gate.from_settings(settings.api)
    mcp = build_mcp(get_assistant, gate)
    mcp_app = mcp.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        transport_security=mcp_security(settings),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        warm_up(get_assistant)  # each server process builds its assistant before the first request
        async with mcp.session_manager.run():  # the MCP app's own lifespan does not run here
            yield

    app = FastAPI(title="paperlens", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.paperlens = ApiContext(get_assistant, settings, gate)
    install_error_handlers(app)
    documented_auth = [Depends(HTTPBearer(auto_error=False))]  # the check itself is `Guard`
    app.include_router(openai_compat.router, dependencies=documented_auth)
    app.include_router(routes.router, dependencies=documented_auth)
    app.router.routes.extend(mcp_app.routes)  # the transport's own route: /mcp
    app.include_router(routes.fallback)
    app.add_middleware(Guard, keys=KeyChecker(settings.api.keys), max_body_bytes=settings.api.max_body_bytes)
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api.cors_origins,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["Mcp-Session-Id"],
        )
    return app


def mount_web_app(app: FastAPI, provider: AssistantProvider, settings: Settings, host: str) -> bool:
    """The Gradio app at / on the same port. Beyond loopback it is mounted only with its login
    (API keys cannot protect a browser page). Returns whether it was mounted."""
    import gradio as gr

    from paperlens.interfaces.web.layout import build_app, launch_options

    options = launch_options(settings)
    if not is_loopback(host) and options["auth"] is None:
        log.warning(
            "The web app is not served on %s: set PAPERLENS_APP_USERNAME and PAPERLENS_APP_PASSWORD "
            "to serve it beyond this machine.",
            host,
        )
        return False
    gr.mount_gradio_app(
        app,
        build_app(provider, settings),
        path="/",
        server_name=host,
        server_port=settings.api.port,
        footer_links=options["footer_links"],
        run_history=options["run_history"],
        auth=options["auth"],
        auth_message=options["auth_message"],
        allowed_paths=options["allowed_paths"],
        show_error=options["show_error"],
        ssr_mode=options["ssr_mode"],
        mcp_server=False,
        css=options["css"],
        js=options["js"],
    )
    return True


def app_from_environment() -> FastAPI:
    """The app each worker process builds for `paperlens serve --workers N` (settings from the
    environment; the web app needs one process and is not mounted)."""
    from paperlens.answering.assistant import Assistant
    from paperlens.config import load_settings
    from paperlens.interfaces.api.context import Lazy

    settings = load_settings()
    return create_app(Lazy(lambda: Assistant.from_settings(settings)), settings)
