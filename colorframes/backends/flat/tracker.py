"""Per-shot colour assignment: keyframe authority, dense correspondence, one global assignment, confidence.

How a frame gets its colours (each step is right by construction, not by a tuned threshold):

1. A keyframe's own frame: every line-art region takes the keyframe's dominant colour inside it
   (`keycolors.py`), so the output equals the keyframe up to line pixels. Nothing overrides it.
2. Any other frame is reached by a chain from its nearest keyframe K (ties go to the earlier one):
   K → K±1 → … → t. Each step follows the dense correspondence between the two drawings (`flow.py`): the
   previous frame's regions vote for the regions they flow into, and one sparse global assignment
   (`matching.sparse_assignment`) on that vote, position after the flow, size and form decides which
   previous region each region continues. A region whose assigned colour disagrees with its flow vote is
   disputed and re-decided every frame (below), so a swap cannot ride the chain. A region that repeats a
   previous region's outline moved (their masks overlap when laid on each other; nearby; no look-alike of
   another colour) is that part even where the flow cannot follow it (a small part moving further than the
   flow follows: the flow sees the belt behind the hand), and the samples the flow sent from it elsewhere no
   longer vote. A region continuing alone a previous region much larger than itself is weak in this frame
   (a part keeps roughly its area; what this frame's re-decisions leave its colour is not carried weak). A
   region that the camera's shift alone lays on a previous region's outline stood still and follows the
   shift, not the flow (`flow.py`); one that the shift since the keyframe lays on a
   keyframe region's outline takes that region's colour (background a part walked over: the flow next to a
   fast part drags it along), and so does one inside which that shift lays keyframe regions of one colour
   covering most of it, their outlines and its own agreeing (`WeakRegions._shift_vote`).
3. Weak regions (disputed, split off, unexplained by any previous region, or coming into view: their
   outline is new) are re-decided every frame against the keyframes on either side: first a region that
   repeats a keyframe region's outline moved (within the figure) is that part (not where one of the colour
   it holds is such a copy too: look-alike pockets either side of an edge); then one inside which the
   camera's shift since the keyframe lays keyframe regions of one colour, their outlines and its own agreeing,
   is that background, seen in part by the keyframe (a shirt half behind a character walking past: the rest
   was behind the character; no look-alike elsewhere overrides it); then by the flow straight from the
   keyframe's own line art (the chain's steps composed into one; for parts that came into view after the
   keyframe weakly: most of them the keyframe shows, at the place that flow points to, and what the sheet
   does not read as a figure is the background it uncovered), else on form (the nearer keyframe wins by
   confidence; a colour whose keyframe area is already placed costs more; that flow starts from the camera
   measured along the chain and re-measured on the keyframe (`zoom.py`: a dolly). When the chain's colour
   and the form's answer differ, the
   one that a keyframe shows next to the colours of the region's sure neighbours wins (a pocket of wall the
   hair uncovers is not the chair it touches when no keyframe has chair next to chair); confidence decides
   a tie. A part coming into view (its outline is new) that no keyframe explains as well as the sheet does
   takes the sheet's match; while weak, such parts are matched to the sheet again every frame, together
   (which parts touch which counts), and each connected group of them also as a figure: in its own box
   against each sheet figure that shows a colour no keyframe shows, in that figure's box (`figures.py`), the
   better fitting reading answering for the group when it fits at all (its area-weighted confidence at
   least `sheet_min_conf`: regions the figure cannot serve, background it uncovered, count by their area).
   The sheet's colour must fit what the part touches: a sure neighbour or a part coming into view with it
   in a colour the sheet shows next to it, unless the sheet draws that colour alone (a prop): a piece of
   wall a hand rising from the frame's edge cuts off has a new outline too, and reads alone as a shoe. The
   sheet never gives a colour a keyframe draws as lines (a shade line the sheet draws thick reads as a
   stroke-shaped part). A disputed region whose flow vote comes from a part the sheet coloured continues
   that part (its colour, and that it came into view), whichever region the assignment picked. The rest of
   such a figure (weak regions joined to it through weak regions, on which chain and keyframes disagree: the
   shirt the flow sent from the wall behind it) takes the sheet's match only for a colour no keyframe
   shows. What stays uncertain keeps the best guess, marked low-confidence (and `new`) for the report, and
   stays weak along the chain (confidence is carried as a minimum; only a keyframe's direct vote or form
   restores it). A guess remembers the area it was made on: once the region grows past it (a window frame
   first seen as its corners beside the head that uncovers it), it is no evidence, and this drawing's
   answer replaces it. A region has three independent readings: the chain, the flow straight from the
   keyframe and its form; two agreeing outweigh the third. So that flow against the chain and the form
   together is no answer (on open, noisy lines it slides onto a neighbouring part; a guess is no reading).
   Form reads area, so under a camera zoom since the keyframe (`zoom.py`) it is no reading and that rule does
   not apply. A sure region is not asked again (the rule that let that flow and the form together overturn
   one moved 0.2 dB summed over the 32 rows of the tuning set, and was removed). A weak region
   that holds the colour every flow sample of its step sent it (a sliver the assignment left unexplained,
   cut off a larger part) was read by the flow: the form alone does not overturn it (`FrameState.voted`).
   Then (`instances.py`) a region the chain was unsure of (and the flow straight from a keyframe did not
   confirm: the two readings outweigh an outline; under a camera zoom, where areas say little, every sample
   of that flow naming the chain's colour confirms it even where the area check refuses it), or holding
   more of a colour than the keyframes show,
   that repeats a keyframe part's outline anywhere (scaled: the camera zooms) is another instance of that
   part when the form names one colour and that colour fits its sure neighbours as well (or is the colour
   the chain carried before this frame's re-decision: chain and outline agree): a window the
   head hid in the keyframe is a window once uncovered, a door behind the shirt a door; when the form names
   several (bricks of a wall), one whose colour is none of them takes a guess among them. Under a camera zoom
   since the keyframe an outline alone is no reading (parts at other depths scale otherwise: a piece of wall
   repeats a window): only a twin naming the colour the chain carried moves a region there, unless that
   colour is no reading (a guess, or a part coming into view). And an unsure
   region next to a sure region of a colour the keyframes show next to one colour only takes that colour.
   Last, a region still weak that the camera's shift since the keyframe lays inside one keyframe region
   that stood still (not the keyframe's background) is a piece of it uncovered, when the colour it holds is
   whole elsewhere (`WeakRegions._uncovered`: a wall pocket between a figure's legs, given the trousers).
4. The sheet never overrides a keyframe colour: next to keyframes it colours only parts coming into view;
   without keyframes every frame is matched to the sheet on its own, each sheet part serving at most two
   regions; what that leaves over (background the sheet does not show) takes the neutral palette, as
   everything does without any reference (deterministic).

Determinism rule (what makes shards agree): the colours of frame t depend only on the shot's keyframes,
sheet, hints and the line art of the frames on t's chain, never on which frames this process saw before.
Chains need the line art of the frames in between: frames this process colorizes are cached; any other
frame comes from the shot's `sketch_loader(frame) -> (H, W, 3) uint8 | None`. Computed states are memos
only: the last `cache_frames`, and checkpoints evenly spaced along the last chain walked from its start
(`chain_checkpoints`: in shot order a frame before its keyframe resumes from the nearest one, not from K).
Without a loader, a frame other than a keyframe is matched to the keyframe image directly (also
shard-invariant, less stable).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from ...foundation.lineart import Regions, segment_regions
from .copies import copies, region_boxes
from .flow import Correspondence, correspond, flow_field
from .hints import Hint
from .keycolors import dominant_colors
from .matching import descriptors, form_distance, norm2, sparse_assignment
from .params import DEFAULT_PARAMS, FlatParams
from .reference import segment_colored
from .state import NEUTRAL, PAPER_RGB, SOURCE_NAMES, FrameState, Palette, Reference, background_region
from .votes import neighbour_reach, vote
from .weak import WeakRegions
from .zoom import camera_fit, chain_camera


class ShotTracker(WeakRegions):
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
        params: FlatParams = DEFAULT_PARAMS,
    ) -> None:
        self.frame_size = (int(frame_size[0]), int(frame_size[1]))
        self.first_frame = first_frame
        self.gap_radius = gap_radius
        self.params = params
        self.loader = sketch_loader
        self.palette = Palette()
        self.paper = self.palette.index(PAPER_RGB)
        self.warnings: list[str] = []
        self.keyframes: dict[int, np.ndarray] = {}
        for number, image in sorted((keyframes or {}).items()):
            if image.shape[:2] != self.frame_size:
                self.warnings.append(
                    f"keyframe {number} is {image.shape[1]}x{image.shape[0]} but frames are "
                    f"{frame_size[1]}x{frame_size[0]}; it was resized to match"
                )
                image = _resize(image, self.frame_size)
            self.keyframes[number] = np.ascontiguousarray(image[..., :3])
        self.hints: dict[int, list[Hint]] = {}
        for hint in hints or []:
            self.hints.setdefault(hint.frame, []).append(hint)
        self._sketches: OrderedDict[int, np.ndarray] = OrderedDict()
        self._states: OrderedDict[int, FrameState] = OrderedDict()
        self._checkpoints: dict[int, FrameState] = {}  # states along the last chain walked from its start
        self._key_states: dict[int, FrameState] = {}  # keyframe → its own line art's state (kept)
        self._key_refs: dict[tuple[int, tuple[int, int]], Reference] = {}
        self._key_pairs: dict[tuple, np.ndarray] = {}  # keyframe → the colour pairs it shows side by side
        self._figures: list[tuple[np.ndarray, tuple[float, float, float, float]]] | None = None  # the sheet's
        # (keyframe, frame) → (frame's regions, keyframe's regions, the flow from the keyframe to the frame)
        self._key_corr: dict[tuple[int, int], tuple[Regions, Regions, Correspondence]] = {}
        # The palette's order is fixed here, before any frame: paper, each keyframe's colours (in frame order,
        # as the chain reads them), the neutral palette, then the sheet's and the hints'. Index order breaks
        # ties (a vote split evenly, an assignment of equal cost), so a tie never depends on which frames this
        # process saw first, and giving a sheet never changes how one breaks between the keyframes' colours.
        for k in self.keyframes:
            if self._key_state(k, self.frame_size) is None:
                self._key_reference(k, self.frame_size)
        self.palette.indices(np.asarray(NEUTRAL, np.uint8))
        self.sheet = self._reference(sheet, sheet_alpha, colour_lines=True) if sheet is not None else None
        self.sheet_lines = self._sheet_line_colours()
        for hint in hints or []:
            self.palette.index(hint.rgb)

    # --- anchors ----------------------------------------------------------------------------

    def _reference(self, image: np.ndarray, alpha: np.ndarray | None, colour_lines: bool) -> Reference:
        ref = segment_colored(image, alpha, colour_lines=colour_lines, params=self.params)
        color = self.palette.indices(ref.colors)
        if ref.background and alpha is not None:
            color[ref.background] = self.paper  # a transparent sheet background is paper
        color[0] = -1
        n1 = ref.regions.count + 1
        conf = np.ones(n1)
        conf[0] = 0.0
        source = np.full(n1, SOURCE_NAMES.index("keyframe"))
        return Reference(FrameState(-1, ref.regions, color, conf, source), ref.background)

    def _key_reference(self, k: int, shape: tuple[int, int]) -> Reference:
        """Keyframe k read as flat-colour regions at `shape` (when its own line art is not available)."""
        key = (k, (int(shape[0]), int(shape[1])))
        if key not in self._key_refs:
            image = self.keyframes[k]
            if image.shape[:2] != tuple(shape):
                image = _resize(image, shape)
            ref = self._reference(image, None, colour_lines=False)
            ref.state.number = k
            self._key_refs[key] = ref
        return self._key_refs[key]

    def _sheet_line_colours(self) -> np.ndarray:
        """(palette,) bool: the sheet's colours that a keyframe draws as lines: at least `assign_min_area` of its
        pixels have the colour, most of them on its line art's lines (a coloured shade line, which the sheet draws
        thicker, where it reads as a stroke-shaped part). A line is no part: the sheet never gives these
        (`WeakRegions._resolve_weak`). Without a keyframe's line art its image's own regions are read, which keep
        coloured lines as regions: no line colours from it."""
        out = np.zeros(len(self.palette.rgb), bool)
        colours = np.unique(self.sheet.state.color[self.sheet.state.color >= 0]) if self.sheet else np.zeros(0, int)
        if not colours.size:
            return out
        rgb = np.asarray(self.palette.rgb, np.int64)[colours]
        packed = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
        order = np.argsort(packed)
        colours, packed = colours[order], packed[order]
        for k, image in self.keyframes.items():
            key = self._key_state(k, self.frame_size) or self._key_reference(k, self.frame_size).state
            px = image.reshape(-1, 3).astype(np.int64)
            px = (px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2]
            at = np.searchsorted(packed, px).clip(0, packed.size - 1)
            hit = packed[at] == px
            total = np.bincount(at[hit], minlength=packed.size)
            on = np.bincount(at[hit & (key.regions.labels.ravel() == 0)], minlength=packed.size)
            out[colours] |= (total >= self.params.assign_min_area) & (2 * on > total)
        return out

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
        while len(self._sketches) > self.params.cache_frames:
            self._sketches.popitem(last=False)

    def _sketch(self, number: int) -> np.ndarray | None:
        if number in self._sketches:
            return self._sketches[number]
        if self.loader is None:
            return None
        try:
            return self.loader(number)
        except Exception:  # noqa: BLE001 - a missing neighbour must not fail this frame
            return None

    def state(self, t: int, sketch: np.ndarray, regions: Regions | None = None) -> FrameState:
        """Colours for frame t (its line art given, and its regions when segmented ahead); walks the chain,
        reusing cached states."""
        self.remember(t, sketch)
        self._states.pop(t, None)  # the given line art wins over anything computed for t before
        if self.loader is None:
            return self._step(t, sketch, None, regions)
        chain = self.chain(t)
        start = len(chain) - 1
        while start > 0 and self._memo(chain[start - 1]) is None:
            start -= 1
        prev: FrameState | None = self._memo(chain[start - 1]) if start > 0 else None
        # A walk from the chain's start lays checkpoints evenly along it, at most `cache_frames` apart when
        # their number allows: the next frames resume from the nearest one, and that walk's states stay cached.
        n_points, cached = self.params.chain_checkpoints, self.params.cache_frames
        spacing = 0
        if start == 0 and n_points > 0 and len(chain) > cached:
            spacing = max(cached, -(-len(chain) // n_points))
            self._checkpoints.clear()
        missing = None
        for i in range(start, len(chain)):
            number = chain[i]
            art = sketch if number == t else self._sketch(number)
            if art is None:  # the chain cannot be followed: match t to its keyframe directly
                missing = number
                break
            prev = self._step(number, art, prev if i > 0 else None, regions if number == t else None)
            if spacing and (len(chain) - 1 - i) % spacing == 0 and len(self._checkpoints) < n_points:
                self._checkpoints[number] = prev
        if missing is not None:
            prev = self._step(t, sketch, None, regions)
            prev.warnings.append(f"matched to the keyframe directly (line art of frame {missing} unavailable)")
            self._checkpoints.pop(t, None)  # not a state of t's chain: nothing resumes from it
        assert prev is not None
        if missing is None and t in self._checkpoints:
            self._checkpoints[t] = prev  # the given line art wins here too
        return prev

    def _memo(self, number: int) -> FrameState | None:
        """Frame `number`'s state when this process still holds it (recent, or a checkpoint)."""
        state = self._states.get(number)
        return state if state is not None else self._checkpoints.get(number)

    def _step(
        self, number: int, sketch: np.ndarray, prev: FrameState | None, regions: Regions | None = None
    ) -> FrameState:
        if number in self._states:
            return self._states[number]
        warnings: list[str] = []
        if sketch.shape[:2] != self.frame_size:
            warnings.append(
                f"frame is {sketch.shape[1]}x{sketch.shape[0]}, shot is {self.frame_size[1]}x{self.frame_size[0]}; "
                "references were scaled to match"
            )
        if regions is None:
            regions = segment_regions(sketch, self.gap_radius, self.params.lineart)
        warnings += regions.warnings
        k = self.anchor_for(number)
        if not regions.line_mask.any():
            warnings.append("blank frame: no lines found; filled with the paper colour")
            state = self._filled(number, regions, self.paper, SOURCE_NAMES.index("paper"))
        elif number in self.keyframes:
            state = self._keyframe_state(number, regions, sketch)
        elif k is not None:
            if prev is None or prev.regions.shape != regions.shape:
                prev = self._key_reference(k, regions.shape).state
            state = self._carry(number, regions, prev)
            chained = state.color.copy()
            self._anchor_camera(state)
            self._keyframe_copies(state)
            unsure = state.confidence < self.params.carry_min
            carried = state.color.copy()
            unsure[self._resolve_weak(state)] = False  # the keyframe shows them at their place, or confirms them
            self._surround(state, unsure)
            self._recognise_twins(state, unsure, carried)
            self._uncovered(state)
            if state.lowered is not None:  # weak for this frame only: kept colours carry the chain's confidence
                back = (state.lowered > state.confidence) & (state.color == chained)
                state.confidence[back] = state.lowered[back]
            warnings += self._leak_warning(number, k, regions)
        elif self.sheet is not None:
            state = self._from_sheet(number, regions)
        else:
            state = self._neutral(number, regions)
        state.warnings = warnings + state.warnings
        self._apply_hints(state)
        self._states[number] = state
        while len(self._states) > self.params.cache_frames:
            self._states.popitem(last=False)
        return state

    def _filled(self, number: int, regions: Regions, color: int, source: int) -> FrameState:
        n1 = regions.count + 1
        col = np.full(n1, color, np.int64)
        conf = np.ones(n1)
        col[0], conf[0] = -1, 0.0
        return FrameState(number, regions, col, conf, np.full(n1, source, np.int64))

    def _keyframe_state(self, number: int, regions: Regions, sketch: np.ndarray) -> FrameState:
        """Keyframe authority: every region takes the keyframe's dominant colour inside it (`sketch`: the line
        art `regions` come from)."""
        image = self.keyframes[number]
        if image.shape[:2] != regions.shape:
            image = _resize(image, regions.shape)
        colors = dominant_colors(regions, image, self.params, sketch)  # (N+1, 3) uint8
        state = self._filled(number, regions, 0, SOURCE_NAMES.index("keyframe"))
        state.color[1:] = self.palette.indices(colors[1:])
        if regions.shape == self.frame_size:
            self._key_states[number] = state
        return state

    def _key_state(self, k: int, shape: tuple[int, int]) -> FrameState | None:
        """Keyframe k read through its own frame's line art, when that line art can be loaded.

        Only with a loader: without one, whether frame k was colorized by this process would decide
        (the determinism rule), so the keyframe image's own regions are used instead.
        """
        if self.loader is None or tuple(shape) != self.frame_size:
            return None
        if k not in self._key_states:
            art = self._sketch(k)
            if art is None or art.shape[:2] != self.frame_size:
                return None
            self._keyframe_state(k, segment_regions(art, self.gap_radius, self.params.lineart), art)
        return self._key_states.get(k)

    def _leak_warning(self, number: int, k: int, regions: Regions) -> list[str]:
        """Far fewer regions than the keyframe's own line art (same segmentation): paint leaked."""
        key = self._key_state(k, regions.shape)
        if key is None:
            return []
        expected = key.regions.count
        if regions.count >= self.params.leak_ratio * expected:
            return []
        return [
            f"only {regions.count} regions vs {expected} in keyframe {k}'s line art: open lines? raise --gap-radius"
        ]

    # --- tracking ---------------------------------------------------------------------------

    def _carry(self, number: int, regions: Regions, prev: FrameState) -> FrameState:
        """Colours carried from the previous drawing of the chain along the dense correspondence."""
        p = self.params
        src = prev.regions
        n1, m1 = regions.count + 1, src.count + 1
        corr = correspond(src, regions, p)
        j, i = corr.pairs[:, 0], corr.pairs[:, 1]
        share = corr.counts / np.maximum(corr.samples[j], 1.0)  # (P,) share of region j flowing from i
        vote_color, vote_share, vote_conf = vote(j, corr.counts, prev.color[i], prev.confidence[i], corr.samples)
        color = vote_color.copy()
        conf = np.minimum(vote_share, vote_conf)
        source = np.full(n1, SOURCE_NAMES.index("tracked"), np.int64)
        picked = np.zeros(n1, np.int64)  # source region per region (0 = none)
        if corr.pairs.size:
            order = np.lexsort((-corr.counts, j))
            first = np.ones(order.size, bool)
            first[1:] = j[order][1:] != j[order][:-1]
            picked[j[order][first]] = i[order][first]

        # Regions no flow sample landed in (a few px) continue the source region under their centroid.
        h, w = regions.shape
        lost = np.flatnonzero(color[1:] < 0) + 1  # (K,)
        at = np.rint(regions.centroid[lost] + corr.displacement[lost]).astype(np.int64)  # (K, 2) x, y
        xs, ys = np.clip(at[:, 0], 0, w - 1), np.clip(at[:, 1], 0, h - 1)
        s_ids = src.labels[ys, xs].astype(np.int64)  # (K,) 0 where the point is on a line: look around it
        for k in np.flatnonzero(s_ids == 0):
            s_ids[k] = _region_near(src.labels, int(xs[k]), int(ys[k]))
        take = (s_ids > 0) & (prev.color[s_ids] >= 0)
        r, s_id = lost[take], s_ids[take]
        color[r], conf[r], picked[r] = prev.color[s_id], prev.confidence[s_id], s_id
        unexplained = np.zeros(n1, bool)
        copied = np.zeros(0, np.int64)  # regions found as a previous region's outline moved (below)
        lowered = np.zeros(n1)  # the chain's confidence of regions weak for this frame only (below)
        # One global assignment over regions big enough to have a form.
        big_dst = np.flatnonzero(regions.area >= p.assign_min_area)
        big_dst = big_dst[big_dst > 0]
        big_src = np.flatnonzero((src.area >= p.assign_min_area) & (prev.color >= 0))
        big_src = big_src[big_src > 0]
        if big_dst.size and big_src.size:
            rows, cols, cost = self._edges(regions, src, corr, share, big_dst, big_src)
            row_of = np.full(n1, -1, np.int64)
            row_of[big_dst] = np.arange(big_dst.size)
            col_of = np.full(m1, -1, np.int64)
            col_of[big_src] = np.arange(big_src.size)
            choice, picked_cost = sparse_assignment(
                row_of[rows], col_of[cols], cost, big_dst.size, big_src.size, p.unmatched, p.second_use
            )
            ok = choice >= 0
            # No previous region continues these at an acceptable cost. Pieces that merged (a belt the hand
            # no longer splits) still take most of their sources along; a part coming into view (a mouth
            # opening inside the face) takes a sliver of the region it flows from: its vote is a guess.
            # A region whose every sample flows consistently from one colour, and that is not a mere
            # sliver of the region it flows from, is a piece cut off that region (a lock of hair split by a
            # line that closed, the belt left of the hand), not a part coming into view: it keeps its vote.
            received = np.bincount(i, weights=corr.counts, minlength=m1)  # (M+1,) samples per source
            kept = np.bincount(j, weights=corr.counts**2 / np.maximum(received[i], 1.0), minlength=n1)
            merged = kept / np.maximum(corr.samples, 1.0) >= p.merge_share
            piece = (vote_share >= 1.0) & (regions.area >= p.piece_min_share * src.area[picked])
            unexplained[big_dst[~ok]] = ~(merged | piece)[big_dst[~ok]]
            dst, srcs = big_dst[ok], big_src[choice[ok]]
            quality = np.clip(1.0 - picked_cost[ok] / p.cost_scale, 0.0, 1.0)
            color[dst] = prev.color[srcs]
            conf[dst] = np.minimum(quality, prev.confidence[srcs])
            picked[dst] = srcs
            # Disputed: the assignment and the flow vote disagree. Re-decided below, every frame.
            disputed = (vote_color[dst] >= 0) & (vote_color[dst] != color[dst])
            conf[dst[disputed]] = np.minimum(conf[dst[disputed]], p.carry_min * 0.99)
            # A region split in two: the halves add up to it. Two regions that do not (the hand, and the
            # belt piece it uncovered) cannot both continue it: the costlier one is re-decided.
            order = np.lexsort((picked_cost[ok], srcs))
            second = np.zeros(order.size, bool)
            second[1:] = srcs[order][1:] == srcs[order][:-1]
            for k in np.flatnonzero(second):
                a, b = dst[order[k - 1]], dst[order[k]]
                if regions.area[a] + regions.area[b] > (1.0 + p.split_slack) * src.area[srcs[order[k]]]:
                    conf[b] = 0.0
            # A region continuing alone a previous region much larger than itself is a guess (a part keeps
            # roughly its area): the belt piece a hand moved off continues the hand along the flow, while
            # the hand itself, moved further than the flow follows, is found elsewhere. Re-decided below, in
            # this frame only: where this frame's re-decisions leave its colour, the chain's confidence
            # returns (`FrameState.lowered`). Carried weak, a later re-decision turned the many such regions
            # that are right (a piece of a split whose other pieces went to other sources, a part half
            # hidden by another) to a wrong colour.
            sole = np.bincount(srcs, minlength=m1)[srcs] == 1
            shrunk = dst[sole & ((1.0 + p.split_slack) * regions.area[dst] < src.area[srcs])]
            shrunk = shrunk[conf[shrunk] >= p.carry_min]  # weak for this reason alone
            lowered[shrunk] = conf[shrunk]
            conf[shrunk] = np.minimum(conf[shrunk], p.carry_min * 0.99)
            # A region left out, continued only weakly, or continuing a region of another size (no copy of
            # it), that repeats a previous region's outline moved is that part (a hand swinging along a belt
            # faster than the flow follows: the flow sees the belt).
            ratio = regions.area[big_dst] / np.maximum(src.area[picked[big_dst]], 1.0)
            resized = (ratio < p.copy_iou) | (ratio > 1.0 / p.copy_iou)
            loose = big_dst[(choice < 0) | (conf[big_dst] < p.carry_min) | resized]
            copy_of, overlap = copies(
                regions, loose, src, prev.color, p.copy_iou, p.copy_reach, believed=color[loose], limit=p.copy_max
            )
            found = copy_of > 0
            copied = loose[found]
            color[copied], picked[copied] = prev.color[copy_of[found]], copy_of[found]
            conf[copied] = np.minimum(overlap[found], prev.confidence[copy_of[found]])
            unexplained[copied] = False
            lowered[copied] = 0.0
            # The samples such a part sent elsewhere followed the flow's mistake (the belt it uncovered
            # flows from it): regions they swayed vote again without them, weakly (re-decided below).
            mate = np.zeros(m1, np.int64)
            mate[copy_of[found]] = copied
            kept = (mate[i] == 0) | (mate[i] == j)
            if not kept.all():
                again, _, _ = vote(
                    j[kept], corr.counts[kept], prev.color[i[kept]], prev.confidence[i[kept]], corr.samples
                )
                swayed = np.zeros(n1, bool)
                swayed[j[~kept]] = True
                swayed[copied] = False
                swayed &= (mate[picked] > 0) | (again != color)
                color[swayed] = np.where(again[swayed] >= 0, again[swayed], color[swayed])
                conf[swayed] = np.minimum(conf[swayed], p.carry_min * 0.99)
                lowered[swayed] = 0.0
        self._follow_sheet(prev, corr, vote_color, vote_share, color, conf, picked, unexplained)
        fresh = (corr.new_outline > p.new_outline_share) & (regions.area >= p.assign_min_area)
        new = unexplained | fresh
        new[0] = False
        new[background_region(regions)] = False
        conf[new] = 0.0
        lowered[new] = 0.0  # coming into view: weak along the chain, as every part that does
        hinted = (picked > 0) & (prev.source[picked] == SOURCE_NAMES.index("hint")) & (conf >= p.carry_min)
        source[hinted] = SOURCE_NAMES.index("hint")
        # A part the sheet coloured (no keyframe shows it) keeps saying so along the chain.
        source[(picked > 0) & (prev.source[picked] == SOURCE_NAMES.index("sheet")) & ~new] = SOURCE_NAMES.index(
            "sheet"
        )
        color[0], conf[0] = -1, 0.0
        fresh[0] = False
        entered = fresh.copy()
        if prev.entered is not None:
            entered |= (picked > 0) & prev.entered[picked]
        guessed = np.where(new, regions.area, 0.0)
        if prev.guessed is not None:  # a weak region continuing a guess carries the guess, not evidence
            held = ~new & (picked > 0) & (prev.guessed[picked] > 0) & (conf < p.carry_min)
            guessed[held] = prev.guessed[picked[held]]
        camera = chain_camera(prev.camera, camera_fit(regions, corr, p))
        voted = np.where(vote_share >= 1.0, vote_color, -1)
        voted[0] = -1
        return FrameState(
            number,
            regions,
            color,
            conf,
            source,
            new=new,
            fresh=fresh,
            entered=entered,
            guessed=guessed,
            voted=voted,
            camera=camera,
            lowered=lowered,
        )

    def _follow_sheet(
        self,
        prev: FrameState,
        corr: Correspondence,
        vote_color: np.ndarray,
        vote_share: np.ndarray,
        color: np.ndarray,
        conf: np.ndarray,
        picked: np.ndarray,
        unexplained: np.ndarray,
    ) -> None:
        """A disputed region (the assignment picked a previous region of another colour than its flow vote's)
        whose vote comes from a part the sheet coloured continues that part (in place: colour, confidence,
        picked source region, unexplained). Only with a sheet: no keyframe shows such a part, so only the
        flow carries its identity, and next to a figure walking in the assignment (position, size, form)
        often prefers the background piece it uncovered to the shirt that moved on. The region continues the
        sheet-coloured region sending most of its vote colour's samples, when sheet-coloured regions send
        most of them; it stays weak (re-decided every frame with the figure coming into view) and keeps the
        sheet as its source and its coming-into-view flag along the chain."""
        sheet = SOURCE_NAMES.index("sheet")
        j, i = corr.pairs[:, 0], corr.pairs[:, 1]
        same = (prev.color[i] == vote_color[j]) & (vote_color[j] >= 0)  # samples of the region's plurality colour
        from_sheet = same & (prev.source[i] == sheet)
        if not from_sheet.any():
            return
        n1 = color.size
        by_sheet = np.bincount(j[from_sheet], weights=corr.counts[from_sheet], minlength=n1)
        by_other = np.bincount(j[same & ~from_sheet], weights=corr.counts[same & ~from_sheet], minlength=n1)
        order = np.lexsort((-corr.counts[from_sheet], j[from_sheet]))
        js, is_ = j[from_sheet][order], i[from_sheet][order]
        first = np.ones(js.size, bool)
        first[1:] = js[1:] != js[:-1]
        best = np.zeros(n1, np.int64)
        best[js[first]] = is_[first]
        follow = (best > 0) & (by_sheet > by_other) & (picked > 0) & (color != vote_color)
        follow &= prev.source[picked] != sheet
        follow[0] = False
        ids = np.flatnonzero(follow)
        color[ids], picked[ids] = vote_color[ids], best[ids]
        conf[ids] = np.minimum(np.minimum(vote_share[ids], prev.confidence[best[ids]]), self.params.carry_min * 0.99)
        unexplained[ids] = False

    def _edges(
        self,
        regions: Regions,
        src: Regions,
        corr,
        share: np.ndarray,
        big_dst: np.ndarray,
        big_src: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate pairs (dst, src, cost): the pairs the flow (and the zero-motion check) sampled.

        Only sampled pairs: a pair without a vote costs at least `w_vote`, more than leaving the region
        `unmatched`, so the assignment could never choose it."""
        p = self.params
        is_dst = np.zeros(regions.count + 1, bool)
        is_dst[big_dst] = True
        is_src = np.zeros(src.count + 1, bool)
        is_src[big_src] = True
        j, i = corr.pairs[:, 0], corr.pairs[:, 1]
        keep = is_dst[j] & is_src[i]
        sj, si = corr.still_pairs[:, 0], corr.still_pairs[:, 1]
        still = is_dst[sj] & is_src[si]
        still_share = corr.still_counts[still] / np.maximum(corr.still_samples[sj[still]], 1.0)
        where = regions.centroid + corr.displacement  # (N+1, 2) where each region was in the previous frame
        rows = np.concatenate([j[keep], sj[still]])
        cols = np.concatenate([i[keep], si[still]])
        votes = np.concatenate([share[keep], still_share])
        m1 = src.count + 1
        code = rows * m1 + cols
        order = np.lexsort((-votes, code))
        first = np.ones(order.size, bool)
        first[1:] = code[order][1:] != code[order][:-1]
        rows, cols, votes = rows[order][first], cols[order][first], votes[order][first]
        fh = max(regions.figure_bbox[3] - regions.figure_bbox[1], src.figure_bbox[3] - src.figure_bbox[1], 1.0)
        gap = where[rows] - src.centroid[cols]  # (P, 2)
        pos = norm2(gap[:, 0], gap[:, 1]) / fh
        size = np.abs(np.log(np.maximum(regions.area[rows], 1.0) / np.maximum(src.area[cols], 1.0)))
        form = form_distance(_descriptors(regions)[rows], _descriptors(src)[cols])
        cost = p.w_vote * (1.0 - votes) + p.w_pos * pos + p.w_size * size + p.w_form * form
        return rows, cols, cost

    # --- no keyframes -------------------------------------------------------------------------

    def _from_sheet(self, number: int, regions: Regions) -> FrameState:
        """Every region matched to the sheet on its own frame (a global assignment, deterministic)."""
        assert self.sheet is not None
        n1 = regions.count + 1
        bg = background_region(regions)
        ids = np.arange(1, n1)
        ids = ids[ids != bg]
        # Each sheet part serves at most two regions (a part split by an occluder): what the assignment
        # leaves over is what the sheet does not show (background objects); no source colours it, so it
        # takes the neutral palette below (low confidence, in the report), never a character's colour.
        color, conf = self._match_to(regions, ids, self.sheet, leftover=True)
        state = self._filled(number, regions, -1, SOURCE_NAMES.index("sheet"))
        state.color[ids], state.confidence[ids] = color, conf
        if bg:
            sheet_bg = self.sheet.background
            paper = int(self.sheet.state.color[sheet_bg]) if sheet_bg else self.paper
            state.color[bg], state.confidence[bg] = paper, 1.0
            state.source[bg] = SOURCE_NAMES.index("paper")
        missing = np.flatnonzero(state.color < 0)
        missing = missing[missing > 0]
        if missing.size:
            neutral = self._neutral(number, regions)
            state.color[missing], state.confidence[missing] = neutral.color[missing], 0.0
            state.source[missing] = SOURCE_NAMES.index("neutral")
        return state

    def _neutral(self, number: int, regions: Regions) -> FrameState:
        """Deterministic neutral colours: regions ranked by area, paper stays paper."""
        order = np.argsort(-regions.area[1:], kind="stable") + 1
        neutral = self.palette.indices(np.asarray(NEUTRAL, np.uint8))
        state = self._filled(number, regions, -1, SOURCE_NAMES.index("neutral"))
        state.color[order] = neutral[np.arange(order.size) % len(NEUTRAL)]
        state.confidence[1:] = 0.0
        bg = background_region(regions)
        if bg:
            state.color[bg], state.confidence[bg] = self.paper, 1.0
            state.source[bg] = SOURCE_NAMES.index("paper")
        return state

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


def prepare_regions(sketch: np.ndarray, gap_radius: int, params: FlatParams) -> Regions:
    """A frame's regions with what tracking derives from them alone (flow field, boxes, form descriptors,
    line reach), so that a frame prepared ahead (on the runner's reader thread) is tracked without them."""
    regions = segment_regions(sketch, gap_radius, params.lineart)
    flow_field(regions, params)
    region_boxes(regions)
    _descriptors(regions)
    neighbour_reach(regions)
    return regions


def _descriptors(regions: Regions) -> np.ndarray:
    return regions.memo("descriptors", lambda: descriptors(regions))


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
