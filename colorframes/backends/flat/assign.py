"""Minimum-cost one-to-one assignment (Hungarian / shortest augmenting path), numpy only.

Why: region matching must be a global assignment, not greedy per region, and scipy is not a runtime
dependency. O(n² m) with vectorised inner loops; fine for the tens to a few hundred regions of a frame.
"""

from __future__ import annotations

import numpy as np


def linear_assignment(cost: np.ndarray) -> np.ndarray:
    """Rows → columns minimising the total cost; returns (n_rows,) int64 column per row, -1 if unassigned.

    Every row is assigned when n_rows <= n_cols; otherwise the n_cols cheapest-to-serve rows are.
    Non-finite costs are treated as very expensive, never as forbidden.
    """
    cost = np.asarray(cost, dtype=np.float64)
    if cost.ndim != 2 or cost.size == 0:
        return np.full(cost.shape[0] if cost.ndim == 2 else 0, -1, np.int64)
    finite = np.isfinite(cost)
    big = (np.abs(cost[finite]).max() + 1.0) * 1e3 if finite.any() else 1.0
    cost = np.where(finite, cost, big)
    if cost.shape[0] > cost.shape[1]:
        cols = linear_assignment(cost.T)
        out = np.full(cost.shape[0], -1, np.int64)
        for c, r in enumerate(cols):
            if r >= 0:
                out[r] = c
        return out
    n, m = cost.shape
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    p = np.zeros(m + 1, np.int64)  # p[j]: row (1-based) assigned to column j (1-based), 0 = free
    way = np.zeros(m + 1, np.int64)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = np.full(m + 1, np.inf)
        used = np.zeros(m + 1, bool)
        while True:
            used[j0] = True
            i0 = p[j0]
            cur = cost[i0 - 1] - u[i0] - v[1:]  # (m,) reduced costs from row i0
            free = ~used[1:]
            better = free & (cur < minv[1:])
            minv[1:][better] = cur[better]
            way[1:][better] = j0
            masked = np.where(free, minv[1:], np.inf)
            j1 = int(np.argmin(masked)) + 1
            delta = masked[j1 - 1]
            u[p[used]] += delta
            v[used] -= delta
            minv[1:][free] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    out = np.full(n, -1, np.int64)
    for j in range(1, m + 1):
        if p[j]:
            out[p[j] - 1] = j - 1
    return out
