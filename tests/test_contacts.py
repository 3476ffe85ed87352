"""Contact redaction (pipeline.reports.display.mask_contacts through clip): no phone number or e-mail
address a TPP typed into a free-text field reaches a forwardable page (reports, proof view, live pages)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import tests.test_live as live
from pipeline.live import tokens
from pipeline.live.watch import Watcher
from pipeline.reports.display import CONTACT_MASK, Table, clip, mask_contacts

PHONE_RE = re.compile(r"(?:\+?62|\b0)[\s.-]?8[\d\s.()-]{7,16}\d")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


@pytest.mark.parametrize("typed, shown", [
    ("https://wa.me/6281234567890", f"https://wa.me/{CONTACT_MASK}"),
    ("Budi 0812-3456-7890", f"Budi {CONTACT_MASK}"),
    ("hubungi +62 812 3456 7890 ya", f"hubungi {CONTACT_MASK} ya"),
    ("+62-812.3456.789", CONTACT_MASK),
    ("08123456789", CONTACT_MASK),  # 11 digits
    ("0812345678", CONTACT_MASK),  # 10 digits, the shortest mobile number
    ("Siti (siti.aminah+tpp@desa.go.id)", f"Siti ({CONTACT_MASK})"),
    ("https://facebook.com/x?mail=a_b@gmail.com&wa=085711112222", f"https://facebook.com/x?mail={CONTACT_MASK}&wa={CONTACT_MASK}"),
])
def test_phone_numbers_and_emails_are_masked(typed, shown):
    assert mask_contacts(typed) == shown
    assert clip(typed) == shown


@pytest.mark.parametrize("text", [
    "https://www.instagram.com/p/12345678901234",  # a post id, not 08/62 8
    "https://twitter.com/x/status/6219746160630534369",  # 19 digits: too long for a phone
    "081234",  # too short
    "Rp 1.000.000", "Kabupaten Aceh Barat", "4 November 2025, 08.00 WIB", "@budi.tpp",
])
def test_other_text_and_numbers_are_kept(text):
    assert mask_contacts(text) == text


def test_table_cells_and_captions_show_no_contact():
    t = Table(pd.DataFrame({"Nama": ["Budi 0812-3456-7890"], "Tautan": ["https://wa.me/6281234567890"]}),
              caption="kontak budi@contoh.id")
    for shown in (t._repr_html_(), repr(t)):
        assert not PHONE_RE.search(shown) and not EMAIL_RE.search(shown) and CONTACT_MASK in shown


HOSTILE_ROSTER = (107, "Gita 0812-3456-7890", "PD", "Bali", "Kabupaten Badung", "gita@contoh.id", "081234500107")
HOSTILE_ROW = ("10/11/2025 11.00.00,Bali,107,Gita 0812-3456-7890,"
               "https://www.facebook.com/gita/posts/1?from=gita.tpp@gmail.com&wa=6281298765432\n")


def test_live_pages_show_no_contact_typed_into_a_name_or_link(tmp_path, monkeypatch):
    monkeypatch.setattr(live, "ROSTER", [*live.ROSTER, HOSTILE_ROSTER])  # write_data reads it
    data = live.write_data(tmp_path / "data", [*live.ROWS, HOSTILE_ROW])
    out = tmp_path / "out"
    w = Watcher(data, live.TASK, out, every=2, clock=live.clock_at("2025-11-11 10:00"), log=lambda *_: None)
    assert w.refresh().failure is None
    page = (out / tokens.page_path(tokens.load_tokens(out)[("kabupaten", "Bali", "Kabupaten Badung")]))
    text = page.read_text(encoding="utf-8")
    assert 'data-nomor-absen="107" data-status="sudah"' in text  # counted, shown
    assert f"Gita {CONTACT_MASK}" in text
    assert "lihat kiriman" in text  # the others' links stay clickable ...
    assert "gita/posts" not in text  # ... a link carrying a contact is not shown at all
    for p in sorted((out / "live").rglob("*.html")):
        shown = p.read_text(encoding="utf-8")
        assert not PHONE_RE.search(shown) and not EMAIL_RE.search(shown), (p, PHONE_RE.search(shown))
        assert "81298765432" not in re.sub(r"\D", "", shown), p


def test_validation_page_masks_a_contact_in_a_failing_value():
    from pipeline.reports import validation_page
    from pipeline.rules import validate
    from tests.test_validate import roster_frame

    df = roster_frame()
    df["status"] = pd.array(["Aktif"] * 5 + ["hubungi 0812-3456-7890 / budi@contoh.id"], dtype="string")
    res = validate.run_suite("roster", df)
    assert res.failures["value"].astype(str).str.contains("0812-3456-7890").any()  # the failing value
    page = validation_page.validation_page([res], task_id="t")
    assert not PHONE_RE.search(page) and not EMAIL_RE.search(page)
