"""`colorframes models list|path|pull|convert|verify`: the weights registry on the command line."""

from __future__ import annotations

import json

import typer

from ..errors import ColorframesError
from . import console
from .typer_app import CleanTyper

models_app = CleanTyper(
    name="models",
    help="List, locate, download, convert and verify model weights. Missing weights exit 3.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _licence(name: str) -> None:
    from ..models.registry import licence_notice

    note = licence_notice(name)
    if note:
        console.err(note)


@models_app.command("list")
def list_cmd(
    as_json: bool = typer.Option(False, "--json", help="Print the registry as JSON on stdout."),
) -> None:
    """Show every known model: source, files, licence and whether it is present locally."""
    from ..models import registry

    rows = []
    for e in registry.list_models():
        row = e.to_dict()
        row["present"] = True if e.builtin else not registry.missing_files(e.name)
        rows.append(row)
    if as_json:
        typer.echo(json.dumps({"home": str(registry.home() or "huggingface-cache"), "models": rows}, indent=1))
        return
    typer.echo(f"{'name':<16} {'state':<8} {'size':<14} {'licence':<30} source")
    for row in rows:
        state = "present" if row["present"] else "missing"
        source = f"huggingface.co/{row['repo']}" if row["repo"] else "built in-process"
        size = (row["size_hint"] or "-") if row["repo"] else "-"
        typer.echo(f"{row['name']:<16} {state:<8} {size:<14} {row['licence']:<30} {source}")
        typer.echo(f"{'':<16} {row['notes']}")


@models_app.command("path")
def path_cmd(name: str = typer.Argument(..., help="Registry name or local path.")) -> None:
    """Print the local path of a model's weights; exit 3 with fetch instructions when missing."""
    from ..models.registry import model_path

    try:
        path = model_path(name)
    except ColorframesError as exc:
        console.fail(exc)
    _licence(name)
    typer.echo(str(path))


@models_app.command("pull")
def pull_cmd(names: list[str] = typer.Argument(..., help="Registry names to download.")) -> None:
    """Download models' files from the Hugging Face hub into COLORFRAMES_HOME or the HF cache.

    Needs the masks or diffusion extra (huggingface_hub); exits 3 within seconds when the hub is unreachable,
    naming where a file copied by hand goes ($COLORFRAMES_HOME/<name>/<file>).
    """
    from ..models.registry import pull

    for name in names:
        _licence(name)
        try:
            path = pull(name)
        except ColorframesError as exc:
            console.fail(exc)
        typer.echo(str(path))


@models_app.command("convert")
def convert_cmd(
    src: str = typer.Argument(..., help="Official single-file checkpoint (registry name or path)."),
    dst: str = typer.Argument(..., help="New folder for the diffusers-style layout."),
) -> None:
    """Convert the official single file into a diffusers-style folder that loads offline."""
    from ..models.registry import convert

    _licence(src)
    try:
        out = convert(src, dst)
    except ColorframesError as exc:
        console.fail(exc)
    console.err(f"converted {src} -> {out}")
    typer.echo(str(out))


@models_app.command("verify")
def verify_cmd(
    name: str = typer.Argument(..., help="Registry name or local path."),
    as_json: bool = typer.Option(False, "--json", help="Print the per-file results as JSON."),
) -> None:
    """Check size, sha256 (where the registry knows them) and file structure; exit 3 on a problem."""
    from ..errors import ModelUnavailableError
    from ..models.registry import verify

    try:
        results = verify(name)
    except ColorframesError as exc:
        console.fail(exc)
    if as_json:
        typer.echo(json.dumps({"model": name, "files": results}, indent=1))
    else:
        for r in results:
            state = "ok" if r["ok"] else "FAILED: " + "; ".join(r["problems"])
            typer.echo(f"{r['file']}  {r['size']} bytes  sha256 {r['sha256']}  {state}")
    bad = [r for r in results if not r["ok"]]
    if bad:
        from ..models.registry import is_local_path

        fix = "replace the file" if is_local_path(name) else f"re-run `colorframes models pull {name}`"
        console.fail(ModelUnavailableError(f"{bad[0]['file']} failed verification: {bad[0]['problems'][0]}; {fix}"))


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
