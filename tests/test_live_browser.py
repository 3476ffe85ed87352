"""Live pages in a real browser (headless Chromium): statuses, self-refresh, failure notice, phone width."""

from __future__ import annotations

import threading
import time

import pytest

from pipeline.live import tokens
from pipeline.live.serve import make_server
from pipeline.live.watch import Watcher
from tests.test_live import TASK, clock_at, write_data

STATUS_JS = ("const o = {}; for (const tr of document.querySelectorAll('tr[data-nomor-absen]'))"
             " o[tr.dataset.nomorAbsen] = tr.dataset.status; return o;")


def wait_for(check, seconds: float = 15.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"condition not met within {seconds} s")


@pytest.fixture
def served(tmp_path):
    data = write_data(tmp_path / "data")
    out = tmp_path / "out"
    w = Watcher(data, TASK, out, every=2, clock=clock_at("2025-11-11 10:00"), log=lambda *_: None)
    w.refresh()
    server = make_server(out, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield data, out, w, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_kabupaten_page_updates_itself_and_fits_a_phone(browser, served, tmp_path):
    data, out, w, base = served
    toks = tokens.load_tokens(out)
    browser.set_width(412)
    for key in [("nasional", "", ""), ("provinsi", "Bali", ""), ("kabupaten", "Bali", "Kabupaten Badung")]:
        browser.open(f"{base}/{tokens.page_path(toks[key])}")
        assert browser.js("return document.body.dataset.scope") == key[0]
        assert browser.horizontal_overflow() == 0, key
        assert browser.spilling_cells() == [], key
    browser.open(f"{base}/{tokens.page_path(toks[('kabupaten', 'Papua', 'Kabupaten Jayapura')])}")
    assert browser.js(STATUS_JS) == {"105": "sudah", "106": "belum"}
    assert browser.js("return [document.body.dataset.provinsi, document.body.dataset.kabupaten]") == [
        "Papua", "Kabupaten Jayapura"]
    checked = wait_for(lambda: browser.js("return document.getElementById('diperiksa').textContent"))
    assert checked == "11 November 2025, 12.00 WIT"  # the status file, in the reader's zone
    assert browser.js("return document.getElementById('gagal').hidden") is True
    browser.screenshot(tmp_path / "kabupaten-412-before.png")

    with open(data / "responses" / f"{TASK}.csv", "a", encoding="utf-8") as fh:
        fh.write("11/11/2025 10.00.30,Papua,106,Fajar Nugroho,https://fb.watch/abc\n")
    w.clock = clock_at("2025-11-11 10:01")
    assert w.refresh().rewritten == 3
    wait_for(lambda: browser.js(STATUS_JS) == {"105": "sudah", "106": "sudah"})  # reloaded by itself
    assert browser.horizontal_overflow() == 0
    assert "Terima kasih, semua TPP" in browser.js("return document.getElementById('pengingat').value")

    (data / "responses" / f"{TASK}.csv").write_text("<html><body>Masuk ke akun Google</body></html>")
    w.clock = clock_at("2025-11-11 10:02")
    assert w.refresh().failure
    wait_for(lambda: browser.js("return !document.getElementById('gagal').hidden"))
    notice = browser.js("return document.getElementById('gagal').innerText")
    assert "11 November 2025, 12.02 WIT" in notice and "data terakhir yang berhasil dibaca" in notice
    assert browser.js(STATUS_JS) == {"105": "sudah", "106": "sudah"}  # the last good page stays
    assert browser.horizontal_overflow() == 0
    browser.screenshot(tmp_path / "kabupaten-412-failed.png")
