"""Step 3 of the flat tracker (`tracker.py` describes the whole): weak regions re-decided every frame.

A region is weak when the chain of flow steps cannot vouch for it: disputed, split off, unexplained by any
previous region, or coming into view. Each frame such regions are decided again against the keyframes on
either side (their outline repeated moved, the flow straight from the keyframe's line art, form, and which
colours the keyframe shows side by side) and, for parts no keyframe shows, against the sheet (on their own,
and as a figure walking in: `entering.py`); then regions the chain was unsure of are recognised as other
instances of a keyframe part (`instances.py`). A sure region is not asked again: the chain's step makes a region
weak wherever its flow vote and the assignment disagree, so a swap is re-decided at the frame it happens.
`ShotTracker` mixes this in; the state it reads is declared below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...foundation.lineart import Regions, adjacency
from .copies import copies, region_boxes
from .entering import SheetEntries
from .flow import Correspondence, correspond
from .instances import enclosing, twins
from .matching import adjacency_graph, match_global
from .params import FlatParams
from .state import SOURCE_NAMES, FrameState, Palette, Reference, background_region, parts
from .votes import judge, misfits, neighbours, vote
from .zoom import key_camera, zooming

_KEPT = (SOURCE_NAMES.index("sheet"), SOURCE_NAMES.index("hint"))  # sources twins and surround leave alone


class WeakRegions(SheetEntries):
    """The re-decision of weak regions, mixed into `ShotTracker` (which owns the state declared here)."""

    params: FlatParams
    palette: Palette
    sheet: Reference | None
    sheet_lines: np.ndarray
    keyframes: dict[int, np.ndarray]
    _key_pairs: dict[tuple, np.ndarray]
    _key_corr: dict[tuple[int, int], tuple[Regions, Regions, Correspondence]]

    if TYPE_CHECKING:  # ShotTracker's

        def anchor_for(self, t: int) -> int | None: ...

        def _key_state(self, k: int, shape: tuple[int, int]) -> FrameState | None: ...

        def _key_reference(self, k: int, shape: tuple[int, int]) -> Reference: ...

        def _neutral(self, number: int, regions: Regions) -> FrameState: ...

    def _resolve_weak(self, state: FrameState) -> np.ndarray:
        """Re-decide weak regions from the sheet (parts coming into view) and the keyframes (in place); the
        ids of those whose colour the keyframe shows at their place (`_shift_vote`), of those whose chain colour
        the flow straight from a keyframe names too, sure again, and, under a camera zoom, of those (still weak)
        whose chain colour every sample of that flow gives: no look-alike elsewhere overrides it."""
        p = self.params
        regions = state.regions
        weak = np.flatnonzero(state.confidence[1:] < p.carry_min) + 1
        weak = weak[regions.area[weak] >= p.assign_min_area]
        if not weak.size:
            return weak
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
        state.read_from_keyframe(copied)
        weak = weak[copy_color < 0]
        # A weak region inside which the camera's shift alone lays keyframe regions of one colour is the
        # background the keyframe shows there (in part: the rest was behind a part that moved on), whatever
        # the flow or the form says. Also decided before the rest, and also for regions coming into view
        # (the keyframe shows them: they came into view from behind a part, not at the frame's edge).
        seen_color, seen_conf = np.full(weak.size, -1, np.int64), np.zeros(weak.size)
        for ref in refs:
            if ref is not None:
                color, conf = self._shift_vote(state, ref, weak)
                better = conf > seen_conf
                seen_color[better], seen_conf[better] = color[better], conf[better]
        # An answer that repeats the chain's colour confirms the colour, not the confidence the chain lost:
        # the region goes the usual way below (a hand back where the keyframe had it says nothing of the belt
        # it uncovers next), and no look-alike elsewhere overrides the colour where it stays.
        agreed = (seen_color >= 0) & (seen_color == state.color[weak])
        confirmed, confirmed_color = weak[agreed], seen_color[agreed]
        answered = (seen_color >= 0) & ~agreed
        seen, seen_color, seen_conf = weak[answered], seen_color[answered], seen_conf[answered]
        state.color[seen], state.confidence[seen] = seen_color, seen_conf
        state.source[seen] = SOURCE_NAMES.index("keyframe")
        state.read_from_keyframe(seen, in_view=True)
        weak = weak[~answered]
        new = state.new if state.new is not None else np.zeros(regions.count + 1, bool)
        best_color = np.full(weak.size, -1, np.int64)
        best_conf = np.zeros(weak.size)
        form_conf = np.zeros(weak.size)  # the keyframes' best match on form alone (what the sheet must beat)
        form_color = np.full(weak.size, -1, np.int64)  # ... and its colour
        direct = np.zeros(weak.size, bool)  # decided by the flow straight from a keyframe's line art
        named = np.zeros(weak.size, bool)  # every sample of that flow gives the chain's colour (below)
        shown = np.zeros(len(self.palette.rgb) + 1, bool)  # palette colours the keyframes around show
        sure = (state.confidence >= p.carry_min) & (state.color >= 0)  # the neighbours a weak region must fit
        sure[0] = False
        pairs = []
        for k, ref, key in zip(keys, refs, key_states, strict=True):
            room = self._room(state, key)
            pairs.append(self._colour_pairs(k, key))
            # Parts that came into view after the keyframe vote too, weakly: most of them the keyframe shows
            # (background a part uncovered, a part the pan brings back, drawn anew), where the flow from it
            # points; one it does not show flows from whatever covers its place there, so the vote stays under
            # `carry_min` (asked again every frame, and with a sheet the sheet's reading below decides).
            if ref is not None and zooming(state.camera, p):
                named |= self._every_sample_names(state, ref, weak) & ~entered[weak]
            if ref is not None:
                color, conf = self._direct_vote(state, ref, weak, room)
                conf = np.where(entered[weak], np.minimum(conf, p.carry_min * 0.99), conf)
                better = conf > best_conf
                best_color[better], best_conf[better] = color[better], conf[better]
                direct |= better
            shown[key.color[key.color >= 0]] = True
            color, conf = self._match_to(regions, weak, Reference(key, 0), iterations=0, room=room)
            up = conf > form_conf
            form_color[up], form_conf[up] = color[up], conf[up]
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
                color[came], conf[came] = self._match_entering(state, came_ids, shown, form_conf[entering[came]])
                # The sheet's colour must fit the part's surroundings: a sure neighbour, or a part coming into
                # view with it, in a colour the sheet shows next to it (a piece of wall that a hand rising
                # from the frame's edge cuts off has a new outline, and alone, between the sleeve and the
                # shirt, reads on form as a shoe, which the sheet shows next to neither).
                agree = self._sheet_neighbours_agree(state, came_ids, color[came], together=True)
                conf[came] = np.where(agree, conf[came], 0.0)
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
            # A keyframe's line colour is no part's (a shade line the sheet draws thick reads as a stroke-shaped
            # part: a strip of wall between two such lines matches it on form).
            lines = np.zeros(len(self.palette.rgb), bool)
            lines[: self.sheet_lines.size] = self.sheet_lines
            conf = np.where(lines[np.maximum(color, 0)], 0.0, conf)
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
            direct, form_color, named = direct[~unseen], form_color[~unseen], named[~unseen]
        current = state.color[weak]
        chain_conf, chain_source = state.confidence[weak], state.source[weak]
        agree = (best_color == current) & (best_color >= 0)
        # Agreement of chain and keyframe lifts confidence; a more confident keyframe re-decides the region.
        # A chain colour that continues a guess made on a part of this region (a sliver of it coming into
        # view: the corners of a window frame next to the head that uncovers it) is no evidence once the
        # region has grown past that part (a part keeps roughly its area, within `split_slack`): the answer
        # read from this drawing replaces it, whatever the confidences (the guess's was carried, not
        # measured on this drawing), and is the guess from now on.
        guessed = state.guessed[weak] if state.guessed is not None else np.zeros(weak.size)
        regrown = (guessed > 0) & (regions.area[weak] > (1.0 + p.split_slack) * guessed)
        take = (best_color >= 0) & ((best_conf > state.confidence[weak]) | (current < 0) | regrown) & ~agree
        # The flow from a keyframe against the chain and the form together is no answer: two independent
        # readings (the chain's short steps, the region's outline) outweigh one long flow, which on open,
        # noisy lines slides onto a neighbouring part. The region stays weak, asked again next frame. A chain
        # colour that is a guess (`guessed`: a part coming into view took what the flow sent) is no reading,
        # nor is one the chain holds with no confidence at all (filled in, not read: no step found evidence
        # for it: a boat's stripe carried as its hull for ten frames under a string of look-alike floats, the
        # flow saying stripe). Form reads area: under a camera zoom since the keyframe it is no independent
        # reading.
        if not zooming(state.camera, p):
            take &= ~(direct & (form_color == current) & (guessed == 0) & (chain_conf > 0.0))
        # A weak region that holds the colour every flow sample of the chain's step sent it (a sliver the
        # assignment left unexplained, cut off a larger part; a region the chain's carried minimum keeps
        # weak) was read by the flow: the form alone is no more than that one reading, and does not overturn
        # it (it stays weak, asked again next frame); the flow from a keyframe, or its sure neighbours against
        # the chain's colour (below), do.
        if state.voted is not None:
            read = (state.voted[weak] == current) & (current >= 0)
            take &= direct | ~read
        # What the sheet coloured when it came into view (no keyframe explained it) keeps the sheet's colour.
        take &= state.source[weak] != SOURCE_NAMES.index("sheet")
        if state.guessed is not None:
            state.guessed[weak[regrown]] = regions.area[weak[regrown]]
            # The flow from a keyframe overruling the chain is evidence. Agreeing with the chain on a region
            # coming into view it is not: both flows went through what uncovered it (next to the keyframe
            # they are one flow).
            state.guessed[weak[direct & take]] = 0.0
        state.confidence[weak[agree]] = np.maximum(state.confidence[weak[agree]], best_conf[agree])
        state.color[weak[take]], state.confidence[weak[take]] = best_color[take], best_conf[take]
        state.source[weak[take]] = SOURCE_NAMES.index("keyframe")
        # Chain and form answer differently: the one whose colour a keyframe shows next to the colours of the
        # region's sure neighbours wins (a piece of wall the hair uncovered is not the chair it touches: the
        # keyframe has no chair region next to the chair). A direct flow vote is stronger evidence and stays.
        # Moving a region off the chain's colour to a less confident form is a change the neighbours must
        # earn: the share of its sure neighbours' say (`votes.judge`: a colour the keyframes show next to
        # many others says more) against the chain's colour alone must be more than the chain's lead in
        # confidence over the form (a basket of a nearer layer sliding past a stripe, a colour the keyframe
        # shows next to few, handed the stripe the chain held to a form of next to no confidence). Under a
        # camera zoom since the keyframe the form is no reading (it reads area), and the parts of different
        # depths slide along each other (parallax: a stripe comes to touch the pavement the keyframe never
        # shows next to it): the neighbours do not hand a region to it.
        undecided = ~direct & (best_color >= 0) & (current >= 0) & (best_color != current)
        undecided &= chain_source != SOURCE_NAMES.index("sheet")
        if undecided.any():
            ids = weak[undecided]
            known = np.unique(np.concatenate(pairs))
            answers = np.stack([best_color[undecided], current[undecided]])  # (2, K) form, chain
            (misfit_form, misfit_chain), (_, refuted_chain) = judge(state, ids, answers, sure, known)
            took = take[undecided]
            lead = chain_conf[undecided] - best_conf[undecided]
            to_form = ~took & (misfit_form < misfit_chain) & (refuted_chain > lead) & (not zooming(state.camera, p))
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
        # The chain's colour that the flow straight from a keyframe names too, sure again: two readings; an
        # outline repeated elsewhere (`_recognise_twins`) is one, and does not overturn it. Under a camera zoom
        # since the keyframe (`zoom.py`) so is a chain colour that every sample of that flow gives the region
        # where `_direct_vote` refuses it as an answer on area: the keyframe areas are scaled by the zoom the
        # chain measured, and parts at other depths scale otherwise (parallax), so an area is no reading there
        # (as the form is not). The flow confirms the colour, not the confidence the chain lost (as
        # `_shift_vote`'s confirmation above: the region stays weak, asked again every frame), and no
        # look-alike elsewhere overrides it (`dolly`: a wall piece both readings held went to a window's colour
        # on its outline, and the chain carried it to the shot's end). Without a zoom the area is a reading: a
        # small part that moved over another flows from it with every sample, and that colour held over its
        # keyframe area says the part is something else (`shaded`: a 250 px piece of skin, given the dark
        # colour behind it, that its outline makes skin). Not for parts coming into view (they flow from
        # whatever covered their place).
        lifted = weak[agree & direct]
        lifted = lifted[state.confidence[lifted] >= p.carry_min]
        named = weak[named & (state.color[weak] == current)]
        return np.concatenate([seen, confirmed[state.color[confirmed] == confirmed_color], lifted, named])

    def _direct_vote(
        self, state: FrameState, key: FrameState, ids: np.ndarray, room: np.ndarray
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
        (a piece of) that colour's part (without it the frame holds less of the colour than its keyframe area,
        with it not more): two look-alike parts crossing (legs walking) are where this long flow confuses them,
        and a part that moved further since the keyframe than it follows flows from the background behind it.
        """
        p = self.params
        regions = state.regions
        color, share = self._key_vote(state, key)
        color, share = color[ids], share[ids]
        ok = (color >= 0) & (share >= p.direct_vote_min)
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
        total = self._key_colour_area(state, key)
        voted = np.bincount(color[repeat], weights=regions.area[ids][repeat], minlength=n_pal)[:n_pal]
        excess = cover + voted - total
        ok[repeat] &= excess[color[repeat]] <= p.split_slack * voted[color[repeat]]
        # The chain's colour stays where the region is (a piece of) that colour's part: without it the frame
        # holds less of the colour than the keyframe does, with it not more (a part keeps roughly its area;
        # both within `split_slack`). Moving it would take the part, or a piece of it, out of the frame: two
        # look-alike parts crossing (legs walking) are where this long flow confuses them (the one in front
        # takes the hidden one's samples), and a part that moved further since the keyframe than this flow
        # follows flows from the background behind it, while the chain's short steps still follow each.
        chain = state.color[ids]
        moves = ok & (chain >= 0) & (color != chain)
        if moves.any():
            ok[moves] = ~self._piece_of_part(state, total, chain[moves], regions.area[ids][moves])
        return np.where(ok, color, -1), np.where(ok, share, 0.0)

    def _key_vote(self, state: FrameState, key: FrameState) -> tuple[np.ndarray, np.ndarray]:
        """(N+1,) palette colour and share per region: the plurality of the consistent samples of the flow
        straight from keyframe `key`'s line art (before any guard)."""
        corr = self._from_key(key, state)
        j, i = corr.pairs[:, 0], corr.pairs[:, 1]
        color, share, _ = vote(j, corr.counts, key.color[i], key.confidence[i], corr.samples)
        return color, share

    def _piece_of_part(self, state: FrameState, total: np.ndarray, color: np.ndarray, area: np.ndarray) -> np.ndarray:
        """Regions of `area` holding `color` that are (a piece of) that colour's part: without them the frame
        holds less of the colour than its keyframe area `total` (palette,), with them not more (both within
        `split_slack`): a part keeps roughly its area."""
        slack = self.params.split_slack
        held = state.color[1:] >= 0
        weights = state.regions.area[1:][held]
        have = np.bincount(state.color[1:][held], weights=weights, minlength=total.size)[: total.size]
        others = have[color] - area  # the colour's area in the frame without the region
        return (others < (1.0 - slack) * total[color]) & (have[color] <= (1.0 + slack) * total[color])

    def _every_sample_names(self, state: FrameState, key: FrameState, ids: np.ndarray) -> np.ndarray:
        """(len(ids),) bool: every sample of the flow straight from keyframe `key`'s line art into the region
        lands, consistently, in a keyframe region of the region's colour (`_direct_vote`'s plurality before its
        guards, at a share of one)."""
        color, share = self._key_vote(state, key)
        return (color[ids] >= 0) & (color[ids] == state.color[ids]) & (share[ids] >= 1.0)

    def _shift_vote(
        self, state: FrameState, key: FrameState, ids: np.ndarray, overrule: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """(palette colour, confidence) per region in `ids` from the keyframe regions that the camera's shift
        alone (`Correspondence.still_pairs`: the global shift from the keyframe's line art to this one) lays
        inside it, or (-1, 0).

        Background stands still relative to the camera: a keyframe region lying inside a region of this
        drawing once the shift is undone (at least `shift_inside` of its samples in it) shows part of the
        same place, and a flat region has one colour, so the region takes that colour. The keyframe may show
        only part of it (a crowd's shirt half behind a character walking past): the rest of its place was
        behind a part that moved on, which is why neither the chain nor the flow from the keyframe (both
        dragged along by that part) can give its colour, and its form matches any look-alike. Only an
        answer for a region that stood still: it touches a region the shift lays on a keyframe region's
        outline (`Correspondence.still`: the background around it stood still under this shift, which a
        zoom breaks), its outline lies on the keyframe's lines once shifted, and so do those keyframe
        regions' on this drawing's (each on at least `shift_outline_share` of its length: the visible part
        of a background region keeps its outline; a part that moved, with a piece of background the keyframe
        shows inside it, does not, nor does a hand that moved off the belt it lay on). And only when every
        keyframe region inside it has that colour (a part that moved over the background holds several:
        bricks of many colours inside a torso), and for regions of at least `instance_min_share` of the
        frame (the outline of a few dozen pixels, a piece of a leg where the keyframe showed the rug
        between the legs, agrees with another drawing's lines by chance). Confidence: the share of the
        region's samples in those keyframe regions (how much of it the keyframe shows there). With
        `overrule`, only answers that overrule the region's colour are given: another colour, on a region
        the keyframe shows mostly (confidence at least `carry_min`)."""
        p = self.params
        regions = state.regions
        out_color, out_conf = np.full(ids.size, -1, np.int64), np.zeros(ids.size)
        corr = self._from_key(key, state)
        j, i, counts = corr.still_pairs[:, 0], corr.still_pairs[:, 1], corr.still_counts
        total = np.bincount(i, weights=counts, minlength=key.regions.count + 1)  # (K+1,) samples per key region
        inside = (counts >= p.shift_inside * total[i]) & (key.regions.area[i] >= p.assign_min_area)
        inside &= key.color[i] >= 0
        if not ids.size or not inside.any():
            return out_color, out_conf
        j, i, counts = j[inside], i[inside], counts[inside]
        n1 = regions.count + 1
        held = np.bincount(j, weights=counts, minlength=n1)  # (N+1,) samples inside such keyframe regions
        color, share, _ = vote(j, counts, key.color[i], np.ones(j.size), held)
        color, share = color[ids], share[ids]
        conf = np.minimum(held[ids] / np.maximum(corr.still_samples[ids], 1.0), 1.0)
        ok = (color >= 0) & (share >= 1.0)  # one colour
        ok &= regions.area[ids] >= p.instance_min_share * regions.labels.size  # outlines long enough to tell
        if overrule:
            ok &= (color != state.color[ids]) & (conf >= p.carry_min)
        if ok.any():
            rows, near = neighbours(regions, ids[ok])
            around = np.zeros(int(ok.sum()), bool)
            np.logical_or.at(around, rows, corr.still[near])
            ok[ok] = around
        dx, dy = (int(round(v)) for v in corr.shift)
        boxes, key_boxes = region_boxes(regions), region_boxes(key.regions)
        for n in np.flatnonzero(ok):
            r = int(ids[n])
            agree, length = _outline_on_lines(regions.labels, r, boxes[r], key.regions.labels, -dx, -dy)
            key_agree, key_length = 0, 0
            for k in i[j == r].tolist():
                a, b = _outline_on_lines(key.regions.labels, k, key_boxes[k], regions.labels, dx, dy)
                key_agree, key_length = key_agree + a, key_length + b
            share_min = p.shift_outline_share
            ok[n] = agree >= share_min * max(length, 1) and key_agree >= share_min * max(key_length, 1)
        out_color[ok], out_conf[ok] = color[ok], conf[ok]
        return out_color, out_conf

    def _uncovered(self, state: FrameState) -> None:
        """A region still weak after the re-decision that the camera's shift since the anchor keyframe lays
        inside one keyframe region K (at least `shift_inside` of its samples) that stood still (K's outline
        lies on this drawing's lines under the shift, on at least `shift_outline_share` of its length) takes
        K's colour, when the colour it holds is not a piece of that colour's part (the frame's other regions
        of it already hold its keyframe area, within `split_slack`, as `_direct_vote` reads a part): the
        keyframe shows background there, and what the chain carried onto it is the part that uncovered it
        (a wall pocket a walking figure leaves between its arm and body, given the sleeve's colour), which is
        whole elsewhere. `_shift_vote` reads keyframe regions inside the region; this reads the region
        inside a keyframe region, of which it shows a piece (the rest is still behind the part). Not the
        keyframe's background region (its outline is the figure's silhouette, so a moving part always lies
        inside it), nor under a camera zoom (the shift is no camera then), nor for regions under
        `instance_min_share` of the frame (a sliver of a shaded leg agrees with the keyframe's place and lines
        by chance, and is a negligible share of its colour's area whatever it is). Stays weak: asked again every
        frame, with the confidence it had (in place)."""
        p = self.params
        k = self.anchor_for(state.number)
        key = self._key_state(k, state.regions.shape) if k is not None else None
        if key is None or zooming(state.camera, p):
            return
        regions = state.regions
        least = max(p.assign_min_area, p.instance_min_share * regions.labels.size)
        ids = np.flatnonzero((state.confidence < p.carry_min) & (state.color >= 0) & (regions.area >= least))
        ids = ids[(ids > 0) & ~np.isin(state.source[ids], _KEPT)]
        ids = ids[np.argsort(-regions.area[ids], kind="stable")[: p.consult_max]]  # bounded cost on noise
        if not ids.size:
            return
        corr = self._from_key(key, state)
        j, i, counts = corr.still_pairs[:, 0], corr.still_pairs[:, 1], corr.still_counts
        n1 = regions.count + 1
        weak = np.zeros(n1, bool)
        weak[ids] = True
        inside = weak[j] & (counts >= p.shift_inside * np.maximum(corr.still_samples[j], 1.0))
        inside &= (key.color[i] >= 0) & (i != background_region(key.regions)) & (key.color[i] != state.color[j])
        if not inside.any():
            return
        j, i = j[inside], i[inside]  # one pair per region: >= shift_inside > 0.5 of its samples
        part = self._piece_of_part(state, self._key_colour_area(state, key), state.color[j], regions.area[j])
        j, i = j[~part], i[~part]
        dx, dy = (int(round(v)) for v in corr.shift)
        key_boxes = region_boxes(key.regions)
        still = np.zeros(j.size, bool)
        for n, k_id in enumerate(i.tolist()):
            on, length = _outline_on_lines(key.regions.labels, k_id, key_boxes[k_id], regions.labels, dx, dy)
            still[n] = on >= p.shift_outline_share * max(length, 1)
        j, i = j[still], i[still]
        state.color[j] = key.color[i]
        state.source[j] = SOURCE_NAMES.index("keyframe")
        state.read_from_keyframe(j, in_view=True)

    def _recognise_twins(self, state: FrameState, unsure: np.ndarray, carried: np.ndarray | None = None) -> None:
        """Regions the chain is unsure of (before `_resolve_weak`) or that hold more of a colour than the
        keyframe shows take the colour of a keyframe part whose outline they repeat anywhere in the frame
        (`instances.twins`: a window the head hid in the keyframe is a window), when that colour fits the
        region's sure neighbours at least as well as its current one (the keyframe's colour pairs), or when
        that colour is the one the chain `carried` (chain and outline agree: a part that passed in front of
        the region and touches it, which no keyframe shows next to it, does not outvote them). A guess
        (look-alikes of several colours) moves only regions the chain was unsure of. Under a camera zoom since
        the keyframe only a twin naming the colour the chain `carried` moves a region whose chain colour is a
        reading (not a guess, not a part coming into view). `carried`: the colours
        before `_resolve_weak` (the regions it moved are compared first)."""
        p = self.params
        regions = state.regions
        n_pal = len(self.palette.rgb)
        keys = self._keys_around(state.number)
        key_states = [self._key_state(k, regions.shape) or self._key_reference(k, regions.shape).state for k in keys]
        held = state.color[1:] >= 0
        have = np.bincount(state.color[1:][held], weights=regions.area[1:][held], minlength=n_pal)[:n_pal]
        shown = np.zeros(n_pal)
        for key in key_states:
            shown = np.maximum(shown, self._key_colour_area(state, key))
        over = have > (1.0 + p.split_slack) * shown
        ids = np.flatnonzero((unsure | over[np.maximum(state.color, 0)]) & (state.color >= 0))
        least = max(p.assign_min_area, p.instance_min_share * regions.labels.size)
        ids = ids[(ids > 0) & (regions.area[ids] >= least) & (ids != background_region(regions))]
        ids = ids[~np.isin(state.source[ids], _KEPT)]  # what the sheet or a hint coloured stays
        # First the regions this frame's re-decision moved off the colour the chain `carried` (a new claim
        # the form can check: bricks a head uncovered, which the flow straight from the keyframe calls the
        # head), then parts that came into view (the flow gave them whatever they touched at the frame's
        # edge: only their form can tell what they are), then the largest.
        came = state.entered[ids] if state.entered is not None else np.zeros(ids.size, bool)
        moved = state.color[ids] != carried[ids] if carried is not None else np.zeros(ids.size, bool)
        ids = ids[np.lexsort((-regions.area[ids], ~came, ~moved))[: p.instance_max]]
        if not ids.size:
            return
        color, overlap = np.full(ids.size, -1, np.int64), np.zeros(ids.size)
        guessed = np.zeros(ids.size, bool)
        rgb = self.palette.array()
        anchor = self.anchor_for(state.number)
        for k, key in zip(keys, key_states, strict=True):
            boxes = (region_boxes(regions), region_boxes(key.regions))
            grid, now = p.instance_grid, state.color[ids]
            # The zoom the chain measured from the anchor keyframe (a dolly) is undone before the sizes are
            # compared: `instance_max_zoom` is the zoom left after it.
            zoom = state.camera[0] if k == anchor and state.camera is not None and zooming(state.camera, p) else 1.0
            c, o, g = twins(
                regions, ids, key.regions, key.color, p.copy_iou, p.instance_max_zoom, *boxes, grid, now, rgb, zoom
            )
            rank, held = (c >= 0) * (2 - g), (color >= 0) * (2 - guessed)  # an answer beats a guess
            better = (rank > held) | ((rank == held) & (o > overlap))
            color[better], overlap[better], guessed[better] = c[better], o[better], g[better]
        change = (color >= 0) & (color != state.color[ids])
        if not change.any():
            return
        ids, color, overlap, guessed = ids[change], color[change], overlap[change], guessed[change]
        sure = (state.confidence >= p.carry_min) & (state.color >= 0)
        sure[0] = False
        sure[ids] = False
        pairs = [self._colour_pairs(k, key) for k, key in zip(keys, key_states, strict=True)]
        known = np.unique(np.concatenate(pairs))
        misfit_twin, misfit_now = misfits(state, ids, np.stack([color, state.color[ids]]), sure, known)
        fits = misfit_twin <= misfit_now
        # A twin naming the colour the chain carried before this frame's re-decision moved the region off it
        # is a second reading of that colour: chain and outline agree, and the neighbours do not outvote two
        # readings (a window pane the head uncovers, moved to the face's colour because the hair that
        # passed in front touches it: the keyframe never shows the pane next to the hair).
        if carried is not None:
            fits |= (color == carried[ids]) & ~guessed
        # A guess (look-alikes of several colours: the form names the kind of part, not which one) is no
        # reading against a colour the chain is sure of. A sure region asked only because its colour is held
        # over the keyframe's area needs an answer (one colour): a few pixels of its outline decide whether
        # it repeats the look-alikes at all (xdog, every line walled: a green field held surely went to the
        # guess, paper beige, when a neighbour took 12 of its pixels, and the chain carried it six frames).
        fits &= ~guessed | unsure[ids]
        # Under a camera zoom since the keyframe (`zoom.py`) an outline alone is no reading against a colour
        # the chain read: the zoom undone is the chain's, and parts at other depths scale otherwise
        # (parallax), so a piece of wall matches a window's outline. Only a twin naming the colour the chain
        # carried counts there (two readings); on the tuning shots' other seeds the others moved about five
        # times more squared error onto wrong colours than off them. A chain colour that is a guess
        # (`FrameState.guessed`: a window the head uncovers, first given the wall it split off) or a part
        # coming into view is no reading: the outline is all there is.
        if carried is not None and zooming(state.camera, p):
            no_reading = np.zeros(ids.size, bool)
            for flag in (state.entered, state.guessed):
                if flag is not None:
                    no_reading |= flag[ids] > 0
            fits &= (color == carried[ids]) | no_reading
        ids, color, overlap, guessed = ids[fits], color[fits], overlap[fits], guessed[fits]
        # A part that came into view after the keyframe (its outline is new here or was along the chain)
        # takes its twin's colour as the best guess, and stays in the report: no keyframe shows it there.
        # So does one whose look-alikes have several colours (`guessed`: the form names the kind of part).
        came = state.entered[ids] if state.entered is not None else np.zeros(ids.size, bool)
        state.color[ids] = color
        state.confidence[ids] = np.where(came | guessed, np.minimum(overlap, p.low_confidence * 0.99), overlap)
        state.source[ids] = SOURCE_NAMES.index("keyframe")
        state.read_from_keyframe(ids[~came & ~guessed])

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
        open_[background_region(regions)] = False
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
        state.read_from_keyframe(ids[~came])

    def _from_key(self, key: FrameState, state: FrameState) -> Correspondence:
        """The correspondence straight from keyframe `key`'s line art to this frame's (kept for this frame)."""
        cache = (key.number, state.number)
        held = self._key_corr.get(cache)
        if held is None or held[0] is not state.regions or held[1] is not key.regions:  # new line art for t
            preset = self.params.direct_flow_preset
            # Started from the camera the chain measured from this keyframe (a dolly: a strong zoom).
            camera = state.camera if key.number == self.anchor_for(state.number) else None
            camera = camera if zooming(camera, self.params) else None
            corr = correspond(key.regions, state.regions, self.params, outline=False, preset=preset, camera=camera)
            self._key_corr = {c: v for c, v in self._key_corr.items() if c[1] == state.number}  # this frame's
            self._key_corr[cache] = held = (state.regions, key.regions, corr)
        return held[2]

    def _anchor_camera(self, state: FrameState) -> None:
        """Under a camera zoom since the anchor keyframe (`zoom.zooming`), the camera the chain composed
        (`state.camera`) is measured again on the keyframe's own regions that the flow straight from it lays
        this frame's regions on (`zoom.key_camera`) and, where the chain has drifted from it by more than
        `camera_drift` in zoom, replaced by it (in place): the look-ups through it (the keyframe areas at this
        frame's scale, the twins' zoom, the next frames' flow from the keyframe) land on their place, and the
        chain's next step composes from it (the steps' shortfall does not add up over a long dolly)."""
        k = self.anchor_for(state.number)
        key = self._key_state(k, state.regions.shape) if k is not None else None
        camera = state.camera
        if key is None or camera is None or not zooming(camera, self.params):
            return
        measured = key_camera(state.regions, key.regions, self._from_key(key, state), camera, self.params)
        if abs(float(np.log(measured[0] / camera[0]))) > self.params.camera_drift:
            state.camera = measured

    def _keyframe_copies(self, state: FrameState) -> None:
        """A region that the camera's shift since the nearest keyframe alone lays on a keyframe region's
        outline (`Correspondence.still`) is that region: where the chain carried another colour onto it,
        sure or not, it takes the keyframe's (in place; confidence: the colour's share of its samples).
        Background that a part walked over stood still relative to the camera; whatever the chain carried
        onto it while the part passed (the flow next to a fast part drags it along) ends here. So does a
        region, sure or not, that the keyframe shows mostly at its place in another colour (`_shift_vote`
        with `overrule`: a shirt the walking part half hid in the keyframe, given that part's colour)."""
        k = self.anchor_for(state.number)
        key = self._key_state(k, state.regions.shape) if k is not None else None
        if key is None:
            return
        regions = state.regions
        corr = self._from_key(key, state)
        j, i = corr.pairs[:, 0], corr.pairs[:, 1]
        color, share, _ = vote(j, corr.counts, key.color[i], key.confidence[i], corr.samples)
        ids = np.flatnonzero(corr.still & (color >= 0) & (color != state.color))  # only where they disagree
        ids = ids[(ids > 0) & (state.source[ids] != SOURCE_NAMES.index("hint"))]  # a user's hint stays
        state.color[ids], state.confidence[ids] = color[ids], share[ids]
        state.source[ids] = SOURCE_NAMES.index("keyframe")
        state.read_from_keyframe(ids, in_view=True)  # the keyframe shows it there
        # A sure region the keyframe shows mostly at its place, in another colour (`_shift_vote`): background
        # uncovered by a part that passed over it, which the chain gave that part's colour, or a look-alike's.
        sure = np.flatnonzero(
            (state.confidence >= self.params.carry_min) & (regions.area >= self.params.assign_min_area)
        )
        sure = sure[(sure > 0) & (state.source[sure] != SOURCE_NAMES.index("hint"))]
        color, conf = self._shift_vote(state, key, sure, overrule=True)
        ids = sure[color >= 0]
        state.color[ids], state.confidence[ids] = color[color >= 0], conf[color >= 0]
        state.source[ids] = SOURCE_NAMES.index("keyframe")
        state.read_from_keyframe(ids, in_view=True)

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

    def _key_colour_area(self, state: FrameState, key: FrameState) -> np.ndarray:
        """(palette size,) the area of each colour in keyframe `key` at this frame's scale, for the checks that
        a part keeps roughly its area (`_room`, `_direct_vote`, `_recognise_twins`): divided by the square of
        the camera's zoom from this frame to its anchor keyframe that the chain measured (`zoom.py`), where
        `key` is that keyframe and the camera zooms (`zoom.zooming`); as drawn otherwise (the other keyframe:
        no camera measured from it; a still or panning camera: its fit is noise). Under a dolly every part of
        the frame is 1/a² its keyframe area: compared unscaled, every colour looks overfull (`dolly`, 1.7x: the
        twins re-decided the awning's sure stripes on form, as guesses) and no colour has room for a piece of
        its part."""
        n_pal = len(self.palette.rgb)
        valid = key.color[1:] >= 0
        area = np.bincount(key.color[1:][valid], weights=key.regions.area[1:][valid], minlength=n_pal)[:n_pal]
        camera = state.camera
        if camera is None or key.number != self.anchor_for(state.number) or not zooming(camera, self.params):
            return area
        return area / camera[0] ** 2

    def _room(self, state: FrameState, ref: FrameState) -> np.ndarray:
        """(palette size,) area of each colour in the keyframe (at this frame's scale, `_key_colour_area`) minus its
        area already confidently placed in this frame: a part keeps roughly its area, so a colour that is
        fully placed (the hand, found) is an unlikely answer for one more region (the belt piece the hand
        uncovered)."""
        n_pal = len(self.palette.rgb)
        total = self._key_colour_area(state, ref)
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

    def _adjacency(self, regions: Regions):
        return regions.memo(
            "adjacency", lambda: adjacency_graph(adjacency(regions.labels, box=regions.box), regions.count)
        )


def _outline_on_lines(
    labels: np.ndarray, region: int, box: np.ndarray, other: np.ndarray, dx: int, dy: int
) -> tuple[int, int]:
    """(pixels on the other drawing's lines, pixels) of the region's outline (the line pixels within 2 px of
    it, in its own drawing's `labels`) moved by (dx, dy) into the other drawing's `other` labels (0 = line);
    the pixels moved outside the frame do not count."""
    import cv2

    h, w = labels.shape
    y0, y1 = max(int(box[0]) - 3, 0), min(int(box[1]) + 3, h)
    x0, x1 = max(int(box[2]) - 3, 0), min(int(box[3]) + 3, w)
    crop = labels[y0:y1, x0:x1]
    near = cv2.dilate((crop == region).view(np.uint8), np.ones((5, 5), np.uint8)).view(bool)
    ys, xs = np.nonzero(near & (crop == 0))
    ys, xs = ys + (y0 + dy), xs + (x0 + dx)
    keep = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)
    return int(np.count_nonzero(other[ys[keep], xs[keep]] == 0)), int(keep.sum())
