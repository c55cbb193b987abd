"""Temporal metrics over consecutive frame pairs: LVCD temporal consistency and the warping error.

LVCD TC (Huang et al. 2024, research brief §4.2): for frames t, t+1,
    TC = (‖Ŵ(G_t) − G_{t+1}‖₂ / ‖G_{t+1}‖₂) ÷ (‖Ŵ(I_t) − I_{t+1}‖₂ / ‖I_{t+1}‖₂)
with G the generated and I the ground-truth frames and Ŵ the warp from t onto t+1 by a flow computed
on the ground truth. LVCD uses RAFT; colorframes uses OpenCV DIS (no weights, CPU, deterministic), so
absolute values are not comparable with the paper's tables, only between colorframes runs. Frames are
compared at their own resolution (LVCD resizes to 256²). 1 = as consistent as the ground truth;
when the ground-truth pair is identical, TC is 1 if the prediction is too and +inf otherwise.

Warping error (Lai et al. 2018): E = Σ_i M(i)·‖V_t(i) − V̂_{t+1}(i)‖² / Σ_i M(i), with V̂_{t+1} the
frame t+1 warped back to t by the flow t→t+1, M the forward–backward non-occlusion mask, ‖·‖² summed
over RGB in [0, 1]. No ground truth needed; the flow comes from a *flow source* sequence (the GT
when given, else the input sketches, else the prediction itself) so that a flickering prediction
cannot hide its flicker by corrupting its own flow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..foundation.color import to_unit_rgb
from ..foundation.flow import dis_flow, occlusion_mask, warp


@dataclass(frozen=True)
class PairFlow:
    """Flows between frames t and t+1 of the flow source, both directions, and the mask at t."""

    forward: np.ndarray  # (H, W, 2) flow t → t+1
    backward: np.ndarray  # (H, W, 2) flow t+1 → t
    valid_t: np.ndarray  # (H, W) bool non-occluded pixels of frame t


def pair_flow(source_t: np.ndarray, source_t1: np.ndarray, preset: str = "medium") -> PairFlow:
    forward = dis_flow(source_t, source_t1, preset)
    backward = dis_flow(source_t1, source_t, preset)
    return PairFlow(forward, backward, occlusion_mask(forward, backward))


def warping_error(pred_t: np.ndarray, pred_t1: np.ndarray, flow: PairFlow) -> float:
    """Lai et al. warping error of one pair; NaN when every pixel is occluded."""
    v_t, v_t1 = to_unit_rgb(pred_t), to_unit_rgb(pred_t1)  # (H, W, 3)
    v_hat = warp(v_t1, flow.forward)  # frame t+1 brought back onto t
    mask = flow.valid_t
    count = int(mask.sum())
    if count == 0:
        return math.nan
    sq = np.sum((v_t - v_hat) ** 2, axis=-1)  # (H, W)
    return float(sq[mask].sum() / count)


def temporal_consistency(
    pred_t: np.ndarray, pred_t1: np.ndarray, gt_t: np.ndarray, gt_t1: np.ndarray, flow: PairFlow
) -> float:
    """LVCD TC of one pair; `flow` must be computed on the ground truth (uses its t+1 → t flow)."""

    def relative_residual(a_t: np.ndarray, a_t1: np.ndarray) -> float:
        x_t, x_t1 = to_unit_rgb(a_t), to_unit_rgb(a_t1)
        moved = warp(x_t, flow.backward)  # frame t brought onto t+1
        norm = float(np.linalg.norm(x_t1))
        residual = float(np.linalg.norm(moved - x_t1))
        if norm == 0:
            return 0.0 if residual == 0 else math.inf
        return residual / norm

    generated = relative_residual(pred_t, pred_t1)
    original = relative_residual(gt_t, gt_t1)
    if original == 0:
        return 1.0 if generated == 0 else math.inf
    return generated / original
