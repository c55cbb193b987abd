"""--consistency latent: frame-number-anchored chain segments, shard/batch invariance, lower flicker."""

from __future__ import annotations

import numpy as np

from colorframes.backends.base import FrameInput, ShotSetup
from colorframes.options import RunOptions

FRAME = (72, 100)  # (H, W)


def _sketch(i: int) -> np.ndarray:
    sketch = np.full((*FRAME, 3), 255, np.uint8)
    sketch[10 + 4 * i : 14 + 4 * i, 5:90] = 0  # lines that move a little every frame
    sketch[20:60, 30 + 3 * i : 33 + 3 * i] = 0
    return sketch


def _opts(**changes) -> RunOptions:
    base = dict(backend="tiny-random", mode="bg2fig", num_inference_steps=2, resolution=64, device="cpu", seed=5)
    return RunOptions(**{**base, "consistency": "latent", "latent_strength": 0.5, "latent_chain": 4, **changes})


def _setup(sketches: dict[int, np.ndarray], first: int = 1001) -> ShotSetup:
    reference = np.random.default_rng(1).integers(0, 256, (48, 40, 3), dtype=np.uint8)
    ref_mask = np.zeros((48, 40), np.float32)
    ref_mask[8:40, 8:32] = 1.0
    return ShotSetup(
        name="chain", seed=5, frame_size=FRAME, reference=reference, reference_alpha=None, reference_mask=ref_mask,
        first_frame=first, sketch_loader=sketches.get, uint8_output=True,
    )  # fmt: skip


def _inputs(backend, sketches, numbers):
    return [backend._frame_input(n, sketches[n]) for n in numbers]


def test_segment_start_is_anchored_on_the_shots_first_frame():
    from colorframes.pipeline.latent_chain import segment_start

    assert [segment_start(n, 1001, 4) for n in range(1001, 1011)] == [1001] * 4 + [1005] * 4 + [1009] * 2
    assert segment_start(1500, 1001, 0) == 1001  # 0: one chain over the whole shot
    assert segment_start(7, 1, 1) == 7  # every frame restarts


def test_chains_restart_at_fixed_frames_and_gaps_and_a_late_worker_matches():
    from colorframes.backends.diffusion import create_colorizer

    sketches = {1001 + i: _sketch(i) for i in range(8)}
    del sketches[1006]  # a gap: 1007 restarts, 1008 chains from 1007
    numbers = sorted(sketches)
    whole = create_colorizer(_opts())
    whole.setup_shot(_setup(sketches))
    results = {r.number: r for r in whole.colorize(_inputs(whole, sketches, numbers))}
    chained = {n: r.extras.get("chained_from") for n, r in results.items()}
    assert chained == {1001: None, 1002: 1001, 1003: 1002, 1004: 1003, 1005: None, 1007: None, 1008: 1007}
    assert whole._chain.recomputed == 0

    for first, recomputed in ((1004, 3), (1008, 1)):  # workers starting mid-segment
        late = create_colorizer(_opts())
        late.setup_shot(_setup(sketches))
        mine = [n for n in numbers if n >= first]
        for r in late.colorize(_inputs(late, sketches, mine)):
            np.testing.assert_array_equal(r.image, results[r.number].image, err_msg=f"{first}: {r.number}")
        assert late._chain.recomputed == recomputed, first


def test_latent_consistency_whole_vs_shards_vs_batch_sizes_bit_identical(cli, shot_factory, sheet, tmp_path):
    from cf_helpers import outputs

    shot = shot_factory(7, (96, 54), "chainshot")
    common = ["--backend", "tiny-random", "--steps", "2", "--resolution", "64", "--seed", "3"]
    latent = [*common, "--consistency", "latent", "--latent-chain", "4", "--mask-model", "classical"]
    runs = {}
    for name, extra in (("b1", ["--batch-size", "1"]), ("b4", ["--batch-size", "4"]), ("seed", [])):
        out = tmp_path / name
        args = common if name == "seed" else latent
        code, _, err = cli("run", shot, "-r", sheet, *args, *extra, "-o", out)
        assert code == 0, err
        runs[name] = outputs(out)
    sharded = tmp_path / "sharded"
    for k in (1, 2, 3):  # shards 1001-1003, 1004-1005, 1006-1007: two start mid-segment
        code, _, err = cli("run", shot, "-r", sheet, *latent, "-o", sharded, "--shard", f"{k}/3", "--batch-size", "4")
        assert code == 0, err
    assert len(runs["b1"]) == 7
    assert runs["b4"] == runs["b1"] and outputs(sharded) == runs["b1"]
    assert runs["seed"] != runs["b1"]  # the chain changes pixels


def _warping_error(images: list[np.ndarray], sketches: list[np.ndarray]) -> float:
    from colorframes.metrics.temporal import pair_flow, warping_error

    flows = [pair_flow(a, b) for a, b in zip(sketches, sketches[1:], strict=False)]
    return float(np.mean([warping_error(images[i], images[i + 1], f) for i, f in enumerate(flows)]))


def test_latent_lowers_the_warping_error_against_seed_on_a_moving_shot(make_example):
    from colorframes.backends.diffusion import create_colorizer
    from colorframes.masks import create_mask_provider

    n = 6
    frames = [make_example.render_frame(i, (128, 72), n_frames=n)["sketch"] for i in range(n)]
    sheet = make_example.render_sheet((128, 128))["color"]
    masks, _ = create_mask_provider(RunOptions(mask_model="classical"))
    sketches = {1001 + i: f for i, f in enumerate(frames)}
    errors = {}
    for consistency in ("seed", "latent"):
        backend = create_colorizer(_opts(mode="fig2fig", consistency=consistency, num_inference_steps=4, seed=3))
        setup = _setup(sketches)
        backend.setup_shot(
            ShotSetup(
                **{
                    **setup.__dict__,
                    "reference": sheet,
                    "reference_mask": masks.reference_mask(sheet),
                    "mask_loader": lambda n: masks.sketch_mask(sketches[n]),  # the runner's provider
                }
            )
        )
        results = backend.colorize([FrameInput(k, s, masks.sketch_mask(s)) for k, s in sketches.items()])
        errors[consistency] = _warping_error([r.image for r in results], frames)
    assert errors["latent"] < 0.5 * errors["seed"], errors  # measured 0.020 vs 0.093


def test_consistency_anchor_was_removed_and_says_what_to_use(cli, shot_factory, sheet, tmp_path):
    shot = shot_factory(n=1)
    code, _, err = cli("run", shot, "--ref", sheet, "-o", tmp_path / "out", "--consistency", "anchor")
    assert code == 2
    assert "--consistency anchor was removed" in err and "--consistency latent" in err
    assert not (tmp_path / "out").exists()
