"""Benchmarks of the service, side by side with pygeoapi, tipg and an nginx ceiling, in one run on this machine.

    python benchmarks/run.py                      # every part (≤ 30 minutes on 2 cores): results/*.json + BENCHMARKS.md
    python benchmarks/run.py --only ogc postgis   # some parts; the others keep their last figures in BENCHMARKS.md
    python benchmarks/run.py --quick              # small sizes, short runs: checks the harness (results/quick/)
    python benchmarks/run.py --only import --profile   # also a pyinstrument profile of the 1M-row SQLite import

Parts: map, import, ogc, postgis, workbench, print, analysis, soak, scaleout, export (BENCHMARKS.md says what each
measures and its targets). The machine needs (Debian, as root):

    apt-get install -y wrk nginx chromium postgresql postgis fonts-wqy-microhei
    python -m pip install -e '.[bench]'

pygeoapi (Python ≥ 3.12 from pyenv or the system) and tipg get their own virtual environments, made here
with pip on first use (benchmarks/.work/venv-*). PostgreSQL runs as a throwaway cluster in a temporary
directory, started when a part first needs it and stopped by PID. Every load generator targets 127.0.0.1
only, is bounded in time and stops by itself; every server is started here and stopped by its PID. The
1-minute load average is recorded before and after each part and each wrk run (the machine may be shared).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import pg, report
from benchmarks.common import FULL, QUICK, RESULTS, WORK, load1, machine, say
from benchmarks.parts import PARTS


def run_part(name: str, sizes, args) -> dict:
    before, t0 = load1(), time.time()
    say(f"== {name}  (load1 {before})")
    try:
        res = PARTS[name].run(sizes, profile=args.profile) if name == "import" else PARTS[name].run(sizes)
    except Exception as exc:  # noqa: BLE001 — one failed part must not lose the others' figures: recorded, shown, exit 1
        traceback.print_exc()
        res = {"error": f"{type(exc).__name__}: {exc}"[:2000], "checks": []}
    res.update(schema=2, quick=sizes.quick, seconds=round(time.time() - t0, 1), load1_before=before, load1_after=load1())
    say(f"   {name} done in {res['seconds']} s (load1 {res['load1_before']}→{res['load1_after']})")
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", default=list(PARTS), choices=list(PARTS), metavar="PART",
                    help=f"parts to run: {' '.join(PARTS)}")
    ap.add_argument("--quick", action="store_true", help="small sizes and short runs, to check the harness; "
                    "results go to benchmarks/results/quick/ and BENCHMARKS.md is left alone")
    ap.add_argument("--profile", action="store_true", help="import: also profile the largest SQLite import (pyinstrument)")
    ap.add_argument("--clean", action="store_true", help="rebuild generated data and seeded stores (keeps the venvs)")
    args = ap.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    out_dir = RESULTS / "quick" if args.quick else RESULTS
    if args.clean:
        for p in WORK.glob("*"):
            if not p.name.startswith("venv-"):
                shutil.rmtree(p) if p.is_dir() else p.unlink()
    WORK.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    mach = machine()
    say(f"machine: {mach}  load1 {load1()}  {'QUICK' if args.quick else 'full'} run")
    failed = []
    try:
        for name in args.only:
            res = run_part(name, sizes, args)
            failed += [name] if "error" in res else []
            (out_dir / f"{name}.json").write_text(json.dumps(res, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    finally:
        pg.shutdown()
    (out_dir / "machine.json").write_text(json.dumps(mach, indent=1), encoding="utf-8")
    text = report.write(out_dir, mach, to_benchmarks_md=not args.quick)
    say("\n" + text)
    if failed:
        say(f"FAILED parts: {' '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "import-one":      # a child process: one import, its figures as JSON
        from benchmarks.data import import_one
        print(json.dumps(import_one(*sys.argv[2:5])))
        sys.exit(0)
    sys.exit(main())
