"""newstally: how much the news talks about whom. The composition root: settings and the CLI."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newstally")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"
