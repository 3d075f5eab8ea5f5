"""What the browser tests share: devices, a person at a device, the accessibility and layout checks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from seeding import ROOT

CHROMIUM = os.environ.get("ONETHING_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# `make test` keeps its screenshots out of the checkout; `make screenshots` refreshes docs/screenshots.
SHOTS = Path(os.environ.get("ONETHING_SCREENSHOTS") or ROOT / "var" / "screenshots")
PASSWORD = "Demo@2026"
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 1,  # screenshots at CSS pixels: the README's images stay small
    "is_mobile": True,
    "has_touch": True,
}


class Person:
    """One person at one device: a browser context with its own cookies."""

    def __init__(self, browser: Any, site: Any, device: dict[str, Any], *, javascript: bool = True) -> None:
        self.site = site
        self.context = browser.new_context(**device, java_script_enabled=javascript, locale="zh-CN")
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.device = "phone" if device is PHONE else "desktop"
        self.javascript = javascript

    def go(self, path: str) -> Any:
        self.page.goto(self.site(path))
        return self.page

    def login(self, login: str) -> None:
        self.go("/login")
        self.page.get_by_label("身份证号或用户名").fill(login)
        self.page.get_by_label("密码").fill(PASSWORD)
        self.page.get_by_role("button", name="登录", exact=True).click()
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, self.page.inner_text("main")

    def shot(self, name: str, *, full: bool = True) -> None:
        """Screenshots of the step at desktop and at phone width (this device's first): the whole page,
        or (``full=False``) the first screen, what a person sees on arriving."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        own = self.page.viewport_size
        widths = {"desktop": DESKTOP["viewport"], "phone": PHONE["viewport"]}
        for device in sorted(widths, key=lambda d: d != self.device):
            self.page.set_viewport_size(widths[device])
            self.page.screenshot(path=str(SHOTS / f"{name}-{device}.png"), full_page=full)
        self.page.set_viewport_size(own)

    def close(self) -> None:
        self.context.close()


def serious_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.1 A/AA rules on the page as it stands; serious and critical findings only."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests/browser` (make test does)")
    # Evaluated, not added as a <script>: the content security policy refuses inline scripts (kit.security).
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    # resultTypes: axe still runs every rule but details only the violations, a third of the time.
    result = page.evaluate(
        """() => axe.run(document, {
            resultTypes: ['violations'],
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
        })"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the screen (0: no sideways scrolling)."""
    width: int = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    return width
