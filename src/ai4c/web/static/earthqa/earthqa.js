/* EarthQA page: ask a question, show and edit its interpretation, list the products, map their footprints. */
(function () {
  'use strict';
  const esc = AI4C.escapeHtml;
  const map = AI4C.createMap('map', { center: [45, 10], zoom: 4 });
  let layer = null;
  let areaLayer = null;
  let current = null;
  const FIELDS = [
    ['place', 'text'], ['relation', ['in', 'near', 'within', 'north', 'south', 'east', 'west']],
    ['distance_km', 'number'], ['start', 'text'], ['end', 'text'], ['missions', 'list'], ['platforms', 'list'],
    ['product_types', 'list'], ['levels', 'list'], ['orbit_direction', ['', 'ASCENDING', 'DESCENDING']],
    ['relative_orbit', 'number'], ['polarisations', 'list'], ['tile', 'text'], ['cloud_max', 'number'],
    ['cloud_min', 'number'], ['order', ['', 'latest', 'earliest', 'least_cloudy']], ['limit', 'number'],
    ['count', 'bool'],
  ];

  function fieldHtml(name, kind, value) {
    const id = 'eqa-f-' + name;
    let input;
    if (Array.isArray(kind)) {
      input = '<select id="' + id + '">' + kind.map((v) => '<option' + (v === (value || '') ? ' selected' : '') +
        '>' + esc(v) + '</option>').join('') + '</select>';
    } else if (kind === 'bool') {
      input = '<input type="checkbox" id="' + id + '"' + (value ? ' checked' : '') + '>';
    } else {
      const text = kind === 'list' ? (value || []).join(', ') : (value === null || value === undefined ? '' : value);
      input = '<input type="' + (kind === 'number' ? 'number' : 'text') + '" step="any" id="' + id + '" value="' +
        esc(String(text)) + '">';
    }
    return '<label for="' + id + '">' + esc(name.replace('_', ' ')) + '</label>' + input;
  }

  function readInterpretation() {
    const out = {};
    for (const [name, kind] of FIELDS) {
      const el = document.getElementById('eqa-f-' + name);
      if (kind === 'bool') out[name] = el.checked;
      else if (kind === 'list') out[name] = el.value.split(',').map((s) => s.trim()).filter(Boolean);
      else if (kind === 'number') out[name] = el.value === '' ? null : Number(el.value);
      else out[name] = el.value === '' ? null : el.value;
    }
    if (!out.relation) out.relation = 'in';
    return out;
  }

  function popup(feature) {
    const p = feature.properties;
    const link = p.url ? '<br><a href="' + esc(p.url) + '" target="_blank" rel="noopener">download</a>' : '';
    const cloud = p.cloudCover === null || p.cloudCover === undefined ? '' : '<br>cloud cover ' + esc(p.cloudCover) + ' %';
    return '<b>' + esc(p.title) + '</b><br>' + esc(p.start) + '<br>' + esc(p.mission || '') + ' ' +
      esc(p.productType || '') + cloud + link;
  }

  function show(answer) {
    current = answer;
    const interp = answer.interpretation;
    document.getElementById('eqa-interp').innerHTML = FIELDS.map(([n, k]) => fieldHtml(n, k, interp[n])).join('');
    document.getElementById('eqa-run').disabled = false;
    const notes = answer.not_understood.map((n) => '<div class="eqa-note-missing">not understood: ' + esc(n) + '</div>')
      .concat(answer.assumptions.map((n) => '<div class="ai4c-muted">assumed: ' + esc(n) + '</div>'));
    document.getElementById('eqa-notes').innerHTML = notes.join('');
    document.getElementById('eqa-sparql').textContent = answer.sparql;
    document.getElementById('eqa-count').textContent = interp.count ? 'count: ' + answer.count
      : answer.count + ' product(s)' + (answer.count > answer.products.length ? ', ' + answer.products.length + ' shown' : '');
    document.querySelector('#eqa-table tbody').innerHTML = answer.products.map((p, i) =>
      '<tr data-index="' + i + '"><td>' + esc(p.id) + '</td><td>' + esc(p.start) + '</td><td>' +
      esc(p.productType || '') + '</td><td>' + (p.cloudCover === null ? '' : esc(p.cloudCover)) + '</td><td>' +
      (p.url ? '<a href="' + esc(p.url) + '" target="_blank" rel="noopener">download</a>' : '') + '</td></tr>').join('');
    if (layer) map.removeLayer(layer);
    if (areaLayer) map.removeLayer(areaLayer);
    const isArea = (f) => f.properties.role === 'search area';
    const products = answer.footprints.features.filter((f) => !isArea(f));
    const area = answer.footprints.features.filter(isArea);
    layer = AI4C.addGeoJSON(map, { type: 'FeatureCollection', features: products },
      { popup: popup, label: 'id', style: { color: '#c05000', fillOpacity: 0.08 } });
    areaLayer = area.length ? AI4C.addGeoJSON(map, { type: 'FeatureCollection', features: area },
      { style: { color: '#0060c0', weight: 2, dashArray: '5 4', fill: false }, label: () => 'search area' }) : null;
    const bounds = layer.getLayers().length ? layer.getBounds() : (areaLayer ? areaLayer.getBounds() : null);
    if (bounds) map.fitBounds(bounds, { maxZoom: 9, padding: [12, 12] });
    document.body.dataset.answered = String(Number(document.body.dataset.answered || 0) + 1);
  }

  document.getElementById('eqa-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const q = document.getElementById('eqa-question').value;
    const today = document.getElementById('eqa-today').value.trim();
    const url = '/api/ask?q=' + encodeURIComponent(q) + (today ? '&today=' + encodeURIComponent(today) : '');
    try { show(await AI4C.fetchJSON(url)); } catch (err) { document.body.dataset.failed = err.message; }
  });
  document.getElementById('eqa-run').addEventListener('click', async () => {
    const interpretation = Object.assign({}, current ? current.interpretation : {}, readInterpretation());
    interpretation.assumptions = []; interpretation.not_understood = [];
    try { show(await AI4C.fetchJSON('/api/run', { json: { interpretation: interpretation } })); }
    catch (err) { document.body.dataset.failed = err.message; }
  });
  window.EarthQA = { map: map, show: show, layer: () => layer };
})();
