"""Analysis settings in one place. The pass mark and the bands are not here: they belong to the
assessment year and come from its framework (`Framework.pass_threshold`, `Framework.bands`)."""

# Significance level of every test, and the false-discovery rate of BH-adjusted q-values.
ALPHA = 0.05
# Smallest LAO type a between-type test (Kruskal–Wallis, pairwise Mann–Whitney) includes. Below
# 5 per group the χ² approximation of H (and the normal one of U) is not to be trusted (Kruskal &
# Wallis 1952, JASA 47:583–621, §6), and the median of 2–4 LAOs says little about their type.
MIN_GROUP_N = 5
# An indicator that fewer LAOs of a province have (e.g. one for PAOs or city municipalities
# only) is described but not tested for that province: a finding would be about one or two
# organisations. The indicator table, its chart and its sentence all count tested rows only.
MIN_LAOS_FOR_INDICATOR_TEST = 5
# Rank intervals: Monte Carlo draws of the weights (sensitivity) and bootstrap replicates
# (statistical uncertainty) behind every rank interval, their seed, the share of the simulated
# ranks an interval covers (the 5th to the 95th percentile), and how far the sensitivity
# analysis moves each dimension's weight (× U(1 − p, 1 + p)).
RANK_DRAWS = 1000
RANK_SEED = 2566
RANK_INTERVAL = 0.90
RANK_PERTURBATION = 0.25
