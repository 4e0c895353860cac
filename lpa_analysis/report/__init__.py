"""Report content, one module per report kind, each called by its notebook:

    province_report(2566, "54")   →  report/province.py   (province_report.ipynb)
    national_report(2566)         →  report/national.py   (national_overview.ipynb)
    audit_report(2566)            →  report/audit.py      (audit_year.ipynb)

`report/base.py` holds what they share (tables for people, the tables folder, the section
registry), `report/benchmarking.py` the funnel charts and sentences of both province and
national reports. The national reference tables they read come from `lpa_analysis.reference`."""

from lpa_analysis.report.audit import AuditReport, audit_report  # noqa: F401
from lpa_analysis.report.national import NationalReport, national_report  # noqa: F401
from lpa_analysis.report.province import ProvinceReport, province_report  # noqa: F401
