"""Parts coming into view read against the character sheet: on their own, and as a figure walking in.

Part of step 3 of the flat tracker (`weak.py` re-decides weak regions; `tracker.py` describes the whole). A
part that no keyframe shows takes the sheet's colour when the sheet's reading of it fits: alone (a mouth
opening next to skin the sheet also puts there), or with the connected group of parts coming into view with
it, matched to one sheet figure in that figure's own box (`figures.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...foundation.lineart import Regions
from .copies import region_boxes
from .figures import completed_box, groups, in_box, union_box
from .matching import match_global
from .params import FlatParams
from .state import FrameState, Palette, Reference, parts
from .votes import neighbours


class SheetEntries:
    """The sheet's reading of parts coming into view, mixed into `WeakRegions` (state declared here)."""

    params: FlatParams
    palette: Palette
    sheet: Reference | None
    _figures: list[tuple[np.ndarray, tuple[float, float, float, float]]] | None

    if TYPE_CHECKING:  # WeakRegions'

        def _adjacency(self, regions: Regions): ...

        def _match_to(self, regions: Regions, ids: np.ndarray, ref: Reference) -> tuple[np.ndarray, np.ndarray]: ...

    def _joined(self, regions: Regions, weak: np.ndarray, entered: np.ndarray) -> np.ndarray:
        """(N+1,) bool: the weak regions (`weak`, ids) joined through weak regions to one that came into view
        (`entered`, per region), those included."""
        out = np.zeros(regions.count + 1, bool)
        if entered[weak].any():
            for group in groups(self._adjacency(regions), weak):
                out[group] = entered[group].any()
        return out

    def _match_entering(
        self, state: FrameState, ids: np.ndarray, shown: np.ndarray, form_conf: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(palette colour, confidence) per region in `ids` (parts coming into view) from the sheet.

        All of them are matched to the whole sheet together, in the frame's box (a part of a figure the frame
        already shows: a mouth opening, a hand entering next to its arm). Each connected group of them is also
        matched, in its own box, to each sheet figure that shows a colour no keyframe around shows (`shown`,
        palette: a figure whose every colour a keyframe shows adds nothing the keyframe cannot), in that figure's
        own box (`figures.py`: a character walking into a room is a strip at the edge of the room's box, on the
        sheet it fills its own). Regions the figure's parts cannot serve (each serves at most two) are left over:
        no colour, and they count as unmatched in its score (background the figure uncovered or split comes into
        view with it). The figure's reading answers for the group when its parts fit (area-weighted mean
        confidence) as well as the sheet must fit a part whose outline is not new (`sheet_min_conf`: the reading
        answers for the group along the chain) and better than both the whole sheet's and the keyframes' match on
        form (`form_conf`, per region), and only with the colours no keyframe shows: a part it gives a colour a
        keyframe shows keeps the whole sheet's answer. The score weighs each region by its area: it is the share
        of the group the figure explains, whatever the number of regions. A count of regions against the figure's
        parts told figures from background neither way (the test scene's figure walking in comes with two 40 px
        pieces of the shelf it cuts: 5 regions, 3 parts, score 0.89; dense's strips of bricks and leaves under
        the pan: 6 to 127 regions against a 29-part figure, scores 0.03-0.09; once one strip had been read as the
        figure, its colours let ever larger strips through). A sliver of a figure at the frame's edge fits no
        better than a strip of bricks and is read as more of it shows."""
        assert self.sheet is not None
        sheet = self.sheet.state
        regions = state.regions
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
                aspect = (fig_box[2] - fig_box[0]) / max(fig_box[3] - fig_box[1], 1.0)
                dst = in_box(regions, completed_box(box, regions.shape, aspect))
                s_regions = in_box(sheet.regions, fig_box)
                # Regions the figure's parts cannot serve are left over (no colour, confidence 0, counted in
                # the score): background the figure uncovered or split comes into view with it.
                picked, c = match_global(dst, group, adj, s_regions, fig, s_adj, self.params, leftover=True)
                score = float(np.average(c, weights=weight))
                if score >= self.params.sheet_min_conf and score > best:
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

    def _sheet_neighbours_agree(
        self, state: FrameState, ids: np.ndarray, color: np.ndarray, together: bool = False
    ) -> np.ndarray:
        """(len(ids),) bool: some confidently coloured neighbour of each region has a colour that the
        sheet's regions of `color` (per region) touch there (paper excluded): a mouth opening in the face
        sits next to skin, on the sheet too; a wall region the sheet happens to match sits next to none.
        With `together` (parts coming into view, read together), the regions of `ids` count as neighbours of
        each other in the colours they are given (a hand walking in beside its sleeve), and a colour whose
        sheet regions touch nothing but paper (a prop drawn alone: it has no neighbour to fit) fits."""
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
        held = state.color.copy()
        sure = (state.confidence >= self.params.carry_min) & (held >= 0)
        if together:
            held[ids] = color
            sure[ids] = color >= 0
        sure = sure[nb]
        hit = np.zeros(ids.size, bool)
        rows, cols = rows[sure], held[nb[sure]]
        valid = color[rows] >= 0
        np.logical_or.at(hit, rows[valid], touch[color[rows[valid]], cols[valid]])
        if together:
            drawn = np.zeros(n_pal, bool)  # colours the sheet shows outside its paper
            drawn[sheet.color[(sheet.color >= 0) & (sheet.color != paper)]] = True
            alone = drawn & ~touch.any(axis=1)
            hit |= (color >= 0) & alone[np.maximum(color, 0)]
        return hit
