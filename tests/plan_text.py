"""Read sections of the plan's own text (data/plan/plan-text.md) so tests compare the data with it."""
import re
from pathlib import Path

PLAN = (Path(__file__).resolve().parent.parent / "data" / "plan" / "plan-text.md").read_text(encoding="utf-8")
OCR = {"湮浦": "浬浦"}


def section(start: str, end: str) -> str:
    i = PLAN.index(start)
    j = PLAN.index(end, i)
    text = PLAN[i:j]
    for bad, good in OCR.items():
        text = text.replace(bad, good)
    return text


def paragraphs(start: str, end: str, pattern: str) -> dict[str, str]:
    """{heading: text} for paragraphs like '枫桥镇。创新发展……' in a section."""
    out = {}
    for line in section(start, end).splitlines():
        m = re.match(pattern, line.strip())
        if m:
            out[m.group(1)] = m.group(2)
    return out
