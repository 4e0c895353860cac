# Reference values for tests/test_stats_change.py and test_stats_trends.py: paired change
# 2565 → 2566 (Wilcoxon signed-rank with its Hodges–Lehmann estimate and CI), biggest movers,
# and dimension % recomputed on the indicators comparable between the two frameworks (all but
# 2.2, whose maximum changed, and the pilot 5.4), overall by points and by the mean of the
# dimensions.
# Run from the project root after stats_data.R:  Rscript tests/references/change.R
# Base R only: wilcox.test(paired = TRUE, exact = FALSE, correct = TRUE, conf.int = TRUE) with
# its default tol.root = 1e-4, aggregate.
library(jsonlite)
dir <- "tests/references"
read_scored <- function(year) {
  read.csv(file.path(dir, sprintf("stats_scored_%d.csv", year)),
           colClasses = c(lao_code = "character", province_code = "character"))
}
read_indicators <- function(year) {
  read.csv(file.path(dir, sprintf("stats_indicator_scores_%d.csv", year)),
           colClasses = c(lao_code = "character", province_code = "character",
                          indicator_id = "character"))
}
measures <- c(paste0("d", 1:5, "_pct"), "overall_pct")

# The estimate and CI that belong to the signed-rank test. R lowers the level with a warning
# when 95 % cannot be reached (few changes): such a CI is not a 95 % CI, so NA.
change_row <- function(a, b) {
  d <- b - a
  w <- suppressWarnings(wilcox.test(b, a, paired = TRUE, exact = FALSE, correct = TRUE,
                                    conf.int = TRUE))
  ci <- if (attr(w$conf.int, "conf.level") < 0.95) c(NA, NA) else w$conf.int
  data.frame(n_pairs = length(d), median_change = median(d), mean_change = mean(d),
             hl_estimate = unname(w$estimate), hl_ci_low = ci[1], hl_ci_high = ci[2],
             n_zero = sum(d == 0), statistic = unname(w$statistic), p_value = w$p.value)
}
paired <- function(sa, sb, by = NULL) {
  do.call(rbind, lapply(measures, function(m) {
    both <- merge(sa[c("lao_code", m)], sb[c("lao_code", by, m)], by = "lao_code",
                  suffixes = c("_a", "_b"))
    both <- both[!is.na(both[[paste0(m, "_a")]]) & !is.na(both[[paste0(m, "_b")]]), ]
    parts <- if (is.null(by)) list(both) else split(both, both[[by]])
    do.call(rbind, lapply(parts, function(p) {
      cbind(p[1, by, drop = FALSE], measure = m,
            change_row(p[[paste0(m, "_a")]], p[[paste0(m, "_b")]]))
    }))
  }))
}

s65 <- read_scored(2565); s66 <- read_scored(2566)
both <- merge(s65[c("lao_code", "overall_pct")], s66[c("lao_code", "overall_pct")],
              by = "lao_code", suffixes = c("_a", "_b"))
both$change <- both$overall_pct_b - both$overall_pct_a
up <- both[both$change > 0, ]; up <- up[order(-up$change, up$lao_code), ][1:5, ]
down <- both[both$change < 0, ]; down <- down[order(down$change, down$lao_code), ][1:5, ]

comparable <- c("1.1", "1.2", "2.1", "3.1", "3.2", "4.1", "4.2", "5.1", "5.2", "5.3")
recompute <- function(ind, overall = c("points", "mean_of_dimensions")) {
  ind <- ind[ind$indicator_id %in% comparable & !ind$not_applicable & !ind$pilot, ]
  dims <- aggregate(cbind(verified_points, max_points) ~ lao_code + dimension, ind, sum)
  dims$pct <- 100 * dims$verified_points / dims$max_points
  wide <- reshape(dims[c("lao_code", "dimension", "pct")], idvar = "lao_code",
                  timevar = "dimension", direction = "wide")
  names(wide) <- c("lao_code", paste0("d", 1:5, "_pct"))
  totals <- aggregate(cbind(verified_points, max_points) ~ lao_code, ind, sum)
  wide$overall_pct <- if (match.arg(overall) == "points") {
    100 * totals$verified_points[match(wide$lao_code, totals$lao_code)] /
      totals$max_points[match(wide$lao_code, totals$lao_code)]
  } else rowMeans(wide[paste0("d", 1:5, "_pct")], na.rm = TRUE)
  wide[order(wide$lao_code), ]
}
c65 <- recompute(read_indicators(2565)); c66 <- recompute(read_indicators(2566))
m65 <- recompute(read_indicators(2565), "mean_of_dimensions")
m66 <- recompute(read_indicators(2566), "mean_of_dimensions")

out <- list(overall = paired(s65, s66), by_type = paired(s65, s66, "lao_type"),
            n_only_a = sum(!s65$lao_code %in% s66$lao_code),
            n_only_b = sum(!s66$lao_code %in% s65$lao_code),
            movers_up = up, movers_down = down,
            comparable_2566 = c66, comparable_change = paired(c65, c66),
            comparable_2566_mean = m66, comparable_change_mean = paired(m65, m66))
writeLines(toJSON(out, digits = NA, na = "null", dataframe = "rows", rownames = FALSE,
                  auto_unbox = TRUE), file.path(dir, "change.json"))
