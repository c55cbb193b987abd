"""Under a camera zoom since the keyframe a twin (a keyframe part whose outline a region repeats) moves a
region only to the colour the chain carried: parts at other depths scale otherwise than the camera.

The scene: a wall with a few wide boxes (the camera's zoom is fitted on them), a tall window (blue) and a
tall panel (grey) half the window's size, the panel nearer the camera. Drawn at camera zooms 1.0 (the
keyframe, the last frame: the shot is colored backwards) to 1.4 (the first frame) about a point near the top;
the panel grows by the zoom's square on top of it (parallax). With the camera's zoom undone the panel is up
to 1.96 times its keyframe size: past `instance_max_zoom` (1.5) from its own outline, and the window's
outline at its own scale, so its outline alone names the window's colour though the chain carries the
panel's.
"""

from __future__ import annotations

import numpy as np
import pytest
from flat_helpers import draw_zoomed_boxes, frame, shot

from colorframes.backends.flat import FlatColorizer
from colorframes.backends.flat.zoom import zooming

SIZE = (180, 320)  # (H, W)
CENTRE = (160.0, 50.0)  # (x, y) the zoom's fixed point
ZOOMS = {1: 1.4, 2: 1.32, 3: 1.24, 4: 1.16, 5: 1.08, 6: 1.0}  # frame -> camera zoom; 6 is the keyframe
WALL = (226, 212, 180)
WINDOW = (70, 110, 190)
PANEL = (150, 150, 160)
BOXES = [
    ((40, 20, 80, 40), (200, 60, 60)),
    ((100, 20, 140, 40), (60, 140, 90)),
    ((200, 20, 240, 40), (236, 150, 56)),
    ((250, 30, 300, 55), (120, 70, 110)),
    ((120, 70, 170, 90), (224, 190, 90)),
]
WINDOW_BOX = (40, 95, 72, 151)  # 32 x 56
PANEL_BOX = (222, 96, 238, 124)  # 16 x 28: the window's shape at half its size


def _panel_centre(zoom: float) -> tuple[int, int]:
    """(x, y) of the panel's centre at camera `zoom`."""
    cx, cy = CENTRE
    x0, y0, x1, y1 = PANEL_BOX
    return int(round(cx + ((x0 + x1) / 2 - cx) * zoom)), int(round(cy + ((y0 + y1) / 2 - cy) * zoom))


def scene(zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """(sketch, colour) at camera `zoom` about CENTRE; the panel also grows by `zoom`² about its own centre."""
    h, w = SIZE
    sketch = np.full((h, w, 3), 255, np.uint8)
    color = np.full((h, w, 3), WALL, np.uint8)
    x0, y0, x1, y1 = PANEL_BOX
    mx, my, k = (x0 + x1) / 2, (y0 + y1) / 2, zoom**2  # nearer the camera: it grows by the zoom once more
    panel = (mx + (x0 - mx) * k, my + (y0 - my) * k, mx + (x1 - mx) * k, my + (y1 - my) * k)
    draw_zoomed_boxes(sketch, color, [*BOXES, (WINDOW_BOX, WINDOW), (panel, PANEL)], zoom, CENTRE)
    return sketch, color


@pytest.fixture(scope="module")
def parallax():
    """The tracker after colouring the shot backwards from its last frame, and every frame's result."""
    frames = {n: scene(z) for n, z in ZOOMS.items()}
    c = FlatColorizer(gap_radius=2)
    c.setup_shot(shot(SIZE, keyframes={6: frames[6][1]}, first_frame=1, loader=lambda n: frames[n][0]))
    out = {n: c.colorize([frame(n, frames[n][0])])[0] for n in sorted(ZOOMS, reverse=True)}
    return c.tracker, out


def test_the_chain_measures_the_zoom(parallax):
    # The frames where the panel repeats the window's outline are under a camera zoom the chain measured.
    tracker, _ = parallax
    for n in (1, 2, 3):
        camera = tracker._states[n].camera
        assert zooming(camera, tracker.params)
        assert camera[0] == pytest.approx(1 / ZOOMS[n], abs=0.03)


def test_a_panel_nearer_the_camera_keeps_its_colour_against_the_window_s_twin(parallax):
    # Chain and form of its own agree on the panel; the window's outline it repeats once the camera's zoom is
    # undone does not move it to the window's colour (before: blue from the frame zoomed 1.24 on).
    _, out = parallax
    for n, zoom in ZOOMS.items():
        x, y = _panel_centre(zoom)
        labels = out[n].extras["labels"]
        rid = int(labels[y, x])
        assert rid > 0 and (labels == rid).sum() >= 200, n
        assert tuple(int(v) for v in out[n].extras["region_colors"][rid]) == PANEL, n
