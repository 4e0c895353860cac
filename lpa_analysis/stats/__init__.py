"""Statistics behind every report: each analysis is a function returning a tidy DataFrame.

Inputs are the processed tables of `lpa build`: `scored_laos` (one row per LAO, columns
`schema.SCORED_LAOS_COLUMNS`) and `indicator_scores` (long, `schema.INDICATOR_SCORES_COLUMNS`).
Several years are passed as a dict {Buddhist-era year: frame}, e.g. {2565: s65, 2566: s66};
a year whose value is None or an empty frame, or a year between the first and the last that is
absent, is reported as 'missing_year'. Two-year analyses take the two frames as arguments.

Conventions for results (columns, CIs, the `note` codes for rows that cannot be computed):
see `lpa_analysis.stats._common`.
"""

# One re-export line per module; keep this file a short list.
from lpa_analysis.stats.change import (  # noqa: F401
    ComparableBasis, biggest_movers, comparable_basis, comparable_change, comparable_indicators,
    comparable_scores, hodges_lehmann, paired_change,
)
from lpa_analysis.stats.compare import (  # noqa: F401
    compare_types, pairwise_types, type_groups, type_table,
)
from lpa_analysis.stats.composite import (  # noqa: F401
    cronbach_alpha, dimension_alpha, dimension_correlations, dimension_maxima,
    indicator_distribution, pca_dimensions, rank_uncertainty, reliability,
)
from lpa_analysis.stats.descriptive import (  # noqa: F401
    band_shares, describe, district_table, pass_rate,
)
from lpa_analysis.stats.funnel import funnel, funnel_curve  # noqa: F401
from lpa_analysis.stats.indicators import indicator_gaps, indicator_gaps_all  # noqa: F401
from lpa_analysis.stats.teams import gap_model, self_vs_verified_gap, team_effect  # noqa: F401
from lpa_analysis.stats.trends import trend_table, year_changes  # noqa: F401
from lpa_analysis.stats.league import league_table  # noqa: F401
