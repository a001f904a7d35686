/* The OSM features page: fetch the ticked classes inside the area from the OGC API (following `next`
   links), draw them, and offer the merged FeatureCollection as a GeoJSON download. */
(function () {
  const PAGE = 5000;
  const MAX_FEATURES = 200000;
  const colours = Object.fromEntries(window.OSM_CLASSES.map((c) => [c.id, c.color]));
  const map = AI4C.createMap('map', { center: [50, 10], zoom: 3 });
  const state = { area: null, areaLayer: null, layers: [], collection: null };
  window.osmPage = { map: map, state: state };
  const $ = (id) => document.getElementById(id);

  function status(text) { $('osm-status').textContent = text; }

  function setArea(geometry, layer) {
    if (state.areaLayer) map.removeLayer(state.areaLayer);
    state.area = geometry;
    state.areaLayer = layer || null;
  }

  function draw(shape) {
    setArea(null);
    $('osm-aoi').value = '';
    AI4C.drawArea(map, (geometry, layer) => {
      setArea(geometry, layer);
      $('osm-aoi').value = JSON.stringify(geometry);
      status('Area set: now show the features.');
    }, { shape: shape });
  }

  /* The request for one class: POST a GeoJSON area, GET with a CQL2 filter for WKT, plain GET without. */
  function firstRequest(klass) {
    const url = 'collections/' + encodeURIComponent(klass) + '/items?limit=' + PAGE;
    const text = $('osm-aoi').value.trim();
    if (!text) return [url, {}];
    if (text.startsWith('{')) {
      let geometry;
      try { geometry = JSON.parse(text); } catch (err) { throw new Error('the area is not valid GeoJSON: ' + err.message); }
      return [url, { json: geometry }];
    }
    return [url + '&filter-lang=cql2-text&filter=' + encodeURIComponent('S_INTERSECTS(geometry, ' + text + ')'), {}];
  }

  async function fetchClass(klass) {
    let [url, options] = firstRequest(klass);
    const features = [];
    let matched = 0;
    while (url && features.length < MAX_FEATURES) {
      const page = await AI4C.fetchJSON(url, options);
      matched = page.numberMatched;
      features.push(...page.features);
      const next = (page.links || []).find((link) => link.rel === 'next');
      url = next ? next.href : null;
    }
    return { features: features, matched: matched };
  }

  async function show() {
    const ticked = [...document.querySelectorAll('input[name=class]:checked')].map((box) => box.value);
    if (!ticked.length) { AI4C.showError('tick at least one class'); return; }
    state.layers.forEach((layer) => map.removeLayer(layer));
    state.layers = [];
    $('osm-download').disabled = true;
    status('Loading ' + ticked.join(', ') + ' ...');
    const all = [];
    const counts = [];
    try {
      for (const klass of ticked) {
        const got = await fetchClass(klass);
        all.push(...got.features);
        counts.push(klass + ': ' + got.matched);
        state.layers.push(AI4C.addGeoJSON(map, { type: 'FeatureCollection', features: got.features }, {
          style: { color: colours[klass], fillColor: colours[klass], radius: 5, weight: 2, fillOpacity: 0.35 },
          popup: true, label: (f) => f.properties.name || (klass + ' ' + f.id),
        }));
      }
    } catch (err) {
      status('Failed: ' + err.message);
      return;
    }
    state.collection = { type: 'FeatureCollection', features: all };
    const bounds = state.layers.filter((l) => l.getLayers().length).map((l) => l.getBounds());
    if (bounds.length) map.fitBounds(bounds.reduce((a, b) => a.extend(b)), { maxZoom: 15, padding: [12, 12] });
    status(all.length + ' features (' + counts.join(', ') + ')');
    $('osm-download').disabled = all.length === 0;
  }

  function download() {
    if (!state.collection) return;
    const blob = new Blob([JSON.stringify(state.collection)], { type: 'application/geo+json' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'osm-features.geojson';
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  $('osm-draw-rect').addEventListener('click', () => draw('rectangle'));
  $('osm-draw-poly').addEventListener('click', () => draw('polygon'));
  $('osm-clear').addEventListener('click', () => { setArea(null); $('osm-aoi').value = ''; status('Area cleared.'); });
  $('osm-show').addEventListener('click', show);
  $('osm-download').addEventListener('click', download);
  AI4C.legend(map, window.OSM_CLASSES.filter((c) => c.count).map((c) => ({ label: c.id, color: c.color })), 'Classes');
})();
