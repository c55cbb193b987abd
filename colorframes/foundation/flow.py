"""Dense optical flow with OpenCV DIS, backward warping and forward–backward occlusion masks.

Convention used throughout colorframes: ``flow = dis_flow(a, b)`` is the flow *from a to b*, a
(H, W, 2) float32 array of (dx, dy) such that the content at pixel (x, y) of ``a`` is found at
(x + dx, y + dy) of ``b``. ``warp(b, flow)`` samples ``b`` at those positions and so brings ``b``
into ``a``'s frame (backward warping: ``warp(b, dis_flow(a, b)) ≈ a`` where nothing is occluded).
To move frame t onto frame t+1, compute ``dis_flow(frame_t1, frame_t)`` and ``warp(frame_t, ...)``.

Shared by ``colorframes eval`` (temporal consistency, warping error) and the latent-consistency mode.
"""

from __future__ import annotations

import numpy as np

PRESETS = {"ultrafast": 0, "fast": 1, "medium": 2}


def to_gray(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) or (H, W) uint8/float image → (H, W) uint8 grey, the input DIS expects."""
    import cv2

    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        arr = np.clip(np.rint(arr.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)
    if arr.ndim == 3:
        arr = cv2.cvtColor(np.ascontiguousarray(arr[..., :3]), cv2.COLOR_RGB2GRAY)
    return np.ascontiguousarray(arr)


def dis_flow(
    a_gray: np.ndarray, b_gray: np.ndarray, preset: str = "medium", init: np.ndarray | None = None
) -> np.ndarray:
    """Flow from ``a`` to ``b`` (see the module docstring); (H, W, 2) float32 (dx, dy) in pixels.

    Inputs may be grey or RGB, uint8 or float in [0, 1]; ``init`` is an initial (H, W, 2) flow (for
    example a global shift), refined by DIS. The preset name is case-insensitive. DIS is deterministic
    for given inputs and thread count, which keeps evaluation numbers reproducible.
    """
    import cv2

    preset = preset.lower()
    if preset not in PRESETS:
        raise ValueError(f"unknown DIS preset {preset!r}; choose one of {', '.join(PRESETS)}")
    a, b = to_gray(a_gray), to_gray(b_gray)
    if a.shape != b.shape:
        raise ValueError(f"flow needs frames of one size, got {a.shape} and {b.shape}")
    dis = cv2.DISOpticalFlow_create(PRESETS[preset])  # type: ignore[attr-defined]  # missing from the stubs
    start = None if init is None else np.array(init, np.float32)  # DIS refines (and overwrites) it
    return dis.calc(a, b, start).astype(np.float32)  # (H, W, 2)


def _sample_grid(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h, w = flow.shape[:2]
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return xs + flow[..., 0], ys + flow[..., 1]


def warp(image: np.ndarray, flow: np.ndarray, border: str = "replicate") -> np.ndarray:
    """Sample ``image`` at p + flow(p) with bilinear interpolation (backward warp), same dtype.

    ``image`` is (H, W) or (H, W, C) with C <= 4; ``border`` is "replicate" or "constant" (zeros).
    """
    import cv2

    map_x, map_y = _sample_grid(flow)
    mode = cv2.BORDER_REPLICATE if border == "replicate" else cv2.BORDER_CONSTANT
    src = np.ascontiguousarray(image)
    out = cv2.remap(src, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=mode)
    if src.ndim == 3 and out.ndim == 2:
        out = out[..., None]
    return out


def occlusion_mask(forward: np.ndarray, backward: np.ndarray, alpha: float = 0.01, beta: float = 0.5) -> np.ndarray:
    """Non-occlusion mask (H, W) bool from a forward–backward consistency check.

    ``forward`` is the flow a→b and ``backward`` the flow b→a. A pixel p of ``a`` is kept when
    |f(p) + b(p + f(p))|² < alpha·(|f(p)|² + |b(p + f(p))|²) + beta (Sundaram et al. 2010, the check
    Lai et al. 2018 use for the warping error) and p + f(p) lands inside the frame.
    """
    back_at_target = warp(backward, forward)  # (H, W, 2): b(p + f(p))
    total = forward + back_at_target
    lhs = np.sum(total**2, axis=-1)
    rhs = alpha * (np.sum(forward**2, axis=-1) + np.sum(back_at_target**2, axis=-1)) + beta
    h, w = forward.shape[:2]
    map_x, map_y = _sample_grid(forward)
    inside = (map_x >= 0) & (map_x <= w - 1) & (map_y >= 0) & (map_y <= h - 1)
    return (lhs < rhs) & inside
