"""Finishing and degradation passes: a shaded / finished render of a flat frame, XDoG line extraction,
scanner noise and paper texture, specks, gaps.

`finish` keeps each region's flat colour as its most frequent colour (shading darkens a rim on one side of
large regions, highlights are blobs in their interior, grain touches a minority of pixels), so the
region's dominant colour of a finished keyframe is still the ground truth's flat colour.
"""

from __future__ import annotations

import cv2
import numpy as np


def finish(fill: np.ndarray, labels: np.ndarray, rng: np.random.Generator, light: tuple[float, float] = (-1, -1)):
    """(H, W, 3) float32 flat fill + region labels → (H, W, 3) float32 shaded, highlighted, textured fill."""
    h, w = labels.shape
    edges = np.zeros((h, w), np.uint8)
    edges[:, 1:] |= labels[:, 1:] != labels[:, :-1]
    edges[1:, :] |= labels[1:, :] != labels[:-1, :]
    dist = cv2.distanceTransform((1 - edges).astype(np.uint8), cv2.DIST_L2, 3)  # px to the nearest region edge
    n = int(labels.max()) + 1
    depth = np.zeros(n, np.float32)
    np.maximum.at(depth, labels.ravel(), dist.ravel())  # each region's deepest point (px from its edge)
    region_depth = depth[labels]
    # Rim shadow on the side away from the light: a smooth ramp of the edge distance, limited to the outer
    # third of regions at least 8 px deep, and only where the light field says "shadow side".
    gy, gx = np.gradient(cv2.GaussianBlur(dist, (0, 0), 2.0))
    side = (gx * light[0] + gy * light[1]) < 0
    rim = (dist < 0.33 * region_depth) & (region_depth >= 8) & side
    ramp = np.clip(1.0 - dist / np.maximum(0.33 * region_depth, 1), 0, 1)
    factor = np.where(rim, 1.0 - 0.28 * ramp, 1.0).astype(np.float32)
    out = fill * factor[..., None]
    # Highlights: a soft white blob in the interior of the larger regions.
    deepest = np.flatnonzero((dist == region_depth).ravel() & (region_depth >= 14).ravel())
    rids, first = np.unique(labels.ravel()[deepest], return_index=True)
    for rid, flat in zip(rids, deepest[first], strict=True):
        cy, cx = divmod(int(flat), w)
        r = float(depth[rid]) * 0.35
        oy, ox = int(cy + light[1] * r), int(cx + light[0] * r)
        y0, y1 = max(oy - int(2 * r), 0), min(oy + int(2 * r) + 1, h)
        x0, x1 = max(ox - int(2 * r), 0), min(ox + int(2 * r) + 1, w)
        if y1 <= y0 or x1 <= x0:
            continue
        yy, xx = np.mgrid[y0:y1, x0:x1]
        blob = np.exp(-(((yy - oy) / (0.6 * r)) ** 2 + ((xx - ox) / r) ** 2))
        blob = np.where((labels[y0:y1, x0:x1] == rid) & (blob > 0.2), blob, 0.0).astype(np.float32) * 0.55
        out[y0:y1, x0:x1] += (255.0 - out[y0:y1, x0:x1]) * blob[..., None]
    # Grain on about a fifth of the pixels (paint texture).
    grain = rng.random((h, w)) < 0.2
    out[grain] += rng.normal(0, 6, (int(grain.sum()), 1)).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.float32)


def xdog(rgb: np.ndarray, sigma: float, k: float = 1.6, tau: float = 0.98, eps: float = -0.02, phi: float = 40.0):
    """Extended difference of Gaussians (Winnemöller 2012) on grey → ink coverage (H, W) float32 in [0, 1]."""
    grey = cv2.cvtColor(np.clip(rgb, 0, 255).astype(np.uint8), cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    g1 = cv2.GaussianBlur(grey, (0, 0), sigma)
    g2 = cv2.GaussianBlur(grey, (0, 0), sigma * k)
    d = g1 - tau * g2
    e = np.where(d >= eps, 1.0, 1.0 + np.tanh(phi * (d - eps)))
    return np.clip(1.0 - e, 0.0, 1.0).astype(np.float32)


def scan(sketch: np.ndarray, rng: np.random.Generator, specks: int, grain: float = 4.0, tint: float = 10.0):
    """Scanned paper: low-frequency tint and texture, sensor grain, dust specks, a slight blur."""
    h, w = sketch.shape[:2]
    low = cv2.resize(rng.normal(0, 1, (max(h // 64, 2), max(w // 64, 2))).astype(np.float32), (w, h))
    paper = 1.0 - tint / 255.0 * (0.5 + 0.5 * np.tanh(low))
    out = sketch.astype(np.float32) * paper[..., None] + rng.normal(0, grain, (h, w, 1)).astype(np.float32)
    for _ in range(specks):
        y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
        r = int(rng.integers(1, 3))
        cv2.circle(out, (x, y), r, (float(rng.uniform(20, 90)),) * 3, -1, cv2.LINE_AA)
    out = cv2.GaussianBlur(out, (0, 0), 0.6)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def add_gaps(ink_a: np.ndarray, ink_rgb: np.ndarray, rng: np.random.Generator, count: int, radius: tuple[int, int]):
    """Erase `count` discs of ink (gaps of a few px) centred on line pixels; the fill shows through."""
    ys, xs = np.nonzero(ink_a > 0.6)
    if ys.size == 0:
        return
    for i in rng.choice(ys.size, size=min(count, ys.size), replace=False):
        r = int(rng.integers(radius[0], radius[1] + 1))
        cv2.circle(ink_a, (int(xs[i]), int(ys[i])), r, 0.0, -1)
        cv2.circle(ink_rgb, (int(xs[i]), int(ys[i])), r, (0.0, 0.0, 0.0), -1)
