"""The camera between a keyframe and a frame, measured along the chain: it starts the flow from the keyframe.

The flow straight from a keyframe's line art (the weak re-decision's strongest evidence, `weak.py`) starts
from the global shift between the two drawings. Under a strong camera zoom (a dolly: 1.9x between the first
frame and the keyframe) DIS does not find the zoom from there: far from the keyframe that flow is lost. The
chain's short steps do follow it, so each step fits one similarity (scale and shift) to its own flow (every
region's centroid and where its samples came from), trimmed of the regions that move on their own (walking
figures, the parallax of a nearer layer); composed along the chain from the keyframe, it is the camera
between the frame and the keyframe, and starts the long flow (`flow.correspond`). A camera zooming by less
than `camera_min_zoom` is no zoom (a still or panning camera's fit measures that much noise): the flow starts
from the global shift as before.
"""

from __future__ import annotations

import numpy as np

from ...foundation.lineart import Regions
from .flow import Correspondence
from .params import FlatParams


def camera_fit(regions: Regions, corr: Correspondence, params: FlatParams) -> tuple[float, float, float]:
    """(a, tx, ty): source position ≈ a * frame position + (tx, ty), fitted to the regions of `regions` (the
    frame) by where `corr` (from the chain's previous drawing, the source) says their samples came from: each
    region one point (its centroid and their mean displacement) weighted by its samples (the set's large parts
    outweigh a figure's many small ones: a figure walking towards the camera grows like a zoom), those the
    frame's border cuts left out (the flow fades towards the border and over the large plain regions it cuts,
    which would pull the fit to no zoom).

    Least squares, then refitted on the regions within `params.camera_trim` times the median residual (at
    least 1 px); fewer than `params.camera_min_regions` regions with samples, or a fit that does not hold
    (a scale beyond `params.camera_max_zoom` either way), leave the identity (1, 0, 0)."""
    ids = np.flatnonzero((corr.samples > 0) & (regions.area >= params.assign_min_area) & ~regions.border)
    ids = ids[ids > 0]
    if ids.size < params.camera_min_regions:
        return 1.0, 0.0, 0.0
    p = regions.centroid[ids]  # (n, 2) x, y in the frame
    q = p + corr.displacement[ids]  # (n, 2) where they were in the keyframe
    w = corr.samples[ids]
    keep = np.ones(ids.size, bool)
    a, t = 1.0, np.zeros(2)
    for _ in range(2):
        ww = w[keep]
        pm = (ww[:, None] * p[keep]).sum(0) / ww.sum()
        qm = (ww[:, None] * q[keep]).sum(0) / ww.sum()
        dp, dq = p[keep] - pm, q[keep] - qm
        den = (ww * (dp**2).sum(1)).sum()
        if den <= 0:
            return 1.0, 0.0, 0.0
        a = float((ww * (dp * dq).sum(1)).sum() / den)
        t = qm - a * pm
        res = np.hypot(*(a * p + t - q).T)  # (n,) px
        keep = res <= params.camera_trim * max(float(np.median(res)), 1.0)
        if keep.sum() < params.camera_min_regions:
            break
    if not 1.0 / params.camera_max_zoom <= a <= params.camera_max_zoom:
        return 1.0, 0.0, 0.0
    return a, float(t[0]), float(t[1])


def chain_camera(
    prev: tuple[float, float, float] | None, step: tuple[float, float, float]
) -> tuple[float, float, float]:
    """The camera from a frame to its anchor keyframe: the chain's previous drawing's (`prev`, keyframe
    position ≈ a0 * its position + t0; None: the previous drawing is the keyframe itself) after this step's
    (`step`, previous drawing's position ≈ a1 * this frame's + t1)."""
    a0, x0, y0 = prev if prev is not None else (1.0, 0.0, 0.0)
    a1, x1, y1 = step
    return a0 * a1, a0 * x1 + x0, a0 * y1 + y0


def zooming(camera: tuple[float, float, float] | None, params: FlatParams) -> bool:
    """Whether `camera` (`camera_fit`, `chain_camera`) zooms by at least `params.camera_min_zoom`: a fit of a
    still or panning camera measures a small zoom of its own (parts moving on their own), not a dolly."""
    return camera is not None and abs(float(np.log(camera[0]))) >= params.camera_min_zoom
