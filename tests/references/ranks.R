# Reference values for the rank-sensitivity tests in tests/test_stats_composite.py: given the
# Monte Carlo draws (weights and overall method), the ranks, their type-1 quantiles and the
# hull with the nominal rank are deterministic. R draws them here, Python is given the same
# draws. Reads composite_scored.csv and composite_indicators.csv (written by composite.R;
# kept apart from it so that the two fixtures can be regenerated independently).
# Run from the project root:  Rscript tests/references/ranks.R
# Writes ranks_draws.csv, ranks_draws_points.csv (the draws) and ranks.json (expected ranks).
# Base R only.
library(jsonlite)
set.seed(2568)

scored <- read.csv("tests/references/composite_scored.csv", colClasses = c(lao_code = "character"))
ind <- read.csv("tests/references/composite_indicators.csv",
                colClasses = c(lao_code = "character", indicator_id = "character"))

# Applicable maximum per LAO and dimension: counted (not pilot), applicable indicators.
app <- ind[!ind$pilot & !ind$not_applicable, ]
maxima <- sapply(1:5, function(d) {
  s <- app[app$dimension == d, ]
  m <- tapply(s$max_points, factor(s$lao_code, levels = scored$lao_code), sum)
  ifelse(is.na(m), 0, m)
})
pct <- as.matrix(scored[, paste0("d", 1:5, "_pct")])

n_draws <- 400
draws <- as.data.frame(matrix(runif(n_draws * 5, 0.75, 1.25), n_draws, 5))
names(draws) <- paste0("w_d", 1:5)
draws$method <- sample(c("points", "mean_of_dimensions"), n_draws, replace = TRUE)
write.csv(draws, "tests/references/ranks_draws.csv", row.names = FALSE)

sensitivity <- function(draws) {
  scores <- t(sapply(seq_len(nrow(draws)), function(i) {
    f <- unlist(draws[i, 1:5])
    if (draws$method[i] == "points") (pct * maxima) %*% f / (maxima %*% f) else pct %*% f / sum(f)
  }))  # draws x LAOs
  # 1 = best; ties share the best rank; rounded so that float noise does not break ties
  ranks <- apply(round(scores, 9), 1, function(s) rank(-s, ties.method = "min"))  # LAOs x draws
  nominal <- rank(-round(scored$overall_pct, 9), ties.method = "min")
  q <- t(apply(ranks, 1, quantile, probs = c(0.05, 0.5, 0.95), type = 1, names = FALSE))
  list(lao_code = scored$lao_code, rank_nominal = nominal, rank_sens_median = q[, 2],
       rank_sens_low = pmin(q[, 1], nominal), rank_sens_high = pmax(q[, 3], nominal),
       n_nominal_outside_quantiles = sum(nominal < q[, 1] | nominal > q[, 3]))
}
# Mixed methods; and points only, whose draws never contain the nominal configuration (the
# scores' overall_pct is the mean of dimensions), so that the hull matters.
points_only <- draws
points_only$method <- "points"
write.csv(points_only, "tests/references/ranks_draws_points.csv", row.names = FALSE)
out <- list(mixed = sensitivity(draws), points_only = sensitivity(points_only))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "tests/references/ranks.json")
