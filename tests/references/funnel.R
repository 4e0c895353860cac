# Reference values for tests/test_stats_funnel.py: funnel plots (Spiegelhalter 2005, Stat Med)
# with the additive over-dispersion adjustment (Spiegelhalter 2005, Qual Saf Health Care):
# phi from z-scores Winsorised at their 10th/90th percentiles (quantile type 7), DerSimonian-
# Laird tau2, limits target +/- z sqrt(s^2 + tau2) for means; exact binomial / beta-binomial
# limits and flags for pass rates.
# Run from the project root:  Rscript tests/references/funnel.R
# Writes funnel_input.csv (a small synthetic nation), funnel_dispersed.csv (provinces that
# really differ), funnel_ceiling.csv (a pass rate near 1) and funnel.json (expected values).
# Written independently of lpa_analysis: base R only (qnorm, pbinom, lchoose, lbeta, quantile).
library(jsonlite)
set.seed(2566)

levels <- c("95" = 0.95, "998" = 0.998)

dispersion <- function(z, se) {
  q <- quantile(z, c(0.1, 0.9), type = 7, names = FALSE)
  phi <- mean(pmin(pmax(z, q[1]), q[2])^2)
  units <- length(z); w <- 1 / se^2
  tau2 <- max(0, (units * phi - (units - 1)) / (sum(w) - sum(w^2) / sum(w)))
  list(phi = phi, tau2 = tau2)
}

# P(X <= k), k = 0..n: binomial, or beta-binomial with mean p0 and variance tau2 of the rate.
count_cdf <- function(n, p0, tau2) {
  k <- 0:n
  if (tau2 <= 0) return(pbinom(k, n, p0))
  s <- p0 * (1 - p0) / tau2 - 1
  cumsum(exp(lchoose(n, k) + lbeta(k + p0 * s, n - k + (1 - p0) * s) - lbeta(p0 * s, (1 - p0) * s)))
}
# Edges of the counts not flagged: lo = smallest k with P(X <= k) >= tail, hi = smallest k with
# P(X > k) < tail, both over n.
exact_limits <- function(n, p0, tau2) {
  out <- list()
  for (lv in names(levels)) {
    tail <- (1 - levels[[lv]]) / 2
    lo <- hi <- numeric(length(n))
    for (i in seq_along(n)) {
      cdf <- count_cdf(n[i], p0, tau2)
      lo[i] <- (min(which(cdf >= tail)) - 1) / n[i]
      hi[i] <- (min(which(1 - cdf < tail)) - 1) / n[i]
    }
    out[[paste0("lo", lv)]] <- lo; out[[paste0("hi", lv)]] <- hi
  }
  out
}
normal_limits <- function(n, target, sd, tau2) {
  out <- list()
  for (lv in names(levels)) {
    half <- qnorm(1 - (1 - levels[[lv]]) / 2) * sqrt(sd^2 / n + tau2)
    out[[paste0("lo", lv)]] <- target - half; out[[paste0("hi", lv)]] <- target + half
  }
  out
}

# Flags computed without the limits: from z_adj for means, from tail probabilities of the count
# for pass rates.
position <- function(above998, above95, below998, below95) {
  ifelse(above998, "above998", ifelse(above95, "above95", ifelse(below998, "below998",
         ifelse(below95, "below95", "within"))))
}
funnel_table <- function(laos, v, proportion, adjust = TRUE) {
  target <- mean(v); sd_all <- sd(v)
  agg <- aggregate(v, list(province_code = laos$province_code),
                   function(x) c(n = length(x), value = mean(x), events = sum(x)))
  tab <- data.frame(province_code = agg$province_code, n = agg$x[, "n"],
                    value = agg$x[, "value"], events = agg$x[, "events"], target = target)
  se <- if (proportion) sqrt(target * (1 - target) / tab$n) else sd_all / sqrt(tab$n)
  tab$z <- (tab$value - target) / se
  d <- dispersion(tab$z, se)
  tab$phi <- d$phi; tab$tau2 <- d$tau2
  tau2 <- if (adjust) d$tau2 else 0
  tab$z_adj <- (tab$value - target) / sqrt(se^2 + tau2)
  if (proportion) {
    lim <- exact_limits(tab$n, target, tau2)
    tail_prob <- function(i, upper) {
      cdf <- count_cdf(tab$n[i], target, tau2); x <- tab$events[i]
      if (upper) { if (x == 0) 1 else 1 - cdf[x] } else cdf[x + 1]
    }
    up <- sapply(seq_len(nrow(tab)), tail_prob, upper = TRUE)
    down <- sapply(seq_len(nrow(tab)), tail_prob, upper = FALSE)
    tab$flag <- position(up < 0.001, up < 0.025, down < 0.001, down < 0.025)
  } else {
    lim <- normal_limits(tab$n, target, sd_all, tau2)
    q <- function(lv) qnorm(1 - (1 - levels[[lv]]) / 2)
    tab$flag <- position(tab$z_adj > q("998"), tab$z_adj > q("95"),
                         tab$z_adj < -q("998"), tab$z_adj < -q("95"))
  }
  tab$events <- NULL
  cbind(tab, as.data.frame(lim))
}

# 1. A small nation of 12 provinces (sizes 1..333), two far off the national mean.
sizes <- c(1, 3, 12, 25, 40, 60, 90, 120, 150, 200, 260, 333)
prob <- c(0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.55, 0.8, 0.8, 0.97, 0.8)
shift <- c(0, 0, 0, 0, 0, 0, 0, -6, 0, 0, 5, 0)
laos <- do.call(rbind, lapply(seq_along(sizes), function(i) data.frame(
  province_code = sprintf("%02d", 10 + i),
  passed = rbinom(sizes[i], 1, prob[i]) == 1,
  overall_pct = round(rnorm(sizes[i], 76 + shift[i], 9), 6))))
write.csv(laos, "tests/references/funnel_input.csv", row.names = FALSE)

# 2. Forty provinces that really differ (province effects on the mean and on the pass rate),
# one planted far above: over-dispersed, tau2 > 0 for both measures.
sizes2 <- sample(19:334, 40, replace = TRUE)
effect <- rnorm(40, 0, 2); effect[7] <- 12
logit <- qlogis(0.85) + rnorm(40, 0, 0.6)
dispersed <- do.call(rbind, lapply(seq_along(sizes2), function(i) data.frame(
  province_code = sprintf("%02d", 10 + i),
  passed = rbinom(sizes2[i], 1, plogis(logit[i])) == 1,
  overall_pct = round(rnorm(sizes2[i], 80 + effect[i], 6), 6))))
write.csv(dispersed, "tests/references/funnel_dispersed.csv", row.names = FALSE)

# 3. A near-ceiling nation (pass rate ~0.99, as in the LPA): all-pass provinces are within.
ceiling <- laos[, c("province_code", "passed")]
ceiling$passed <- seq_len(nrow(ceiling)) %% 80 != 0
ceiling$passed[ceiling$province_code == "18"] <- rep(c(FALSE, TRUE, TRUE), length.out = 120)
write.csv(ceiling, "tests/references/funnel_ceiling.csv", row.names = FALSE)

grid <- c(1:40, 50, 75, 100, 150, 250, 333)
curves <- list()
for (case in list(c(0.5, 0), c(0.83, 0), c(0.99, 0), c(0.03, 0), c(0.83, 0.004),
                  c(0.99, 1e-4))) {
  curves[[length(curves) + 1]] <- c(list(target = case[1], tau2 = case[2], n = grid),
                                    exact_limits(grid, case[1], case[2]))
}
mean_curve <- c(list(target = 81.7, sd = 5.3, tau2 = 2.25, n = 1:60),
                normal_limits(1:60, 81.7, 5.3, 2.25))

out <- list(
  curves_exact = curves,
  curve_mean = mean_curve,
  mean_small = funnel_table(laos, laos$overall_pct, FALSE),
  mean_small_plain = funnel_table(laos, laos$overall_pct, FALSE, adjust = FALSE),
  pass_small = funnel_table(laos, as.numeric(laos$passed), TRUE),
  mean_dispersed = funnel_table(dispersed, dispersed$overall_pct, FALSE),
  mean_dispersed_plain = funnel_table(dispersed, dispersed$overall_pct, FALSE, adjust = FALSE),
  pass_dispersed = funnel_table(dispersed, as.numeric(dispersed$passed), TRUE),
  pass_ceiling = funnel_table(ceiling, as.numeric(ceiling$passed), TRUE)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "columns"),
           "tests/references/funnel.json")
