"""Analysis settings in one place. The pass mark and the bands are not here: they belong to the
assessment year and come from its framework (`Framework.pass_threshold`, `Framework.bands`)."""

# Significance level of every test, and the false-discovery rate of BH-adjusted q-values.
ALPHA = 0.05
# Smallest group a between-group test (Kruskal–Wallis, Mann–Whitney) includes.
MIN_GROUP_N = 2
# Indicators fewer LAOs of a province have (e.g. PAO-only ones) are left out of its gap chart
# and table rows: they only add noise.
MIN_LAOS_FOR_GAP_CHART = 5
