"""Fast CPU inference of the LSTM crop classifier for whole tiles (10^8 pixels).

One numba kernel does normalisation, the LSTM layers, the linear head and the argmax. Pixels are
processed in chunks of `CHUNK` with a structure-of-arrays layout (gates [4H, CHUNK]), so every inner loop
runs over contiguous pixels and vectorises; each thread takes one contiguous run of chunks and reuses
its scratch arrays (no allocation per chunk), and the kernel releases the GIL so blocks can be read
meanwhile; the matrix products take 4 inputs per pass over the gates (a quarter of the
memory traffic); tanh/sigmoid use a rational approximation (|error| < 1e-6,
the float32 one of Eigen) that vectorises too. The classes equal PyTorch's (tested) except at exact
near-ties of two logits; on a loaded 2-core machine this is ~4x faster than the naive fused kernel and
PyTorch's CPU LSTM.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

CHUNK = 128
UNIT_CHUNKS = 16      # chunks per scheduling unit (2048 pixels)
_CLAMP = 7.90531110763549805


@njit(fastmath=True, inline="always", cache=True)
def fast_tanh(x: float) -> float:  # pragma: no cover - numba
    """tanh by a [13/6] rational approximation on [-7.9, 7.9] (saturated beyond)."""
    x = min(max(x, -_CLAMP), _CLAMP)
    x2 = x * x
    p = x2 * -2.76076847742355e-16 + 2.00018790482477e-13
    p = x2 * p + -8.60467152213735e-11
    p = x2 * p + 5.12229709037114e-08
    p = x2 * p + 1.48572235717979e-05
    p = x2 * p + 6.37261928875436e-04
    p = x2 * p + 4.89352455891786e-03
    q = x2 * 1.19825839466702e-06 + 1.18534705686654e-04
    q = x2 * q + 2.26843463243900e-03
    q = x2 * q + 4.89352518554385e-03
    return x * p / q


@njit(cache=True, inline="always")
def _add_products(gates, weights, src, n, bias, set_bias):  # pragma: no cover - numba
    """gates[g, p] += sum over k < n of weights[k, g] * src[k, p], four inputs per pass over the gates (a
    quarter of the memory traffic); with `set_bias` the gates start from `bias`, set by the first pass."""
    four_h = gates.shape[0]
    if set_bias and n < 4:
        for g in range(four_h):
            for p in range(CHUNK):
                gates[g, p] = bias[g]
    for k in range(0, n - 3, 4):
        for g in range(four_h):
            w0, w1, w2, w3 = weights[k, g], weights[k + 1, g], weights[k + 2, g], weights[k + 3, g]
            if set_bias and k == 0:
                base = bias[g]
                for p in range(CHUNK):
                    gates[g, p] = base + ((w0 * src[k, p] + w1 * src[k + 1, p])
                                          + (w2 * src[k + 2, p] + w3 * src[k + 3, p]))
            else:
                for p in range(CHUNK):
                    gates[g, p] += ((w0 * src[k, p] + w1 * src[k + 1, p])
                                    + (w2 * src[k + 2, p] + w3 * src[k + 3, p]))
    for k in range(n - n % 4, n):
        for g in range(four_h):
            w = weights[k, g]
            for p in range(CHUNK):
                gates[g, p] += w * src[k, p]


@njit(parallel=True, fastmath=True, cache=True, nogil=True)
def _classify(x, mean, std, w_ih, w_hh, bias, layer_in, head_w, head_b, units):  # pragma: no cover - numba
    """Classes of x [T, B, N] (time, band, pixel) with weights packed per layer: w_ih [L, Imax, 4H],
    w_hh [L, H, 4H], bias [L, 4H], layer_in [L] (input size of each layer), head [C, H] and [C].
    The chunks are split in `units` contiguous runs (scheduled dynamically), each reusing its scratch arrays."""
    steps, bands, n = x.shape
    layers, hidden, four_h = w_hh.shape
    n_classes = head_w.shape[0]
    out = np.empty(n, dtype=np.uint8)
    n_chunks = (n + CHUNK - 1) // CHUNK
    for unit in prange(units):
        h = np.empty((layers, hidden, CHUNK), np.float32)
        c = np.empty((layers, hidden, CHUNK), np.float32)
        gates = np.empty((four_h, CHUNK), np.float32)
        inp = np.zeros((max(bands, hidden), CHUNK), np.float32)
        for chunk in range(unit * n_chunks // units, (unit + 1) * n_chunks // units):
            start = chunk * CHUNK
            m = min(CHUNK, n - start)
            h[:] = 0.0
            c[:] = 0.0
            for t in range(steps):
                for b in range(bands):
                    for p in range(m):
                        inp[b, p] = (x[t, b, start + p] - mean[b]) / std[b]
                for layer in range(layers):
                    _add_products(gates, w_ih[layer], inp, layer_in[layer], bias[layer], True)
                    _add_products(gates, w_hh[layer], h[layer], hidden, bias[layer], False)
                    for k in range(hidden):
                        for p in range(CHUNK):
                            i_g = 0.5 + 0.5 * fast_tanh(0.5 * gates[k, p])
                            f_g = 0.5 + 0.5 * fast_tanh(0.5 * gates[hidden + k, p])
                            g_g = fast_tanh(gates[2 * hidden + k, p])
                            o_g = 0.5 + 0.5 * fast_tanh(0.5 * gates[3 * hidden + k, p])
                            cell = f_g * c[layer, k, p] + i_g * g_g
                            c[layer, k, p] = cell
                            h[layer, k, p] = o_g * fast_tanh(cell)
                    for k in range(hidden):
                        for p in range(CHUNK):
                            inp[k, p] = h[layer, k, p]
            for p in range(m):
                best, best_v = 0, -np.inf
                for cls in range(n_classes):
                    v = head_b[cls]
                    for k in range(hidden):
                        v += head_w[cls, k] * h[layers - 1, k, p]
                    if v > best_v:
                        best, best_v = cls, v
                out[start + p] = best
    return out


def pack(model) -> tuple:
    """The model's weights as contiguous float32 arrays in the kernel's layout."""
    cfg = model.config
    state = {k: v.detach().cpu().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    width = max(cfg.n_bands, cfg.hidden)
    w_ih = np.zeros((cfg.layers, width, 4 * cfg.hidden), np.float32)
    w_hh = np.zeros((cfg.layers, cfg.hidden, 4 * cfg.hidden), np.float32)
    bias = np.zeros((cfg.layers, 4 * cfg.hidden), np.float32)
    for layer in range(cfg.layers):
        weight = state[f"lstm.weight_ih_l{layer}"]
        w_ih[layer, :weight.shape[1], :] = weight.T
        w_hh[layer] = state[f"lstm.weight_hh_l{layer}"].T
        bias[layer] = state[f"lstm.bias_ih_l{layer}"] + state[f"lstm.bias_hh_l{layer}"]
    layer_in = np.array([cfg.n_bands] + [cfg.hidden] * (cfg.layers - 1), np.int64)
    return (state["mean"], state["std"], np.ascontiguousarray(w_ih), np.ascontiguousarray(w_hh), bias, layer_in,
            np.ascontiguousarray(state["head.1.weight"]), state["head.1.bias"])


def classify_tbn(packed: tuple, x: np.ndarray) -> np.ndarray:
    """Most likely class (uint8) of each pixel of x [T, B, N] (the layout of a stack of composites);
    uint16 composites are used as they are (no float copy of the block)."""
    x = np.asarray(x)
    if x.dtype not in (np.uint16, np.float32):
        x = x.astype(np.float32)
    n = x.shape[-1]
    units = max(1, min(-(-n // (CHUNK * UNIT_CHUNKS)), 64 * numba.get_num_threads()))
    with numba.parallel_chunksize(1):       # one run at a time: threads slowed by other work take fewer
        return _classify(np.ascontiguousarray(x), *packed, units)


def classify(packed: tuple, x: np.ndarray) -> np.ndarray:
    """Most likely class (uint8) of each series x [N, T, B]."""
    return classify_tbn(packed, np.transpose(np.asarray(x, dtype=np.float32), (1, 2, 0)))
