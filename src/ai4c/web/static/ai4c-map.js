/* ai4c-map.js: the map component every ai4c page shares (window.AI4C), on Leaflet shipped in the
   package. The base layer is a world country outline served from the package's static files, so maps
   work offline; an XYZ or WMS URL can be added on top. */
(function () {
  'use strict';

  const SCRIPT = document.currentScript;
  const STATIC = SCRIPT && SCRIPT.src ? SCRIPT.src.replace(/ai4c-map\.js(\?.*)?$/, '') : '/static/ai4c/';
  if (window.L && L.Icon && L.Icon.Default) {
    L.Icon.Default.imagePath = STATIC + 'vendor/leaflet/images/';
  }

  const OUTLINE_STYLE = { color: '#8c9aa5', weight: 0.6, fillColor: '#f4f1e8', fillOpacity: 1, opacity: 1 };
  const FEATURE_STYLE = { color: '#1f5fa8', weight: 1.5, fillColor: '#3a86d4', fillOpacity: 0.35, radius: 5 };
  const OUTLINES = { coarse: 'world/countries-110m.geojson', fine: 'world/countries-50m.geojson' };
  const FINE_FROM_ZOOM = 5;
  const cache = {};

  function staticUrl(path) {
    return STATIC + String(path).replace(/^\/+/, '');
  }

  function escapeHtml(value) {
    return String(value === undefined || value === null ? '' : value)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }

  /* Messages ----------------------------------------------------------------------------------- */

  function messageBox() {
    let box = document.getElementById('ai4c-messages');
    if (!box) {
      box = document.createElement('div');
      box.id = 'ai4c-messages';
      box.className = 'ai4c-messages';
      box.setAttribute('role', 'alert');
      document.body.appendChild(box);
    }
    return box;
  }

  function showMessage(text, kind, timeoutMs) {
    const item = document.createElement('div');
    item.className = 'ai4c-message ai4c-' + (kind || 'info');
    item.textContent = String(text);
    const close = document.createElement('button');
    close.className = 'ai4c-close';
    close.type = 'button';
    close.setAttribute('aria-label', 'close');
    close.textContent = '\u00d7';
    close.addEventListener('click', () => item.remove());
    item.appendChild(close);
    messageBox().appendChild(item);
    if (timeoutMs) setTimeout(() => item.remove(), timeoutMs);
    return item;
  }

  function showError(text) { return showMessage(text, 'error', 0); }
  function showInfo(text, timeoutMs) { return showMessage(text, 'info', timeoutMs === undefined ? 4000 : timeoutMs); }

  function problemText(text, status) {
    try {
      const body = JSON.parse(text);
      let detail = body.detail !== undefined ? body.detail : (body.message || body.error || body.title);
      if (detail !== undefined) return typeof detail === 'string' ? detail : JSON.stringify(detail);
    } catch (err) { /* not JSON: the text itself */ }
    return text && text.trim() ? text.trim().slice(0, 2000) : 'HTTP ' + status;
  }

  /* fetchJSON(url, options): JSON of a response; an HTTP or network error is shown in the page and
     rethrown (Error with .status). options.json: a value sent as a JSON body; options.quiet: no message. */
  async function fetchJSON(url, options) {
    const opts = Object.assign({}, options || {});
    const quiet = Boolean(opts.quiet);
    delete opts.quiet;
    if (opts.json !== undefined) {
      opts.method = opts.method || 'POST';
      opts.body = JSON.stringify(opts.json);
      opts.headers = Object.assign({ 'Content-Type': 'application/json' }, opts.headers || {});
      delete opts.json;
    }
    let response;
    try {
      response = await fetch(url, opts);
    } catch (err) {
      const error = new Error(url + ': ' + err.message);
      error.status = 0;
      if (!quiet) showError(error.message);
      throw error;
    }
    const text = await response.text();
    if (!response.ok) {
      const error = new Error(problemText(text, response.status));
      error.status = response.status;
      if (!quiet) showError(error.message);
      throw error;
    }
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch (err) {
      const error = new Error(url + ': the answer is not JSON');
      error.status = response.status;
      if (!quiet) showError(error.message);
      throw error;
    }
  }

  /* Base map ----------------------------------------------------------------------------------- */

  function outlineData(kind) {
    if (!cache[kind]) {
      cache[kind] = fetchJSON(staticUrl(OUTLINES[kind]), { quiet: true });
    }
    return cache[kind];
  }

  function addOutline(map) {
    map.createPane('ai4cBase');
    map.getPane('ai4cBase').style.zIndex = 150;
    const renderer = L.canvas({ pane: 'ai4cBase', padding: 0.2 });
    const state = { layer: null, kind: null };
    const show = async (kind) => {
      if (state.kind === kind) return state.layer;
      state.kind = kind;
      const data = await outlineData(kind);
      if (state.kind !== kind) return state.layer;
      const layer = L.geoJSON(data, { pane: 'ai4cBase', renderer: renderer, interactive: false,
        style: () => OUTLINE_STYLE, attribution: 'Natural Earth' });
      if (state.layer) map.removeLayer(state.layer);
      state.layer = layer.addTo(map);
      map.ai4cOutline = layer;
      return layer;
    };
    const pick = () => show(map.getZoom() >= FINE_FROM_ZOOM ? 'fine' : 'coarse');
    map.on('zoomend', pick);
    return pick();
  }

  /* createMap(elementOrId, {center, zoom, xyz, wms: {url, layers}, attribution, preferCanvas}) -> L.Map.
     map.ai4cReady is a Promise resolved once the offline outline is drawn. */
  function createMap(elementOrId, options) {
    const opts = Object.assign({ center: [20, 0], zoom: 2 }, options || {});
    const map = L.map(elementOrId, {
      center: opts.center, zoom: opts.zoom, preferCanvas: opts.preferCanvas !== false,
      minZoom: opts.minZoom === undefined ? 1 : opts.minZoom, maxZoom: opts.maxZoom || 19,
      worldCopyJump: false, zoomSnap: 0.25,
    });
    L.control.scale({ imperial: false }).addTo(map);
    if (window.ResizeObserver) {  // panels that open or close around the map change its size
      new ResizeObserver(() => map.invalidateSize({ pan: false })).observe(map.getContainer());
    }
    map.ai4cReady = addOutline(map).catch((err) => {
      showError('world outline not loaded: ' + err.message);
    });
    if (opts.xyz) addXYZ(map, opts.xyz, { attribution: opts.attribution });
    if (opts.wms) addWMS(map, opts.wms.url, opts.wms);
    return map;
  }

  /* addXYZ(map, 'https://.../{z}/{x}/{y}.png', {attribution, opacity}) -> L.TileLayer */
  function addXYZ(map, url, options) {
    return L.tileLayer(url, Object.assign({ maxZoom: 19 }, options || {})).addTo(map);
  }

  /* addWMS(map, url, {layers, styles, format, transparent, version, opacity}) -> L.TileLayer.WMS */
  function addWMS(map, url, options) {
    const opts = Object.assign({ format: 'image/png', transparent: true }, options || {});
    delete opts.url;
    return L.tileLayer.wms(url, opts).addTo(map);
  }

  /* Features ----------------------------------------------------------------------------------- */

  function propertiesTable(properties) {
    const rows = Object.entries(properties || {}).map(([key, value]) => {
      const text = typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
      return '<tr><td><b>' + escapeHtml(key) + '</b></td><td>' + linkify(text) + '</td></tr>';
    });
    return '<table>' + rows.join('') + '</table>';
  }

  function linkify(value) {
    const text = String(value === undefined || value === null ? '' : value);
    if (/^(https?:|mailto:)/i.test(text)) {
      return '<a href="' + escapeHtml(text) + '" target="_blank" rel="noopener">' + escapeHtml(text) + '</a>';
    }
    return escapeHtml(text);
  }

  function labelOf(label, feature) {
    if (typeof label === 'function') return label(feature);
    const props = feature.properties || {};
    return props[label] === undefined || props[label] === null ? '' : String(props[label]);
  }

  /* addGeoJSON(map, featureCollection, {style, popup, label, filter, pointToLayer, pane, fit, addTo})
     -> L.GeoJSON. style: object or (feature) => object (radius applies to points); popup:
     (feature) => html, or true for a table of the properties; label: property name or
     (feature) => text, shown as a tooltip. Points are drawn as circle markers. */
  function addGeoJSON(map, featureCollection, options) {
    const opts = options || {};
    const styleOf = typeof opts.style === 'function'
      ? (feature) => Object.assign({}, FEATURE_STYLE, opts.style(feature) || {})
      : () => Object.assign({}, FEATURE_STYLE, opts.style || {});
    const layer = L.geoJSON(featureCollection, {
      pane: opts.pane || 'overlayPane',
      filter: opts.filter,
      style: styleOf,
      pointToLayer: opts.pointToLayer || ((feature, latlng) =>
        L.circleMarker(latlng, Object.assign({ pane: opts.pane || 'overlayPane' }, styleOf(feature)))),
      onEachFeature: (feature, item) => {
        if (opts.popup) {
          item.bindPopup(() => (opts.popup === true ? propertiesTable(feature.properties) : opts.popup(feature)));
        }
        if (opts.label) {
          const text = labelOf(opts.label, feature);
          if (text) item.bindTooltip(escapeHtml(text), { sticky: true });
        }
        if (opts.onEachFeature) opts.onEachFeature(feature, item);
      },
    });
    if (opts.addTo !== false) layer.addTo(map);
    if (opts.fit && layer.getLayers().length) map.fitBounds(layer.getBounds(), { maxZoom: 14, padding: [12, 12] });
    return layer;
  }

  /* Legend ------------------------------------------------------------------------------------- */

  function legendHtml(entries, title) {
    const parts = [];
    if (title) parts.push('<div class="ai4c-legend-title">' + escapeHtml(title) + '</div>');
    for (const entry of entries || []) {
      if (entry.ramp) {
        const stops = entry.ramp.join(', ');
        const labels = (entry.labels || []).map((t) => '<span>' + escapeHtml(t) + '</span>').join('');
        parts.push('<div class="ai4c-legend-ramp" style="background: linear-gradient(to right, ' +
          escapeHtml(stops) + ')"></div><div class="ai4c-legend-ramp-labels">' + labels + '</div>');
        continue;
      }
      const shape = entry.shape === 'point' ? ' ai4c-point' : entry.shape === 'line' ? ' ai4c-line' : '';
      parts.push('<div class="ai4c-legend-entry"><span class="ai4c-legend-swatch' + shape +
        '" style="background:' + escapeHtml(entry.color) + '"></span>' + escapeHtml(entry.label) + '</div>');
    }
    return parts.join('');
  }

  /* legend(map, [{label, color, shape: 'square'|'point'|'line'} | {ramp: [colours], labels: [..]}], title,
     {position}) -> L.Control with .update(entries, title). */
  function legend(map, entries, title, options) {
    const control = L.control({ position: (options && options.position) || 'bottomright' });
    control.onAdd = function () {
      this._div = L.DomUtil.create('div', 'ai4c-legend');
      L.DomEvent.disableClickPropagation(this._div);
      L.DomEvent.disableScrollPropagation(this._div);
      this._div.innerHTML = legendHtml(entries, title);
      return this._div;
    };
    control.update = function (newEntries, newTitle) {
      entries = newEntries;
      title = newTitle === undefined ? title : newTitle;
      if (this._div) this._div.innerHTML = legendHtml(entries, title);
      return this;
    };
    return control.addTo(map);
  }

  /* Drawing ------------------------------------------------------------------------------------ */

  function ringOf(latlngs) {
    const ring = latlngs.map((p) => [p.lng, p.lat]);
    ring.push([latlngs[0].lng, latlngs[0].lat]);
    return ring;
  }

  function rectangleCorners(a, b) {
    const bounds = L.latLngBounds(a, b);
    return [bounds.getSouthWest(), bounds.getSouthEast(), bounds.getNorthEast(), bounds.getNorthWest()];
  }

  /* drawArea(map, onDone, {shape: 'polygon'|'rectangle', style}): polygon: click the vertices, finish
     with a double click or a click on the first vertex; rectangle: click two opposite corners. Escape
     cancels. onDone(geojsonPolygon, layer) gets a GeoJSON Polygon geometry (lon/lat) and the drawn
     layer, left on the map. Returns {cancel, finish}. */
  function drawArea(map, onDone, options) {
    const opts = options || {};
    const shape = opts.shape === 'rectangle' ? 'rectangle' : 'polygon';
    const style = Object.assign({ color: '#d9480f', weight: 2, fillOpacity: 0.15, dashArray: '4 4' }, opts.style || {});
    const points = [];
    const preview = L.polygon([], style).addTo(map);
    const container = map.getContainer();
    const hint = L.control({ position: 'topright' });
    hint.onAdd = () => {
      const div = L.DomUtil.create('div', 'ai4c-draw-hint');
      div.textContent = shape === 'rectangle' ? 'click two opposite corners (Esc: cancel)'
        : 'click the vertices; double-click to finish (Esc: cancel)';
      return div;
    };
    hint.addTo(map);
    const hadDoubleClickZoom = map.doubleClickZoom.enabled();
    map.doubleClickZoom.disable();
    container.classList.add('ai4c-drawing');
    let done = false;

    const cleanup = () => {
      done = true;
      map.off('click', onClick);
      map.off('mousemove', onMove);
      map.off('dblclick', onDoubleClick);
      document.removeEventListener('keydown', onKey);
      map.removeControl(hint);
      container.classList.remove('ai4c-drawing');
      if (hadDoubleClickZoom) setTimeout(() => map.doubleClickZoom.enable(), 0);
    };
    const finish = () => {
      if (done) return null;
      const corners = shape === 'rectangle' ? (points.length === 2 ? rectangleCorners(points[0], points[1]) : [])
        : points.slice();
      if (corners.length < 3) return null;
      cleanup();
      preview.setLatLngs(corners);
      preview.setStyle({ dashArray: null });
      const geometry = { type: 'Polygon', coordinates: [ringOf(corners)] };
      if (onDone) onDone(geometry, preview);
      return geometry;
    };
    const cancel = () => {
      if (done) return;
      cleanup();
      map.removeLayer(preview);
    };
    const nearFirst = (latlng) => points.length >= 3 &&
      map.latLngToContainerPoint(points[0]).distanceTo(map.latLngToContainerPoint(latlng)) < 8;
    function onClick(event) {
      if (shape === 'polygon' && nearFirst(event.latlng)) { finish(); return; }
      points.push(event.latlng);
      if (shape === 'rectangle' && points.length === 2) { finish(); return; }
      preview.setLatLngs(points);
    }
    function onMove(event) {
      if (!points.length) return;
      if (shape === 'rectangle') preview.setLatLngs(rectangleCorners(points[0], event.latlng));
      else preview.setLatLngs(points.concat([event.latlng]));
    }
    function onDoubleClick(event) {
      L.DomEvent.stop(event);
      // the double click's two clicks each added the same vertex: drop the repeat
      while (points.length > 1 && points[points.length - 1].equals(points[points.length - 2])) points.pop();
      finish();
    }
    function onKey(event) { if (event.key === 'Escape') cancel(); }
    map.on('click', onClick);
    map.on('mousemove', onMove);
    map.on('dblclick', onDoubleClick);
    document.addEventListener('keydown', onKey);
    return { cancel: cancel, finish: finish, layer: preview };
  }

  window.AI4C = {
    version: '1',
    staticUrl: staticUrl,
    escapeHtml: escapeHtml,
    linkify: linkify,
    propertiesTable: propertiesTable,
    showError: showError,
    showInfo: showInfo,
    fetchJSON: fetchJSON,
    createMap: createMap,
    addXYZ: addXYZ,
    addWMS: addWMS,
    addGeoJSON: addGeoJSON,
    legend: legend,
    drawArea: drawArea,
  };
}());
