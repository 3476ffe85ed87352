"""A real headless browser for tests: Debian's Chromium driven by Selenium through chromedriver.

`.ci/run` installs the Debian packages `chromium` and `chromium-driver`. Use the `browser`
fixture (tests/conftest.py) and these helpers:

    browser.set_width(412)             # a phone (height 915)
    browser.open(path_or_url)           # a local file path or an http(s) URL
    browser.horizontal_overflow()       # px the page is wider than the viewport (0 = none)
    browser.spilling_cells()            # table cells whose text is wider than the cell
"""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

_SPILLING_JS = """
const out = [];
for (const cell of document.querySelectorAll('td, th')) {
  if (cell.scrollWidth > cell.clientWidth + 1) out.push(cell.innerText.slice(0, 80));
}
return out;
"""


class Browser:
    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--hide-scrollbars", "--force-device-scale-factor=1", "--allow-file-access-from-files"):
            opts.add_argument(arg)
        self.driver = webdriver.Chrome(options=opts, service=Service(executable_path=CHROMEDRIVER))
        self.set_width(1280)

    def set_width(self, width: int, height: int | None = None) -> None:
        """Viewport of `width` CSS px (height 915 for a phone, 900 otherwise)."""
        height = height or (915 if width < 600 else 900)
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def open(self, target: str | Path) -> None:
        target = str(target)
        self.driver.get(target if "://" in target else Path(target).resolve().as_uri())

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def horizontal_overflow(self) -> int:
        return int(self.js("return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
                           " - document.documentElement.clientWidth"))

    def spilling_cells(self) -> list[str]:
        return self.js(_SPILLING_JS)

    def screenshot(self, path: str | Path) -> None:
        self.driver.save_screenshot(str(path))

    def close(self) -> None:
        self.driver.quit()
