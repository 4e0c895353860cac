"""One module per `lpa` command group; importing them registers the commands on `cli.app`."""
from lpa_analysis.commands import build  # noqa: F401
from lpa_analysis.commands import check  # noqa: F401
from lpa_analysis.commands import reports  # noqa: F401
from lpa_analysis.commands import quality  # noqa: F401
from lpa_analysis.commands import export  # noqa: F401
from lpa_analysis.commands import demo  # noqa: F401
from lpa_analysis.commands import audit  # noqa: F401
from lpa_analysis.commands import lab  # noqa: F401
