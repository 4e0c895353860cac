# Reference values for tests/test_stats_indicators.py: per-indicator attainment of Chiang Mai
# (50) and Songkhla (90) against the rest of the country; the exact test of the province's
# total against n draws (with replacement) from all LAOs' values, its inverted CI, BH q values.
# "50_off_grid": indicator 1.2's values multiplied by sqrt(2)/2 (on no level grid: the normal
# approximation of the same test).
# Run from the project root after stats_data.R:  Rscript tests/references/indicators.R
# Base R only. The distribution of a sum of n draws is built by adding one draw at a time (a
# plain convolution loop), independently of the Python code's vectorised table.
library(jsonlite)
dir <- "tests/references"
ind <- read.csv(file.path(dir, "stats_indicator_scores_2566.csv"),
                colClasses = c(lao_code = "character", province_code = "character",
                               indicator_id = "character"))
ALPHA <- 0.05
MIN_LAOS <- 5

gcd <- function(a, b) if (b == 0) a else gcd(b, a %% b)

# Steps per 1.0 of attainment and each value's whole number of steps above the lowest value;
# NULL when no denominator up to 120 puts every value on a grid.
level_grid <- function(values) {
  above <- values - min(values)
  for (q in 1:120) {
    scaled <- above * q
    if (all(abs(scaled - round(scaled)) < 1e-9)) {
      units <- round(scaled)
      common <- max(Reduce(gcd, units), 1)
      return(list(steps = q / common, units = units / common))
    }
  }
  NULL
}

# P(sum of n independent draws = t), t = 0, 1, ..., from a distribution over 0..U.
sum_distribution <- function(pmf, n) {
  dist <- 1
  for (draw in seq_len(n)) {
    longer <- numeric(length(dist) + length(pmf) - 1)
    for (v in seq_along(pmf)) {
      at <- v:(v + length(dist) - 1)
      longer[at] <- longer[at] + pmf[v] * dist
    }
    dist <- longer
  }
  dist
}

# Lower and upper tail at the observed total, and the acceptance bounds of T - E.
tails <- function(x, all) {
  n <- length(x)
  excess <- sum(x - mean(all))
  sd <- sqrt(n * mean((all - mean(all))^2))
  grid <- level_grid(all)
  if (is.null(grid)) {
    z <- qnorm(1 - ALPHA / 2)
    return(c(pnorm(excess / sd), pnorm(-excess / sd), -z * sd, z * sd, excess / sd, 0))
  }
  units <- round((all - min(all)) * grid$steps)
  pmf <- tabulate(units + 1, nbins = max(units) + 1) / length(all)
  dist <- sum_distribution(pmf, n)
  observed <- round(sum((x - min(all)) * grid$steps))
  at_most <- cumsum(dist)
  at_least <- rev(cumsum(rev(dist)))
  low <- min(which(at_most > ALPHA / 2)) - 1
  high <- max(which(at_least > ALPHA / 2)) - 1
  expected <- n * mean(units)
  c(at_most[observed + 1], at_least[observed + 1], (low - 0.5 - expected) / grid$steps,
    (high + 0.5 - expected) / grid$steps, excess / sd, 1)
}

gaps <- function(ind, code) {
  rows <- lapply(sort(unique(ind$indicator_id)), function(id) {
    part <- ind[ind$indicator_id == id, ]
    row <- data.frame(indicator_id = id, dimension = part$dimension[1])
    if (any(part$pilot)) return(cbind(row, note = "pilot"))
    part <- part[!part$not_applicable & !is.na(part$attainment), ]
    x <- part$attainment[part$province_code == code]
    y <- part$attainment[part$province_code != code]
    row <- cbind(row, n_province = length(x), n_rest = length(y))
    if (length(x) == 0) return(cbind(row, attainment_rest = mean(y), note = "all_not_applicable"))
    row <- cbind(row, attainment_province = mean(x), attainment_rest = mean(y),
                 difference = mean(x) - mean(y))
    if (min(length(x), length(y)) < MIN_LAOS) return(cbind(row, note = "not_enough_data"))
    if (length(unique(x)) == 1 && length(unique(y)) == 1) return(cbind(row, note = "no_variation"))
    t <- tails(x, c(x, y))
    big_n <- length(x) + length(y)
    k <- big_n / (length(x) * (big_n - length(x)))
    cbind(row, ci_low = mean(x) - mean(y) - k * t[4], ci_high = mean(x) - mean(y) - k * t[3],
          statistic = t[5], p_value = min(1, 2 * min(t[1], t[2])),
          p_method = if (t[6] == 1) "exact" else "normal", note = NA)
  })
  out <- do.call(rbind, lapply(rows, function(r) {
    template <- data.frame(indicator_id = NA, dimension = NA, n_province = NA, n_rest = NA,
                           attainment_province = NA, attainment_rest = NA, difference = NA,
                           ci_low = NA, ci_high = NA, statistic = NA, p_value = NA,
                           p_method = NA, note = NA)
    template[names(r)] <- r
    template
  }))
  tested <- is.na(out$note)
  out$q_value <- NA
  out$q_value[tested] <- p.adjust(out$p_value[tested], method = "BH")
  out
}

off_grid <- ind
on_12 <- off_grid$indicator_id == "1.2"
off_grid$attainment[on_12] <- off_grid$attainment[on_12] * sqrt(2) / 2
out <- list("50" = gaps(ind, "50"), "90" = gaps(ind, "90"), "50_off_grid" = gaps(off_grid, "50"))
writeLines(toJSON(out, digits = NA, na = "null", dataframe = "rows", rownames = FALSE),
           file.path(dir, "indicators.json"))
