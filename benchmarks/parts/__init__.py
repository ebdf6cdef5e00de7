"""The benchmark's parts, in the order a full run takes them. Each module has TITLE, run(sizes) -> dict
(with "checks": the issue's targets, met or missed) and markdown(result) -> list of lines."""
from . import analysis, export, importing, map, ogc, postgis, printing, scaleout, soak, workbench

PARTS = {"map": map, "import": importing, "ogc": ogc, "postgis": postgis, "workbench": workbench, "print": printing,
         "analysis": analysis, "soak": soak, "scaleout": scaleout, "export": export}
