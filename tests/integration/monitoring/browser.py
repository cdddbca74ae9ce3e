"""Headless Debian Chromium driven by Playwright, in a child process: Playwright's sync API must not share the
eventlet-patched test process (its shutdown hangs there). Nothing is downloaded: the Debian browser is used.

`python -m tests.integration.monitoring.browser URL SCREENSHOT PROFILE` prints what the page shows as JSON.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts"
# As root on a closed network: without the networking flags Chromium stalls on its background requests.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGE_FACTS = """() => ({
  title: document.title,
  rows: Object.fromEntries([...document.querySelectorAll('table tbody tr[data-code]')]
    .map(r => [r.dataset.code, {text: r.innerText, classes: r.className}])),
  refresh: document.querySelector('meta[http-equiv="refresh"]')?.content,
  external: [...document.querySelectorAll('[src],[href]')].map(e => e.src || e.href)
    .filter(u => !u.startsWith(location.origin)),
  html: document.documentElement.outerHTML,
})"""


def open_page(url: str, name: str, profile: Path) -> dict[str, Any]:
    """Load `url` in a fresh headless Chromium, keep a screenshot test-artifacts/<name>.png, return the page facts."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium`", pytrace=False)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{name}.png"
    command = [sys.executable, "-m", "tests.integration.monitoring.browser", url, str(shot), str(profile)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return {**json.loads(done.stdout), "screenshot": shot}


def _browse(url: str, shot: str, profile: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=FLAGS, viewport={"width": 1400, "height": 700}
        )
        page = context.new_page()
        response = page.goto(url)
        facts = page.evaluate(PAGE_FACTS)
        page.screenshot(path=shot, full_page=True)
        context.close()
    return {"status": response.status if response else 0, **facts}


if __name__ == "__main__":
    print(json.dumps(_browse(*sys.argv[1:4])))
