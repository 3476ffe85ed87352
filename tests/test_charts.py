"""Charts (pipeline/reports/charts.py): what a reader sees on them."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from pipeline.reports import charts  # noqa: E402


@pytest.mark.parametrize(("rate", "label"), [(0.9961, "99,6"), (0.99961, "99,9"), (1.0, "100"), (0.5, "50,0"),
                                             (0.0, "0,0"), (np.nan, "")])
def test_heatmap_cells_never_round_up_to_a_full_house(rate, label):
    assert charts.cell_label(rate) == label


def _kab(rates):
    return pd.DataFrame({"kabupaten": [f"Kabupaten {i}" for i in range(len(rates))], "participation_rate": rates})


def _legend_labels(fig):
    return [t.get_text() for t in fig.legends[0].get_texts()]


def test_legend_shows_only_the_colours_of_the_bars_drawn():
    charts.setup()
    all_above = charts.kabupaten_bars(_kab([0.9, 1.0, 0.85]), 0.8, "t")
    assert _legend_labels(all_above) == ["Sama dengan atau di atas nasional", "Nasional 80,00%"]
    mixed = charts.kabupaten_bars(_kab([0.5, 1.0]), 0.8, "t")
    assert _legend_labels(mixed) == ["Di bawah nasional", "Sama dengan atau di atas nasional", "Nasional 80,00%"]
    all_below = charts.kabupaten_bars(_kab([0.5, 0.7]), 0.8, "t")
    assert _legend_labels(all_below) == ["Di bawah nasional", "Nasional 80,00%"]


def test_national_line_is_drawn_over_the_bars_under_their_value_labels():
    charts.setup()
    fig = charts.kabupaten_bars(_kab([0.5, 0.9, 0.95]), 0.8, "t")
    ax = fig.axes[0]
    (line,) = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert list(line.get_xdata()) == [0.8, 0.8]
    assert ax.patches and line.get_zorder() > max(p.get_zorder() for p in ax.patches)
    assert ax.texts and line.get_zorder() < min(t.get_zorder() for t in ax.texts)
