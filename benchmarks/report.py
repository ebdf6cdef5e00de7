"""BENCHMARKS.md's generated section (between the markers) from benchmarks/results/*.json: per part its
tables, then its targets with a met/missed column; a summary of every target at the end."""
from __future__ import annotations

import json
from pathlib import Path

from .common import REPO
from .parts import PARTS

BEGIN, END = "<!-- results: written by benchmarks/run.py -->", "<!-- end of results -->"


def load(out_dir: Path) -> dict:
    res = {}
    for name in PARTS:
        f = out_dir / f"{name}.json"
        if f.exists():
            r = json.loads(f.read_text(encoding="utf-8"))
            if r.get("schema") == 2:              # figures of the older harness are not mixed in
                res[name] = r
    return res


def met(c: dict) -> str:
    return "–" if c["met"] is None else "met" if c["met"] else "**missed**"


def targets_table(checks: list[dict], with_part: bool = False) -> list[str]:
    head = "| part | target | figure | met |" if with_part else "| what | target | figure | met |"
    L = [head, "|---|---|---|---|"]
    for c in checks:
        first = f"{c['part']} | {c['what']}: {c['target']}" if with_part else f"{c['what']} | {c['target']}"
        L.append(f"| {first} | {c['figure']} | {met(c)} |")
    return L


def part_section(name: str, r: dict) -> list[str]:
    mod = PARTS[name]
    L = [f"## {name}: {mod.TITLE}", "",
         f"Ran {r.get('seconds')} s; load1 {r.get('load1_before')}→{r.get('load1_after')}"
         + ("; **quick run: sizes too small to judge**" if r.get("quick") else "") + ".", ""]
    if "error" in r:
        return L + [f"**Failed:** `{r['error'].splitlines()[0][:300]}`", ""]
    try:
        L += mod.markdown(r) + [""]
    except (KeyError, TypeError, ValueError, IndexError) as exc:     # figures of an older harness: rerun the part
        L += [f"(results/{name}.json does not fit this harness ({type(exc).__name__}: {exc}); rerun `--only {name}`)", ""]
    if r.get("checks"):
        L += targets_table(r["checks"]) + [""]
    return L


def markdown(res: dict, mach: dict) -> str:
    m = mach
    L = [f"Machine: {m.get('cpus')} cores ({m.get('cpu')}), {m.get('memory_gb')} GB, Python {m.get('python')}, "
         f"{m.get('platform')}; run {m.get('date')}. Shared machine: compare figures within this run only.", ""]
    every = []
    for name, r in res.items():
        L += part_section(name, r)
        every += [{**c, "part": name} for c in r.get("checks", [])]
    if every:
        n_met = sum(1 for c in every if c["met"])
        L += [f"## Every target ({n_met} of {len(every)} met)", ""] + targets_table(every, with_part=True) + [""]
    return "\n".join(L)


def write(out_dir: Path, mach: dict, to_benchmarks_md: bool) -> str:
    text = markdown(load(out_dir), mach)
    (out_dir / "report.md").write_text(text + "\n", encoding="utf-8")
    if to_benchmarks_md:
        path = REPO / "BENCHMARKS.md"
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        block = f"{BEGIN}\n{text}\n{END}"
        if BEGIN in old and END in old:
            new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END):]
        else:
            new = ("# Benchmarks\n\nRun: `python benchmarks/run.py`. Everything between the markers is "
                   "rewritten by each run; the notes after it are kept.\n\n" + block + "\n\n## Notes\n")
        path.write_text(new, encoding="utf-8")
    return text
