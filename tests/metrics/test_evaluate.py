import json

import cv2
import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from colorframes.cli.eval import register
from colorframes.errors import InputError
from colorframes.metrics import evaluate

from .helpers import moving_shot, sketch


def _write(folder, frames, prefix="shot."):
    folder.mkdir(parents=True, exist_ok=True)
    for number, rgb in frames.items():
        cv2.imwrite(str(folder / f"{prefix}{number:04d}.png"), np.ascontiguousarray(rgb[..., ::-1]))
    return folder


def _app():
    app = typer.Typer()
    register(app)

    @app.command("noop")  # a second command keeps `eval` a named subcommand
    def _noop() -> None: ...

    return app


def test_evaluate_identical_prediction_is_perfect():
    shot = moving_shot(3)
    res = evaluate(shot, gt=shot)
    assert res["count"] == 3
    assert set(res["metrics"]) >= {"psnr", "ssim", "ms_ssim", "tc", "warping_error"}
    assert res["mean"]["psnr"] == 100.0  # capped: a shot that matches exactly has a finite mean
    assert res["mean"]["ssim"] == pytest.approx(1.0)
    assert res["mean"]["tc"] == pytest.approx(1.0)
    assert "tc" not in res["frames"]["1001"] and "tc" in res["frames"]["1002"]  # pair (t, t+1) → t+1
    assert res["flow_source"] == "gt"


def test_evaluate_pairs_by_number_and_reports_unpaired():
    shot = moving_shot(3)
    gt = {n: shot[n] for n in (1002, 1003)}
    res = evaluate(shot, gt=gt, metrics=["psnr"])
    assert list(res["frames"]) == ["1002", "1003"]
    assert res["unpaired"] == {"pred": [1001], "gt": []}


def test_evaluate_rejects_bad_inputs(tmp_path):
    shot = moving_shot(2)
    with pytest.raises(InputError, match="no frame numbers in common"):
        evaluate(shot, gt={5: shot[1001]})
    with pytest.raises(InputError, match="needs --gt"):
        evaluate(shot, metrics=["psnr"])
    with pytest.raises(InputError, match="unknown metric"):
        evaluate(shot, metrics=["bogus"])
    with pytest.raises(InputError, match="no such file or folder"):
        evaluate(str(tmp_path / "missing"))
    with pytest.raises(InputError, match="64x48"):
        evaluate(shot, gt={n: np.zeros((48, 64, 3), np.uint8) for n in shot})


def test_eval_cli_json_and_table(tmp_path):
    art = sketch()
    labels_colour = np.where(art < 128, 0, 200).astype(np.uint8)
    frames = {1: labels_colour, 2: labels_colour}
    pred = _write(tmp_path / "out" / "shot", frames)
    (pred / "colorframes.json").write_text("{}")  # an output folder: sidecar and masks are ignored
    _write(pred / "masks", {1: np.zeros_like(art)})
    gt = _write(tmp_path / "gt", frames, prefix="gt_")
    sk = _write(tmp_path / "sk", {1: art, 2: art}, prefix="line")
    runner = CliRunner()
    result = runner.invoke(_app(), ["eval", str(pred), "--gt", str(gt), "--sketch", str(sk), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # exactly one JSON object on stdout
    assert data["count"] == 2
    assert data["mean"]["psnr"] == 100.0  # exact match: the cap, never null
    assert data["mean"]["ssim"] == pytest.approx(1.0)
    assert data["mean"]["line_fidelity"] == 1.0
    assert data["mean"]["seg_acc"] == 1.0
    table = runner.invoke(_app(), ["eval", str(pred), "--gt", str(gt)])
    assert table.exit_code == 0
    assert "ssim" in table.stdout and "2 paired frames" in table.stdout


def test_eval_cli_exit_2_with_one_line_errors(tmp_path):
    runner = CliRunner()
    missing = tmp_path / "nowhere"
    result = runner.invoke(_app(), ["eval", str(missing), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert str(missing) in result.stderr and len(result.stderr.strip().splitlines()) == 1
    a = _write(tmp_path / "a", {1: sketch()})
    b = _write(tmp_path / "b", {7: sketch()})
    result = runner.invoke(_app(), ["eval", str(a), "--gt", str(b)])
    assert result.exit_code == 2
    assert "no frame numbers in common" in result.stderr


def test_eval_reads_video_numbered_from_one(tmp_path):
    from colorframes.io.video import write_mp4

    shot = moving_shot(3, h=64, w=80)
    video = tmp_path / "pred.mp4"
    write_mp4(video, [shot[n] for n in sorted(shot)], fps=24.0)
    res = evaluate(str(video), gt={i + 1: shot[n] for i, n in enumerate(sorted(shot))}, metrics=["psnr"])
    assert list(res["frames"]) == ["1", "2", "3"]
    assert res["mean"]["psnr"] > 30  # H.264 at the default CRF stays close to the source


def test_eval_is_registered_in_the_real_cli(cli, tmp_path):
    code, out, err = cli("eval", tmp_path / "missing", "--json")
    assert code == 2 and out == "" and "missing" in err


def test_not_flat_gt_skips_segments_with_one_grouped_note():
    rng = np.random.default_rng(0)
    shot = {n: rng.integers(0, 255, (24, 24, 3), dtype=np.uint8) for n in range(1, 11)}
    res = evaluate(shot, gt=shot, metrics=["segments"])
    assert all(not values for values in res["frames"].values())
    assert res["notes"] == [
        "segment accuracy skipped (ground truth not flat): frames 1, 2, 3, 4, 5, 6, 7, 8 … (10 frames)"
    ]
