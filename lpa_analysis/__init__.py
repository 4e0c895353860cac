"""lpa-analysis: analysis and reporting for Thailand's Local Performance Assessment (LPA)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lpa-analysis")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
