"""What every part shares: paths, sizes (full and --quick), the load average, ports, processes, wrk."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"
WORK = BENCH / ".work"                 # generated data, venvs, configs and the PostgreSQL cluster's log (git-ignored)
RESULTS = BENCH / "results"
BBOX = "120.15,29.65,120.35,29.80"     # the central city and its surroundings


@dataclass(frozen=True)
class Sizes:
    """How much each part does: the full run (≤ 30 minutes on 2 cores) or --quick (checks the harness)."""
    quick: bool = False
    map_points: int = 100_000
    map_repeats: int = 3
    import_rows: tuple = (10_000, 100_000, 1_000_000)
    pg_import_rows: tuple = (100_000, 1_000_000)
    ogc_points: int = 100_000
    ogc_seconds: int = 5
    after_import_seconds: int = 10
    pg_points: int = 1_000_000
    pg_seconds: int = 15
    bboxes: int = 200_000
    workbench_rows: int = 10_000
    print_repeats: int = 3
    analysis_requests: int = 50
    soak_points: int = 1_000_000
    soak_seconds: int = 30
    soak_urls: int = 5_000
    soak_import_rows: int = 100_000
    scale_points: int = 100_000
    scale_seconds: int = 10
    export_points: int = 100_000


FULL = Sizes()
QUICK = Sizes(quick=True, map_points=5_000, map_repeats=1, import_rows=(2_000, 10_000), pg_import_rows=(2_000, 10_000),
              ogc_points=5_000, ogc_seconds=1, after_import_seconds=2, pg_points=20_000, pg_seconds=2, bboxes=5_000,
              workbench_rows=500, print_repeats=1, analysis_requests=10, soak_points=20_000, soak_seconds=2,
              soak_urls=500, soak_import_rows=5_000, scale_points=10_000, scale_seconds=2, export_points=5_000)


def say(*a):
    print(*a, flush=True)


def load1() -> float:
    return round(os.getloadavg()[0], 2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen | None, timeout=180) -> float:
    """Wait until url answers 2xx; the seconds it took."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}): {' '.join(map(str, proc.args))}")
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return time.time() - t0
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def stop(proc: subprocess.Popen | None):
    """Stop a server this harness started, by its PID (SIGTERM, then SIGKILL after 15 s)."""
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (a detached postmaster is reaped by whoever is PID 1)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def children(pid: int) -> list[int]:
    out = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(x) for x in (task / "children").read_text().split()]
    return out


def rss_mb(pid: int) -> float | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def cmdline(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    return ""


def worker_rss(master: int) -> list[float]:
    """The resident memory of each worker of a pre-forking server (gunicorn, uvicorn --workers); not of
    multiprocessing's resource tracker, which uvicorn's spawned workers bring along."""
    pids = [p for p in children(master) if "resource_tracker" not in cmdline(p)]
    return [r for r in (rss_mb(p) for p in pids) if r is not None]


def settled(master: int, timeout: float = 120) -> float:
    """Wait until a server's workers have finished their start-up work (each makes its copy of the projects in
    the background): their CPU time grows by less than a tenth of the wall time over half a second. Seconds."""
    def cpu() -> float:
        total = 0.0
        for pid in [master, *children(master)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, IndexError, ValueError):
                pass
        return total
    t0 = time.time()
    while time.time() - t0 < timeout:
        before = cpu()
        time.sleep(0.5)
        if cpu() - before < 0.05:
            break
    return time.time() - t0


def timed(fn, *a, **kw) -> tuple[float, object]:
    """(milliseconds, result)"""
    t = time.perf_counter()
    r = fn(*a, **kw)
    return round((time.perf_counter() - t) * 1000, 2), r


def pct(values, q: float) -> float | None:
    v = sorted(values)
    if not v:
        return None
    return round(v[min(len(v) - 1, round(q / 100 * (len(v) - 1)))], 2)


def _ms(out: str, label: str) -> float | None:
    m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    if not m:
        return None
    v = float(m.group(1))
    return round(v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v, 3)


def _max_ms(out: str) -> float | None:
    m = re.search(r"^\s*Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)", out, re.M)
    if not m:
        return None
    v = float(m.group(1))
    return round(v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v, 3)


def wrk(url: str, conns: int, duration: int, *, close: bool = False, script: Path | None = None,
        script_args: tuple = ()) -> dict:
    """One bounded wrk run against 127.0.0.1: req/s, p50/p99/max ms, errors, the load average around it."""
    assert url.startswith("http://127.0.0.1:"), url
    cmd = ["wrk", f"-t{min(conns, 2)}", f"-c{conns}", f"-d{duration}s", "--latency", "--timeout", "30s"]
    if close:
        cmd += ["-H", "Connection: close"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)
    if script_args:
        cmd += ["--", *map(str, script_args)]
    before = load1()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 90).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: (.*)", out)
    return {"rps": float(rps.group(1)) if rps else 0.0, "requests": int(total.group(1)) if total else 0,
            "p50_ms": _ms(out, 50), "p99_ms": _ms(out, 99), "max_ms": _max_ms(out),
            "non_2xx": int(bad.group(1)) if bad else 0, "socket_errors": errs.group(1) if errs else "",
            "connections": conns, "seconds": duration, "load1_before": before, "load1_after": load1()}


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"date": dt.datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(), "cpu": cpu,
            "memory_gb": round(mem, 1), "python": platform.python_version(), "platform": platform.platform()}


def run_py(*args, timeout=900) -> str:
    """`python benchmarks/run.py …` in a fresh process (a clean peak-memory figure); its last stdout line."""
    r = subprocess.run([sys.executable, str(BENCH / "run.py"), *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, cwd=REPO)
    if r.returncode:
        raise RuntimeError(f"run.py {' '.join(map(str, args))} failed:\n{r.stderr[-3000:]}")
    return r.stdout.strip().splitlines()[-1]


def check(what: str, figure, target: str, met: bool | None, unit: str = "") -> dict:
    """One target of the issue: what was measured, the figure, the target, met (None: not measured)."""
    shown = "–" if figure is None else (f"{figure:,}" if isinstance(figure, int) else str(figure)) + unit
    return {"what": what, "figure": shown, "target": target, "met": None if figure is None or met is None else bool(met)}
