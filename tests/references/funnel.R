# Reference values for tests/test_stats_funnel.py (Spiegelhalter 2005 funnel plots).
# Run from the project root:  Rscript tests/references/funnel.R
# Writes funnel_input.csv (synthetic LAOs), funnel_ceiling.csv (a pass rate near 1) and
# funnel.json (expected limits and flags).
# Written independently of lpa_analysis: base R qbinom/pbinom/qnorm only.
library(jsonlite)
set.seed(2566)

# Exact binomial limit with Spiegelhalter's interpolation (Appendix A.1.1), clipped to [0, 1].
exact_limit <- function(n, p0, p) {
  r <- qbinom(p, n, p0)
  a <- (pbinom(r, n, p0) - p) / (pbinom(r, n, p0) - pbinom(r - 1, n, p0))
  pmin(pmax((r - a) / n, 0), 1)
}
limits <- function(n, p0, exact, sd = NULL) {
  out <- list()
  for (lv in c("95", "998")) {
    tail <- (1 - as.numeric(paste0("0.", lv))) / 2
    if (exact) {
      lo <- exact_limit(n, p0, tail); hi <- exact_limit(n, p0, 1 - tail)
    } else {
      se <- if (is.null(sd)) sqrt(p0 * (1 - p0) / n) else sd / sqrt(n)
      lo <- p0 - qnorm(1 - tail) * se; hi <- p0 + qnorm(1 - tail) * se
    }
    out[[paste0("lower_", lv)]] <- lo; out[[paste0("upper_", lv)]] <- hi
  }
  out
}

# 1. Curves on a grid, including p0 = 0.99 with small n where normal limits exceed 1.
curves <- list()
for (p0 in c(0.5, 0.83, 0.99, 0.03)) {
  n <- c(1:40, 50, 75, 100, 150, 250, 333)
  curves[[length(curves) + 1]] <- c(list(target = p0, n = n), limits(n, p0, TRUE))
}
normal_curve <- c(list(target = 0.83, n = 1:60), limits(1:60, 0.83, FALSE))

# 2. A synthetic nation of 12 provinces (sizes 1..333), two far off the national value.
sizes <- c(1, 3, 12, 25, 40, 60, 90, 120, 150, 200, 260, 333)
prob <- c(0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.55, 0.8, 0.8, 0.97, 0.8)
shift <- c(0, 0, 0, 0, 0, 0, 0, -6, 0, 0, 5, 0)
laos <- do.call(rbind, lapply(seq_along(sizes), function(i) data.frame(
  province_code = sprintf("%02d", 10 + i),
  passed = rbinom(sizes[i], 1, prob[i]) == 1,
  overall_pct = round(rnorm(sizes[i], 76 + shift[i], 9), 6))))
write.csv(laos, "tests/references/funnel_input.csv", row.names = FALSE)

flag <- function(v, lo, hi) ifelse(v > hi, "above", ifelse(v < lo, "below", "within"))
funnel_table <- function(laos, v, exact, is_mean = FALSE) {
  target <- mean(v); sd_all <- sd(v)
  agg <- aggregate(v, list(province_code = laos$province_code),
                   function(x) c(n = length(x), value = mean(x)))
  tab <- data.frame(province_code = agg$province_code, n = agg$x[, "n"], value = agg$x[, "value"])
  lim <- limits(tab$n, target, exact, if (is_mean) sd_all else NULL)
  tab <- cbind(tab, target = target, as.data.frame(lim))
  if (exact) {  # by the binomial tail probability of the observed count
    events <- round(tab$value * tab$n)
    for (lv in c("95", "998")) {
      tail <- (1 - as.numeric(paste0("0.", lv))) / 2
      tab[[paste0("outside_", lv)]] <- ifelse(
        1 - pbinom(events - 1, tab$n, target) < tail, "above",
        ifelse(pbinom(events, tab$n, target) < tail, "below", "within"))
    }
  } else {
    tab$outside_95 <- flag(tab$value, tab$lower_95, tab$upper_95)
    tab$outside_998 <- flag(tab$value, tab$lower_998, tab$upper_998)
  }
  tab
}
# A near-ceiling nation (pass rate ~0.99, as in the LPA): all-pass provinces are not 'above'.
ceiling <- laos[, c("province_code", "passed")]
ceiling$passed <- seq_len(nrow(ceiling)) %% 80 != 0
ceiling$passed[ceiling$province_code == "18"] <- rep(c(FALSE, TRUE, TRUE), length.out = 120)
write.csv(ceiling, "tests/references/funnel_ceiling.csv", row.names = FALSE)
out <- list(
  pass_ceiling = funnel_table(ceiling, as.numeric(ceiling$passed), TRUE),
  curves_exact = curves,
  curve_normal = normal_curve,
  pass_exact = funnel_table(laos, as.numeric(laos$passed), TRUE),
  pass_normal = funnel_table(laos, as.numeric(laos$passed), FALSE),
  mean_overall = funnel_table(laos, laos$overall_pct, FALSE, is_mean = TRUE)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "columns"),
           "tests/references/funnel.json")
