"""The cube's OpenAPI page (/docs) renders in a real browser on a network without internet: every request the
page makes goes to the cube service itself (anything else is blocked and recorded), and Swagger UI lists the
operations — not only an HTTP 200 with a page that stays blank."""
from __future__ import annotations

import pytest

from cube import serve


@pytest.fixture(scope="module")
def cube_url() -> str:
    if serve.start() != 0:
        pytest.fail(f"the cube service did not start; see {serve.LOG_FILE}")
    return serve.url()


def test_docs_page_lists_operations_without_internet(browser, cube_url):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="zh-CN")
    page = ctx.new_page()
    outside: list[str] = []

    def only_the_service(route):
        if route.request.url.startswith(cube_url + "/"):
            route.continue_()
        else:  # what a CDN-loaded page would ask for: the bureau's network has no route there
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_service)
    try:
        page.goto(f"{cube_url}/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        paths = {p.strip().replace("\u200b", "") for p in page.locator(".opblock-summary-path").all_inner_texts()}
        title = page.locator(".information-container .title").inner_text()
    finally:
        ctx.close()
    assert outside == [], f"/docs asked for resources outside the service: {outside}"
    assert "多维分析服务" in title
    assert {"/cubes", "/cube/{name}/aggregate", "/cube/{name}/pivot", "/kpis", "/health"} <= paths, paths
    assert len(paths) >= 15
