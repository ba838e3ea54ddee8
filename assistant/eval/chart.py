"""A grouped bar chart as a self-contained SVG string (no plotting dependency).

One group per metric (hit@1, hit@5, MRR@10, fact recall, ...), one bar per system, values in
[0, 1]. Missing values (a baseline has no abstention, say) leave a gap and a "n/a" label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#6b7280")
CHART_METRICS = ("hit@1", "hit@5", "mrr@10", "fact_recall", "abstention_accuracy", "citation_precision")
LABELS = {
    "hit@1": "hit@1",
    "hit@3": "hit@3",
    "hit@5": "hit@5",
    "mrr@10": "MRR@10",
    "source_recall@k": "source recall@k",
    "fact_recall": "fact recall",
    "span_start": "span start",
    "span_rouge_l": "span ROUGE-L",
    "citation_precision": "citation precision",
    "abstention_accuracy": "abstention acc.",
    "pass_rate": "pass rate",
    "latency_p50_ms": "latency p50",
    "latency_p95_ms": "latency p95",
    "median_answer_chars": "median answer chars",
    "questions": "n",
}


def bar_chart(
    systems: Mapping[str, Mapping[str, float | None]],
    metrics: Sequence[str] = CHART_METRICS,
    *,
    title: str = "PolicyQA vs baselines",
    width: int = 760,
    height: int = 320,
) -> str:
    """``systems``: name -> {metric: value in [0, 1] or None}."""
    names = list(systems)
    left, right, top, bottom = 44, 16, 44, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    group_w = plot_w / max(len(metrics), 1)
    bar_w = min(28.0, (group_w - 12) / max(len(names), 1))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" role="img" '
        f'aria-label="{escape(title)}">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{left}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#6b7280">{tick:.2f}</text>')
    for gi, metric in enumerate(metrics):
        gx = left + gi * group_w + (group_w - bar_w * len(names)) / 2
        for si, name in enumerate(names):
            value = systems[name].get(metric)
            x = gx + si * bar_w
            color = PALETTE[si % len(PALETTE)]
            if value is None:
                out.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - 4:.1f}" text-anchor="middle" '
                    f'fill="#9ca3af" font-size="9">n/a</text>'
                )
                continue
            v = max(0.0, min(1.0, float(value)))
            h = plot_h * v
            y = top + plot_h - h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{escape(name)} {escape(metric)}: {v:.3f}</title></rect>"
            )
            out.append(
                f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                f'font-size="9">{v:.2f}</text>'
            )
        label = LABELS.get(metric, metric)
        out.append(
            f'<text x="{left + gi * group_w + group_w / 2:.1f}" y="{top + plot_h + 16:.1f}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    lx = left
    for si, name in enumerate(names):
        color = PALETTE[si % len(PALETTE)]
        out.append(f'<rect x="{lx}" y="{height - 22}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{lx + 16}" y="{height - 12}">{escape(name)}</text>')
        lx += 24 + 8 * len(name) + 20
    out.append("</svg>")
    return "\n".join(out)
