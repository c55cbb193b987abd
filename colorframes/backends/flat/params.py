"""Every tunable number of the flat colorizer, in one frozen dataclass (no module-level thresholds).

Why one place: the previous tracker grew 23 interacting thresholds tuned on one generator. The design now
gets its answers from structure (keyframe authority, dense correspondence, one global assignment), and
what is left to tune is listed here with what it means, so a change is visible and reviewable.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...foundation.lineart import LineArtParams


@dataclass(frozen=True)
class FlatParams:
    """Parameters of segmentation, keyframe colour reading, correspondence and confidence."""

    # --- line art → regions -------------------------------------------------------------------------
    lineart: LineArtParams = LineArtParams()
    """Binarisation, speck removal, gap closing and the region cap (`foundation`'s line-art segmentation)."""
    line_ink_luma: int = 128
    """Output: line pixels darker than this (BT.601 luma, 0..255) are the drawing's ink and stay the input
    exactly (the line fidelity metric's line pixels); lighter line pixels, the anti-aliased fringe, are the
    line art multiplied over the colour under them (see `line_fill_reach`)."""
    line_fill_reach: int = 8
    """Output: a light line pixel takes the colour of the region it borders, found this many px into the
    line, times the line art / 255 (a multiply line layer)."""
    leak_ratio: float = 0.5
    """A frame with fewer regions than this share of its keyframe's line art (same segmentation) is
    reported as leaking through open lines."""

    # --- coloured references (sheet; keyframes whose own line art is not available) ----------------------
    seam_tolerance: int = 6
    """Neighbouring pixels of a coloured image whose colours differ by more (max channel) are a seam."""
    dark_line_max: int = 90
    """Brightest channel of a dark (black ink) line in a coloured image."""

    # --- keyframe colour per region ------------------------------------------------------------------
    colour_bits: int = 4
    """Keyframe colours are pooled in bins of 2**(8 - colour_bits) per channel (shading, grain, JPEG)
    before the most frequent bin is taken; the region's colour is the most frequent exact colour in it."""

    shade_share: float = 0.3
    """A region's colour is the brightest exact colour holding at least this share of its exact mode's pixel
    count (and at least 2 pixels) of which the mode is a uniform darkening (see `shade_floor`, `shade_tol`):
    on a finished keyframe a small region under rim shading holds a ramp of darkened copies of its flat
    colour, any of which can outnumber the flat colour itself by a pixel or two. 0 or more than 1: the exact
    mode."""
    shade_floor: float = 0.6
    """... the darkening factor (mode / colour, per channel) is at least this."""
    shade_tol: float = 2.5
    """... and the mode is within this many levels (each channel) of the colour times one common factor."""
    shade_max_share: float = 0.68
    """... unless the mode and that colour together hold more than this share of the region's pixels: then
    they are two flat colours (a cel shadow and its lit colour in one region), not a ramp, and the mode stays."""

    rim_pocket_lead: float = 2.0
    """A region whose most frequent exact colour holds fewer than this many times the pixels of the runner-up
    (the two together at most `shade_max_share` of it) has no flat colour: a ramp of shading steps (a flat
    colour, shaded or grainy, dominates its region). When its colour is a uniform darkening (`shade_floor`,
    `shade_tol`) of a neighbouring region's flat colour, and that neighbour's own rim holds the very same
    colour on at least as many pixels, it is a pocket a line cuts off that neighbour's rim shading (a strip
    of road between a line and the frame's edge) and takes the neighbour's colour (of several, the darkest:
    the nearest explanation). 0: off."""

    pocket_depth: int = 2
    """A region with no pixel farther than this (px, in both axes) from a line is a pocket of the line art:
    on a finished keyframe it lies wholly in a part's rim shading. When its colour is a uniform darkening
    (`shade_floor`, `shade_tol`) of the part nearest to it across its lines that the line art's own ink does
    not explain, it takes that part's colour (`keycolors._line_pockets`). 0: off."""

    grain_share: float = 0.05
    """A region whose exact most frequent colour holds less than this share of its pixels is grainy
    (texture, JPEG): it takes its most frequent coarse colour bin, then the mean of the pixels near it."""

    # --- dense correspondence ------------------------------------------------------------------------
    flow_max_side: int = 512
    """Optical flow runs on the line art scaled so its longer side is at most this many pixels."""
    vote_step: int = 2
    """Flow votes are sampled every vote_step pixels (times the frame's size in thousands of pixels, so a
    1080p frame costs what a 540p one does); regions no sample hits take the source at their centroid."""
    flow_dt_clip: float = 12.0
    """Distance-to-line (px at flow scale) at which the distance transform fed to the flow saturates."""
    flow_consistency: float = 3.0
    """A sample votes only when the forward and backward flows agree within this many flow-scale pixels
    (plus 10 % of the motion); disagreement means occlusion (a part moving over another)."""
    new_outline_reach: float = 3.0
    """A line pixel with no line of the previous drawing (warped by the flow) within this many flow-scale
    pixels is a new outline; a region ringed by new outline is a part coming into view."""
    new_outline_share: float = 0.5
    """Share of a region's outline that must be new for it to count as a part coming into view."""

    # --- global assignment (scipy.optimize.linear_sum_assignment) ------------------------------------
    w_vote: float = 3.0
    """Cost of a pair whose flow vote is zero (scaled by 1 - vote share)."""
    w_pos: float = 4.0
    """Cost per figure height of centroid distance (after the pair's own flow displacement)."""
    w_size: float = 0.6
    """Cost per unit of |log area ratio|."""
    w_form: float = 1.5
    """Cost per unit of scale-free form difference (compactness, elongation)."""
    w_shape: float = 3.0
    """Cost per figure height of spread difference (sheet matching only: poses differ)."""
    w_adj: float = 1.2
    """Sheet matching: cost of having no neighbour consistent with the choice."""
    w_room: float = 0.5
    """Re-deciding a weak region from a keyframe: extra cost when the region is larger than the keyframe
    area of the candidate's colour not yet placed in the frame (scaled by the excess share)."""
    second_use: float = 0.35
    """Extra cost for a second region taking the same source region (a region split in two)."""
    split_slack: float = 0.3
    """Two regions continuing one previous region must add up to its area within this fraction (a region
    split in two); otherwise the costlier one is re-decided."""
    unmatched: float = 2.5
    """Cost of leaving a region out of the one-to-one assignment (it then keeps its flow vote)."""
    merge_share: float = 0.5
    """A region the assignment leaves unmatched is a merge of previous regions (it keeps their colour)
    when, weighted by its samples, its sources sent at least this share of themselves into it; otherwise
    it is a part coming into view (its flow vote is only a guess)."""
    piece_min_share: float = 0.05
    """A region no previous region continues, whose every flow sample comes consistently from one colour,
    is a piece cut off the region it flows from (it keeps that colour, confidently) when its area is at least
    this share of that region's; a smaller sliver is a part opening inside it (a mouth in the face), a guess
    re-decided against the keyframes and the sheet."""
    assign_min_area: int = 24
    """Regions smaller than this (px) skip the assignment: crumbs have no reliable form; they keep the vote."""

    direct_vote_min: float = 0.6
    """A weak region takes the keyframe colour that at least this share of its samples come from along the
    flow straight from the keyframe's line art (see `ShotTracker._direct_vote`); below it, form decides."""

    shift_inside: float = 0.9
    """A keyframe region that the camera's shift since the keyframe alone lays with at least this share of its
    flow samples in one region of a frame lies inside it: the keyframe shows part of that region's place
    there (see `ShotTracker._shift_vote`)."""
    shift_outline_share: float = 0.5
    """... which the region takes only when its outline lies on the keyframe's lines under the shift, and those
    keyframe regions' outline on the frame's, each on at least this share of its length: both stood still."""

    copy_iou: float = 0.8
    """A region whose mask, laid on a region of the previous drawing (or of a keyframe) at their centroids,
    overlaps it at least this much (intersection over union) repeats that region's outline moved: it is that
    part, even where the flow cannot follow it (a hand swinging along a belt faster than the flow follows,
    which the flow sees as the belt). Only an answer when no region of another colour mismatches it by less
    than twice as much (overlap >= 2 * best - 1): look-alike forms of different colours say nothing; nor
    against the colour a region already holds when a region of that colour within reach overlaps it this much
    too (`copies.copies`: the pockets between a bench's slats on either side of a house's edge). A region
    that the frame's global shift alone lays on a previous region this well stood still relative to the
    camera: it votes along the shift, not the flow (`flow.correspond`)."""
    copy_reach: float = 2.0
    """... and when it lies within this many of the region's own sizes (its box's diagonal) of the region:
    in the previous drawing, of its place; in a keyframe (any number of frames away), of its place within the
    figure (positions relative to each drawing's figure box). A hand swings about the waist; a shoe of the
    hand's form is at the feet, a book of the same size across the room is another book."""
    copy_max: int = 8
    """At most this many regions (the largest of those in question) are tested for a copy per frame and
    source (bounded cost: each test lays masks on each other)."""

    instance_max_zoom: float = 1.5
    """A region and a keyframe region of the same outline at another place (another window, another door:
    `instances.twins`) are compared when their boxes' sizes (square root of the box areas) differ by at most
    this factor, once the camera's zoom from the frame to its anchor keyframe that the chain measured
    (`zoom.py`: a dolly) is undone: the zoom left (the keyframe on the other side, a camera zooming by less
    than `camera_min_zoom`, a part nearer or further than the camera's fit)."""
    instance_grid: int = 24
    """... each mask resampled from its box to this many cells a side (the comparison's resolution: a
    window's frame is a few cells wide)."""
    instance_min_share: float = 0.0002
    """... and only regions of at least this share of the frame's area: the outline of a few dozen pixels
    (a cheek, a crumb of a hand) repeats some other part's by chance. (A brick of `dense`'s wall, ~240 px of
    a 960x540 frame, must be compared: 0.0005 left it out.) The same floor holds for the readings of a
    region's place in the keyframe (`WeakRegions._shift_vote`, `WeakRegions._uncovered`)."""
    instance_max: int = 64
    """At most this many regions (those in question that the weak re-decision just moved to another colour
    first, then those that came into view, then the largest) are compared with the keyframe's regions for
    such a twin per frame and keyframe (bounded cost: each is compared with every keyframe region of about
    its box, ~0.15 ms a region on a 1080p `dense` frame; 16 left out the uncovered bricks and crowd shirts of
    `dense`, where 300-400 regions per frame are in question)."""

    direct_flow_preset: str = "FAST"
    """OpenCV DIS preset (ULTRAFAST, FAST, MEDIUM) of that flow from the keyframe: one more flow per frame,
    so a cheaper one (the chain's own steps use MEDIUM)."""

    consult_max: int = 300
    """At most this many weak regions (the largest) are re-matched to keyframes and sheet per frame."""
    consult_sources: int = 600
    """... against at most this many regions (the largest) of each keyframe or sheet."""

    sheet_min_conf: float = 0.1
    """Next to keyframes, the sheet colours a part coming into view whose outline is not new this frame (it
    continues such a part; or, for a colour no keyframe shows, a region no previous region explains) only
    when its match is at least this confident (and more confident than any keyframe's); and a group of
    parts coming into view is read as a sheet figure only when that reading's area-weighted confidence is
    at least this (`entering.SheetEntries._match_entering`)."""
    sheet_min_conf_new_outline: float = 0.025
    """The same for a region whose outline is new (a part entering the frame): the sheet is its likely
    source, so a weaker match suffices (the floor keeps wrong matches of flickering texture out)."""

    camera_min_regions: int = 4
    """The camera between a keyframe and a frame (its zoom and shift, `zoom.camera_fit`) is fitted only to
    at least this many regions the flow from the keyframe reaches; fewer leave it still (no zoom)."""
    camera_reject: float = 4.685
    """... reweighted with Tukey's biweight: a region whose residual is beyond this many robust standard
    deviations of the fit moves on its own (a walking figure, a nearer layer's parallax) and gets no weight
    (4.685: the biweight's usual constant, 95 % as efficient as least squares on Gaussian noise)."""
    camera_noise: float = 0.5
    """... the robust standard deviation is taken as at least this many px (a fit whose regions all agree
    to the pixel would otherwise reject one off by a rounding)."""
    camera_iterations: int = 10
    """... reweighted this many times (the biweight's weights settle within a few)."""
    camera_zoom_evidence: float = 1.5
    """A step's fitted zoom is kept only where it leaves the regions at least this many times less median
    residual than the shift alone; otherwise the step is the shift (no zoom): parts moving apart fit a zoom
    no better than a shift (two legs spreading in front of a still wall: 1.0, a false 1.15x zoom), while a
    camera zoom does (`dolly` 2.4-6.7, `harbour` 1.7-8.7, a box wall zooming 10; `room`'s still camera
    0.8-1.8, its fit 1.00-1.01)."""
    camera_max_zoom: float = 4.0
    """A fitted camera that zooms by more than this factor (either way) between a frame and the chain's
    previous drawing does not hold (a fit to a few regions moving on their own): the step is left still."""
    camera_min_zoom: float = 0.1
    """A camera between a keyframe and a frame that zooms by less than this (|ln a|: 10 %) is taken as no zoom
    (the flow from the keyframe starts from the global shift): that flow follows such a zoom by itself (on
    `dolly` its fit agrees with the chain's camera within 1 % up to 1.12x), and the chain's camera of a still
    or panning shot could drift by a few % from parts moving on their own (`room`'s: 1.03 over 12 frames
    before `camera_zoom_evidence`; 1.000 with it)."""
    camera_drift: float = 0.02
    """Under a zoom, the camera measured on the keyframe (`zoom.key_camera`) replaces the one the chain composed
    only where the two zooms differ by more than this (|ln|: 2 %): the chain's drift, about 0.3 % short per
    step (`dolly`: 7 % over 24 frames, every keyframe look-up 20-30 px beside its place at the frame's edges).
    A smaller difference is left to the chain: the camera starts the flow from the keyframe, and the weak
    re-decision answers a moved start with other decisions as well as better ones (`harbour`, within 1.3 %
    of its camera along the whole shot: the true camera, given instead, lost 0.9 dB there on 24 frames)."""

    # --- confidence ------------------------------------------------------------------------------------
    carry_min: float = 0.55
    """A carried colour less confident than this asks the keyframes (and the sheet) again, every frame."""
    low_confidence: float = 0.5
    """Regions below this confidence are listed in the `--report` JSON and drawn in the review report."""
    cost_scale: float = 4.0
    """Assignment cost at which a match's confidence reaches zero (confidence = 1 - cost / cost_scale)."""

    # --- per-shot bookkeeping --------------------------------------------------------------------------
    cache_frames: int = 8
    """Frame states and line art kept per shot for chain tracking (memory is ~ this × a frame)."""
    chain_checkpoints: int = 16
    """States kept at evenly spaced frames of a chain walked from its start (memory is ~ this × a frame's
    regions), so the next frames in shot order resume from the nearest one instead of walking again from the
    keyframe: a frame before its keyframe (keyframe last) reaches it by walking the whole chain back. Chains up
    to this × `cache_frames` long cost about three steps a frame (walk, resume, the frame itself) instead of
    ~chain / `cache_frames` (a 100-frame keyframe-last shot: ~6); longer ones resume from a segment of
    chain / this frames. 0 keeps none. Speed only: a state is a memo of the chain, the colours are the same."""
    spare_cores: int = 2
    """Cores left to the runner's two threads while the backend runs (one reads and segments frames ahead,
    one tracks and paints): OpenCV's own worker pool gets the other cores, at least one thread (one: each
    OpenCV call runs in the thread that makes it). On 2 cores a pool only competes with those two threads
    (1080p dense shot: ~6 % less CPU, ~5 % faster end to end, the same output)."""
    keep_freed_mb: int = 128
    """Blocks up to this many MB that one frame's work frees stay with the C allocator (glibc; elsewhere
    nothing changes) for the next frame's, which allocates the same frame-size temporaries: memory handed
    back to the system is a page fault per 4 KB when touched again, most of them in the reader thread
    (1080p dense shot: system time 0.85 -> 0.6 s, ~7 % faster end to end, peak RSS +8 MB). 0: the
    allocator's own policy."""


DEFAULT_PARAMS = FlatParams()
