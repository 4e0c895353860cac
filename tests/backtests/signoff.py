"""The backtest's signed-off output set: what the published numbers of one demo province and
year are. Regenerate ONLY for a deliberate, reviewed change in a published number:

    .venv/bin/python tests/backtests/signoff.py     # then review `git diff tests/backtests`

The data come from the small demo of tests/conftest.py (seeded, so always the same bytes).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
GROUND_TRUTH = HERE / "ground_truth"
PROVINCE, YEAR = "54", 2566
REPORT_TABLES = ("summary", "pass_rate", "types", "change", "indicators", "laos")


def published_tables(data_dir: Path, processed_dir: Path) -> dict[str, pd.DataFrame]:
    """The tables a person would quote from the 2566 Phrae report, plus the scored LAOs."""
    from lpa_analysis.build import ensure_built
    from lpa_analysis.processed import load_processed
    from lpa_analysis.report import province_report

    ensure_built(YEAR, data_dir, processed_dir)
    scored = load_processed(YEAR, processed_dir).scored_laos
    tables = {"scored_laos": scored[scored["province_code"] == PROVINCE].reset_index(drop=True)}
    rep = province_report(YEAR, PROVINCE, lang="en", processed_dir=processed_dir)
    tables.update({name: rep.tables[name] for name in REPORT_TABLES})
    return tables


def main() -> None:
    sys.path.insert(0, str(HERE.parent))
    from conftest import SMALL_PROVINCES, SMALL_YEARS

    from lpa_analysis import demo

    with tempfile.TemporaryDirectory() as tmp:
        data = demo.generate(Path(tmp) / "data", years=SMALL_YEARS, provinces=SMALL_PROVINCES)
        tables = published_tables(data, Path(tmp) / "processed")
    GROUND_TRUTH.mkdir(exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(GROUND_TRUTH / f"{name}.csv", index=False)
        print(f"signed off {name}: {len(frame)} rows")


if __name__ == "__main__":
    main()
