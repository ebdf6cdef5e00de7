// A feature's Leaflet style from its layer definition (layers/definitions.py), plus view emphasis.
export function styleFor(def, props, emphasis) {
  const s = Object.assign({}, def.style);
  if (def.styleBy && def.styles[props[def.styleBy]]) Object.assign(s, def.styles[props[def.styleBy]]);
  if (emphasis === "axis" && def.id === "towns") {
    Object.assign(s, props.axis_branches ? { fillColor: "#e8daef", fillOpacity: 0.55, weight: 1.8, color: "#6c3483" }
                                         : { fillOpacity: 0.12, color: "#aab7b8" });
  }
  if (s.dashArray === null) delete s.dashArray;
  return s;
}
