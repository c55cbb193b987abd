"""Region matching: descriptors, the sheet's global assignment and the tracking assignment.

Why two assignments: between consecutive drawings of a shot the flow vote is the main cue and every region
has a handful of candidates, so the tracking assignment is sparse (LAPJVsp,
`scipy.sparse.csgraph.min_weight_full_bipartite_matching`) and its cost stays linear in the region count.
A character sheet is a different pose and scale with tens of regions, so there the assignment is dense
(`scipy.optimize.linear_sum_assignment`) on form, position within the figure, size and adjacency.
"""

from __future__ import annotations

import numpy as np

from ...foundation.lineart import Regions
from .params import FlatParams


def descriptors(regions: Regions) -> np.ndarray:
    """(N+1, 9) features normalised by the figure: x, y (figure heights from the bbox top-centre),
    log area, two spread axes and orientation-sensitive cross term; then scale-free form: log compactness
    and the elongation vector (e cos 2θ, e sin 2θ), which tell a round hand from a band-shaped belt."""
    x0, y0, x1, y1 = regions.figure_bbox
    fh = max(y1 - y0, 1.0)
    cx = (x0 + x1) / 2
    pos = np.stack([(regions.centroid[:, 0] - cx) / fh, (regions.centroid[:, 1] - y0) / fh], axis=1)
    area = np.maximum(regions.area, 1.0)
    size = np.log(area / (fh * fh))[:, None]
    sxx, syy, sxy = np.maximum(regions.spread[:, 0], 0), np.maximum(regions.spread[:, 1], 0), regions.spread[:, 2]
    shape = np.stack([np.sqrt(sxx) / fh, np.sqrt(syy) / fh, np.sign(sxy) * np.sqrt(np.abs(sxy)) / fh], axis=1)
    # Normalised central moments: (sxx + syy) / area is 1/(2π) for a disc and grows for irregular forms.
    trace = np.maximum(sxx + syy, 1e-9)
    compact = np.log(np.maximum(trace / area * 2 * np.pi, 1e-3))
    ex, ey = (sxx - syy) / trace, 2 * sxy / trace  # elongation vector, |e| < 1
    return np.concatenate([pos, size, shape, np.stack([compact, ex, ey], axis=1)], axis=1)


def form_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Scale-free form difference of descriptor rows a and b (broadcasting over leading axes)."""
    return np.abs(a[..., 6] - b[..., 6]) + norm2(a[..., 7] - b[..., 7], a[..., 8] - b[..., 8])


def descriptor_cost(dst: np.ndarray, src: np.ndarray, params: FlatParams) -> np.ndarray:
    """(n_dst, n_src) sheet-matching cost from descriptors of the two region sets.

    Column by column (no (n_dst, n_src, 9) intermediates), in the same operations and order as
    `np.linalg.norm` and `sum` over the last axis, so the costs are the same to the bit."""
    d, s = dst[:, None, :], src[None, :, :]  # (nd, 1, 9), (1, ns, 9)
    pos = norm2(d[..., 0] - s[..., 0], d[..., 1] - s[..., 1])
    size = np.abs(d[..., 2] - s[..., 2])
    shape = np.abs(d[..., 3] - s[..., 3]) + np.abs(d[..., 4] - s[..., 4]) + np.abs(d[..., 5] - s[..., 5])
    form = form_distance(d, s)
    return params.w_pos * pos + params.w_size * size + params.w_shape * shape + params.w_form * form


def norm2(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """sqrt(dx² + dy²) exactly as `np.linalg.norm` over a last axis of two (not np.hypot's rounding)."""
    return np.sqrt(dx * dx + dy * dy)


def adjacency_graph(pairs: np.ndarray, n: int):
    """Sparse symmetric (n+1, n+1) adjacency (CSR, float64) from (P, 2) region pairs."""
    from scipy.sparse import coo_matrix

    both = np.concatenate([pairs, pairs[:, ::-1]]) if len(pairs) else np.zeros((0, 2), np.int64)
    ones = np.ones(len(both))
    return coo_matrix((ones, (both[:, 0], both[:, 1])), shape=(n + 1, n + 1)).tocsr()


def match_global(
    dst: Regions,
    dst_ids: np.ndarray,
    dst_adj,
    src: Regions,
    src_ids: np.ndarray,
    src_adj,
    params: FlatParams,
    iterations: int = 3,
    extra: np.ndarray | None = None,
    leftover: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Assign each region in `dst_ids` to one in `src_ids` (dense LSA, refined by neighbour consistency).

    `dst_adj`, `src_adj`: sparse adjacency graphs (`adjacency_graph`). Returns (src id per dst_ids entry,
    confidence in [0, 1]). Each src region can serve two dst regions (a region split by an occluder); the
    second use costs `params.second_use`. `iterations=0` matches on the descriptors alone (a few weak
    regions re-decided on their own, whose neighbours are not part of the match). `extra` (nd, ns) is
    added to the descriptor cost. With `leftover`, regions the assignment leaves over (more of them than
    the sources can serve) take no source (id 0, confidence 0) instead of their cheapest one.
    """
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse import csr_matrix, identity

    if dst_ids.size == 0 or src_ids.size == 0:
        return np.zeros(dst_ids.size, np.int64), np.zeros(dst_ids.size)
    base = descriptor_cost(descriptors(dst)[dst_ids], descriptors(src)[src_ids], params)  # (nd, ns)
    if extra is not None:
        base = base + extra
    nd, ns = base.shape
    if iterations:
        a_d = dst_adj[dst_ids][:, dst_ids]  # (nd, nd) sparse
        a_s = src_adj[src_ids][:, src_ids] + identity(ns, format="csr")  # (ns, ns) neighbour-or-self
        deg = np.asarray(a_d.sum(axis=1)).ravel()[:, None]  # (nd, 1)
        # A region with no neighbour in the match has nothing to agree with: no adjacency cost.
        lone = deg == 0
        deg = np.maximum(deg, 1.0)
    cost = base
    choice = np.zeros(nd, np.int64)
    for _ in range(max(iterations, 1)):
        doubled = np.concatenate([cost, cost + params.second_use], axis=1)  # (nd, 2 ns)
        rows, cols = linear_sum_assignment(doubled)
        choice = np.full(nd, -1, np.int64) if leftover else np.argmin(cost, axis=1)
        choice[rows] = cols % ns
        if not iterations:
            break
        held = choice >= 0
        onehot = csr_matrix((np.ones(int(held.sum())), (np.flatnonzero(held), choice[held])), shape=(nd, ns))
        support = np.asarray((a_d @ onehot @ a_s).todense()) / deg  # (nd, ns) neighbours agreeing
        cost = base + params.w_adj * np.where(lone, 0.0, 1.0 - support)
    held = choice >= 0
    choice = np.maximum(choice, 0)
    picked = cost[np.arange(nd), choice]
    second = np.partition(cost, 1, axis=1)[:, 1] if ns > 1 else picked + 1.0
    margin = np.clip(second - picked, 0, None)
    conf = np.where(held, np.exp(-picked) * (1.0 - np.exp(-4.0 * margin)), 0.0)
    return np.where(held, src_ids[choice], 0), np.clip(conf, 0.0, 1.0)


def sparse_assignment(
    rows: np.ndarray, cols: np.ndarray, cost: np.ndarray, n_rows: int, n_cols: int, unmatched: float, second_use: float
) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-cost assignment over candidate edges (rows[k], cols[k], cost[k]).

    Every row may instead stay unmatched at cost `unmatched`; every column serves at most two rows, the
    second at `second_use` extra. Returns (column per row, -1 when unmatched; cost per row). Sparse: the
    work grows with the number of edges, not rows × columns.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    if n_rows == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    r = np.concatenate([rows, rows, np.arange(n_rows)])
    c = np.concatenate([cols, cols + n_cols, 2 * n_cols + np.arange(n_rows)])
    # Weights must be non-zero (a zero is no edge): shift all by 1, which changes no row's choice.
    w = 1.0 + np.concatenate([cost, cost + second_use, np.full(n_rows, unmatched)])
    graph = coo_matrix((w, (r, c)), shape=(n_rows, 2 * n_cols + n_rows)).tocsr()
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)
    choice = np.full(n_rows, -1, np.int64)
    picked = np.full(n_rows, unmatched)
    matched = col_ind < 2 * n_cols
    choice[row_ind[matched]] = col_ind[matched] % n_cols
    picked[row_ind] = np.asarray(graph[row_ind, col_ind]).ravel() - 1.0
    return choice, picked
