"""One module per `lpa` command group; importing them registers the commands on `cli.app`.
Imported in the order of the one-way flow, so `lpa --help` reads like a table of contents."""
from lpa_analysis.commands import check  # noqa: F401  pre-flight of one input file
from lpa_analysis.commands import demo  # noqa: F401  synthetic demo data folder
from lpa_analysis.commands import quality  # noqa: F401  expectations, validate
from lpa_analysis.commands import build  # noqa: F401  read → gate → score → reconcile
from lpa_analysis.commands import reports  # noqa: F401  notebooks → HTML/PDF
from lpa_analysis.commands import scorecards  # noqa: F401  one page per LAO
from lpa_analysis.commands import export  # noqa: F401  Excel for analysts
from lpa_analysis.commands import show  # noqa: F401  analysts' questions as tables
from lpa_analysis.commands import audit  # noqa: F401  verify, audit report
from lpa_analysis.commands import lab  # noqa: F401  JupyterLab for analysts
