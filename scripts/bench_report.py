"""The result table the comparison benchmarks print: both figures, their ratio, the target.

`results` maps a kind (reference, gossamer) to its figures by metric key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench_lib import GOSSAMER, REFERENCE


@dataclass(frozen=True)
class Metric:
    """One table row. `target` is (">=" or "<=", bound) on the ratio gossamer/reference,
    or ("==", value) on gossamer's own figure; `section` groups rows of one script."""

    key: str
    label: str
    unit: str
    digits: int
    target: tuple[str, float] | None = None
    section: str = ""

    def met(self, ratio: float | None, gossamer: float | None = None) -> bool | None:
        """Whether the target is met (None when there is no target or nothing to judge)."""
        if self.target is None:
            return None
        op, bound = self.target
        if op == "==":
            return None if gossamer is None else gossamer == bound
        if ratio is None:
            return None
        return ratio >= bound if op == ">=" else ratio <= bound

    def target_text(self) -> str:
        if self.target is None:
            return ""
        op, bound = self.target
        return f"gossamer = {bound:g}" if op == "==" else f"{op} {bound:g}"


def ratio_of(results: dict[str, dict[str, Any]], key: str) -> float | None:
    """gossamer / reference for one metric, when both were measured."""
    ref = results.get(REFERENCE, {}).get(key)
    gos = results.get(GOSSAMER, {}).get(key)
    if ref is None or gos is None or ref == 0:
        return None
    return float(gos / ref)


def render_table(metrics: list[Metric], results: dict[str, dict[str, Any]]) -> str:
    """Aligned rows: metric, unit, both figures, ratio, target and whether it is met."""
    rows: list[tuple[str, ...]] = [
        ("metric", "unit", "reference", "gossamer", "ratio", "target", "met")
    ]
    for m in metrics:
        figures = []
        for kind in (REFERENCE, GOSSAMER):
            value = results.get(kind, {}).get(m.key)
            figures.append("n/a" if value is None else f"{value:,.{m.digits}f}")
        ratio = ratio_of(results, m.key)
        met = m.met(ratio, results.get(GOSSAMER, {}).get(m.key))
        ratio_text = "n/a" if ratio is None else f"{ratio:.3f}"
        verdict = {True: "yes", False: "NO", None: ""}[met]
        rows.append((m.label, m.unit, *figures, ratio_text, m.target_text(), verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
