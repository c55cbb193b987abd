"""Figures: the connected groups of parts a drawing is made of, matched against the sheet as wholes.

Why: region descriptors measure position and size relative to a drawing's figure box (`matching.descriptors`).
On a sheet that box holds the characters side by side; in a frame it holds the whole room. A character walking
into the frame is a narrow strip of that box, at its edge, so matched part by part against the sheet its head
looks like a shoe and its shirt like someone else's trousers. Measured in its own box (the connected group of
parts coming into view), against each sheet figure in that figure's own box, the parts line up the way they
do on the sheet; and one figure answers for the whole group, so a character is never painted with pieces of
three others.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...foundation.lineart import Regions


def groups(adj, ids: np.ndarray) -> list[np.ndarray]:
    """The connected groups of `ids` (region ids) under the sparse adjacency graph `adj`, largest first."""
    from scipy.sparse.csgraph import connected_components

    if not ids.size:
        return []
    n, comp = connected_components(adj[ids][:, ids], directed=False)
    return sorted((ids[comp == c] for c in range(n)), key=lambda g: -g.size)


def union_box(boxes: np.ndarray, ids: np.ndarray) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) around the regions `ids`, from (N+1, 4) (y0, y1, x0, x1) region boxes."""
    b = boxes[ids]
    return float(b[:, 2].min()), float(b[:, 0].min()), float(b[:, 3].max()), float(b[:, 1].max())


def completed_box(
    box: tuple[float, float, float, float], shape: tuple[int, int], aspect: float
) -> tuple[float, float, float, float]:
    """A figure box cut by the frame's left or right edge (a character walking in), widened away from that
    edge to `aspect` (width / height of the sheet figure it is compared with): its height is whole, so the
    part of it outside the frame is known from the figure's proportions. Unchanged when not cut."""
    x0, y0, x1, y1 = box
    w = max(x1 - x0, aspect * (y1 - y0))
    if x0 <= 0 and x1 < shape[1]:
        x0 = x1 - w
    elif x1 >= shape[1] and x0 > 0:
        x1 = x0 + w
    return x0, y0, x1, y1


def in_box(regions: Regions, box: tuple[float, float, float, float]) -> Regions:
    """The same regions measured in another figure box (shares every array; descriptors follow the box)."""
    return replace(regions, figure_bbox=box)
