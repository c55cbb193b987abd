"""Per-shot colour assignment: anchors (keyframes, sheet), temporal chains, hints, confidence.

Determinism rule (what makes shards agree): the colours of frame t depend only on the shot's anchors,
hints and the line art of the frames on t's *chain*, never on which frames this process saw before.

- Keyframe mode: t's anchor is the nearest keyframe K (ties go to the earlier one). The chain is
  K → K±1 → … → t: each step carries colours from the previous frame (`_correspond`: overlap vote after
  the global shift, overruled by a global assignment on form, size, position, overlap and adjacency
  where that is cheap; a part found again elsewhere stops voting for the pixels it left; parts coming
  into view are never painted paper). Regions that carry badly (new, disoccluded) ask the keyframe,
  whose evidence decays with distance, and then the sheet: a region the keyframe does not have (a mouth
  opening mid-shot) takes its colour from the sheet, but the sheet never overrules the chain and the
  keyframe where those two agree.
- Sheet mode (no keyframes): every frame is matched to the sheet on its own (a global assignment is
  already deterministic per drawing; carrying sheet matches along a chain compounded early mistakes).
- No reference: a deterministic neutral palette (regions ranked by area), paper stays paper.

Chains need the line art of the frames in between. Frames this process colorizes are cached; any other
frame comes from the shot's `sketch_loader(frame) -> (H, W, 3) uint8 | None` when the runner gives one.
Without a loader every frame is matched to its anchor directly (also shard-invariant, less stable).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .hints import Hint
from .matching import (
    adjacency_matrix,
    estimate_shift,
    line_thumbnail,
    match_global,
    new_outline_fraction,
    overlap_counts,
    vote_colors,
)
from .reference import ColorRegions, segment_colored
from .regions import Regions, adjacency, segment_regions

CARRY_MIN = 0.55  # a carried colour with less confidence than this asks the anchor again
LOW_CONFIDENCE = 0.5  # regions below this go to the report
CACHE_FRAMES = 8
W_OVERLAP = 2.0  # matching cost of a region its match does not cover at all (after the global shift)
ANCHOR_DECAY = 0.85  # keyframe confidence factor per frame of distance (the chain knows the recent motion)
NEW_OUTLINE = 0.4  # rim fraction along new lines above which a region is coming into view
MATCH_MIN_SIZE = 0.01  # regions smaller than this (figure heights, squared) keep their overlap vote
SHARED_SOURCE = 0.5  # confidence factor for the costlier of two matches to one source region
MATCH_TRUST = 4.0  # assignments cheaper than this beat the overlap vote
INSIDE_SHARE = 0.03  # a fresh region holding less than this share of its source region is a new part
VANISHED_MIN_SIZE = 0.05  # keyframe colours covering less than this (figure heights, squared) may vanish
VANISHED_AREA = 0.25  # a region that takes back a vanished colour has at least this share of its keyframe area

# Between frames of one shot a part keeps its form (a round hand over a band-shaped belt), so tracking
# weighs form 1.5x as much as sheet matching, where pose changes form.
W_FORM_TRACK = 1.5
KEY_PART = 0.3  # raw keyframe confidence above which an enclosed part is not the sheet's paper gap
KEY_AGREE = 0.5  # raw keyframe confidence above which a keyframe agreeing with the chain outvotes the sheet
MATCH_SURE = 3.5  # assignments cheaper than this find a part for sure (it may vacate its old place)
MOVED_SHARE = 0.5  # a part overlapping its match by less than this share of its area has moved on
MOVED_SIZE = 0.35  # |log area ratio| under which a region found elsewhere is the same part, moved
VACATED_WEIGHT = 0.25  # what a vacated pixel still counts in the vote (a moved part may leave a twin behind)
TAKEN = 3.0  # extra cost of matching a region to a part already found elsewhere

SOURCE_NAMES = ("neutral", "sheet", "keyframe", "tracked", "hint", "paper")
NEUTRAL = [
    (200, 196, 188), (170, 182, 196), (196, 176, 170), (176, 192, 172), (210, 200, 170), (160, 160, 172),
    (188, 170, 190), (150, 172, 170), (214, 190, 180), (180, 180, 160), (140, 150, 166), (200, 210, 214),
]  # fmt: skip
PAPER_RGB = (255, 255, 255)


class Palette:
    """Interned RGB colours; regions refer to colours by index so votes can pool identical colours."""

    def __init__(self) -> None:
        self.rgb: list[tuple[int, int, int]] = []
        self._index: dict[tuple[int, int, int], int] = {}

    def index(self, rgb: tuple[int, int, int] | np.ndarray) -> int:
        key = (int(rgb[0]), int(rgb[1]), int(rgb[2]))
        if key not in self._index:
            self._index[key] = len(self.rgb)
            self.rgb.append(key)
        return self._index[key]

    def array(self) -> np.ndarray:
        return np.asarray(self.rgb or [PAPER_RGB], np.uint8).reshape(-1, 3)


@dataclass
class FrameState:
    number: int
    regions: Regions
    color: np.ndarray  # (N+1,) palette index
    confidence: np.ndarray  # (N+1,) float in [0, 1]
    source: np.ndarray  # (N+1,) index into SOURCE_NAMES
    warnings: list[str] = field(default_factory=list)


@dataclass
class Anchor:
    """A coloured reference analysed once per shot."""

    frame: int | None  # keyframe number, None for the sheet
    ref: ColorRegions
    color: np.ndarray  # (M+1,) palette index per reference region
    adj: np.ndarray  # (M+1, M+1) adjacency


class ShotTracker:
    """Computes FrameState for any frame number of one shot, following the determinism rule above."""

    def __init__(
        self,
        *,
        frame_size: tuple[int, int],
        first_frame: int,
        gap_radius: int,
        sheet: np.ndarray | None = None,
        sheet_alpha: np.ndarray | None = None,
        keyframes: dict[int, np.ndarray] | None = None,
        hints: list[Hint] | None = None,
        sketch_loader: Callable[[int], np.ndarray | None] | None = None,
    ) -> None:
        self.frame_size = frame_size
        self.first_frame = first_frame
        self.gap_radius = gap_radius
        self.loader = sketch_loader
        self.palette = Palette()
        self.paper = self.palette.index(PAPER_RGB)
        self.warnings: list[str] = []
        self.sheet = self._anchor(sheet, sheet_alpha, None) if sheet is not None else None
        self.keyframes: dict[int, Anchor] = {}
        for number, image in sorted((keyframes or {}).items()):
            if image.shape[:2] != tuple(frame_size):
                self.warnings.append(
                    f"keyframe {number} is {image.shape[1]}x{image.shape[0]} but frames are "
                    f"{frame_size[1]}x{frame_size[0]}; it was resized to match"
                )
                image = _resize(image, frame_size)
            self.keyframes[number] = self._anchor(image, None, number)
        self.hints: dict[int, list[Hint]] = {}
        for hint in hints or []:
            self.hints.setdefault(hint.frame, []).append(hint)
        self._sketches: OrderedDict[int, np.ndarray] = OrderedDict()
        self._states: OrderedDict[int, FrameState] = OrderedDict()

    # --- anchors ----------------------------------------------------------------------------

    def _anchor(self, image: np.ndarray, alpha: np.ndarray | None, frame: int | None) -> Anchor:
        ref = segment_colored(image, alpha, colour_lines=frame is None)
        color = np.array([self.palette.index(c) for c in ref.colors], np.int64)
        if ref.background:
            color[ref.background] = self.paper if alpha is not None else color[ref.background]
        color[0] = -1
        adj = adjacency_matrix(adjacency(ref.regions.labels), ref.regions.count)
        return Anchor(frame=frame, ref=ref, color=color, adj=adj)

    def anchor_for(self, t: int) -> int | None:
        """The keyframe number frame t is propagated from (nearest; ties to the earlier)."""
        if not self.keyframes:
            return None
        return min(self.keyframes, key=lambda k: (abs(k - t), k))

    def chain(self, t: int) -> list[int]:
        """Frame numbers from t's chain start to t (inclusive), per the determinism rule."""
        k = self.anchor_for(t)
        if k is not None:
            step = 1 if t >= k else -1
            return list(range(k, t + step, step))
        return [t]

    # --- frames -----------------------------------------------------------------------------

    def remember(self, number: int, sketch: np.ndarray) -> None:
        self._sketches[number] = sketch
        while len(self._sketches) > CACHE_FRAMES:
            self._sketches.popitem(last=False)

    def _sketch(self, number: int) -> np.ndarray | None:
        if number in self._sketches:
            return self._sketches[number]
        if self.loader is None:
            return None
        try:
            sketch = self.loader(number)
        except Exception:  # noqa: BLE001 - a missing neighbour must not fail this frame
            return None
        return sketch

    def state(self, t: int, sketch: np.ndarray) -> FrameState:
        """Colours for frame t (its line art given); walks the chain, reusing cached states."""
        self.remember(t, sketch)
        self._states.pop(t, None)  # the given line art wins over anything computed for t before
        if self.loader is None:
            return self._step(t, sketch, None)
        chain = self.chain(t)
        start = len(chain) - 1
        while start > 0 and chain[start - 1] not in self._states:
            start -= 1
        prev: FrameState | None = self._states.get(chain[start - 1]) if start > 0 else None
        direct = False
        for i in range(start, len(chain)):
            number = chain[i]
            art = sketch if number == t else self._sketch(number)
            if art is None:  # the chain cannot be followed: match t to its anchor directly
                direct = True
                break
            prev = self._step(number, art, prev if i > 0 else None)
        if direct:
            prev = self._step(t, sketch, None)
            if len(chain) > 1:
                prev.warnings.append(f"matched to the anchor directly (line art of frame {number} unavailable)")
        assert prev is not None
        return prev

    def _step(self, number: int, sketch: np.ndarray, prev: FrameState | None) -> FrameState:
        if number in self._states:
            return self._states[number]
        warnings: list[str] = []
        if sketch.shape[:2] != tuple(self.frame_size):
            warnings.append(
                f"frame is {sketch.shape[1]}x{sketch.shape[0]}, shot is {self.frame_size[1]}x{self.frame_size[0]}; "
                "references were scaled to match"
            )
        regions = segment_regions(sketch, self.gap_radius)
        warnings += regions.warnings
        if not regions.line_mask.any():
            warnings.append("blank frame: no lines found; filled with the paper colour")
        else:
            warnings += self._leak_warning(number, regions)
        state = self._assign(number, regions, prev)
        state.warnings = warnings + state.warnings
        self._apply_hints(state)
        self._states[number] = state
        while len(self._states) > CACHE_FRAMES:
            self._states.popitem(last=False)
        return state

    def _leak_warning(self, number: int, regions: Regions) -> list[str]:
        """Far fewer regions than the anchor drawing means paint leaked through open lines."""
        k = self.anchor_for(number)
        anchor = self.keyframes[k] if k is not None else self.sheet
        if anchor is None:
            return []
        expected = anchor.ref.regions.count
        if regions.count >= 0.5 * expected:
            return []
        what = f"keyframe {k}" if k is not None else "the sheet"
        return [f"only {regions.count} regions vs {expected} in {what}: open lines? raise --gap-radius"]

    # --- assignment -------------------------------------------------------------------------

    def _assign(self, number: int, regions: Regions, prev: FrameState | None) -> FrameState:
        n = regions.count
        color = np.full(n + 1, -1, np.int64)
        conf = np.zeros(n + 1)
        source = np.zeros(n + 1, np.int64)
        warnings: list[str] = []
        if prev is not None and prev.regions.shape == regions.shape:
            color, conf, picked = self._correspond(regions, prev.regions, prev.color, prev.confidence)
            source[:] = SOURCE_NAMES.index("tracked")
            # A hint keeps its "hint" label as long as its region is carried confidently.
            hinted = (picked > 0) & (prev.source[picked] == SOURCE_NAMES.index("hint")) & (conf >= CARRY_MIN)
            source[hinted] = SOURCE_NAMES.index("hint")
        weak = np.flatnonzero(conf[1:] < CARRY_MIN) + 1
        if weak.size or prev is None:
            carried = color if prev is not None else None
            a_color, a_conf, a_source = self._from_anchor(number, regions, warnings, carried)
            take = np.zeros(n + 1, bool)
            take[weak] = a_conf[weak] > conf[weak]
            if prev is None:
                take[1:] = True
            color[take], conf[take], source[take] = a_color[take], a_conf[take], a_source[take]
            if prev is not None:
                self._restore_vanished(number, regions, color, conf, source, a_color, a_conf, a_source, weak)
        missing = color < 0
        missing[0] = False
        if missing.any():
            neutral = self._neutral(regions)
            color[missing], conf[missing], source[missing] = neutral[missing], 0.0, 0
        return FrameState(number, regions, color, conf, source, warnings)

    def _restore_vanished(
        self,
        number: int,
        regions: Regions,
        color: np.ndarray,
        conf: np.ndarray,
        source: np.ndarray,
        a_color: np.ndarray,
        a_conf: np.ndarray,
        a_source: np.ndarray,
        weak: np.ndarray,
    ) -> None:
        """Give back a keyframe colour the chain lost (in place).

        Why: when a hand uncovers the belt, the belt region is carried as skin and the chain repeats the
        mistake every frame after. A colour that covers a sizeable area in the keyframe but no region of
        this frame, while the anchor (keyframe or sheet) assigns it to a weakly carried region, goes to
        the most confident such region; the chain then carries it from there.
        """
        k = self.anchor_for(number)
        if k is None or not weak.size:
            return
        anchor = self.keyframes[k]
        ref = anchor.ref.regions
        fh = max(ref.figure_bbox[3] - ref.figure_bbox[1], 1.0)
        valid = anchor.color[1:] >= 0
        ref_area = np.bincount(anchor.color[1:][valid], weights=ref.area[1:][valid], minlength=len(self.palette.rgb))
        present = np.zeros(len(self.palette.rgb) + 1, bool)
        present[color[1:][color[1:] >= 0]] = True
        for j in weak[np.argsort(-a_conf[weak], kind="stable")]:
            c = int(a_color[j])
            if c < 0 or c == color[j] or c == self.paper or present[c] or c >= ref_area.size:
                continue
            if ref_area[c] < (VANISHED_MIN_SIZE * fh) ** 2 or regions.area[j] < VANISHED_AREA * ref_area[c]:
                continue
            color[j], conf[j], source[j] = c, a_conf[j], a_source[j]
            present[c] = True

    def _correspond(
        self, regions: Regions, src: Regions, src_color: np.ndarray, src_conf: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Colours carried from a nearby drawing of the same shot: (color, confidence, src region) per region.

        Two cues: the overlap vote after removing the global motion (robust to regions splitting and
        merging) and a global assignment by overlap, form, size, position and adjacency (right when a part
        moves about its own size per frame: a hand swinging over the belt would swap colours with it by
        overlap alone). A cheap assignment wins; otherwise the vote stands. A part the assignment finds
        elsewhere (the hand moved on) vacates its old pixels: what shows there now is not the hand.
        """
        n = regions.count
        shift = estimate_shift(src.line_mask, regions.line_mask, src_thumb=_thumb(src), dst_thumb=_thumb(regions))
        counts = overlap_counts(
            src.labels,
            src.count,
            regions.labels,
            n,
            shift,
            src_box=src.box,
            src_outside=src.outside,
            dst_box=regions.box,
            dst_outside=regions.outside,
        )  # (M+1, N+1) fmt: skip
        bg, src_bg = _background(regions), _background(src)
        fh = max(regions.figure_bbox[3] - regions.figure_bbox[1], 1.0)
        dst_ids = np.array([i for i in range(1, n + 1) if i != bg], np.int64)
        src_ids = np.array([i for i in range(1, src.count + 1) if i != src_bg and src_color[i] >= 0], np.int64)
        assign = dst_ids.size > 0 and src_ids.size > 0
        visible = regions.area
        taken = None
        if assign:
            match, cost = self._match(regions, dst_ids, src, src_ids, counts, visible)
            counts, visible, taken = _vacate(counts, regions.area, src.area, dst_ids, match, cost)
        vote = vote_colors(counts, src_color, src_conf, visible, len(self.palette.rgb))
        color, conf = vote.color, vote.confidence
        picked = np.zeros(n + 1, np.int64)  # (N+1,) src region of biggest overlap, 0 = none
        if src.count:
            picked = np.argmax(counts[1:], axis=0) + 1
            picked[counts[1:].sum(axis=0) == 0] = 0
        if src_bg:
            # A closed region with a new outline that "overlaps paper" is a part coming into view (a hand
            # from behind the body), not paper: leave it to the assignment, the keyframe and the sheet.
            fresh = new_outline_fraction(src, regions, shift) > NEW_OUTLINE
            emerging = (picked == src_bg) & fresh
            # The same inside a part: a small region with a new outline punched into a big one (a mouth
            # opening in the face) is not the part it overlaps.
            share = counts[picked, np.arange(n + 1)] / np.maximum(src.area[picked], 1.0)
            emerging |= fresh & (picked > 0) & (share < INSIDE_SHARE) & (regions.area >= (MATCH_MIN_SIZE * fh) ** 2)
            emerging[bg] = False
            emerging[0] = False
            conf[emerging] = 0.0
        if not assign:
            return color, conf, picked
        if taken is not None:
            match, cost = self._match(regions, dst_ids, src, src_ids, counts, visible, taken)
        # Crumbs (line-crossing fragments) have no reliable form; their overlap vote stands.
        trusted = (cost < MATCH_TRUST) & (regions.area[dst_ids] >= (MATCH_MIN_SIZE * fh) ** 2)
        j, i = dst_ids[trusted], match[trusted]
        m_conf = src_conf[i] * np.clip(1.0 - 0.5 * cost[trusted] / MATCH_TRUST, 0.0, 1.0)
        # A source region already claimed by a cheaper match is weaker evidence for a second one (the belt
        # piece where the hand was is not the hand, though it overlaps it).
        order = np.lexsort((cost[trusted], i))  # by src region, then cost
        later = np.zeros(i.size, bool)
        later[order[1:]] = i[order][1:] == i[order][:-1]
        m_conf = np.where(later, m_conf * SHARED_SOURCE, m_conf)
        agree = color[j] == src_color[i]
        conf[j] = np.where(agree, np.maximum(conf[j], m_conf), m_conf)
        color[j] = src_color[i]
        picked[j] = i
        return color, conf, picked

    def _match(
        self,
        regions: Regions,
        dst_ids: np.ndarray,
        src: Regions,
        src_ids: np.ndarray,
        counts: np.ndarray,
        visible: np.ndarray,
        taken: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Global assignment of dst_ids to src_ids: (src id, cost) per dst id. `taken` (M+1, N+1) marks
        src regions already found elsewhere, which cost TAKEN more for any other dst region."""
        cover = counts[np.ix_(src_ids, dst_ids)].T / np.maximum(visible[dst_ids, None], 1.0)  # (nd, ns)
        extra = W_OVERLAP * (1.0 - np.clip(cover, 0.0, 1.0))
        if taken is not None:
            extra = extra + TAKEN * taken[np.ix_(src_ids, dst_ids)].T
        return match_global(
            regions, dst_ids, self._adjacency(regions), src, src_ids, self._adjacency(src), extra=extra,
            return_cost=True, w_form=W_FORM_TRACK,
        )  # fmt: skip

    def _adjacency(self, regions: Regions) -> np.ndarray:
        cached = getattr(regions, "_adj", None)
        if cached is None:
            cached = adjacency_matrix(adjacency(regions.labels, box=regions.box), regions.count)
            regions._adj = cached  # type: ignore[attr-defined]
        return cached

    def _from_anchor(
        self, number: int, regions: Regions, warnings: list[str], carried: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Colours for every region straight from the keyframe (overlap, then shape) or the sheet.

        `carried` (N+1,) is the chain's colour per region: where it agrees with a confident keyframe match,
        two sources of the same shot outvote the sheet (whose pose differs), however far the keyframe is.
        """
        n = regions.count
        color = np.full(n + 1, -1, np.int64)
        conf = np.zeros(n + 1)
        key_conf = conf
        source = np.zeros(n + 1, np.int64)
        k = self.anchor_for(number)
        bg = _background(regions)
        if k is not None:
            anchor = self._scaled(self.keyframes[k], regions.shape)
            ones = np.ones(anchor.ref.regions.count + 1)
            color, conf, _ = self._correspond(regions, anchor.ref.regions, anchor.color, ones)
            key_conf = conf.copy()
            # A keyframe n frames away is weaker evidence than the chain's last step, and where it is weak
            # the sheet (an independent source) gets a say (measured: +3 points in keyframe mode).
            conf = conf * ANCHOR_DECAY ** abs(number - k)
            source[:] = SOURCE_NAMES.index("keyframe")
        # Regions the keyframe cannot explain (a mouth opening mid-shot) are matched to the sheet.
        shape_refs = [self.sheet] if self.sheet is not None else []
        for shape_ref in shape_refs:
            weak = np.flatnonzero(conf[1:] < CARRY_MIN) + 1
            weak = weak[weak != bg]
            if not weak.size:
                break
            adj = self._adjacency(regions)
            ref = shape_ref.ref
            src_ids = np.array([i for i in range(1, ref.regions.count + 1) if i != ref.background], np.int64)
            dst_ids = np.array([i for i in range(1, n + 1) if i != bg], np.int64)
            picked, p_conf = match_global(regions, dst_ids, adj, ref.regions, src_ids, shape_ref.adj)
            is_weak = np.zeros(n + 1, bool)
            is_weak[weak] = True
            # A region enclosed by the figure that the keyframe calls a part (the pants shadow coming back
            # into view) is not the sheet's paper gap it resembles in form; only the keyframe may say paper.
            papers = {self.paper, self._paper_for(shape_ref)}
            keep_part = ~regions.border & (key_conf >= KEY_PART) & (color >= 0) & ~np.isin(color, list(papers))
            if carried is not None:
                is_weak &= ~((carried == color) & (key_conf >= KEY_AGREE))
            for j, i, c in zip(dst_ids, picked, p_conf, strict=True):
                if keep_part[j] and int(shape_ref.color[i]) in papers:
                    continue
                if is_weak[j] and (c > conf[j] or color[j] < 0):
                    color[j], conf[j] = shape_ref.color[i], c
                    source[j] = SOURCE_NAMES.index("sheet")
        shape_ref = self.sheet if self.sheet is not None else (self.keyframes[k] if k is not None else None)
        if bg and (k is None or conf[bg] < CARRY_MIN):
            color[bg], conf[bg], source[bg] = self._paper_for(shape_ref), 1.0, SOURCE_NAMES.index("paper")
        return color, conf, source

    def _paper_for(self, anchor: Anchor | None) -> int:
        if anchor is None or not anchor.ref.background:
            return self.paper
        return int(anchor.color[anchor.ref.background])

    def _neutral(self, regions: Regions) -> np.ndarray:
        """Deterministic neutral colours: regions ranked by area, paper stays paper."""
        order = np.argsort(-regions.area[1:], kind="stable") + 1
        out = np.full(regions.count + 1, -1, np.int64)
        for rank, rid in enumerate(order):
            out[rid] = self.palette.index(NEUTRAL[rank % len(NEUTRAL)])
        bg = _background(regions)
        if bg:
            out[bg] = self.paper
        return out

    def _scaled(self, anchor: Anchor, shape: tuple[int, int]) -> Anchor:
        """The anchor re-analysed at another frame size (cached), for frames that differ in size."""
        if anchor.ref.regions.shape == tuple(shape):
            return anchor
        key = (anchor.frame, tuple(shape))
        cache = self.__dict__.setdefault("_scaled_cache", {})
        if key not in cache:
            image = np.asarray(self.palette.array()[np.maximum(anchor.color, 0)][anchor.ref.regions.labels])
            cache[key] = self._anchor(_resize(image, shape), None, anchor.frame)
        return cache[key]

    def _apply_hints(self, state: FrameState) -> None:
        labels = state.regions.labels
        h, w = labels.shape
        for hint in self.hints.get(state.number, []):
            if not (0 <= hint.x < w and 0 <= hint.y < h):
                state.warnings.append(f"hint at ({hint.x}, {hint.y}) is outside the {w}x{h} frame; ignored")
                continue
            rid = _region_near(labels, hint.x, hint.y)
            if rid == 0:
                state.warnings.append(f"hint at ({hint.x}, {hint.y}) is on a line with no region nearby; ignored")
                continue
            state.color[rid] = self.palette.index(hint.rgb)
            state.confidence[rid] = 1.0
            state.source[rid] = SOURCE_NAMES.index("hint")


def _thumb(regions: Regions) -> np.ndarray:
    """The drawing's line thumbnail for phase correlation, cached on the Regions object."""
    thumb = getattr(regions, "_thumb", None)
    if thumb is None:
        thumb = line_thumbnail(regions.line_mask)
        regions._thumb = thumb  # type: ignore[attr-defined]
    return thumb


def _background(regions: Regions) -> int:
    cands = np.flatnonzero(regions.border)
    return int(cands[np.argmax(regions.area[cands])]) if cands.size else 0


def _region_near(labels: np.ndarray, x: int, y: int, radius: int = 6) -> int:
    """Region at (x, y), or the most common region within `radius` px when (x, y) is a line pixel."""
    if labels[y, x]:
        return int(labels[y, x])
    patch = labels[max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1]
    values = patch[patch > 0]
    return int(np.bincount(values).argmax()) if values.size else 0


def _resize(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    import cv2

    return cv2.resize(image, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)


def _vacate(
    counts: np.ndarray,
    area: np.ndarray,
    src_area: np.ndarray,
    dst_ids: np.ndarray,
    match: np.ndarray,
    cost: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Pixels of parts that moved on, taken out of the overlap vote: (counts, visible area, taken).

    A source region the assignment surely found again (cost under MATCH_SURE, about the same size) that
    overlaps its match by less than MOVED_SHARE of its area has moved relative to the drawing: its old
    pixels now show whatever it uncovered. Those overlaps count only VACATED_WEIGHT in the vote, each dst
    region's visible area shrinks accordingly, and `taken` (M+1, N+1) bool marks them for the second
    assignment. Of two dst regions matched to one source, the one closer in size is the part unless
    together they match its area better (its two halves, split by an occluder).
    """
    taken = np.zeros(counts.shape, bool)
    order = np.argsort(match, kind="stable")
    ids, starts = np.unique(match[order], return_index=True)
    for i, group in zip(ids, np.split(order, starts[1:]), strict=True):
        rows = dst_ids[group]
        ratio = np.abs(np.log(np.maximum(area[rows], 1.0) / max(src_area[i], 1.0)))
        k = int(np.argmin(ratio))
        if rows.size > 1 and abs(np.log(max(area[rows].sum(), 1.0) / max(src_area[i], 1.0))) < ratio[k]:
            continue  # a region split in two (an occluder crossing it): the halves add up to it, neither is it
        j = rows[k]
        if cost[group[k]] < MATCH_SURE and ratio[k] < MOVED_SIZE and counts[i, j] < MOVED_SHARE * src_area[i]:
            taken[i, 1:] = True
            taken[i, j] = False
    if not taken.any():
        return counts, area, None
    vacated = (1.0 - VACATED_WEIGHT) * np.where(taken, counts, 0.0).sum(axis=0)  # (N+1,)
    # A region made only of vacated pixels (something new where the hand was) keeps a quarter of its
    # area as "visible", so its vote stays weak instead of dividing by nothing.
    visible = np.maximum(area - vacated, 0.25 * area)
    return np.where(taken, VACATED_WEIGHT * counts, counts), visible, taken
