"""inspect, presets, doctor, --version and exit 3 for missing weights, through the real CLI."""

from __future__ import annotations

import json

from colorframes import __version__


def test_version(cli):
    code, stdout, _ = cli("--version")
    assert code == 0 and stdout.strip() == __version__


def test_inspect_json_reports_shots_gaps_and_plan_without_models(cli, shot_factory, sheet, tmp_path):
    shot = tmp_path / "sh"
    shot.mkdir()
    for p in list(shot_factory().glob("*.png")):
        if not p.name.endswith("1003.png"):
            (shot / p.name).write_bytes(p.read_bytes())
    assert cli("run", shot, "--ref", sheet, "-o", tmp_path / "out", "--frames", "1001-1002")[0] == 0
    code, stdout, _ = cli("inspect", shot, "--ref", sheet, "-o", tmp_path / "out", "--json")
    assert code == 0
    (info,) = json.loads(stdout)["shots"]
    assert info["frames"] == 5 and info["range"] == "1001-1002,1004-1006" and info["gaps"] == "1003"
    assert info["size"] == {"width": 320, "height": 180}
    assert info["skip"] == "1001-1002" and info["write"] == "1004-1006"


def test_presets_list_show_and_errors(cli, tmp_path):
    code, stdout, _ = cli("presets", "list", "--json")
    assert code == 0 and "preview" in json.loads(stdout)
    code, stdout, _ = cli("presets", "show", "fig2fig", "--json")
    assert code == 0 and json.loads(stdout)["mode"] == "fig2fig"
    bad = tmp_path / "bad.toml"
    bad.write_text("[options]\nstepz = 3\n")
    code, _, stderr = cli("run", tmp_path, "--preset", bad)
    assert code == 2 and "unknown key `stepz`" in stderr
    code, _, stderr = cli("presets", "show", "nope")
    assert code == 2 and "unknown preset" in stderr


def test_missing_weights_exit_3_naming_files_and_fetch_command(cli, shot_factory, tmp_path):
    env = {"COLORFRAMES_HOME": str(tmp_path / "home")}
    code, _, stderr = cli("run", shot_factory(n=1), "-o", tmp_path / "o", "--backend", "diffusion", env=env)
    assert code == 3
    assert "switch-eps.safetensors" in stderr and "colorframes models pull switch-eps" in stderr
    assert not list((tmp_path / "o").rglob("*.png"))
    code, stdout, _ = cli("doctor", "--backend", "diffusion", "--json", env=env)
    assert code == 3
    failed = [c["check"] for c in json.loads(stdout)["checks"] if not c["ok"]]
    assert failed == ["weights switch-eps", "weights clip-vit-h-14"]


def test_doctor_passes_for_the_cpu_flat_setup(cli):
    code, stdout, _ = cli("doctor", "--json")
    assert code == 0 and json.loads(stdout)["info"]["ffmpeg"]


def test_bad_reference_inputs_exit_2(cli, shot_factory, tmp_path):
    shot = shot_factory(n=1)
    (tmp_path / "ref.mp4").write_bytes(b"x")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    for ref, message in (
        ("missing.png", "not found"),
        ("ref.mp4", "video cannot be a reference"),
        ("broken.png", "cannot decode"),
    ):
        code, _, stderr = cli("run", shot, "--ref", tmp_path / ref, "-o", tmp_path / "o")
        assert code == 2 and message in stderr and ref in stderr
    code, _, stderr = cli("run", tmp_path / "empty_dir_missing", "-o", tmp_path / "o")
    assert code == 2


def test_output_that_cannot_be_a_folder_exits_2(cli, shot_factory, tmp_path):
    (tmp_path / "file").write_text("x")
    code, _, stderr = cli("run", shot_factory(n=1), "-o", tmp_path / "file" / "out")
    assert code == 2 and "not writable" in stderr


def test_name_template_cannot_escape(cli, shot_factory, tmp_path):
    code, _, stderr = cli("run", shot_factory(n=1), "-o", tmp_path, "--name-template", "../../{stem}")
    assert code == 2 and "name-template" in stderr
    code, _, _ = cli("run", shot_factory(n=1), "-o", tmp_path / "t", "--name-template", "{shot}_{frame:05d}")
    assert code == 0 and (tmp_path / "t" / "shot01" / "shot01_01001.png").exists()


def test_mixed_sizes_within_a_shot(cli, make_example, tmp_path):
    shot = tmp_path / "mix"
    make_example._write_png(shot / "mix.0001.png", make_example.render_frame(0, (320, 180))["sketch"])
    make_example._write_png(shot / "mix.0002.png", make_example.render_frame(1, (200, 120))["sketch"])
    code, stdout, _ = cli("run", shot, "-o", tmp_path / "png", "--json")
    assert code == 0 and json.loads(stdout)["done"] == 2
    code, stdout, stderr = cli("run", shot, "-o", tmp_path / "mp4", "--format", "mp4", "--json")
    assert code == 1 and "differs" in json.loads(stdout)["shots"][0]["mp4_error"]


def test_non_utf8_frame_names_run_and_resume(cli, shot_factory, tmp_path):
    import os

    folder = tmp_path / "nu"
    folder.mkdir()
    for p in sorted(shot_factory(n=2).glob("*.png")):
        number = p.stem.rsplit(".", 1)[1]
        with open(os.fsencode(str(folder)) + b"/caf\xe9." + number.encode() + b".png", "wb") as fh:
            fh.write(p.read_bytes())
    code, stdout, _ = cli("run", folder, "-o", tmp_path / "o", "--json")
    assert code == 0 and json.loads(stdout)["done"] == 2
    assert sorted(p.name for p in (tmp_path / "o" / "nu").glob("*.png")) == ["caf_.1001.png", "caf_.1002.png"]
    code, stdout, _ = cli("run", folder, "-o", tmp_path / "o", "--json")
    assert code == 0 and json.loads(stdout)["skipped"] == 2


def test_malformed_hints_exit_2_before_any_frame(cli, shot_factory, tmp_path):
    hints = tmp_path / "hints.json"
    hints.write_text('[{"frame": 1001, "x": 3}]')
    code, _, stderr = cli("run", shot_factory(n=2), "-o", tmp_path / "o", "--hints", hints)
    assert code == 2 and "hints.json" in stderr
    assert not list((tmp_path / "o").rglob("*.png"))
