"""Seaborn charts for the reports, sized for A4 and labelled in Bahasa Indonesia.

Each function takes a frame built by present.py (the same one printed as a table next to
the chart) and returns a matplotlib Figure; it computes nothing new.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt  # in a kernel the inline backend shows figures; elsewhere Agg
import matplotlib.ticker as mticker
import pandas as pd
import seaborn as sns

from . import fmt

WIDTH_IN = 7.0  # fits an A4 page with 2 cm margins
PALETTE = {"provinsi": "#1f6feb", "nasional": "#8c959f", "low": "#cf222e", "ok": "#1f6feb"}


def setup() -> None:
    """Theme and deterministic output (no timestamps in saved figures)."""
    sns.set_theme(style="whitegrid", context="paper", font="DejaVu Sans")
    matplotlib.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 110, "font.size": 9, "axes.titlesize": 10,
        "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.fontsize": 8,
        "svg.hashsalt": "absensi-medsos", "figure.max_open_warning": 0,
    })


def _percent_axis(axis) -> None:
    axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: fmt.persen(v, digits=0)))


def _ranked_bars(frame: pd.DataFrame, label: str, national_rate: float, title: str) -> plt.Figure:
    """Horizontal participation bars in the frame's order; red below the national rate (dashed line)."""
    fig, ax = plt.subplots(figsize=(WIDTH_IN, max(2.2, 0.22 * len(frame) + 1.0)))
    rates = frame["participation_rate"].fillna(0)
    ax.barh(frame[label].astype(str), rates,
            color=[PALETTE["low"] if r < national_rate else PALETTE["ok"] for r in rates])
    ax.axvline(national_rate, color=PALETTE["nasional"], linestyle="--", linewidth=1,
               label=f"Nasional {fmt.persen(national_rate)}")
    ax.set_xlim(0, 1)
    _percent_axis(ax.xaxis)
    ax.invert_yaxis()
    ax.set_xlabel("Partisipasi")
    ax.set_ylabel("")
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def kabupaten_bars(kab: pd.DataFrame, national_rate: float, title: str) -> plt.Figure:
    """Participation per kabupaten, lowest first (those needing follow-up on top)."""
    kab = kab.sort_values(["participation_rate", "kabupaten"], kind="stable")
    return _ranked_bars(kab, "kabupaten", national_rate, title)


def trend_lines(trend: pd.DataFrame, provinsi: str | None, title: str) -> plt.Figure:
    """Participation over the latest tasks: the province against the national rate."""
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.0))
    x = list(range(len(trend)))
    if provinsi is not None and "provinsi" in trend:
        ax.plot(x, trend["provinsi"], marker="o", color=PALETTE["provinsi"], label=provinsi)
    ax.plot(x, trend["nasional"], marker="s", color=PALETTE["nasional"], linestyle="--", label="Nasional")
    ax.set_xticks(x)
    ax.set_xticklabels([str(j)[:22] for j in trend["judul"]], rotation=30, ha="right")
    ax.set_ylim(0, 1)
    _percent_axis(ax.yaxis)
    ax.set_ylabel("Partisipasi")
    ax.set_title(title)
    ax.legend(loc="lower left")
    fig.tight_layout()
    return fig


def channel_bars(frame: pd.DataFrame, provinsi: str, title: str) -> plt.Figure:
    """Coverage per channel: province against national."""
    long = frame.melt(id_vars="channel", value_vars=["provinsi", "nasional"], var_name="wilayah", value_name="rate")
    long["wilayah"] = long["wilayah"].map({"provinsi": provinsi, "nasional": "Nasional"})
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.0))
    sns.barplot(data=long, x="channel", y="rate", hue="wilayah", ax=ax,
                palette=[PALETTE["provinsi"], PALETTE["nasional"]])
    ax.set_ylim(0, 1)
    _percent_axis(ax.yaxis)
    ax.set_xlabel("")
    ax.set_ylabel("Cakupan kontak")
    ax.set_title(title)
    ax.legend(title="", loc="upper right")
    fig.tight_layout()
    return fig


def province_bars(prov: pd.DataFrame, national_rate: float, title: str) -> plt.Figure:
    """All provinces ranked by participation, best first."""
    prov = prov.sort_values(["participation_rate", "provinsi"], ascending=[False, True])
    return _ranked_bars(prov, "provinsi", national_rate, title)


def heatmap(matrix: pd.DataFrame, title: str) -> plt.Figure:
    """Provinces x latest tasks, participation in each cell."""
    fig, ax = plt.subplots(figsize=(WIDTH_IN, max(3.0, 0.2 * len(matrix) + 1.4)))
    annot = matrix.map(lambda v: "" if pd.isna(v) else fmt.desimal(100 * v, 0))
    sns.heatmap(matrix, ax=ax, vmin=0, vmax=1, cmap="RdYlGn", annot=annot, fmt="", annot_kws={"size": 6},
                cbar_kws={"label": "Partisipasi", "format": mticker.FuncFormatter(lambda v, _: fmt.persen(v, digits=0))})
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xticklabels([str(t.get_text())[:18] for t in ax.get_xticklabels()], rotation=35, ha="right")
    ax.set_title(title)
    fig.tight_layout()
    return fig
