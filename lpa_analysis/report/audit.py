"""The auditor's report of a year (`audit_year.ipynb`): input fingerprints, the quality gate,
every mismatch with published results, the composite-indicator audit, rank stability, and the
published run's manifest."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from lpa_analysis import reference
from lpa_analysis.i18n import fmt_num, t, year_label
from lpa_analysis.processed import DEFAULT_PROCESSED, Processed, load_processed
from lpa_analysis.report.base import ReportBase, findings_counts, reconciliation_named
from lpa_analysis.schema import to_be_year


@dataclass
class AuditReport(ReportBase):
    """The auditor's view of a year: input fingerprints, the quality gate, every mismatch with
    published results, the composite-indicator audit, rank stability, and the published run's
    manifest (when `reports/<year>/<lang>/manifest.json` exists)."""

    year: int
    lang: str
    processed: Processed
    reference: dict[str, pd.DataFrame]
    manifest: dict | None
    parameters: dict = field(default_factory=dict)

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        from lpa_analysis.stats import composite

        info = self.processed.info
        counts = info["counts"]["tables"]
        ranks = self.reference["rank_uncertainty"]
        return {
            "inputs": pd.DataFrame(info["inputs"]),
            "gate_counts": pd.DataFrame([{"table": k, **v} for k, v in sorted(counts.items())]),
            "quality": findings_counts(self.processed.quality_findings),
            "quarantine": self.processed.quarantine,
            "reconciliation": reconciliation_named(self.processed.reconciliation,
                                                   self.processed.scored_laos, self.lang),
            "alpha": self.reference["alpha"],
            "correlations": composite.dimension_correlations(self.processed.scored_laos),
            "rank_stability": ranks.sort_values("rank_sens_width", ascending=False).head(50),
            "published_outputs": pd.DataFrame((self.manifest or {}).get("outputs", []),
                                              columns=["path", "size", "sha256"]),
        }

    def title(self) -> str:
        return "# " + t("report.audit.title", self.lang, year=year_label(self.year, self.lang))

    def _text_manifest(self) -> list[str]:
        if not self.manifest:
            return [t("audit.no_manifest", self.lang)]
        m = self.manifest
        return [t("audit.manifest", self.lang, content=m["content_sha256"][:16],
                  commit=(m.get("git", {}).get("commit") or "–")[:12],
                  n_outputs=fmt_num(len(m["outputs"])), version=m.get("lpa_analysis", "–"))]

    # -- section registry: what rep.text(name) and rep.chart(name) call --
    TEXTS = {"manifest": _text_manifest}


def audit_report(year: int = 2566, *, lang: str = "th", processed_dir: str | Path = DEFAULT_PROCESSED,
                 reports_dir: str | Path = "reports") -> AuditReport:
    year = to_be_year(year)
    # the layout of runs.lang_dir (runs sits above the report layer)
    manifest_path = Path(reports_dir) / str(year) / lang / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) \
        if manifest_path.is_file() else None
    return AuditReport(year=year, lang=lang, processed=load_processed(year, processed_dir),
                       reference=reference.load(year, processed_dir), manifest=manifest,
                       parameters={"year": year, "lang": lang,
                                   "processed_dir": str(processed_dir),
                                   "reports_dir": str(reports_dir)})

