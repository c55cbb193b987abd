"""Another instance of a part the keyframe shows, recognised by its outline anywhere (`instances.twins`).

Small drawn cases: a keyframe with a door (a tall rectangle) and a window (a square); a frame, zoomed in,
with a door elsewhere. The frame's door is the keyframe's door's twin (its colour), also with a corner
hidden; with a second tall rectangle of another colour in the keyframe the form names a kind of part, not
which one: no answer, or with the palette's RGB a guess among the look-alikes' colours (flagged).
"""

from __future__ import annotations

import cv2
import numpy as np

from colorframes.backends.flat.copies import region_boxes
from colorframes.backends.flat.instances import enclosing, twins
from colorframes.foundation.lineart import segment_regions

SIZE = (200, 320)  # (H, W)
DOOR, WINDOW, SIGN, POSTER = 7, 3, 11, 12  # palette colours of the keyframe's parts (any ids)
RGB = np.zeros((16, 3), np.uint8)
RGB[DOOR], RGB[WINDOW], RGB[SIGN], RGB[POSTER] = (120, 80, 40), (200, 230, 246), (110, 90, 50), (250, 40, 200)


def _drawing(rects: list[tuple[int, int, int, int]], bite: tuple[int, int, int] | None = None):
    """Line art of closed rectangles (x0, y0, x1, y1); `bite` (x, y, r) draws a disc over them (a hand)."""
    img = np.full((*SIZE, 3), 255, np.uint8)
    for x0, y0, x1, y1 in rects:
        cv2.rectangle(img, (x0, y0), (x1, y1), (0, 0, 0), 2)
    if bite is not None:
        cv2.circle(img, bite[:2], bite[2], (255, 255, 255), -1)
        cv2.circle(img, bite[:2], bite[2], (0, 0, 0), 2)
    return segment_regions(img, gap_radius=1)


def _key(rects_and_colours):
    regions = _drawing([r for r, _ in rects_and_colours])
    color = np.full(regions.count + 1, -1, np.int64)
    for (x0, y0, x1, y1), c in rects_and_colours:
        color[regions.labels[(y0 + y1) // 2, (x0 + x1) // 2]] = c
    return regions, color


def _twin_of_door(key_parts, bite=None, current=None, rgb=None, guess=False):
    key, key_color = _key(key_parts)
    door = (200, 40, 236, 148)  # the frame's door: elsewhere, 1.2x the keyframe's (30 x 90)
    frame = _drawing([door], bite)
    r = frame.labels[100, 218]
    now = None if current is None else np.array([current])
    colour, overlap, guessed = twins(
        frame, np.array([r]), key, key_color, 0.8, 1.5, region_boxes(frame), region_boxes(key), 24, now, rgb
    )
    assert guessed[0] == guess
    return int(colour[0]), float(overlap[0])


def test_a_door_elsewhere_and_zoomed_is_the_keyframe_doors_twin():
    colour, overlap = _twin_of_door([((40, 60, 70, 150), DOOR), ((120, 60, 160, 100), WINDOW)])
    assert colour == DOOR and overlap >= 0.9


def test_a_door_with_a_corner_hidden_is_still_a_door():
    colour, overlap = _twin_of_door([((40, 60, 70, 150), DOOR), ((120, 60, 160, 100), WINDOW)], bite=(200, 148, 20))
    assert colour == DOOR and 0.8 <= overlap < 0.95


def test_look_alikes_of_another_colour_say_nothing():
    colour, overlap = _twin_of_door(
        [((40, 60, 70, 150), DOOR), ((120, 60, 160, 100), WINDOW), ((250, 60, 280, 150), SIGN)]
    )
    assert (colour, overlap) == (-1, 0.0)


def test_look_alikes_of_several_colours_give_the_guess_nearest_to_all_of_them():
    doors = [((40, 60, 70, 150), DOOR), ((250, 60, 280, 150), SIGN), ((85, 60, 115, 150), POSTER)]
    colour, overlap = _twin_of_door([*doors, ((120, 60, 160, 100), WINDOW)], rgb=RGB, guess=True)
    assert colour == DOOR and overlap >= 0.8  # brown door, brown sign, pink poster: the brown nearest to all
    assert _twin_of_door(doors, current=POSTER, rgb=RGB)[0] == POSTER  # its own colour has a twin: it stays


def test_a_window_is_not_a_door():
    colour, _ = _twin_of_door([((120, 60, 160, 100), WINDOW)])
    assert colour == -1


def test_a_region_keeps_its_colour_when_its_own_colour_has_a_twin():
    parts = [((40, 60, 70, 150), DOOR), ((250, 60, 280, 150), SIGN)]
    assert _twin_of_door(parts, current=SIGN)[0] == SIGN
    assert _twin_of_door(parts, current=WINDOW) == (-1, 0.0)  # look-alikes of two colours: no answer


def test_the_cameras_zoom_is_undone_before_sizes_are_compared():
    # A door 1.9x the keyframe's (a dolly): beyond `max_zoom` (1.5) it is compared only once the camera's zoom
    # to the keyframe (1 / 1.9: keyframe size = scale * size here) is undone; a camera zooming the other way
    # makes it 3.6x too large.
    key, key_color = _key([((40, 60, 70, 150), DOOR), ((120, 60, 160, 100), WINDOW)])
    frame = _drawing([(200, 12, 257, 183)])  # 57 x 171: 1.9 x 30 x 90
    ids = np.array([frame.labels[100, 228]])
    boxes = (region_boxes(frame), region_boxes(key))

    def twin(scale: float) -> int:
        return int(twins(frame, ids, key, key_color, 0.8, 1.5, *boxes, 24, scale=scale)[0][0])

    assert twin(1.0) == -1
    assert twin(1 / 1.9) == DOOR
    assert twin(1.9) == -1


def test_enclosing_names_the_one_colour_shown_next_to_a_colour():
    pairs = np.array([1 * 2**31 + 2, 2 * 2**31 + 3, 2 * 2**31 + 4, 4 * 2**31 + 4])  # 1-2, 2-3, 2-4, 4-4
    assert enclosing(pairs, 6).tolist() == [-1, 2, -1, 2, 2, -1]
