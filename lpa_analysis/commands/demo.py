"""`lpa demo`: write the synthetic demo data folder (see lpa_analysis.demo)."""

from __future__ import annotations

from pathlib import Path

import typer

from lpa_analysis.commands.options import app, output_folder, writing
from lpa_analysis.errors import InputError


def parse_years(text: str) -> list[int]:
    """'2564-2567', '2566', '2564,2566' or CE years ('2021-2024') → BE years."""
    from lpa_analysis.schema import to_be_year

    years: set[int] = set()
    try:
        for part in text.split(","):
            first, _, last = part.strip().partition("-")
            lo = to_be_year(int(first))
            hi = to_be_year(int(last)) if last else lo
            if hi < lo:
                raise ValueError(f"{part.strip()}: the range runs backwards")
            years.update(range(lo, hi + 1))
    except ValueError as exc:
        raise InputError(f"--years '{text}': {exc}") from exc
    return sorted(years)


@app.command()
def demo(
    out: Path = typer.Option(Path("data/demo"), "--out", help="Folder to write (replaced if it "
                             "holds earlier demo data)."),
    years: str = typer.Option("2564-2567", "--years", help="BE years: a range, a list or one."),
    seed: int = typer.Option(2566, "--seed", help="Random seed; the same seed gives the same "
                             "bytes."),
    dirty: bool = typer.Option(False, "--dirty", help="Scores as CSV with injected defects "
                               "(listed in truth.json)."),
    provinces: str = typer.Option(None, "--provinces", help="Only these provinces: DOPA codes or "
                                  "names, comma-separated (small data for quick tries)."),
) -> None:
    """Write synthetic demo data: registry, frameworks, scores, published
    results, truth.json and DATACARD.md.

    The LAOs are the real number of each type in each province (DLA registry
    2566) with real place names; the scores are made up, calibrated to the
    published LPA aggregates, with planted effects described in DATACARD.md
    (ground truth in truth.json, for tests only). Same seed, same bytes.

    Examples:

      lpa demo --out data/demo

      lpa demo --out /tmp/phrae --provinces 54 --years 2566 --dirty
    """
    from lpa_analysis import demo as demo_data
    from lpa_analysis.log import add_file, log

    output_folder(out, "--out")
    chosen = [p.strip() for p in provinces.split(",") if p.strip()] if provinces else None
    with writing(out.parent):
        add_file(out.parent / f"{out.name}.log")
        path = demo_data.generate(out, years=parse_years(years), seed=seed, dirty=dirty,
                                  provinces=chosen)
    log.info("demo data written to %s (see %s)", path, path / "DATACARD.md")
