"""Plan layers → Folium: declarative definitions (definitions.py) and the page built from them (render.py)."""
from .definitions import BY_ID, DEFAULT_VIEW, GROUPS, LAYERS, VIEWS, Field, LayerDef

__all__ = ["BY_ID", "DEFAULT_VIEW", "GROUPS", "LAYERS", "VIEWS", "Field", "LayerDef"]
