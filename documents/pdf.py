"""HTML pages printed to PDF by headless Chromium (/usr/bin/chromium, or $CHROMIUM), one browser for a whole
batch: a month's fixed reports are well over a hundred pages, and starting Chromium for each costs a second."""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class PdfError(RuntimeError):
    pass


def print_all(pages: Iterable[tuple[str, Path]], landscape: bool = True) -> list[Path]:
    """Print each (html, pdf path): written next to the target and renamed, so a reader never sees half a file."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise PdfError(f"未找到 Chromium ({CHROMIUM}): 安装 chromium (make browser-deps) 或设置 CHROMIUM")
    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page()
            for html, path in pages:
                path.parent.mkdir(parents=True, exist_ok=True)
                page.set_content(html, wait_until="load")
                tmp = path.with_suffix(".tmp.pdf")
                page.pdf(path=str(tmp), format="A4", landscape=landscape, print_background=True,
                         prefer_css_page_size=True)
                tmp.replace(path)
                out.append(path)
        finally:
            browser.close()
    return out
