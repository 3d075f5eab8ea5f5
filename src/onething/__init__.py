"""OneThing — the 一件事一次办 platform."""

__version__ = "0.1.0"
