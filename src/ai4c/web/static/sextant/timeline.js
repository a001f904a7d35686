/* Sextant's timeline: a slider over the instants of every time layer, a play button, and a histogram of
   features over time drawn under the slider. A feature is shown at time T when t0 <= T < t1 ("at"),
   or when t0 <= T ("until"); features without a time are always shown. */
(function () {
  'use strict';

  const MAX_STEPS = 400;
  const BINS = 60;

  function isoLabel(ms) {
    if (ms === null || ms === undefined) return 'all times';
    const text = new Date(ms).toISOString();
    return text.endsWith('T00:00:00.000Z') ? text.slice(0, 10) : text.slice(0, 19).replace('T', ' ');
  }

  function Timeline(root, onChange) {
    this.root = root;
    this.onChange = onChange;
    this.slider = root.querySelector('.sx-time-slider');
    this.label = root.querySelector('.sx-time-label');
    this.play = root.querySelector('.sx-time-play');
    this.all = root.querySelector('.sx-time-all');
    this.mode = root.querySelector('.sx-time-mode');
    this.histogram = root.querySelector('.sx-time-histogram');
    this.steps = [];
    this.value = null;
    this.timer = null;
    this.series = [];
    this.slider.addEventListener('input', () => this.set(this.steps[Number(this.slider.value)]));
    this.play.addEventListener('click', () => this.toggle());
    this.all.addEventListener('click', () => this.set(null));
    this.mode.addEventListener('change', () => this.set(this.value));
  }

  /* update([{t0: [...], t1: [...]}, ...]): the time columns of every time layer */
  Timeline.prototype.update = function (series) {
    this.series = series.filter((s) => s && s.t0);
    const starts = [];
    for (const s of this.series) for (const t of s.t0) if (t !== null && Number.isFinite(t)) starts.push(t);
    if (!starts.length) {
      this.root.classList.add('ai4c-hidden');
      this.steps = [];
      return;
    }
    this.root.classList.remove('ai4c-hidden');
    const distinct = Array.from(new Set(starts)).sort((a, b) => a - b);
    if (distinct.length <= MAX_STEPS) {
      this.steps = distinct;
    } else {
      const lo = distinct[0], hi = distinct[distinct.length - 1];
      this.steps = Array.from({ length: MAX_STEPS }, (_, k) => lo + (hi - lo) * k / (MAX_STEPS - 1));
    }
    this.slider.min = 0;
    this.slider.max = this.steps.length - 1;
    this.drawHistogram(starts);
    this.showValue();
  };

  Timeline.prototype.nearestStep = function (ms) {
    let best = 0;
    for (let k = 0; k < this.steps.length; k++) if (Math.abs(this.steps[k] - ms) < Math.abs(this.steps[best] - ms)) best = k;
    return best;
  };

  /* set(ms | null): show the features valid at ms (null: every feature) */
  Timeline.prototype.set = function (ms) {
    this.value = ms === undefined ? null : ms;
    this.showValue();
    this.onChange(this.value, this.mode.value);
  };

  Timeline.prototype.showValue = function () {
    if (this.value !== null && this.steps.length) this.slider.value = this.nearestStep(this.value);
    this.label.textContent = isoLabel(this.value);
    this.drawHistogram();
  };

  Timeline.prototype.toggle = function () {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.play.textContent = '\u25b6';
      return;
    }
    this.play.textContent = '\u23f8';
    this.timer = setInterval(() => {
      const next = this.value === null ? 0 : (this.nearestStep(this.value) + 1) % this.steps.length;
      this.set(this.steps[next]);
    }, 700);
  };

  Timeline.prototype.drawHistogram = function (starts) {
    if (starts) this._starts = starts;
    const values = this._starts || [];
    const canvas = this.histogram;
    const width = canvas.clientWidth || 300, height = canvas.clientHeight || 36;
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, width, height);
    if (!values.length || !this.steps.length) return;
    const lo = this.steps[0], hi = this.steps[this.steps.length - 1];
    const span = hi - lo || 1;
    const counts = new Array(BINS).fill(0);
    for (const t of values) counts[Math.min(BINS - 1, Math.floor((t - lo) / span * BINS))] += 1;
    const peak = Math.max(...counts);
    const barWidth = width / BINS;
    ctx.fillStyle = '#1f7a8c';
    counts.forEach((c, k) => {
      const h = c / peak * (height - 2);
      ctx.fillRect(k * barWidth + 0.5, height - h, Math.max(1, barWidth - 1), h);
    });
    if (this.value !== null) {
      ctx.fillStyle = '#d9480f';
      ctx.fillRect((this.value - lo) / span * (width - 2), 0, 2, height);
    }
    this.counts = counts;
  };

  /* whether a feature with [t0, t1) is shown at `value` in `mode` */
  Timeline.visible = function (t0, t1, value, mode) {
    if (value === null || t0 === null || t0 === undefined || !Number.isFinite(t0)) return true;
    if (mode === 'until') return t0 <= value;
    return t0 <= value && value < t1;
  };

  Timeline.label = isoLabel;
  window.SextantTimeline = Timeline;
}());
