"""Exception tree. Every user-facing failure maps to one documented exit code.

Exit codes (the contract studio scripts rely on):
    0    every requested frame exists
    1    some frame failed; the others were still written
    2    usage, config or input-validation error
    3    model or weights unavailable
    130  interrupted; no partial files remain
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FRAMES_FAILED = 1
EXIT_USAGE = 2
EXIT_MODEL_UNAVAILABLE = 3
EXIT_INTERRUPTED = 130


class ColorframesError(Exception):
    """Base class; `exit_code` is what the CLI exits with."""

    exit_code = EXIT_USAGE


class InputError(ColorframesError):
    """Bad input file, folder, frame range, preset or option (exit 2)."""

    exit_code = EXIT_USAGE


class ConfigError(InputError):
    """Malformed preset, unknown option key, conflicting options (exit 2)."""


class ModelUnavailableError(ColorframesError):
    """Weights or an optional runtime are missing (exit 3).

    The message names the exact files, where they come from and the command that fetches them.
    """

    exit_code = EXIT_MODEL_UNAVAILABLE


class FrameError(ColorframesError):
    """One frame could not be read, colorized or written; the run goes on (exit 1 at the end)."""

    exit_code = EXIT_FRAMES_FAILED
