"""Seaborn charts for the reports, sized for A4 and labelled in Bahasa Indonesia.

Each function takes a frame built by present.py (the same one printed as a table next to
the chart) and returns a matplotlib Figure; it computes nothing new. Figures are at most
WIDTH_IN wide (the text width of an A4 page) and at most MAX_HEIGHT_IN tall (one page), so
the PDF shows them at their own size: 7-8 pt text stays legible.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt  # in a kernel the inline backend shows figures; elsewhere Agg
import matplotlib.ticker as mticker
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from pipeline.reports import fmt

WIDTH_IN = 7.0  # fits an A4 page with 15 mm margins (180 mm text width)
MAX_HEIGHT_IN = 9.3  # leaves room for a heading on an A4 page (263 mm text height)
BAR_IN = 0.15  # height per bar of the ranked bar charts: 37 provinces fit under the rest of the ranking table
LABEL_CHARS = 30  # longest category label on an axis; the table next to the chart has the full name
PALETTE = {"provinsi": "#1f6feb", "nasional": "#6e7781", "low": "#cf222e", "ok": "#1f6feb", "garis": "#24292f"}


def setup() -> None:
    """Theme and deterministic output (no timestamps in saved figures)."""
    sns.set_theme(style="whitegrid", context="paper", font="DejaVu Sans")
    matplotlib.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 110, "font.size": 8, "axes.titlesize": 9.5,
        "axes.labelsize": 8, "xtick.labelsize": 7.5, "ytick.labelsize": 7.5, "legend.fontsize": 7.5,
        "svg.hashsalt": "absensi-medsos", "figure.max_open_warning": 0,
        # Labels come from the inputs (kabupaten, task titles): a "$" is a dollar sign, never mathtext.
        "text.parse_math": False,
    })
    # Every chart lays itself out with tight_layout, so the inline backend need not crop it again:
    # its default bbox_inches="tight" draws each figure twice (~0.06 s of ~0.2 s per chart).
    shell = _ipython()
    if shell is not None and "inline" in matplotlib.get_backend():
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png", bbox_inches=None)


def _ipython():
    """The running IPython shell (a notebook kernel), or None."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _percent_axis(axis) -> None:
    axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: fmt.persen(v, digits=0)))


def short_label(text: object, limit: int = LABEL_CHARS) -> str:
    """An axis label: 'Kabupaten X' -> 'Kab. X', clipped to `limit` characters with '…'."""
    s = " ".join(str(text).split())
    if s.startswith("Kabupaten "):
        s = "Kab. " + s[len("Kabupaten "):]
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _ranked_bars(frame: pd.DataFrame, label: str, national_rate: float, title: str) -> plt.Figure:
    """Horizontal participation bars in the frame's order, value at the bar's end; red below the
    national rate (dashed line). The legend sits under the axes, never over a bar."""
    height = min(MAX_HEIGHT_IN, max(2.4, BAR_IN * len(frame) + 1.1))
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height))
    rates = frame["participation_rate"].fillna(0).to_numpy()
    y = list(range(len(frame)))
    ax.barh(y, rates, color=[PALETTE["low"] if r < national_rate else PALETTE["ok"] for r in rates], height=0.72)
    ax.set_yticks(y)
    ax.set_yticklabels([short_label(v) for v in frame[label]])
    for yi, (r, raw) in enumerate(zip(rates, frame["participation_rate"])):
        ax.text(r + 0.008, yi, fmt.persen(raw), va="center", ha="left", fontsize=6.3, zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4, "alpha": 0.85})
    # The national line is drawn over the bars (never hidden by them), under the value labels (kept legible).
    ax.axvline(national_rate, color=PALETTE["garis"], linestyle="--", linewidth=1.2, zorder=3)
    ax.set_xlim(0, 1.15)
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    _percent_axis(ax.xaxis)
    ax.invert_yaxis()
    ax.set_ylim(len(frame) - 0.5, -0.5)
    ax.set_xlabel("Partisipasi")
    ax.set_ylabel("")
    ax.set_title(title)
    fig.legend(handles=_bar_legend(rates, national_rate), loc="lower center", ncol=3, frameon=False)
    fig.tight_layout(rect=(0, 0.35 / height, 1, 1))
    return fig


def _bar_legend(rates, national_rate: float) -> list:
    """Legend entries only for what the chart shows: a colour that no bar has is left out."""
    handles = []
    if any(r < national_rate for r in rates):
        handles.append(Patch(color=PALETTE["low"], label="Di bawah nasional"))
    if any(r >= national_rate for r in rates):
        handles.append(Patch(color=PALETTE["ok"], label="Sama dengan atau di atas nasional"))
    handles.append(Line2D([0], [0], color=PALETTE["garis"], linestyle="--",
                          label=f"Nasional {fmt.persen(national_rate)}"))
    return handles


def kabupaten_bars(kab: pd.DataFrame, national_rate: float, title: str) -> plt.Figure:
    """Participation per kabupaten, lowest first (those needing follow-up on top)."""
    kab = kab.sort_values(["participation_rate", "kabupaten"], kind="stable")
    return _ranked_bars(kab, "kabupaten", national_rate, title)


def province_bars(prov: pd.DataFrame, national_rate: float, title: str) -> plt.Figure:
    """All provinces ranked by participation, best first."""
    prov = prov.sort_values(["participation_rate", "provinsi"], ascending=[False, True])
    return _ranked_bars(prov, "provinsi", national_rate, title)


def trend_lines(trend: pd.DataFrame, provinsi: str | None, title: str) -> plt.Figure:
    """Participation over the latest tasks: the province against the national rate.

    x labels are present.task_label (short date, title wrapped), never cut mid-word."""
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.4))
    x = list(range(len(trend)))
    if provinsi is not None and "provinsi" in trend:
        ax.plot(x, trend["provinsi"], marker="o", color=PALETTE["provinsi"], label=short_label(provinsi))
    ax.plot(x, trend["nasional"], marker="s", color=PALETTE["nasional"], linestyle="--", label="Nasional")
    ax.set_xticks(x)
    ax.set_xticklabels(trend["label"], fontsize=6.5, linespacing=1.1)
    ax.set_xlim(-0.5, len(trend) - 0.5)
    ax.set_ylim(0, 1.05)
    _percent_axis(ax.yaxis)
    ax.set_ylabel("Partisipasi")
    ax.set_title(title, pad=24)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)  # never over a line
    fig.tight_layout()
    return fig


def channel_bars(frame: pd.DataFrame, provinsi: str, title: str) -> plt.Figure:
    """Coverage per channel: province against national."""
    long = frame.melt(id_vars="channel", value_vars=["provinsi", "nasional"], var_name="wilayah", value_name="rate")
    long["wilayah"] = long["wilayah"].map({"provinsi": short_label(provinsi), "nasional": "Nasional"})
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.0))
    sns.barplot(data=long, x="channel", y="rate", hue="wilayah", ax=ax,
                palette=[PALETTE["provinsi"], PALETTE["nasional"]])
    ax.set_ylim(0, 1)
    _percent_axis(ax.yaxis)
    ax.set_xlabel("")
    ax.set_ylabel("Cakupan kontak")
    ax.set_title(title, pad=24)
    ax.legend(title="", loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def _two_lines(date_label: str) -> str:
    """ "2 Mei 2025" -> "2 Mei" over "2025" (a narrow heatmap column)."""
    parts = str(date_label).split(" ", 2)
    return " ".join(parts[:2]) + ("\n" + parts[2] if len(parts) > 2 else "")


def cell_label(rate: float) -> str:
    """A heatmap cell: the rate in % with one decimal ("99,6"); only a full 100% reads "100",
    so 99,96% is "99,9", never rounded up to a full house. Empty outside the task's scope."""
    if pd.isna(rate):
        return ""
    if rate >= 1:
        return "100"
    text = fmt.desimal(100 * rate, 1)
    return "99,9" if text == "100,0" else text


def heatmap(matrix: pd.DataFrame, title: str) -> plt.Figure:
    """Provinces x latest tasks, participation in each cell; columns are the tasks' dates, as in the table."""
    height = min(MAX_HEIGHT_IN, max(3.0, 0.2 * len(matrix) + 2.0))
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height))
    annot = matrix.map(cell_label)
    shown = matrix.copy()
    shown.index = [short_label(i) for i in matrix.index]
    sns.heatmap(shown, ax=ax, vmin=0, vmax=1, cmap="RdYlGn", annot=annot.to_numpy(), fmt="", annot_kws={"size": 6.5},
                linewidths=0.4, linecolor="white",
                cbar_kws={"label": "Partisipasi", "format": mticker.FuncFormatter(lambda v, _: fmt.persen(v, digits=0)),
                          "shrink": 0.6})
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xticklabels([_two_lines(c) for c in matrix.columns], rotation=0, fontsize=6.5, linespacing=1.1)
    ax.tick_params(axis="x", length=0)
    ax.set_title(title + "\n(angka dalam sel: partisipasi dalam %; kosong: di luar cakupan tugas)")
    fig.tight_layout()
    return fig
