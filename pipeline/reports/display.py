"""Display objects of the reports: a table, a paragraph, headline figures, each shown as escaped
HTML and as plain text (so a notebook rerun, nbval, audits the numbers). Text from the inputs
(names, kabupaten, task titles) is untrusted: it is escaped here, never marked up, and very long
values are clipped so that they cannot break the page layout.
"""

from __future__ import annotations

import html
import re
import textwrap

import pandas as pd

from pipeline.reports import fmt

# Untrusted text longer than this is clipped in reports (real names and places are far shorter).
MAX_TEXT = 160
# No table cell shows more than this (a safety net for any text; definitions are shorter).
MAX_CELL = 400
NUM = ' class="num"'
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Contacts a TPP may type into any free-text field (name, link): an e-mail address, or an Indonesian
# mobile number (08..., 628..., +62 8..., digits grouped by spaces, dots or dashes; 10-14 digits).
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PHONE = re.compile(r"(?<!\d)(?:\+\s?62|62|0)[\s.\-]?8(?:[\s.\-]?\d){7,11}(?!\d)")
_PHONE_DIGITS = (10, 14)
CONTACT_MASK = "[kontak disembunyikan]"


def _mask_phone(m: re.Match) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    return CONTACT_MASK if _PHONE_DIGITS[0] <= len(digits) <= _PHONE_DIGITS[1] else m.group(0)


def mask_contacts(text: str) -> str:
    """Text with every e-mail address and Indonesian mobile number replaced by CONTACT_MASK
    (pages are forwarded; the published tables keep the raw text as the audit trail)."""
    return _PHONE.sub(_mask_phone, _EMAIL.sub(CONTACT_MASK, text))


def clip(value: object, limit: int = MAX_TEXT) -> str:
    """Untrusted text as shown: missing -> "", control characters -> space, contacts masked
    (mask_contacts), at most `limit` characters."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = mask_contacts(_CONTROL.sub(" ", str(value)))
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({fmt.angka(len(text))} karakter)"


# --- Display objects -------------------------------------------------------------------------------

class Table:
    """A table shown as escaped HTML (with <thead>, repeated on every PDF page) and as text.

    `widths` (percent per column) gives a fixed layout: columns keep their width and long
    text wraps inside its cell instead of squeezing its neighbours. `css` adds table classes
    (`kecil`: smaller font; `sempit`: a narrow table). Builders clip untrusted text to
    MAX_TEXT; no cell shows more than MAX_CELL characters whatever its source.
    """

    def __init__(self, df: pd.DataFrame, *, caption: str = "", numeric: tuple[str, ...] = (),
                 widths: tuple[float, ...] | None = None, css: str = ""):
        self.df = df.reset_index(drop=True)
        self.caption = caption
        self.numeric = set(numeric)
        if widths is not None and len(widths) != len(self.df.columns):
            raise ValueError(f"{len(widths)} widths for {len(self.df.columns)} columns")
        self.widths = widths
        self.css = css

    def _repr_html_(self) -> str:
        e = html.escape
        head = "".join(f"<th{NUM if c in self.numeric else ''}>{e(str(c))}</th>" for c in self.df.columns)
        body = []
        for row in self.df.itertuples(index=False):
            cells = []
            for col, val in zip(self.df.columns, row):
                cells.append(f"<td{NUM if col in self.numeric else ''}>{e(clip(val, MAX_CELL))}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        cap = f"<caption>{e(clip(self.caption, 2 * MAX_TEXT))}</caption>" if self.caption else ""
        classes = " ".join(c for c in ("report-table", "tetap" if self.widths else "", self.css) if c)
        cols = ""
        if self.widths:
            cols = "<colgroup>" + "".join(f'<col style="width: {w:g}%">' for w in self.widths) + "</colgroup>"
        return (f'<table class="{classes}">{cap}{cols}<thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(body)}</tbody></table>')

    def __repr__(self) -> str:
        shown = self.df.map(lambda v: clip(v, MAX_CELL)) if len(self.df) else self.df
        text = shown.to_string(index=False) if len(self.df) else "(tidak ada baris)"
        return (clip(self.caption, 2 * MAX_TEXT) + "\n" if self.caption else "") + text


class Text:
    """A paragraph or heading from trusted template text with escaped values."""

    def __init__(self, text: str, *, tag: str = "p", css: str = ""):
        self.text, self.tag, self.css = text, tag, css

    def _repr_html_(self) -> str:
        cls = f' class="{self.css}"' if self.css else ""
        return f"<{self.tag}{cls}>{html.escape(self.text)}</{self.tag}>"

    def __repr__(self) -> str:
        return self.text


class Facts:
    """Headline figures as boxes (HTML) and 'label: value' lines (text)."""

    def __init__(self, items: list[tuple[str, str]]):
        self.items = items

    def _repr_html_(self) -> str:
        e = html.escape
        cells = "".join(f'<div class="fact"><div class="fact-value">{e(v)}</div>'
                        f'<div class="fact-label">{e(k)}</div></div>' for k, v in self.items)
        return f'<div class="facts">{cells}</div>'

    def __repr__(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.items)


_TRAILING_YEAR = re.compile(r"\s+(\d{4})$")


def task_label(judul: object, mulai: object, width: int = 14, lines: int = 3) -> str:
    """A chart label for a task that stays readable: short date, then the title wrapped.

    "Hari Pendidikan Nasional 2025", 2 May 2025 -> "2 Mei 2025\\nHari\\nPendidikan\\nNasional".
    A trailing year equal to the date's is dropped; a title longer than `lines` lines ends in "…".
    """
    ts = pd.Timestamp(mulai)
    title = clip(judul, 80)
    m = _TRAILING_YEAR.search(title)
    if m and int(m.group(1)) == ts.year:
        title = title[: m.start()]
    wrapped = textwrap.wrap(title, width=width, max_lines=lines, placeholder=" …", break_long_words=True) or [""]
    return "\n".join([fmt.tanggal_singkat(ts), *wrapped])
