// JedAI workbench: compares recorded ER runs (F1, time, per-step figures) and explores their matches.
(function () {
  'use strict';
  const runs = JSON.parse(document.getElementById('jedai-runs').textContent);
  const fmt = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : (v === null || v === undefined ? '' : String(v)));
  const el = (tag, attrs, children) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => { if (k === 'text') node.textContent = v; else node.setAttribute(k, v); });
    (children || []).forEach((c) => node.appendChild(c));
    return node;
  };
  let selected = runs.length - 1;

  function f1Of(run) { return run.scores ? run.scores.f1 : null; }

  function runsTable() {
    const table = document.getElementById('jedai-run-table');
    table.innerHTML = '';
    table.appendChild(el('tr', {}, ['#', 'run', 'time', 'entities', 'matches', 'precision', 'recall', 'F1', 'seconds', 'F1 / time']
      .map((h) => el('th', { text: h }))));
    const maxSeconds = Math.max(...runs.map((r) => r.seconds || 0), 1e-9);
    runs.forEach((run, k) => {
      const s = run.scores || {};
      const bar = el('span', { class: 'jedai-bars' }, [
        el('span', { class: 'jedai-bar jedai-bar-f1', style: `width:${Math.round(100 * (s.f1 || 0))}px`, title: 'F1' }),
        el('span', { class: 'jedai-bar jedai-bar-time', style: `width:${Math.round(100 * (run.seconds || 0) / maxSeconds)}px`, title: 'time' }),
      ]);
      const row = el('tr', { class: k === selected ? 'jedai-selected' : '', 'data-run': String(k) }, [
        el('td', { text: String(k + 1) }), el('td', { text: run.name || '' }), el('td', { text: run.time || '' }),
        el('td', { text: (run.entities || []).join(' x ') }), el('td', { text: fmt(run.matches) }),
        el('td', { text: fmt(s.precision) }), el('td', { text: fmt(s.recall) }), el('td', { class: 'jedai-f1', text: fmt(s.f1) }),
        el('td', { text: fmt(run.seconds) }), el('td', {}, [bar]),
      ]);
      row.addEventListener('click', () => { selected = k; render(); });
      table.appendChild(row);
    });
  }

  function stepsTable(run) {
    const table = document.getElementById('jedai-step-table');
    table.innerHTML = '';
    const keys = ['seconds', 'blocks', 'comparisons', 'pair_completeness', 'pair_quality', 'matches', 'precision', 'recall', 'f1'];
    table.appendChild(el('tr', {}, ['step', 'method', 'parameters', ...keys].map((h) => el('th', { text: h }))));
    (run.steps || []).forEach((step) => {
      table.appendChild(el('tr', {}, [
        el('td', { text: step.step }), el('td', { text: step.method }), el('td', { text: JSON.stringify(step.params || {}) }),
        ...keys.map((key) => el('td', { text: fmt(step[key]) })),
      ]));
    });
    document.getElementById('jedai-config').textContent = JSON.stringify(run.config, null, 1);
  }

  function recordText(record) {
    return Object.entries(record || {}).filter(([, v]) => v).map(([k, v]) => `${k.split(/[#/]/).pop()}: ${v}`).join(' | ');
  }

  function explorer(run) {
    const tabs = document.getElementById('jedai-explorer-tabs');
    const table = document.getElementById('jedai-explorer-table');
    const groups = run.explorer || {};
    const names = Object.keys(groups);
    const current = tabs.dataset.current && names.includes(tabs.dataset.current) ? tabs.dataset.current : names[0];
    tabs.innerHTML = '';
    names.forEach((name) => {
      const button = el('button', { type: 'button', 'data-group': name, class: name === current ? 'jedai-tab-on' : '',
        text: `${name.replace('_', ' ')} (${groups[name].length})` });
      button.addEventListener('click', () => { tabs.dataset.current = name; explorer(run); });
      tabs.appendChild(button);
    });
    table.innerHTML = '';
    table.appendChild(el('tr', {}, ['id1', 'record 1', 'id2', 'record 2'].map((h) => el('th', { text: h }))));
    (groups[current] || []).forEach((pair) => {
      table.appendChild(el('tr', { class: 'jedai-pair' }, [
        el('td', { text: pair.id1 }), el('td', { text: recordText(pair.left) }),
        el('td', { text: pair.id2 }), el('td', { text: recordText(pair.right) }),
      ]));
    });
  }

  function render() {
    if (!runs.length) {
      document.getElementById('jedai-empty').classList.remove('ai4c-hidden');
      return;
    }
    runsTable();
    stepsTable(runs[selected]);
    explorer(runs[selected]);
    document.getElementById('jedai-selected-name').textContent = `run ${selected + 1}: ${runs[selected].name || ''}`;
  }

  render();
  window.JEDAI = { runs, select: (k) => { selected = k; render(); } };
}());
