"""The OpenAPI page (/docs) of every web service (cube, portal), served entirely by that service: FastAPI's default
page loads Swagger UI from a CDN, which the bureau's network (no internet) cannot reach, leaving the page blank.
Swagger UI's own files (npm `swagger-ui-dist`, Apache-2.0, vendored once in foundation/static/swagger-ui/ — see its
README) are served under /docs/assets."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
SWAGGER_UI = Path(__file__).resolve().parent / "static" / "swagger-ui"


def mount(app: FastAPI) -> None:
    """Serve /docs and its assets locally (call with an app created with docs_url=None)."""
    app.mount(ASSETS, StaticFiles(directory=SWAGGER_UI), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} — API",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png")

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
