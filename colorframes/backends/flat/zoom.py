"""The camera between a keyframe and a frame, measured along the chain: it starts the flow from the keyframe.

The flow straight from a keyframe's line art (the weak re-decision's strongest evidence, `weak.py`) starts
from the global shift between the two drawings. Under a strong camera zoom (a dolly: 1.9x between the first
frame and the keyframe) DIS does not find the zoom from there: far from the keyframe that flow is lost. The
chain's short steps do follow it, so each step fits one similarity (scale and shift) to its own flow (every
region's centroid and where its samples came from), robust to the regions that move on their own (walking
figures, the parallax of a nearer layer); composed along the chain from the keyframe, it is the camera
between the frame and the keyframe, and starts the long flow (`flow.correspond`). A camera zooming by less
than `camera_min_zoom` is no zoom (a still or panning camera's fit measures that much noise): the flow starts
from the global shift as before. Each step's fit falls a little short of the zoom, so once that flow is
found, the camera is measured again on the keyframe itself (`key_camera`: the keyframe regions that flow lays
the frame's regions on), and the chain goes on from there.
"""

from __future__ import annotations

import numpy as np

from ...foundation.lineart import Regions
from .flow import Correspondence
from .params import FlatParams


def camera_fit(regions: Regions, corr: Correspondence, params: FlatParams) -> tuple[float, float, float]:
    """(a, tx, ty): source position ≈ a * frame position + (tx, ty), fitted to the regions of `regions` (the
    frame) by where `corr` (from the chain's previous drawing, the source) says their samples came from: each
    region one point (its centroid and their mean displacement), those the frame's border cuts left out (the
    flow fades towards the border and over the large plain regions it cuts, which would pull the fit to no
    zoom).

    A robust fit (`_robust_similarity`): the regions that follow the camera are most of the frame's, and a
    walking figure, a van or a nearer layer's parallax are outliers to their fit, however many samples they
    hold (a least-squares fit weighs them by that: a large figure pulls it). A region weighs the square
    root of its samples: its displacement is a mean over them, but the flow over a large plain region is
    smoothed (DIS's variational refinement) and pulled towards no motion, so its error does not shrink with
    its size (weighted by the samples themselves, the sky and the pavement held the fit 0.7 % per step short
    of `dolly`'s zoom, 16 % over 24 frames; 0.3 % and 7 % with this). Fewer than `params.camera_min_regions`
    regions with samples, or a fit that does not hold (a scale beyond `params.camera_max_zoom` either way),
    leave the identity (1, 0, 0). A zoom that
    explains the motion no better than a shift (`params.camera_zoom_evidence`) is the shift alone."""
    ids = np.flatnonzero((corr.samples > 0) & (regions.area >= params.assign_min_area) & ~regions.border)
    ids = ids[ids > 0]
    if ids.size < params.camera_min_regions:
        return 1.0, 0.0, 0.0
    p = regions.centroid[ids]  # (n, 2) x, y in the frame
    q = p + corr.displacement[ids]  # (n, 2) where they were in the source
    prior = np.sqrt(corr.samples[ids])  # (n,)
    fit = _robust_similarity(p, q, prior, params)
    if fit is None:
        return 1.0, 0.0, 0.0
    a, t, weight = fit
    # A zoom must explain the regions' motion: by at least `camera_zoom_evidence` times less residual than the
    # shift alone (both over the regions the fit weighed). Parts moving apart (two legs spreading in front of a
    # still wall) fit a zoom no better than a shift, and are no camera.
    held = weight > 0
    shift = ((q - p)[held] * prior[held, None]).sum(0) / prior[held].sum()
    res = np.hypot(*(a * p + t - q)[held].T)
    res_shift = np.hypot(*(p + shift - q)[held].T)
    if np.median(res_shift) < params.camera_zoom_evidence * max(float(np.median(res)), params.camera_noise):
        return 1.0, float(shift[0]), float(shift[1])
    return a, float(t[0]), float(t[1])


def key_camera(
    regions: Regions, key: Regions, corr: Correspondence, camera: tuple[float, float, float], params: FlatParams
) -> tuple[float, float, float]:
    """The camera from this frame (`regions`) to its anchor keyframe's drawing (`key`), measured on the
    keyframe itself: (a, tx, ty), keyframe position ≈ a * position + (tx, ty); `camera` (the chain's, composed
    step by step, `chain_camera`) where it cannot be measured.

    Each step's fit is a little short of the zoom (the flow over large plain regions is pulled towards no
    motion), and composed over a dolly's 24 frames the chain's camera is 7 % short (`dolly`: 0.590 for a
    true 0.550 on the first frame, the market 20-30 px off at the frame's edges on the keyframe): every
    keyframe look-up through it lands beside its place. The flow straight from the keyframe (`corr`,
    `flow.correspond`: started from `camera`) lays most regions that stood still on one keyframe region of
    their size (at least `copy_iou` of their samples in it, their areas within that ratio once scaled by the
    camera's zoom; neither cut by the frame's border): the same part. Their centroids are exact
    correspondences (a region's centroid does not depend on the flow's smoothing), so a robust similarity
    fitted to them (`_robust_similarity`: parallax and parts moving on their own are outliers) is the camera
    of the layer most parts stand in, to a fraction of a percent (`dolly`: 0.549 for 0.550, every frame).
    Fewer than `camera_min_regions` such pairs, or a fit beyond `camera_max_zoom`, leave `camera`."""
    j, i = corr.pairs[:, 0], corr.pairs[:, 1]
    ratio = regions.area[j] * camera[0] ** 2 / np.maximum(key.area[i], 1)
    same = (corr.counts >= params.copy_iou * corr.samples[j]) & (np.abs(np.log(ratio)) <= -np.log(params.copy_iou))
    same &= (regions.area[j] >= params.assign_min_area) & ~regions.border[j] & ~key.border[i]
    j, i = j[same], i[same]
    if j.size < params.camera_min_regions:
        return camera
    fit = _robust_similarity(regions.centroid[j], key.centroid[i], np.ones(j.size), params)
    if fit is None:
        return camera
    a, t, _ = fit
    return a, float(t[0]), float(t[1])


def _robust_similarity(
    p: np.ndarray, q: np.ndarray, prior: np.ndarray, params: FlatParams
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """(a, t, weights): q ≈ a * p + t over points p, q (n, 2), fitted by weighted least squares from the
    weights `prior` (n,), reweighted `params.camera_iterations` times with Tukey's biweight (a point beyond
    `params.camera_reject` robust standard deviations, at least `params.camera_noise` px, gets no weight);
    the reweighting stops before fewer than `params.camera_min_regions` points keep weight. The first weights
    come from the weighted median shift, not from a least-squares fit: the biweight keeps the outliers of the
    fit it starts from, and one large part moving on its own (a head passing a still wall, its samples
    outweighing the small regions around it) pulls least squares to a zoom that the still regions then seem
    to fit (a still scene measured 0.906 per step). None where the points do not spread or the scale is
    beyond `params.camera_max_zoom` either way."""
    d = q - p  # (n, 2)
    shift = np.array([_weighted_median(d[:, 0], prior), _weighted_median(d[:, 1], prior)])
    weight = _biweight(np.hypot(*(p + shift - q).T), prior, prior, params)
    a, t = 1.0, shift
    for _ in range(params.camera_iterations):
        fit = _similarity(p, q, weight)
        if fit is None:
            return None
        a, t = fit
        weight = _biweight(np.hypot(*(a * p + t - q).T), weight, prior, params)
    if not 1.0 / params.camera_max_zoom <= a <= params.camera_max_zoom:
        return None
    return a, t, weight


def _biweight(res: np.ndarray, weight: np.ndarray, prior: np.ndarray, params: FlatParams) -> np.ndarray:
    """(n,) Tukey's biweight of the residuals `res` (n,) px, times `prior`; scaled by the robust standard
    deviation of the points `weight` holds. `weight` itself where fewer than `params.camera_min_regions`
    points would keep weight."""
    sigma = max(1.4826 * float(np.median(res[weight > 0])), params.camera_noise)
    u = np.minimum(res / (params.camera_reject * sigma), 1.0)
    again = prior * (1.0 - u**2) ** 2
    return again if np.count_nonzero(again) >= params.camera_min_regions else weight


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """The value of `x` (n,) at half the total weight `w` (n,)."""
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    return float(x[order][min(int(np.searchsorted(cum, cum[-1] / 2.0)), x.size - 1)])


def _similarity(p: np.ndarray, q: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray] | None:
    """(a, t): the weighted least-squares q ≈ a * p + t over points p, q (n, 2) with weights w (n,); None where
    the weighted points do not spread (no scale to fit)."""
    total = w.sum()
    if total <= 0:
        return None
    pm, qm = (w[:, None] * p).sum(0) / total, (w[:, None] * q).sum(0) / total
    dp, dq = p - pm, q - qm
    den = (w * (dp**2).sum(1)).sum()
    if den <= 0:
        return None
    a = float((w * (dp * dq).sum(1)).sum() / den)
    return a, qm - a * pm


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
