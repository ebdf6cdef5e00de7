"""The web layer: Flask blueprints by page kind over one Services object (see CONTRIBUTING.md)."""
from . import account, analysis, downloads, map, ogc, pages, printing, projects_api, workbench

BLUEPRINTS = (map.bp, pages.bp, projects_api.bp, downloads.bp, ogc.bp, account.bp, workbench.bp, printing.bp, analysis.bp)
