"""colorframes: reference-based colorization of line-art frame sequences for render farms."""

__version__ = "0.2.0"
