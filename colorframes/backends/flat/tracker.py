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
   longer vote. A region continuing alone a previous region much larger than itself is weak (a part keeps
   roughly its area). A region that the camera's shift alone lays on a previous region's outline stood
   still and follows the shift, not the flow (`flow.py`); one that the shift since the keyframe lays on a
   keyframe region's outline takes that region's colour (background a part walked over: the flow next to a
   fast part drags it along).
3. Weak regions (disputed, split off, unexplained by any previous region, or coming into view: their
   outline is new) are re-decided every frame against the keyframes on either side: first a region that
   repeats a keyframe region's outline moved (within the figure) is that part; then by the flow
   straight from the keyframe's own line art (the chain's steps composed into one; not for parts that came
   into view after the keyframe), else on form (the nearer keyframe wins by confidence; a colour whose
   keyframe area is already placed costs more). When the chain's colour and the form's answer differ, the
   one that a keyframe shows next to the colours of the region's sure neighbours wins (a pocket of wall the
   hair uncovers is not the chair it touches when no keyframe has chair next to chair); confidence decides
   a tie. A part coming into view (its outline is new) that no keyframe explains as well as the sheet does
   takes the sheet's match; while weak, such parts are matched to the sheet again every frame, together
   (which parts touch which counts), and each connected group of them also as a figure: in its own box
   against each sheet figure that shows a colour no keyframe shows, in that figure's box (`figures.py`), the
   better fitting reading answering for the group. The rest of such a figure (weak regions joined to it
   through weak regions, on which chain and keyframes disagree: the shirt the flow sent from the wall
   behind it) takes the sheet's match only for a colour no keyframe shows. What stays
   uncertain keeps the best guess, marked low-confidence (and `new`) for the report, and stays weak along
   the chain (confidence is carried as a minimum; only a keyframe's direct vote or form restores it).
   Then (`instances.py`) a region the chain was unsure of, or holding more of a colour than the keyframes
   show, that repeats a keyframe part's outline anywhere (scaled: the camera zooms) is another instance of
   that part when the form names one colour and that colour fits its sure neighbours as well: a window the
   head hid in the keyframe is a window once uncovered, a door behind the shirt a door. And an unsure
   region next to a sure region of a colour the keyframes show next to one colour only takes that colour.
4. The sheet never overrides a keyframe colour: next to keyframes it colours only parts coming into view;
   without keyframes every frame is matched to the sheet on its own, each sheet part serving at most two
   regions; what that leaves over (background the sheet does not show) takes the neutral palette, as
   everything does without any reference (deterministic).

Determinism rule (what makes shards agree): the colours of frame t depend only on the shot's keyframes,
sheet, hints and the line art of the frames on t's chain, never on which frames this process saw before.
Chains need the line art of the frames in between: frames this process colorizes are cached; any other
frame comes from the shot's `sketch_loader(frame) -> (H, W, 3) uint8 | None`. Without a loader, a frame
other than a keyframe is matched to the keyframe image directly (also shard-invariant, less stable).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from ...foundation.lineart import Regions, adjacency, segment_regions
from .copies import copies, region_boxes
from .figures import completed_box, groups, in_box, union_box
from .flow import Correspondence, correspond, flow_field
from .hints import Hint
from .instances import enclosing, twins
from .keycolors import dominant_colors
from .matching import adjacency_graph, descriptors, form_distance, match_global, norm2, sparse_assignment
from .params import DEFAULT_PARAMS, FlatParams
from .reference import segment_colored
from .state import NEUTRAL, PAPER_RGB, SOURCE_NAMES, FrameState, Palette, Reference, parts
from .votes import misfits, neighbour_reach, neighbours, vote

_KEPT = (SOURCE_NAMES.index("sheet"), SOURCE_NAMES.index("hint"))  # sources twins and surround leave alone


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
        self.sheet = self._reference(sheet, sheet_alpha, colour_lines=True) if sheet is not None else None
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
        self._key_states: dict[int, FrameState] = {}  # keyframe → its own line art's state (kept)
        self._key_refs: dict[tuple[int, tuple[int, int]], Reference] = {}
        self._key_pairs: dict[tuple, np.ndarray] = {}  # keyframe → the colour pairs it shows side by side
        self._figures: list[tuple[np.ndarray, tuple[float, float, float, float]]] | None = None  # the sheet's
        # (keyframe, frame) → (frame's regions, keyframe's regions, the flow from the keyframe to the frame)
        self._key_corr: dict[tuple[int, int], tuple[Regions, Regions, Correspondence]] = {}

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
        while start > 0 and chain[start - 1] not in self._states:
            start -= 1
        prev: FrameState | None = self._states.get(chain[start - 1]) if start > 0 else None
        missing = None
        for i in range(start, len(chain)):
            number = chain[i]
            art = sketch if number == t else self._sketch(number)
            if art is None:  # the chain cannot be followed: match t to its keyframe directly
                missing = number
                break
            prev = self._step(number, art, prev if i > 0 else None, regions if number == t else None)
        if missing is not None:
            prev = self._step(t, sketch, None, regions)
            prev.warnings.append(f"matched to the keyframe directly (line art of frame {missing} unavailable)")
        assert prev is not None
        return prev

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
            state = self._keyframe_state(number, regions)
        elif k is not None:
            if prev is None or prev.regions.shape != regions.shape:
                prev = self._key_reference(k, regions.shape).state
            state = self._carry(number, regions, prev)
            self._keyframe_copies(state)
            unsure = state.confidence < self.params.carry_min
            self._resolve_weak(state)
            self._surround(state, unsure)
            self._recognise_twins(state, unsure)
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

    def _keyframe_state(self, number: int, regions: Regions) -> FrameState:
        """Keyframe authority: every region takes the keyframe's dominant colour inside it."""
        image = self.keyframes[number]
        if image.shape[:2] != regions.shape:
            image = _resize(image, regions.shape)
        colors = dominant_colors(regions, image, self.params)  # (N+1, 3) uint8
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
            self._keyframe_state(k, segment_regions(art, self.gap_radius, self.params.lineart))
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
            # the hand itself, moved further than the flow follows, is found elsewhere. Re-decided below.
            sole = np.bincount(srcs, minlength=m1)[srcs] == 1
            shrunk = sole & ((1.0 + p.split_slack) * regions.area[dst] < src.area[srcs])
            conf[dst[shrunk]] = np.minimum(conf[dst[shrunk]], p.carry_min * 0.99)
            # A region left out, continued only weakly, or continuing a region of another size (no copy of
            # it), that repeats a previous region's outline moved is that part (a hand swinging along a belt
            # faster than the flow follows: the flow sees the belt). Another region continuing the same part
            # cannot be a piece of it unless their areas add up.
            ratio = regions.area[big_dst] / np.maximum(src.area[picked[big_dst]], 1.0)
            resized = (ratio < p.copy_iou) | (ratio > 1.0 / p.copy_iou)
            loose = big_dst[(choice < 0) | (conf[big_dst] < p.carry_min) | resized]
            copy_of, overlap = copies(
                regions, loose, src, prev.color, p.copy_iou, p.copy_reach, believed=color[loose], limit=p.copy_max
            )
            found = copy_of > 0
            copied = loose[found]
            for r, s_id in zip(copied, copy_of[found], strict=True):
                rivals = np.flatnonzero(picked == s_id)
                rivals = rivals[
                    (rivals != r) & (regions.area[rivals] + regions.area[r] > (1.0 + p.split_slack) * src.area[s_id])
                ]
                conf[rivals] = 0.0
            color[copied], picked[copied] = prev.color[copy_of[found]], copy_of[found]
            conf[copied] = np.minimum(overlap[found], prev.confidence[copy_of[found]])
            unexplained[copied] = False
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
        fresh = (corr.new_outline > p.new_outline_share) & (regions.area >= p.assign_min_area)
        fresh[copied] = False  # a repeated outline is not a new one
        new = unexplained | fresh
        new[0] = False
        new[_background(regions)] = False
        conf[new] = 0.0
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
        return FrameState(number, regions, color, conf, source, new=new, fresh=fresh, entered=entered)

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

    # --- weak regions -------------------------------------------------------------------------

    def _resolve_weak(self, state: FrameState) -> None:
        """Re-decide weak regions from the sheet (parts coming into view) and the keyframes (in place)."""
        p = self.params
        regions = state.regions
        weak = np.flatnonzero(state.confidence[1:] < p.carry_min) + 1
        weak = weak[regions.area[weak] >= p.assign_min_area]
        if not weak.size:
            return
        if weak.size > p.consult_max:  # bounded cost on noise: the largest weak regions are re-decided
            weak = weak[np.argsort(-regions.area[weak], kind="stable")[: p.consult_max]]
        entered = state.entered if state.entered is not None else np.zeros(regions.count + 1, bool)
        # A weak region that repeats a keyframe region's outline moved is that part, whatever the flow says
        # (it cannot follow a small part far: a hand along the belt flows from the belt). Decided first, so
        # the rest sees it placed (a belt piece the flow calls hand is then one hand too many). Not for parts
        # that came into view after the keyframe (the sheet's, below).
        keys = self._keys_around(state.number)
        refs = [self._key_state(k, regions.shape) for k in keys]
        key_states = [ref or self._key_reference(k, regions.shape).state for k, ref in zip(keys, refs, strict=True)]
        copy_color, copy_conf = np.full(weak.size, -1, np.int64), np.zeros(weak.size)
        for key in key_states:
            copy_of, overlap = copies(
                regions, weak, key.regions, key.color, p.copy_iou, p.copy_reach, True, state.color[weak], p.copy_max
            )
            better = (copy_of > 0) & ~entered[weak] & (overlap > copy_conf)
            copy_color[better], copy_conf[better] = key.color[copy_of[better]], overlap[better]
        copied = weak[copy_color >= 0]
        state.color[copied], state.confidence[copied] = copy_color[copy_color >= 0], copy_conf[copy_color >= 0]
        state.source[copied] = SOURCE_NAMES.index("keyframe")
        if state.new is not None:
            state.new[copied] = False
        weak = weak[copy_color < 0]
        new = state.new if state.new is not None else np.zeros(regions.count + 1, bool)
        best_color = np.full(weak.size, -1, np.int64)
        best_conf = np.zeros(weak.size)
        form_conf = np.zeros(weak.size)  # the keyframes' best match on form alone (what the sheet must beat)
        direct = np.zeros(weak.size, bool)  # decided by the flow straight from a keyframe's line art
        shown = np.zeros(len(self.palette.rgb) + 1, bool)  # palette colours the keyframes around show
        sure = (state.confidence >= p.carry_min) & (state.color >= 0)  # the neighbours a weak region must fit
        sure[0] = False
        pairs = []
        for k, ref, key in zip(keys, refs, key_states, strict=True):
            room = self._room(state, key)
            pairs.append(self._colour_pairs(k, key))
            # Not for parts that came into view after the keyframe: they flow from whatever they cover.
            if ref is not None and not entered[weak].all():
                color, conf = self._direct_vote(state, ref, weak, ~entered[weak], room)
                better = conf > best_conf
                best_color[better], best_conf[better] = color[better], conf[better]
                direct |= better
            shown[key.color[key.color >= 0]] = True
            color, conf = self._match_to(regions, weak, Reference(key, 0), iterations=0, room=room)
            form_conf = np.maximum(form_conf, conf)
            better = (conf > best_conf) & ~direct
            best_color[better], best_conf[better] = color[better], conf[better]
        # The sheet colours only parts coming into view that no keyframe explains; never a region the
        # chain or a keyframe knows (the sheet is another pose and, for the background, no source at all).
        # Coming into view means its outline is new (or it continues such a region); while weak, those are
        # matched again every frame, together, so a part first seen as a sliver is re-decided as more of it
        # shows, on form and on which of its parts touch which. A region merely left unexplained by the
        # assignment (a split, a merge, flicker of texture) is most likely a part the keyframe shows: the
        # sheet may give it only a colour no keyframe around shows (a mouth opening).
        # Each kind is matched in its own assignment: a region that is not coming into view must not take
        # a sheet part from one that is.
        if self.sheet is not None and (new[weak] | entered[weak]).any():
            # The rest of a figure coming into view: weak regions joined through weak regions to its parts,
            # on which the chain and the keyframes do not agree (the shirt of a character walking in, which
            # the flow first sent from the wall behind it). Asked of the sheet on form alone, in their own
            # assignment, they take only a colour no keyframe around shows and that the sheet shows next to
            # the colour of one of their sure neighbours (a bush beside a figure walking in is not its face).
            joined = self._joined(regions, weak, entered)
            joined &= ~entered & ~new
            joined[weak[(best_color == state.color[weak]) & (best_color >= 0)]] = False
            entering = np.flatnonzero(new[weak] | entered[weak] | joined[weak])
            color = np.full(entering.size, -1, np.int64)
            conf = np.zeros(entering.size)
            came = entered[weak[entering]]
            if came.any():  # matched together, so which parts touch which counts
                came_ids = weak[entering[came]]
                color[came], conf[came] = self._match_entering(regions, came_ids, shown, form_conf[entering[came]])
            rest = joined[weak[entering]]
            if rest.any():
                color[rest], conf[rest] = self._match_to(regions, weak[entering[rest]], self.sheet, 0)
                conf[rest] = np.where(shown[np.maximum(color[rest], 0)], 0.0, conf[rest])
                agree = self._sheet_neighbours_agree(state, weak[entering[rest]], color[rest])
                conf[rest] = np.where(agree, conf[rest], 0.0)
            came |= rest
            if (~came).any():
                color[~came], conf[~came] = self._match_to(regions, weak[entering[~came]], self.sheet, 0)
            inside = ~came
            inside[inside] = ~shown[np.maximum(color[inside], 0)]
            inside[inside] = self._sheet_neighbours_agree(state, weak[entering][inside], color[inside])
            conf = np.where(came | inside, conf, 0.0)
            unseen = np.zeros(weak.size, bool)
            # The sheet must be sure, and surer than any keyframe's match on form (a wrong sheet match costs
            # more than a low-confidence guess the report lists; a flow vote is no evidence for a new part).
            fresh = state.fresh[weak[entering]] if state.fresh is not None else np.zeros(entering.size, bool)
            floor = np.where(fresh, p.sheet_min_conf_new_outline, p.sheet_min_conf)
            unseen[entering] = (conf >= np.maximum(form_conf[entering], floor)) & (conf > 0)
            ids = weak[unseen]
            state.color[ids], state.confidence[ids] = color[unseen[entering]], conf[unseen[entering]]
            state.source[ids] = SOURCE_NAMES.index("sheet")
            weak, best_color, best_conf = weak[~unseen], best_color[~unseen], best_conf[~unseen]
            direct = direct[~unseen]
        current = state.color[weak]
        chain_conf, chain_source = state.confidence[weak], state.source[weak]
        agree = (best_color == current) & (best_color >= 0)
        # Agreement of chain and keyframe lifts confidence; a more confident keyframe re-decides the region.
        take = (best_color >= 0) & ((best_conf > state.confidence[weak]) | (current < 0)) & ~agree
        # What the sheet coloured when it came into view (no keyframe explained it) keeps the sheet's colour.
        take &= state.source[weak] != SOURCE_NAMES.index("sheet")
        state.confidence[weak[agree]] = np.maximum(state.confidence[weak[agree]], best_conf[agree])
        state.color[weak[take]], state.confidence[weak[take]] = best_color[take], best_conf[take]
        state.source[weak[take]] = SOURCE_NAMES.index("keyframe")
        # Chain and form answer differently: the one whose colour a keyframe shows next to the colours of the
        # region's sure neighbours wins (a piece of wall the hair uncovered is not the chair it touches: the
        # keyframe has no chair region next to the chair). A direct flow vote is stronger evidence and stays.
        undecided = ~direct & (best_color >= 0) & (current >= 0) & (best_color != current)
        undecided &= chain_source != SOURCE_NAMES.index("sheet")
        if undecided.any():
            ids = weak[undecided]
            known = np.unique(np.concatenate(pairs))
            answers = np.stack([best_color[undecided], current[undecided]])  # (2, K) form, chain
            misfit_form, misfit_chain = misfits(state, ids, answers, sure, known)
            took = take[undecided]
            to_form = ~took & (misfit_form < misfit_chain)
            to_chain = took & (misfit_chain < misfit_form)
            sel = np.flatnonzero(undecided)
            f, c = sel[to_form], sel[to_chain]
            state.color[weak[f]], state.confidence[weak[f]] = best_color[f], best_conf[f]
            state.source[weak[f]] = SOURCE_NAMES.index("keyframe")
            state.color[weak[c]], state.confidence[weak[c]] = current[c], chain_conf[c]
            state.source[weak[c]] = chain_source[c]
        # A part coming into view that no sheet explains is a guess: keep it in the report.
        guessed = weak[new[weak]]
        state.confidence[guessed] = np.minimum(state.confidence[guessed], p.low_confidence * 0.99)
        missing = np.flatnonzero(state.color < 0)
        missing = missing[missing > 0]
        if missing.size:
            neutral = self._neutral(state.number, regions)
            state.color[missing], state.confidence[missing] = neutral.color[missing], 0.0
            state.source[missing] = SOURCE_NAMES.index("neutral")

    def _direct_vote(
        self, state: FrameState, key: FrameState, ids: np.ndarray, eligible: np.ndarray, room: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(palette colour, confidence) per region in `ids` from the flow straight from keyframe line art.

        The chain carries a region's colour one drawing at a time; once a step loses it (an occlusion, a
        split), mere tracking cannot win it back. The flow from the keyframe's own drawing to this one
        composes those steps into one: a region most of whose consistent samples come from one keyframe
        colour takes it (confidence = that colour's share of its samples). Below `direct_vote_min` the vote
        is no answer (-1, 0) and the region is matched on form instead; so is a vote for a colour with less
        `room` (palette,) left than the region, and a vote that merely repeats the chain's colour while the
        frame's other regions of that colour already cover its keyframe area: a part keeps roughly its area,
        and a hand that moved by its own width along a belt flows from the belt (next to the keyframe this
        flow is the chain's own). So is a vote that moves a region off the chain's colour when the region is
        that colour's part (it alone holds the colour, at its keyframe area): two look-alike parts crossing
        (legs walking) are where this long flow confuses them. Only `eligible` (per `ids`) regions vote.
        """
        p = self.params
        regions = state.regions
        corr = self._from_key(key, state)
        j, i = corr.pairs[:, 0], corr.pairs[:, 1]
        color, share, _ = vote(j, corr.counts, key.color[i], key.confidence[i], corr.samples)
        color, share = color[ids], share[ids]
        ok = (color >= 0) & (share >= p.direct_vote_min)
        ok &= eligible
        ok[ok] &= regions.area[ids][ok] * (1.0 - p.split_slack) <= room[color[ok]]
        # A vote that repeats the chain's colour confirms it only when the colour's keyframe area is not
        # already covered by the frame's other regions holding it (sure or not).
        repeat = ok & (color == state.color[ids])
        n_pal = room.size
        others = np.ones(regions.count + 1, bool)
        others[0] = False
        others[ids[repeat]] = False
        keep = others & (state.color >= 0)
        cover = np.bincount(state.color[keep], weights=regions.area[keep], minlength=n_pal)[:n_pal]
        valid = key.color[1:] >= 0
        total = np.bincount(key.color[1:][valid], weights=key.regions.area[1:][valid], minlength=n_pal)[:n_pal]
        voted = np.bincount(color[repeat], weights=regions.area[ids][repeat], minlength=n_pal)[:n_pal]
        excess = cover + voted - total
        ok[repeat] &= excess[color[repeat]] <= p.split_slack * voted[color[repeat]]
        # The chain's colour stays where the region is that colour's part: it holds all of the colour's
        # area in the frame and that area is the colour's keyframe area (a part keeps roughly its area;
        # both within `split_slack`). Moving it would take the part out of the frame: two look-alike parts
        # crossing (legs walking) are where this long flow confuses them (the one in front takes the hidden
        # one's samples), while the chain's short steps still follow each.
        chain = state.color[ids]
        moves = ok & (chain >= 0) & (color != chain)
        if moves.any():
            held = state.color[1:] >= 0
            have = np.bincount(state.color[1:][held], weights=regions.area[1:][held], minlength=n_pal)[:n_pal]
            a, area = chain[moves], regions.area[ids][moves]
            part = np.abs(area - total[a]) <= p.split_slack * total[a]
            part &= have[a] - area <= p.split_slack * total[a]
            ok[moves] = ~part
        return np.where(ok, color, -1), np.where(ok, share, 0.0)

    def _recognise_twins(self, state: FrameState, unsure: np.ndarray) -> None:
        """Regions the chain is unsure of (before `_resolve_weak`) or that hold more of a colour than the
        keyframe shows take the colour of a keyframe part whose outline they repeat anywhere in the frame
        (`instances.twins`: a window the head hid in the keyframe is a window), when that colour fits the
        region's sure neighbours at least as well as its current one (the keyframe's colour pairs)."""
        p = self.params
        regions = state.regions
        n_pal = len(self.palette.rgb)
        keys = self._keys_around(state.number)
        key_states = [self._key_state(k, regions.shape) or self._key_reference(k, regions.shape).state for k in keys]
        held = state.color[1:] >= 0
        have = np.bincount(state.color[1:][held], weights=regions.area[1:][held], minlength=n_pal)[:n_pal]
        shown = np.zeros(n_pal)
        for key in key_states:
            valid = key.color[1:] >= 0
            total = np.bincount(key.color[1:][valid], weights=key.regions.area[1:][valid], minlength=n_pal)
            shown = np.maximum(shown, total[:n_pal])
        over = have > (1.0 + p.split_slack) * shown
        ids = np.flatnonzero((unsure | over[np.maximum(state.color, 0)]) & (state.color >= 0))
        least = max(p.assign_min_area, p.instance_min_share * regions.labels.size)
        ids = ids[(ids > 0) & (regions.area[ids] >= least) & (ids != _background(regions))]
        ids = ids[~np.isin(state.source[ids], _KEPT)]  # what the sheet or a hint coloured stays
        ids = ids[np.argsort(-regions.area[ids], kind="stable")[: p.instance_max]]
        if not ids.size:
            return
        color, overlap = np.full(ids.size, -1, np.int64), np.zeros(ids.size)
        for key in key_states:
            boxes = (region_boxes(regions), region_boxes(key.regions))
            grid, now = p.instance_grid, state.color[ids]
            c, o = twins(regions, ids, key.regions, key.color, p.copy_iou, p.instance_max_zoom, *boxes, grid, now)
            better = o > overlap
            color[better], overlap[better] = c[better], o[better]
        change = (color >= 0) & (color != state.color[ids])
        if not change.any():
            return
        ids, color, overlap = ids[change], color[change], overlap[change]
        sure = (state.confidence >= p.carry_min) & (state.color >= 0)
        sure[0] = False
        sure[ids] = False
        pairs = [self._colour_pairs(k, key) for k, key in zip(keys, key_states, strict=True)]
        known = np.unique(np.concatenate(pairs))
        misfit_twin, misfit_now = misfits(state, ids, np.stack([color, state.color[ids]]), sure, known)
        fits = misfit_twin <= misfit_now
        ids, color, overlap = ids[fits], color[fits], overlap[fits]
        # A part that came into view after the keyframe (its outline is new here or was along the chain)
        # takes its twin's colour as the best guess, and stays in the report: no keyframe shows it there.
        came = state.entered[ids] if state.entered is not None else np.zeros(ids.size, bool)
        state.color[ids] = color
        state.confidence[ids] = np.where(came, np.minimum(overlap, p.low_confidence * 0.99), overlap)
        state.source[ids] = SOURCE_NAMES.index("keyframe")
        if state.new is not None:
            state.new[ids[~came]] = False

    def _surround(self, state: FrameState, unsure: np.ndarray) -> None:
        """A region the chain is unsure of (before `_resolve_weak`) next to a sure region of a colour that
        the keyframes show next to one colour only takes that colour (`instances.enclosing`; all such
        neighbours must agree, and the colour must fit the region's sure neighbours better than its own,
        by the keyframes' colour pairs: a part that moved next to it is not inside it): a hair shadow the
        keyframe shows inside the hair only, a pupil inside the eye's white. Confidence: the least of those
        neighbours'; a part that came into view after the keyframe stays in the report (as in
        `_recognise_twins`)."""
        p = self.params
        regions = state.regions
        n1 = regions.count + 1
        open_ = unsure & (state.color >= 0) & (regions.area >= p.assign_min_area)
        open_ &= ~np.isin(state.source, _KEPT)  # what the sheet or a hint coloured stays
        open_[0] = False
        open_[_background(regions)] = False
        if not open_.any():
            return
        keys = self._keys_around(state.number)
        key_states = [self._key_state(k, regions.shape) or self._key_reference(k, regions.shape).state for k in keys]
        pairs = [self._colour_pairs(k, key) for k, key in zip(keys, key_states, strict=True)]
        only = enclosing(np.unique(np.concatenate(pairs)), len(self.palette.rgb))  # (palette,)
        # The sure regions of such colours (few) and the unsure regions around them (bounded cost).
        inner = np.flatnonzero((state.confidence >= p.carry_min) & (state.color >= 0) & ~open_)
        inner = inner[(inner > 0) & (only[state.color[inner]] >= 0)]
        inner = inner[np.argsort(-regions.area[inner], kind="stable")[: p.consult_max]]
        if not inner.size:
            return
        rows, near = neighbours(regions, inner)
        keep = open_[near]
        want, near, conf_in = only[state.color[inner[rows[keep]]]], near[keep], state.confidence[inner[rows[keep]]]
        # One answer per region: all the sure regions of such colours around it must agree.
        first = np.full(n1, -1, np.int64)
        first[near[::-1]] = want[::-1]
        agree = np.ones(n1, bool)
        np.logical_and.at(agree, near, want == first[near])
        conf = np.ones(n1)
        np.minimum.at(conf, near, conf_in)
        ids = np.flatnonzero(agree & (first >= 0) & (first != state.color))
        if ids.size:  # the answer must fit the region's other sure neighbours better than its colour does
            sure = (state.confidence >= p.carry_min) & (state.color >= 0) & ~open_
            sure[0] = False
            known = np.unique(np.concatenate(pairs))
            misfit_new, misfit_now = misfits(state, ids, np.stack([first[ids], state.color[ids]]), sure, known)
            ids = ids[misfit_new < misfit_now]
        came = state.entered[ids] if state.entered is not None else np.zeros(ids.size, bool)
        state.color[ids] = first[ids]
        state.confidence[ids] = np.where(came, np.minimum(conf[ids], p.low_confidence * 0.99), conf[ids])
        state.source[ids] = SOURCE_NAMES.index("keyframe")
        if state.new is not None:
            state.new[ids[~came]] = False

    def _from_key(self, key: FrameState, state: FrameState) -> Correspondence:
        """The correspondence straight from keyframe `key`'s line art to this frame's (kept for this frame)."""
        cache = (key.number, state.number)
        held = self._key_corr.get(cache)
        if held is None or held[0] is not state.regions or held[1] is not key.regions:  # new line art for t
            preset = self.params.direct_flow_preset
            corr = correspond(key.regions, state.regions, self.params, outline=False, preset=preset)
            self._key_corr = {c: v for c, v in self._key_corr.items() if c[1] == state.number}  # this frame's
            self._key_corr[cache] = held = (state.regions, key.regions, corr)
        return held[2]

    def _keyframe_copies(self, state: FrameState) -> None:
        """A region that the camera's shift since the nearest keyframe alone lays on a keyframe region's
        outline (`Correspondence.still`) is that region: where the chain carried another colour onto it,
        sure or not, it takes the keyframe's (in place; confidence: the colour's share of its samples).
        Background that a part walked over stood still relative to the camera; whatever the chain carried
        onto it while the part passed (the flow next to a fast part drags it along) ends here."""
        k = self.anchor_for(state.number)
        key = self._key_state(k, state.regions.shape) if k is not None else None
        if key is None:
            return
        corr = self._from_key(key, state)
        j, i = corr.pairs[:, 0], corr.pairs[:, 1]
        color, share, _ = vote(j, corr.counts, key.color[i], key.confidence[i], corr.samples)
        ids = np.flatnonzero(corr.still & (color >= 0) & (color != state.color))  # only where they disagree
        ids = ids[(ids > 0) & (state.source[ids] != SOURCE_NAMES.index("hint"))]  # a user's hint stays
        state.color[ids], state.confidence[ids] = color[ids], share[ids]
        state.source[ids] = SOURCE_NAMES.index("keyframe")
        for flags in (state.new, state.fresh, state.entered):  # the keyframe shows it: not coming into view
            if flags is not None:
                flags[ids] = False

    def _colour_pairs(self, k: int, key: FrameState) -> np.ndarray:
        """Sorted codes (a * 2**31 + b, a <= b) of the palette colour pairs that neighbour each other across
        a line in keyframe k (read through `key`)."""
        cache = (k, key.regions.shape, key.regions.count)
        if cache not in self._key_pairs:
            edges = adjacency(key.regions.labels, box=key.regions.box)  # (P, 2)
            col = key.color[edges] if len(edges) else np.zeros((0, 2), np.int64)
            col = np.sort(col[(col >= 0).all(axis=1)], axis=1)
            self._key_pairs[cache] = np.unique(col[:, 0] * 2**31 + col[:, 1])
        return self._key_pairs[cache]

    def _keys_around(self, t: int) -> list[int]:
        """The nearest keyframe before (or at) t and the nearest after it."""
        before = [k for k in self.keyframes if k <= t]
        after = [k for k in self.keyframes if k > t]
        return ([max(before)] if before else []) + ([min(after)] if after else [])

    def _room(self, state: FrameState, ref: FrameState) -> np.ndarray:
        """(palette size,) area of each colour in the keyframe minus its area already confidently placed
        in this frame: a part keeps roughly its area, so a colour that is fully placed (the hand, found)
        is an unlikely answer for one more region (the belt piece the hand uncovered)."""
        n_pal = len(self.palette.rgb)
        valid = ref.color[1:] >= 0
        total = np.bincount(ref.color[1:][valid], weights=ref.regions.area[1:][valid], minlength=n_pal)
        sure = (state.confidence[1:] >= self.params.carry_min) & (state.color[1:] >= 0)
        placed = np.bincount(state.color[1:][sure], weights=state.regions.area[1:][sure], minlength=n_pal)
        return total[:n_pal] - placed[:n_pal]

    def _match_to(
        self,
        regions: Regions,
        ids: np.ndarray,
        ref: Reference,
        iterations: int = 3,
        room: np.ndarray | None = None,
        leftover: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(palette colour, confidence) per region in `ids` from the reference's global assignment.

        `room` (palette,): area left for each colour; a region larger than its colour's room costs up to
        `params.w_room` more for it. With `leftover`, regions the assignment leaves over (more regions than
        the reference's can serve) get (-1, 0) rather than their cheapest reference region's colour.
        """
        rs = ref.state
        src_ids = parts(ref)
        if src_ids.size > self.params.consult_sources:  # bounded cost: the largest reference regions
            src_ids = np.sort(
                src_ids[np.argsort(-rs.regions.area[src_ids], kind="stable")[: self.params.consult_sources]]
            )
        if not ids.size or not src_ids.size:
            return np.full(ids.size, -1, np.int64), np.zeros(ids.size)
        extra = None
        if room is not None:
            area = regions.area[ids][:, None]  # (nd, 1)
            excess = np.clip((area - room[rs.color[src_ids]][None, :]) / np.maximum(area, 1.0), 0.0, 1.0)
            extra = self.params.w_room * excess  # (nd, ns)
        picked, conf = match_global(
            regions,
            ids,
            self._adjacency(regions) if iterations else None,
            rs.regions,
            src_ids,
            self._adjacency(rs.regions) if iterations else None,
            self.params,
            iterations,
            extra,
            leftover,
        )
        return np.where(picked > 0, rs.color[picked], -1), conf

    def _joined(self, regions: Regions, weak: np.ndarray, entered: np.ndarray) -> np.ndarray:
        """(N+1,) bool: the weak regions (`weak`, ids) joined through weak regions to one that came into view
        (`entered`, per region), those included."""
        out = np.zeros(regions.count + 1, bool)
        if entered[weak].any():
            for group in groups(self._adjacency(regions), weak):
                out[group] = entered[group].any()
        return out

    def _match_entering(
        self, regions: Regions, ids: np.ndarray, shown: np.ndarray, form_conf: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(palette colour, confidence) per region in `ids` (parts coming into view) from the sheet.

        All of them are matched to the whole sheet together, in the frame's box (a part of a figure the frame
        already shows: a mouth opening, a hand entering next to its arm). Each connected group of them is
        also matched, in its own box, to each sheet figure that shows a colour no keyframe around shows
        (`shown`, palette: a figure whose every colour a keyframe shows adds nothing the keyframe cannot), in
        that figure's own box (`figures.py`: a character walking into a room is a strip at the edge of the
        room's box, on the sheet it fills its own). A group with more regions than the figure has parts is
        not that figure (a figure seen whole has as many regions as parts, seen in part fewer: a strip of
        bricks a pan brings in is no character). The figure's reading answers for the group when its parts
        fit better (area-weighted mean confidence) than both the whole sheet's and the keyframes' match on
        form (`form_conf`, per region), and only with the colours no keyframe shows: a part it gives a
        colour a keyframe shows keeps the whole sheet's answer."""
        assert self.sheet is not None
        sheet = self.sheet.state
        color, conf = self._match_to(regions, ids, self.sheet)
        figures = [(fig, box) for fig, box in self._sheet_figures() if not shown[sheet.color[fig]].all()]
        if not figures:
            return color, conf
        adj, s_adj = self._adjacency(regions), self._adjacency(sheet.regions)
        boxes = region_boxes(regions)
        row = np.full(regions.count + 1, -1, np.int64)
        row[ids] = np.arange(ids.size)
        for group in groups(adj, ids):
            at, weight = row[group], regions.area[group]
            best = float(np.average(np.maximum(conf[at], form_conf[at]), weights=weight))
            box = union_box(boxes, group)
            for fig, fig_box in figures:
                if fig.size < group.size:  # more regions than the figure has parts: not that figure
                    continue
                aspect = (fig_box[2] - fig_box[0]) / max(fig_box[3] - fig_box[1], 1.0)
                dst = in_box(regions, completed_box(box, regions.shape, aspect))
                picked, c = match_global(dst, group, adj, in_box(sheet.regions, fig_box), fig, s_adj, self.params)
                score = float(np.average(c, weights=weight))
                if score > best:
                    best = score
                    col = np.where(picked > 0, sheet.color[picked], -1)
                    new = ~shown[np.maximum(col, 0)] & (col >= 0)
                    color[at[new]], conf[at[new]] = col[new], c[new]
        return color, conf

    def _sheet_figures(self) -> list[tuple[np.ndarray, tuple[float, float, float, float]]]:
        """The sheet's figures: connected groups of its parts (paper left out), each with its own box."""
        assert self.sheet is not None
        if self._figures is None:
            regions = self.sheet.state.regions
            sheet_boxes = region_boxes(regions)
            self._figures = [
                (g, union_box(sheet_boxes, g)) for g in groups(self._adjacency(regions), parts(self.sheet))
            ]
        return self._figures

    def _sheet_neighbours_agree(self, state: FrameState, ids: np.ndarray, color: np.ndarray) -> np.ndarray:
        """(len(ids),) bool: some confidently coloured neighbour of each region has a colour that the
        sheet's regions of `color` (per region) touch there (paper excluded): a mouth opening in the face
        sits next to skin, on the sheet too; a wall region the sheet happens to match sits next to none."""
        assert self.sheet is not None
        sheet = self.sheet.state
        n_pal = len(self.palette.rgb)
        pairs = self._adjacency(sheet.regions).tocoo()
        a, b = sheet.color[pairs.row], sheet.color[pairs.col]
        paper = sheet.color[self.sheet.background] if self.sheet.background else -1
        ok = (a >= 0) & (b >= 0) & (a != paper) & (b != paper)
        touch = np.zeros((n_pal, n_pal), bool)  # (palette, palette) colours touching on the sheet
        touch[a[ok], b[ok]] = True
        if not ids.size:
            return np.zeros(0, bool)
        rows, nb = neighbours(state.regions, ids)
        sure = (state.confidence[nb] >= self.params.carry_min) & (state.color[nb] >= 0)
        hit = np.zeros(ids.size, bool)
        rows, cols = rows[sure], state.color[nb[sure]]
        np.logical_or.at(hit, rows, touch[color[rows], cols])
        return hit

    def _adjacency(self, regions: Regions):
        return regions.memo(
            "adjacency", lambda: adjacency_graph(adjacency(regions.labels, box=regions.box), regions.count)
        )

    # --- no keyframes -------------------------------------------------------------------------

    def _from_sheet(self, number: int, regions: Regions) -> FrameState:
        """Every region matched to the sheet on its own frame (a global assignment, deterministic)."""
        assert self.sheet is not None
        n1 = regions.count + 1
        bg = _background(regions)
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
        bg = _background(regions)
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
