/* Sextant's layers on the map: each layer document (sparql, file, raster, xyz, wms) becomes a runtime
   object with its own pane (order, opacity, visibility), thematic style (single colour, categories,
   graduated colours, size by value), legend, popups from ?label/?tooltip and valid-time filter. */
(function () {
  'use strict';

  const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f',
    '#bcbd22', '#17becf', '#393b79', '#e7ba52'];
  const RAMP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const OTHER = '#9e9e9e';
  const HIDDEN_PROPS = new Set(['_i', '_t0', '_t1']);

  function rampColour(f) {
    const x = Math.max(0, Math.min(1, f)) * (RAMP.length - 1);
    const k = Math.min(RAMP.length - 2, Math.floor(x));
    const t = x - k;
    const c = RAMP[k].map((v, j) => Math.round(v + (RAMP[k + 1][j] - v) * t));
    return '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
  }

  function numbers(values) {
    return values.map((v) => (v === null || v === undefined || v === '' ? NaN : Number(v)));
  }

  function quantileBreaks(values, classes) {
    const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
    if (!sorted.length) return [];
    return Array.from({ length: classes + 1 }, (_, k) => sorted[Math.min(sorted.length - 1,
      Math.round(k / classes * (sorted.length - 1)))]);
  }

  function fmt(v) { return Number.isInteger(v) ? String(v) : Number(v).toPrecision(4); }

  /* makeStyler(style, n, valueOf): {color(i), radius(i), fillOpacity, legend} for n features */
  function makeStyler(style, n, valueOf) {
    const out = { color: () => style.color, radius: () => style.radius, fillOpacity: 0.45,
      legend: [{ label: 'all features', color: style.color }] };
    const by = style.by;
    if (style.kind === 'categories' && by) {
      const values = Array.from({ length: n }, (_, i) => valueOf(by, i));
      const counts = new Map();
      for (const v of values) counts.set(String(v), (counts.get(String(v)) || 0) + 1);
      const top = Array.from(counts.entries()).sort((a, b) => b[1] - a[1]).slice(0, PALETTE.length - 1)
        .map((e) => e[0]).sort();
      const fixed = style.colors || {};  // explicit colours of some categories (map documents may set them)
      const free = PALETTE.filter((c) => !Object.values(fixed).includes(c));
      const colours = new Map(top.map((v, k) => [v, fixed[v] || free[k % free.length]]));
      const perFeature = values.map((v) => colours.get(String(v)) || OTHER);
      out.color = (i) => perFeature[i];
      out.legend = top.map((v) => ({ label: v, color: colours.get(v) }));
      if (counts.size > top.length) out.legend.push({ label: 'other', color: OTHER });
    } else if (style.kind === 'graduated' && by) {
      const values = numbers(Array.from({ length: n }, (_, i) => valueOf(by, i)));
      const breaks = quantileBreaks(values, style.classes);
      const classOf = (v) => {
        let k = 0;
        while (k < style.classes - 1 && v > breaks[k + 1]) k++;
        return k;
      };
      const colours = Array.from({ length: style.classes }, (_, k) => rampColour(k / Math.max(1, style.classes - 1)));
      const perFeature = values.map((v) => (Number.isFinite(v) ? colours[classOf(v)] : OTHER));
      out.color = (i) => perFeature[i];
      out.legend = colours.map((c, k) => ({ label: fmt(breaks[k]) + ' – ' + fmt(breaks[k + 1]), color: c }));
    }
    if (style.size_by) {
      const values = numbers(Array.from({ length: n }, (_, i) => valueOf(style.size_by, i)));
      const finite = values.filter(Number.isFinite);
      const lo = Math.min(...finite), hi = Math.max(...finite);
      out.radius = (i) => (Number.isFinite(values[i]) && hi > lo
        ? 3 + 12 * Math.sqrt((values[i] - lo) / (hi - lo)) : style.radius);
    }
    return out;
  }

  function popupHtml(props) {
    const parts = [];
    if (props.label !== undefined) parts.push('<div class="sx-popup-label"><b>' + AI4C.escapeHtml(props.label) + '</b></div>');
    if (props.tooltip !== undefined) parts.push('<div class="sx-popup-tooltip">' + AI4C.linkify(props.tooltip) + '</div>');
    const rest = {};
    for (const [k, v] of Object.entries(props)) if (!HIDDEN_PROPS.has(k) && k !== 'label' && k !== 'tooltip') rest[k] = v;
    parts.push(AI4C.propertiesTable(rest));
    return parts.join('');
  }

  /* A layer on the map: new SextantLayer(map, doc, zIndex); await layer.load(payload?) */
  function SextantLayer(map, doc, base) {
    this.map = map;
    this.doc = doc;
    this.base = base;
    this.paneName = 'sx-' + doc.id.replace(/[^\w-]/g, '_') + '-' + Math.random().toString(36).slice(2, 7);
    this.pane = map.createPane(this.paneName);
    this.n = 0;
    this.timeValue = null;
    this.legendControl = null;
  }

  SextantLayer.prototype.setZ = function (z) { this.pane.style.zIndex = String(z); };

  SextantLayer.prototype.load = async function (payload) {
    const d = this.doc;
    if (d.type === 'xyz') {
      this.leaflet = AI4C.addXYZ(this.map, d.url, { pane: this.paneName, attribution: d.attribution });
    } else if (d.type === 'wms') {
      this.leaflet = AI4C.addWMS(this.map, d.url, { layers: d.layers, pane: this.paneName });
    } else if (d.type === 'raster') {
      await this.loadRaster();
    } else {
      if (!payload) {
        payload = d.type === 'sparql'
          ? (await AI4C.fetchJSON(this.base + 'api/query', { json: { endpoint: d.endpoint, query: d.query } })).layer
          : (await AI4C.fetchJSON(this.base + 'api/file-layer?' + new URLSearchParams(
            d.crs ? { file: d.file, crs: d.crs } : { file: d.file }))).layer;
      }
      if (!payload) throw new Error(d.name + ': the query has no geometry variable');
      this.showVector(payload);
    }
    this.applyView();
    return this;
  };

  SextantLayer.prototype.tileQuery = function () {
    return new URLSearchParams({ file: this.doc.file, band: this.doc.band || 1, cmap: this.doc.cmap || 'viridis' });
  };

  SextantLayer.prototype.loadRaster = async function () {
    const info = await AI4C.fetchJSON(this.base + 'api/raster?' + this.tileQuery());
    const b = info.bounds;
    this.info = info;
    this.bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
    const url = this.base + 'api/tiles/{z}/{x}/{y}.png?' + this.tileQuery().toString();
    this.leaflet = L.tileLayer(url, { pane: this.paneName, bounds: this.bounds, maxZoom: 22, tileSize: 256 })
      .addTo(this.map);
    const entries = info.legend.ramp ? [{ ramp: info.legend.ramp, labels: info.legend.labels }] : info.legend.entries;
    this.legendControl = AI4C.legend(this.map, entries, this.doc.name);
  };

  SextantLayer.prototype.showVector = function (payload) {
    this.payload = payload;
    this.n = payload.count;
    this.compact = payload.mode === 'compact';
    if (this.compact) {
      const cols = payload.columns;
      this.valueOf = (name, i) => (cols[name] ? cols[name][i] : undefined);
      this.props = (i) => {
        const p = {};
        for (const name of Object.keys(cols)) if (cols[name][i] !== null && cols[name][i] !== undefined) p[name] = cols[name][i];
        return p;
      };
      this.t0 = payload.t0;
      this.t1 = payload.t1;
      this.columns = Object.keys(cols);
    } else {
      const features = payload.data.features;
      this.valueOf = (name, i) => features[i].properties[name];
      this.props = (i) => features[i].properties;
      this.t0 = payload.time ? features.map((f) => f.properties._t0) : null;
      this.t1 = payload.time ? features.map((f) => f.properties._t1) : null;
      const names = new Set();
      for (const f of features.slice(0, 200)) for (const k of Object.keys(f.properties)) if (!HIDDEN_PROPS.has(k)) names.add(k);
      this.columns = Array.from(names);
    }
    const b = payload.bounds;
    this.bounds = b ? L.latLngBounds([b[1], b[0]], [b[3], b[2]]) : null;
    this.styler = makeStyler(this.doc.style, this.n, this.valueOf);
    const popup = (i) => popupHtml(this.props(i));
    if (this.compact) {
      this.leaflet = SextantCanvasLayer(payload, { pane: this.paneName, styler: this.styler, popup: popup }).addTo(this.map);
    } else {
      const labelKey = this.doc.style.label || ['tooltip', 'label', 'name', 'Name'].find((c) => this.columns.includes(c));
      this.leaflet = AI4C.addGeoJSON(this.map, payload.data, {
        pane: this.paneName,
        style: (f) => this.featureStyle(f.properties._i),
        popup: (f) => popup(f.properties._i),
      });
      this.sublayers = this.leaflet.getLayers();
      this.setLabel(labelKey);
    }
    this.updateLegend();
  };

  /* hover labels of a GeoJSON layer from one attribute (null: none) */
  SextantLayer.prototype.setLabel = function (key) {
    this.labelKey = key || null;
    if (!this.sublayers) return;
    for (const l of this.sublayers) {
      l.unbindTooltip();
      const value = key ? l.feature.properties[key] : undefined;
      if (value !== undefined && value !== null && value !== '') l.bindTooltip(AI4C.escapeHtml(value), { sticky: true });
    }
  };

  SextantLayer.prototype.featureStyle = function (i) {
    const colour = this.styler.color(i);
    return { color: colour, fillColor: colour, radius: this.styler.radius(i), fillOpacity: this.styler.fillOpacity,
      weight: 1.5 };
  };

  SextantLayer.prototype.updateLegend = function () {
    if (this.legendControl) this.map.removeControl(this.legendControl);
    this.legendControl = null;
    if (this.styler && this.doc.visible !== false) {
      const shape = this.payload && this.payload.data && this.payload.data.features.length &&
        this.payload.data.features[0].geometry.type === 'Point' ? 'point' : 'square';
      this.legendControl = AI4C.legend(this.map, this.styler.legend.map((e) => Object.assign({ shape: shape }, e)),
        this.doc.name + (this.doc.style.by ? ' · ' + this.doc.style.by : ''));
    }
  };

  SextantLayer.prototype.restyle = function () {
    if (!this.payload) return;
    this.styler = makeStyler(this.doc.style, this.n, this.valueOf);
    if (this.compact) this.leaflet.setStyler(this.styler);
    else for (const l of this.sublayers) l.setStyle(this.featureStyle(l.feature.properties._i));
    this.updateLegend();
  };

  SextantLayer.prototype.hasTime = function () { return Boolean(this.t0); };

  /* show the features valid at `value` (null: all) */
  SextantLayer.prototype.setTime = function (value, mode) {
    if (!this.t0 || !this.leaflet) return;
    const visible = (i) => SextantTimeline.visible(this.t0[i], this.t1[i], value, mode);
    if (this.compact) {
      this.leaflet.setFilter(value === null ? null : visible);
    } else {
      this.leaflet.clearLayers();
      for (const l of this.sublayers) if (visible(l.feature.properties._i)) this.leaflet.addLayer(l);
    }
  };

  /* features drawn now (read through Leaflet's API for GeoJSON layers) */
  SextantLayer.prototype.visibleCount = function () {
    if (!this.leaflet || !this.payload) return 0;
    return this.compact ? this.leaflet.visibleCount() : this.leaflet.getLayers().length;
  };

  SextantLayer.prototype.applyView = function () {
    this.pane.style.display = this.doc.visible === false ? 'none' : '';
    this.pane.style.opacity = String(this.doc.opacity === undefined ? 1 : this.doc.opacity);
    if (this.legendControl && this.doc.visible === false) {
      this.map.removeControl(this.legendControl);
      this.legendControl = null;
    } else if (!this.legendControl && this.doc.visible !== false) {
      if (this.styler) this.updateLegend();
      else if (this.info) this.legendControl = AI4C.legend(this.map, this.info.legend.ramp
        ? [{ ramp: this.info.legend.ramp, labels: this.info.legend.labels }] : this.info.legend.entries, this.doc.name);
    }
  };

  SextantLayer.prototype.remove = function () {
    if (this.leaflet) this.map.removeLayer(this.leaflet);
    if (this.legendControl) this.map.removeControl(this.legendControl);
    L.DomUtil.remove(this.pane);
  };

  SextantLayer.makeStyler = makeStyler;
  SextantLayer.popupHtml = popupHtml;
  window.SextantLayer = SextantLayer;
}());
