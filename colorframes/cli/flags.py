"""Typer options built from RunOptions' field metadata (`options.option_info`): one edit in options.py adds
a flag with its help, placeholder, `--help` panel and default to `run`, `inspect`, `segment` and `doctor`.

Every option's CLI default is None ("not given"): `resolve_options` then applies environment > preset >
the dataclass default, and `--help` shows that dataclass default.
"""

from __future__ import annotations

import inspect as pyinspect
import re
from collections.abc import Callable, Iterable
from dataclasses import MISSING, fields
from typing import Annotated, Any, TypeVar, get_args, get_origin, get_type_hints

import typer

from ..options import RunOptions, field_type, option_info

F = TypeVar("F", bound=Callable[..., Any])

_DEFAULTS = {f.name: f.default for f in fields(RunOptions) if f.default is not MISSING}
_TYPE_METAVAR = {int: "INT", float: "FLOAT", str: "TEXT", tuple: "TEXT"}
# rich markup reads `[word]` as a style tag; escape it like rich.markup.escape (without importing rich).
_RICH_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def escape(text: str) -> str:
    """Help text shown literally under rich_markup_mode="rich" (`[@FRAME]` stays visible)."""
    return _RICH_TAG.sub(lambda m: f"{m.group(1)}{m.group(1)}\\{m.group(2)}", text)


def flag_names(name: str) -> tuple[str, ...]:
    """`--gap-radius`, `--karras/--no-karras` for booleans, then the field's aliases (`--steps`, `-o`)."""
    flag = name.replace("_", "-")
    main = f"--{flag}/--no-{flag}" if _base_type(name) is bool else f"--{flag}"
    return (main, *option_info(name).aliases)


def metavar(name: str) -> str:
    """The --help placeholder: the field's own, `[a|b|c]` for choices, else INT / FLOAT / TEXT; none for
    an on/off flag."""
    info = option_info(name)
    if _base_type(name) is bool:
        return ""
    if info.metavar:
        return info.metavar
    if info.choices:
        return f"[{'|'.join(info.choices)}]"
    return _TYPE_METAVAR[_base_type(name)]


def default_text(name: str) -> str | None:
    """The dataclass default as `--help` shows it; None when there is nothing useful to show."""
    value = _DEFAULTS[name]
    if value is None or value == () or value is False:
        return None
    return "on" if value is True else str(value)


def option(name: str, *, help: str | None = None, panel: bool = True) -> Any:
    """`Annotated[T | None, typer.Option(...)]` for RunOptions field `name` (default None = not given)."""
    info = option_info(name)
    shown = default_text(name)
    text = (help or info.help) + (f" [default: {shown}]" if shown is not None else "")
    opt = typer.Option(
        *flag_names(name),
        help=escape(text),
        metavar=metavar(name),
        show_default=False,
        rich_help_panel=info.group if panel else None,
    )
    base = _base_type(name)
    cli_type: Any = list[str] if base is tuple else base
    return Annotated[cli_type | None, opt]


def with_options(names: Iterable[str], *, panels: bool = True, **overrides: str) -> Callable[[F], F]:
    """Give `func(<its own parameters>, **flags)` one typer option per RunOptions field in `names`.

    Typer reads the signature, so the command receives every field as a keyword (None when not given).
    The options go after func's positional parameters and before its keyword-only ones; `panels` puts them
    in their `--help` groups; `overrides` replaces a field's help text for this command.
    """

    def decorate(func: F) -> F:
        hints = get_type_hints(func, include_extras=True)
        own = []
        for param in pyinspect.signature(func).parameters.values():
            if param.kind is not param.VAR_KEYWORD:
                own.append(param.replace(annotation=hints[param.name]))
        keyword_only = [p for p in own if p.kind is p.KEYWORD_ONLY]
        params = [p for p in own if p.kind is not p.KEYWORD_ONLY]
        for name in names:
            annotation = option(name, help=overrides.get(name), panel=panels)
            params.append(
                pyinspect.Parameter(name, pyinspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
            )
        params.extend(keyword_only)
        func.__signature__ = pyinspect.Signature(params, return_annotation=None)  # type: ignore[attr-defined]
        func.__annotations__ = {p.name: p.annotation for p in params}
        return func

    return decorate


def _base_type(name: str) -> Any:
    """bool, int, float, str, or tuple (repeatable) for field `name`, without the `| None`."""
    typ = field_type(name)
    args = [a for a in get_args(typ) if a is not type(None)]
    base = args[0] if args and get_origin(typ) is not tuple else typ
    return tuple if get_origin(base) is tuple else base
