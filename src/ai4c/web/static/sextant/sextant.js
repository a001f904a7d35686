/* Sextant: the page. Query editor + result table, layer list (order, visibility, opacity, style),
   timeline, map documents (save -> share URL, open/download JSON), PNG export. window.SEXTANT exposes
   the state for scripts and tests. */
(function () {
  'use strict';

  const root = document.getElementById('sextant');
  const BASE = root.dataset.base || './';
  const $ = (id) => document.getElementById(id);
  const DEFAULT_QUERY = [
    'PREFIX geo: <http://www.opengis.net/ont/geosparql#>',
    'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>',
    'SELECT ?f ?geom ?label WHERE {',
    '  ?f geo:hasGeometry ?g . ?g geo:asWKT ?geom .',
    '  OPTIONAL { ?f rdfs:label ?label }',
    '} LIMIT 5000',
  ].join('\n');
  const DEFAULT_STYLE = { color: '#1f77b4', kind: 'single', by: null, palette: 'tab10', classes: 5, size_by: null,
    radius: 5, label: null };
  const RASTER = /\.(tif|tiff|geotiff|cog)$/i;

  const map = AI4C.createMap('sx-map', { center: [20, 0], zoom: 2 });
  const layers = [];  // bottom first
  const state = { title: 'Sextant map', time: { value: null, mode: 'at' }, lastTiming: null, config: null };
  const timeline = new SextantTimeline($('sx-timeline'), (value, mode) => applyTime(value, mode));
  const editor = new SparqlEditor($('sx-query'), $('sx-highlight'), () => runQuery());
  let counter = 0;

  function newId() {
    counter += 1;
    while (layers.some((l) => l.doc.id === 'layer' + counter)) counter += 1;
    return 'layer' + counter;
  }

  function layerDoc(fields) {
    const doc = Object.assign({ id: newId(), visible: true, opacity: 1 }, fields);
    doc.style = Object.assign({}, DEFAULT_STYLE, fields.style || {});
    if (!doc.name) doc.name = doc.type + ' ' + doc.id;
    return doc;
  }

  /* Layers ----------------------------------------------------------------------------------- */

  async function addLayer(fields, payload, options) {
    const doc = layerDoc(fields);
    const layer = new SextantLayer(map, doc, BASE);
    try {
      await layer.load(payload);
    } catch (err) {
      layer.remove();
      if (!err.status) AI4C.showError(doc.name + ': ' + err.message);
      throw err;
    }
    layers.push(layer);
    reorder();
    if (!(options && options.keepView) && layer.bounds && layer.bounds.isValid()) {
      map.fitBounds(layer.bounds, { maxZoom: 14, padding: [16, 16], animate: false });
    }
    refreshTimeline();
    renderLayerList();
    return layer;
  }

  function removeLayer(layer) {
    layer.remove();
    layers.splice(layers.indexOf(layer), 1);
    reorder();
    refreshTimeline();
    renderLayerList();
  }

  function reorder() {
    layers.forEach((layer, k) => layer.setZ(250 + 3 * k));
  }

  function refreshTimeline() {
    timeline.update(layers.filter((l) => l.hasTime()).map((l) => ({ t0: l.t0, t1: l.t1 })));
    map.invalidateSize({ pan: false });  // the timeline under the map may have appeared or gone
    applyTime(state.time.value, state.time.mode);
  }

  function applyTime(value, mode) {
    state.time = { value: value, mode: mode || 'at' };
    for (const layer of layers) layer.setTime(state.time.value, state.time.mode);
    updateCounts();
  }

  function updateCounts() {
    for (const layer of layers) {
      const el = document.querySelector('.sx-layer[data-id="' + layer.doc.id + '"] .sx-layer-count');
      if (el && layer.payload) el.textContent = layer.visibleCount() + (layer.hasTime() ? '/' + layer.n : '');
    }
  }

  function option(value, text, selected) {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    if (selected) o.selected = true;
    return o;
  }

  function button(text, title, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'ai4c-secondary';
    b.textContent = text;
    b.title = title;
    b.setAttribute('aria-label', title);
    b.addEventListener('click', onClick);
    return b;
  }

  function styleControls(layer) {
    const box = document.createElement('div');
    box.className = 'sx-layer-style';
    const opacity = document.createElement('input');
    Object.assign(opacity, { type: 'range', min: 0, max: 1, step: 0.05, value: layer.doc.opacity, title: 'opacity' });
    opacity.className = 'sx-opacity';
    opacity.addEventListener('input', () => { layer.doc.opacity = Number(opacity.value); layer.applyView(); });
    box.append('opacity', opacity);
    if (!layer.payload) return box;
    const colour = document.createElement('input');
    Object.assign(colour, { type: 'color', value: layer.doc.style.color, title: 'colour' });
    const kind = document.createElement('select');
    kind.className = 'sx-style-kind';
    for (const k of ['single', 'categories', 'graduated']) kind.appendChild(option(k, k, layer.doc.style.kind === k));
    const by = document.createElement('select');
    by.className = 'sx-style-by';
    const size = document.createElement('select');
    size.className = 'sx-style-size';
    by.appendChild(option('', 'by…', !layer.doc.style.by));
    size.appendChild(option('', 'size…', !layer.doc.style.size_by));
    for (const c of layer.columns) {
      by.appendChild(option(c, c, layer.doc.style.by === c));
      size.appendChild(option(c, c, layer.doc.style.size_by === c));
    }
    const apply = () => {
      const style = layer.doc.style;
      style.color = colour.value;
      style.by = by.value || null;
      style.kind = style.by ? (kind.value === 'single' ? 'categories' : kind.value) : 'single';
      kind.value = style.kind;
      style.size_by = size.value || null;
      layer.restyle();
    };
    for (const el of [colour, kind, by, size]) el.addEventListener('change', apply);
    box.append(colour, kind, by, size);
    if (!layer.compact) {
      const label = document.createElement('select');
      label.className = 'sx-style-label';
      label.appendChild(option('', 'label…', !layer.labelKey));
      for (const c of layer.columns) label.appendChild(option(c, c, layer.labelKey === c));
      label.addEventListener('change', () => { layer.doc.style.label = label.value || null; layer.setLabel(label.value); });
      box.append(label);
    }
    return box;
  }

  function renderLayerList() {
    const list = $('sx-layer-list');
    list.innerHTML = '';
    for (const layer of layers.slice().reverse()) {
      const item = document.createElement('li');
      item.className = 'sx-layer';
      item.dataset.id = layer.doc.id;
      const head = document.createElement('div');
      head.className = 'sx-layer-head';
      const visible = document.createElement('input');
      visible.type = 'checkbox';
      visible.checked = layer.doc.visible !== false;
      visible.title = 'visible';
      visible.addEventListener('change', () => { layer.doc.visible = visible.checked; layer.applyView(); });
      const name = document.createElement('span');
      name.className = 'sx-layer-name';
      name.textContent = layer.doc.name;
      name.title = layer.doc.type + ': ' + (layer.doc.query || layer.doc.file || layer.doc.url || '');
      const count = document.createElement('span');
      count.className = 'sx-layer-count';
      const k = layers.indexOf(layer);
      head.append(visible, name, count,
        button('\u25b2', 'move up', () => move(k, k + 1)),
        button('\u25bc', 'move down', () => move(k, k - 1)),
        button('\u2922', 'zoom to layer', () => layer.bounds && map.fitBounds(layer.bounds, { maxZoom: 14 })),
        button('\u2715', 'remove layer', () => removeLayer(layer)));
      item.append(head, styleControls(layer));
      list.appendChild(item);
    }
    updateCounts();
  }

  function move(from, to) {
    if (to < 0 || to >= layers.length) return;
    const [layer] = layers.splice(from, 1);
    layers.splice(to, 0, layer);
    reorder();
    renderLayerList();
  }

  /* Query ------------------------------------------------------------------------------------ */

  function endpoint() {
    const choice = $('sx-endpoint').value;
    return choice === '__other__' ? $('sx-endpoint-url').value.trim() : choice;
  }

  function status(text, isError) {
    const el = $('sx-query-status');
    el.textContent = text;
    el.classList.toggle('sx-error', Boolean(isError));
  }

  function showTable(table) {
    const box = $('sx-table');
    $('sx-result-count').textContent = table.total + ' rows' + (table.total > table.rows.length ? ' (first ' + table.rows.length + ' shown)' : '');
    const head = '<tr>' + table.columns.map((c) => '<th>' + AI4C.escapeHtml(c) + '</th>').join('') + '</tr>';
    const rows = table.rows.map((r) => '<tr>' + r.map((v) => '<td title="' + AI4C.escapeHtml(v === null ? '' : v) + '">' +
      AI4C.linkify(v === null ? '' : String(v).slice(0, 200)) + '</td>').join('') + '</tr>').join('');
    box.innerHTML = '<table class="ai4c-table"><thead>' + head + '</thead><tbody>' + rows + '</tbody></table>';
  }

  function nextFrame() {
    return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  }

  async function runQuery() {
    const query = editor.value();
    const target = endpoint();
    const name = $('sx-layer-name').value.trim() || 'query ' + (layers.length + 1);
    status('running…');
    $('sx-run').disabled = true;
    const start = performance.now();
    try {
      const answer = await AI4C.fetchJSON(BASE + 'api/query', { json: { endpoint: target, query: query } });
      const received = performance.now();
      showTable(answer.table);
      if (!answer.layer) {
        status(answer.table.total + ' rows; no geometry variable, so no layer (results in the table)');
        return null;
      }
      const layer = await addLayer({ type: 'sparql', name: name, endpoint: target, query: query }, answer.layer);
      await nextFrame();
      const painted = performance.now();
      state.lastTiming = { request_ms: received - start, render_ms: painted - received, total_ms: painted - start,
        features: answer.layer.count, mode: answer.layer.mode };
      const skipped = answer.layer.skipped ? ', ' + answer.layer.skipped + ' rows without a readable geometry skipped' : '';
      status(answer.table.total + ' rows, ' + answer.layer.count + ' features (' + answer.layer.mode + ') in ' +
        Math.round(state.lastTiming.total_ms) + ' ms' + skipped);
      return layer;
    } catch (err) {
      status(err.message, true);
      return null;
    } finally {
      $('sx-run').disabled = false;
    }
  }

  /* Files and web layers --------------------------------------------------------------------- */

  function fileLayer(file, name) {
    const fields = RASTER.test(file) ? { type: 'raster', file: file, band: 1, cmap: 'viridis' } : { type: 'file', file: file };
    fields.name = name || file.replace(/^[0-9a-f]{16}-/, '');
    return addLayer(fields).catch(() => null);
  }

  async function upload(fileObject) {
    const body = await fileObject.arrayBuffer();
    const stored = await AI4C.fetchJSON(BASE + 'api/upload?name=' + encodeURIComponent(fileObject.name),
      { method: 'POST', body: body, headers: { 'Content-Type': 'application/octet-stream' } });
    return fileLayer(stored.file, fileObject.name);
  }

  function addUrlLayer() {
    const type = $('sx-url-type').value;
    const url = $('sx-url').value.trim();
    if (!url) { AI4C.showError('give the URL of the ' + type.toUpperCase() + ' layer'); return null; }
    const name = type.toUpperCase() + ' ' + url.replace(/^https?:\/\//, '').slice(0, 30);
    if (type === 'cog') return addLayer({ type: 'raster', file: url, band: 1, cmap: 'viridis', name: name }).catch(() => null);
    const fields = { type: type, url: url, name: name };
    if (type === 'wms') fields.layers = $('sx-wms-layers').value.trim();
    return addLayer(fields).catch(() => null);
  }

  /* Map documents ---------------------------------------------------------------------------- */

  function mapDocument() {
    const centre = map.getCenter();
    return { ai4c_map: 1, title: state.title, view: { center: [centre.lat, centre.lng], zoom: map.getZoom() },
      time: { value: state.time.value, mode: state.time.mode }, layers: layers.map((l) => l.doc) };
  }

  async function openDocument(doc) {
    for (const layer of layers.slice()) layer.remove();
    layers.length = 0;
    state.title = doc.title || 'Sextant map';
    for (const fields of doc.layers) {
      try {
        await addLayer(fields, null, { keepView: true });
      } catch (err) { /* shown already; the other layers still open */ }
    }
    map.setView(doc.view.center, doc.view.zoom, { animate: false });
    const time = doc.time || {};
    timeline.mode.value = time.mode || 'at';
    timeline.set(time.value === undefined ? null : time.value);
    renderLayerList();
    return layers.length;
  }

  async function saveMap() {
    const saved = await AI4C.fetchJSON(BASE + 'api/maps', { json: mapDocument() });
    const url = new URL(location.href);
    url.search = '?map=' + saved.id;
    history.replaceState(null, '', url.toString());
    AI4C.showInfo('map saved; share it with this link: ' + url.toString(), 10000);
    return url.toString();
  }

  function download(name, href) {
    const a = document.createElement('a');
    a.href = href;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function paneOf(el) {
    let node = el;
    while (node && !(node.classList && node.classList.contains('leaflet-pane') && node.style.zIndex)) node = node.parentNode;
    return node;
  }

  /* exportPNG(): data URL of the map as drawn now (outline, tiles, vector canvases, in pane order) */
  function exportPNG() {
    const container = map.getContainer();
    const box = container.getBoundingClientRect();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(box.width);
    canvas.height = Math.round(box.height);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = getComputedStyle(container).backgroundColor || '#dcebf5';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const items = Array.from(container.querySelectorAll('canvas, img.leaflet-tile-loaded, img.leaflet-image-layer'))
      .map((el, order) => ({ el: el, pane: paneOf(el), order: order }))
      .filter((it) => it.el.offsetParent !== null && (!it.pane || it.pane.style.display !== 'none'))
      .sort((a, b) => (Number(a.pane && a.pane.style.zIndex) || 0) - (Number(b.pane && b.pane.style.zIndex) || 0) || a.order - b.order);
    for (const it of items) {
      const r = it.el.getBoundingClientRect();
      ctx.globalAlpha = it.pane ? Number(getComputedStyle(it.pane).opacity) : 1;
      ctx.drawImage(it.el, r.left - box.left, r.top - box.top, r.width, r.height);
    }
    ctx.globalAlpha = 1;
    return canvas.toDataURL('image/png');
  }

  function barButton(text, title, onClick) {
    const b = button(text, title, onClick);
    b.className = '';
    $('ai4c-bar-tools').appendChild(b);
    return b;
  }

  function setupBar() {
    barButton('Save', 'save the map and get a link to share', () => saveMap().catch(() => null));
    barButton('JSON', 'download the map document', () => download('sextant-map.json',
      URL.createObjectURL(new Blob([JSON.stringify(mapDocument(), null, 1)], { type: 'application/json' }))));
    const open = document.createElement('input');
    Object.assign(open, { type: 'file', accept: '.json,application/json', hidden: true, id: 'sx-open' });
    open.addEventListener('change', async () => {
      if (!open.files.length) return;
      try {
        const doc = await AI4C.fetchJSON(BASE + 'api/check-map', { json: JSON.parse(await open.files[0].text()) });
        await openDocument(doc);
      } catch (err) {
        if (!err.status) AI4C.showError('not a map document: ' + err.message);
      }
      open.value = '';
    });
    $('ai4c-bar-tools').appendChild(open);
    barButton('Open', 'open a map document (JSON)', () => open.click());
    barButton('PNG', 'export the view as PNG', () => {
      try { download('sextant-map.png', exportPNG()); } catch (err) { AI4C.showError('PNG export failed: ' + err.message); }
    });
  }

  /* Start ------------------------------------------------------------------------------------ */

  async function start() {
    setupBar();
    editor.set(DEFAULT_QUERY);
    $('sx-prefixes').addEventListener('click', () => editor.addPrefixes());
    $('sx-run').addEventListener('click', () => runQuery());
    $('sx-add-file').addEventListener('click', () => $('sx-file-choice').value && fileLayer($('sx-file-choice').value));
    $('sx-upload').addEventListener('change', () => $('sx-upload').files.length && upload($('sx-upload').files[0]).catch(() => null));
    $('sx-add-url').addEventListener('click', () => addUrlLayer());
    $('sx-endpoint').addEventListener('change', () =>
      $('sx-endpoint-url').classList.toggle('ai4c-hidden', $('sx-endpoint').value !== '__other__'));
    const config = state.config = await AI4C.fetchJSON(BASE + 'api/config');
    for (const e of config.endpoints) $('sx-endpoint').appendChild(option(e, e === 'local' ? 'this store' : e));
    if (config.any_endpoint || !config.endpoints.length) $('sx-endpoint').appendChild(option('__other__', 'other URL…'));
    $('sx-endpoint').dispatchEvent(new Event('change'));
    for (const f of config.files) $('sx-file-choice').appendChild(option(f, f));
    const shared = new URLSearchParams(location.search).get('map');
    const doc = shared ? await AI4C.fetchJSON(BASE + 'api/maps/' + encodeURIComponent(shared)).catch(() => null) : config.map;
    if (doc) {
      const sparql = doc.layers.find((l) => l.type === 'sparql');
      if (sparql) {
        editor.set(sparql.query);
        if (Array.from($('sx-endpoint').options).some((o) => o.value === sparql.endpoint)) $('sx-endpoint').value = sparql.endpoint;
      }
      await openDocument(doc);
    }
  }

  window.SEXTANT = {
    map: map, layers: layers, state: state, timeline: timeline, editor: editor,
    ready: null, addLayer: addLayer, runQuery: runQuery, mapDocument: mapDocument, openDocument: openDocument,
    saveMap: saveMap, exportPNG: exportPNG, upload: upload, fileLayer: fileLayer,
    layer: (id) => layers.find((l) => l.doc.id === id || l.doc.name === id),
    visibleCounts: () => Object.fromEntries(layers.map((l) => [l.doc.name, l.visibleCount()])),
  };
  window.SEXTANT.ready = start().then(() => true, (err) => { AI4C.showError('Sextant did not start: ' + err.message); return false; });
}());
