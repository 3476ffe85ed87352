"""The sample's render is byte-identical to the stored golden fingerprint (tests/golden/).

Refactors must not change a published table, report or workbook; an intended change of outputs
updates tests/golden/sample-0.03.json in the same commit (tests/golden/fingerprint.py says how)."""

from __future__ import annotations

import json

from tests.conftest import SMALL_SCALE
from tests.golden.fingerprint import GOLDEN, fingerprint


def test_small_scale_matches_the_golden_render():
    assert SMALL_SCALE == 0.03, "the golden fingerprint was made at scale 0.03"


def test_render_is_byte_identical_to_the_golden_one(rendered):
    _, task_dir = rendered
    expected = json.loads(GOLDEN.read_text())
    got = fingerprint(task_dir)
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    changed = sorted(k for k in set(expected) & set(got) if expected[k] != got[k])
    assert not (missing or extra or changed), (
        f"render differs from {GOLDEN.name}: changed {changed[:20]}, missing {missing[:20]}, new {extra[:20]}")
