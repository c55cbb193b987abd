import cv2
import numpy as np
import pytest

from colorframes.compose.stage import BackgroundStage, ProcessStage
from colorframes.errors import InputError
from colorframes.options import RunOptions


def test_no_background_and_no_process_mean_no_stages():
    assert BackgroundStage.from_options(RunOptions()) is None
    assert ProcessStage.from_options(RunOptions()) is None


def test_background_stage_composes_and_writes_the_layer(tmp_path, scene):
    plate8 = (scene["plate"] * 255 + 0.5).astype(np.uint8)
    cv2.imwrite(str(tmp_path / "bg.1001.png"), plate8[:, :, ::-1])
    opts = RunOptions(background=str(tmp_path / "bg.####.png"), harmonize=0.3)
    stage = BackgroundStage.from_options(opts)
    assert stage is not None and stage.strength == 0.3
    stage.check(scene["mask"].shape, first_frame=1001)
    with pytest.raises(InputError, match="never rescaled"):
        stage.check((32, 32), first_frame=1001)
    assert np.array_equal(stage.token_plate(1001, scene["mask"].shape), plate8)
    result = stage.compose(1001, scene["figure"], scene["sketch"], scene["mask"])
    outside = result.layer[..., 3] == 0
    assert np.array_equal(result.composite[outside], plate8[outside].astype(np.float32) / 255)
    path = stage.write_layer(result, tmp_path / "out", "shot.1001")
    assert path == tmp_path / "out" / "layers" / "shot.1001.png"
    assert cv2.imread(str(path), cv2.IMREAD_UNCHANGED).shape[2] == 4


def test_process_stage_writes_png_and_mp4(tmp_path, scene):
    stage = ProcessStage.from_options(RunOptions(process=4, format="both"))
    assert stage is not None and stage.wants(7)
    written = stage.export(tmp_path, "shot.0007", scene["sketch"], scene["mask"], scene["figure"], {})
    names = sorted(p.relative_to(tmp_path).as_posix() for p in written)
    assert names == [
        "process/shot.0007.mp4",
        *(f"process/shot.0007/step_{i:03d}.png" for i in range(4)),
    ]


def test_process_frames_spec_selects_frames():
    pytest.importorskip("colorframes.io.framespec")
    stage = ProcessStage.from_options(RunOptions(process=3, process_frames="1001,1005-1006"))
    assert stage is not None and stage.png and not stage.mp4
    assert [n for n in range(1000, 1008) if stage.wants(n)] == [1001, 1005, 1006]
