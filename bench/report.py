"""Render benchmark results: the terminal tables, README's Performance table and a plot.

    python -m bench.report [RESULTS.json]

Without an argument it takes the newest run in ``bench/results/`` (smoke runs only when there is
nothing else), replaces the text between README.md's ``<!-- bench:start -->`` and
``<!-- bench:end -->`` markers and draws ``bench/results/latest.png`` (with matplotlib, if installed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
README = RESULTS.parent.parent / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"

HEADERS = [
    "benchmark",
    "size",
    "framework (median)",
    "baseline (median)",
    "framework min–max",
    "baseline min–max",
    "ratio",
    "target",
    "result",
]
GROWTH_HEADERS = ["benchmark", "framework slope", "baseline slope"]


def save(run: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(run, indent=2) + "\n")


def _seconds(t: float) -> str:
    return f"{t:.2f} s"


def _spread(way: dict[str, Any]) -> str:
    return f"{way['min']:.2f}–{way['max']:.2f}"


def rows(run: dict[str, Any]) -> list[list[str]]:
    out = []
    for r in run["results"]:
        size = f"{r['size']:,}" if r["size"] else "–"
        if "error" in r:
            out.append([r["benchmark"], size, "", "", "", "", "", "", "CRASHED"])
            continue
        if "unavailable" in r:  # not run here: the reason says what is missing
            out.append([r["benchmark"], size, "unavailable", "", "", "", "", "", f"unavailable: {r['unavailable']}"])
            continue
        fw, verdict = r["framework"], {True: "pass", False: "FAIL", None: "–"}[r["passed"]]
        if "limit" in r:  # a step held to a time in seconds, with no baseline
            compared = ["–", _spread(fw), "–", "–", f"≤ {r['limit']:.2f} s"]
        else:
            bl = r["baseline"]
            target = "–" if r["target"] is None else f"≤ {r['target']:.2f}"  # a reference may only be shown
            compared = [_seconds(bl["median"]), _spread(fw), _spread(bl), f"{r['ratio']:.2f}", target]
        out.append([r["benchmark"], size, _seconds(fw["median"]), *compared, verdict])
    return out


def growth_rows(run: dict[str, Any]) -> list[list[str]]:
    def cell(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"  # a limit row has no baseline

    return [[g["benchmark"], cell(g["framework"]), cell(g["baseline"])] for g in run["growth"]]


def facts(run: dict[str, Any]) -> str:
    m, git = run["machine"], run["git"]
    load = m["load_average"]
    return (
        f"BENCH_SCALE={run['scale']}, {run['reps']} repetition(s) of each way after a warm-up "
        "(more where a benchmark asks); "
        f"{m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}, Spark {m['spark']}, Java {m['java']}; "
        f"load average {load['before'][0]:.1f} before, {load['after'][0]:.1f} after; "
        f"commit {git['sha']}{' with uncommitted changes' if git['dirty'] else ''}, {run['started']}"
    )


def _text_table(headers: list[str], body: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [headers, *body]) for i in range(len(headers))]
    lines = [headers, ["-" * w for w in widths], *body]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in lines)


def _markdown_table(headers: list[str], body: list[list[str]]) -> str:
    lines = [headers, ["---"] * len(headers), *body]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def text(run: dict[str, Any]) -> str:
    """The two terminal tables: times and ratios, then growth slopes."""
    return (
        f"{_text_table(HEADERS, rows(run))}\n\n"
        "growth (slope of log time over log size; 1 = linear)\n"
        f"{_text_table(GROWTH_HEADERS, growth_rows(run))}\n\n{facts(run)}"
    )


def markdown(run: dict[str, Any]) -> str:
    """README's generated block: the two tables and the machine."""
    return (
        f"{_markdown_table(HEADERS, rows(run))}\n\n"
        "Growth (slope of log time over log size; 1 = linear):\n\n"
        f"{_markdown_table(GROWTH_HEADERS, growth_rows(run))}\n\n{facts(run)}."
    )


def newest(folder: Path = RESULTS) -> Path:
    """The most recent run of every benchmark (``BENCH_ONLY`` runs are left out), preferring any
    scale over smoke."""
    runs = [(run, p) for p in folder.glob("*.json") if not (run := json.loads(p.read_text())).get("partial")]
    if not runs:
        raise FileNotFoundError(f"no results in {folder}: run `make bench` first")
    real = [r for r in runs if r[0]["scale"] != "smoke"] or runs
    return max(real, key=lambda r: r[0]["started"])[1]


def update_readme(block: str, readme: Path = README) -> None:
    content = readme.read_text()
    head, start, rest = content.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"{readme} has no {START} ... {END} markers")
    readme.write_text(f"{head}{START}\n{block}\n{END}{tail}")


def plot(run: dict[str, Any], path: Path) -> bool:
    """Time against size (log-log) per sized benchmark, three to a row; False when matplotlib is
    missing or nothing was measured at several sizes."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed, so no plot: .venv/bin/pip install matplotlib", file=sys.stderr)
        return False
    sized = [g["benchmark"] for g in run["growth"]]
    if not sized:
        return False
    cols = min(3, len(sized))
    rows_ = -(-len(sized) // cols)
    fig, axes = plt.subplots(rows_, cols, figsize=(5 * cols, 4 * rows_), squeeze=False)
    for ax in axes.flat[len(sized) :]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, sized, strict=False):
        done = [r for r in run["results"] if r["benchmark"] == name and "framework" in r]
        sizes = [r["size"] for r in done]
        for way in ("framework", "baseline") if all("baseline" in r for r in done) else ("framework",):
            medians = [r[way]["median"] for r in done]
            below = [r[way]["median"] - r[way]["min"] for r in done]
            above = [r[way]["max"] - r[way]["median"] for r in done]
            ax.errorbar(sizes, medians, yerr=[below, above], marker="o", capsize=3, label=way)
        ax.set(xscale="log", yscale="log", title=name, xlabel="size", ylabel="seconds (median, min–max)")
        ax.legend()
    fig.suptitle(f"BENCH_SCALE={run['scale']}, commit {run['git']['sha']}, {run['machine']['cores']} cores")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else newest()
    run = json.loads(path.read_text())
    update_readme(markdown(run))
    print(f"README.md: Performance table from {path}")
    if plot(run, RESULTS / "latest.png"):
        print(f"plot: {RESULTS / 'latest.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
