# Reference values for tests/test_stats_compare.py: Kruskal–Wallis across the LAO types with at
# least min_n LAOs, epsilon², pairwise Mann–Whitney among those types with Holm adjustment and
# rank-biserial r.
# Run from the project root after stats_data.R:  Rscript tests/references/compare.R
# Base R only: kruskal.test, wilcox.test(exact = FALSE, correct = FALSE), p.adjust("holm").
library(jsonlite)
dir <- "tests/references"
scored <- read.csv(file.path(dir, "stats_scored_2566.csv"),
                   colClasses = c(lao_code = "character", province_code = "character"))
type_order <- c("pao", "city_municipality", "town_municipality", "subdistrict_municipality",
                "sao")
min_n <- 5  # lpa_analysis.settings.MIN_GROUP_N (the test checks they agree)

tests_for <- function(frame, value) {
  x <- frame[[value]]; g <- factor(frame$lao_type, levels = type_order)
  keep <- !is.na(x); x <- x[keep]; g <- droplevels(g[keep])
  sizes <- table(g)
  tested <- names(sizes)[sizes >= min_n]
  in_test <- g %in% tested
  kw <- kruskal.test(x[in_test], droplevels(g[in_test]))
  n <- sum(in_test)
  groups <- data.frame(lao_type = names(sizes), n = as.integer(sizes),
                       median = sapply(names(sizes), function(t) median(x[g == t])),
                       in_test = names(sizes) %in% tested)
  pairs <- do.call(rbind, combn(tested, 2, simplify = FALSE, FUN = function(ab) {
    xa <- x[g == ab[1]]; xb <- x[g == ab[2]]
    w <- wilcox.test(xa, xb, exact = FALSE, correct = FALSE)
    data.frame(group_a = ab[1], group_b = ab[2], n_a = length(xa), n_b = length(xb),
               u_statistic = unname(w$statistic), p_value = w$p.value,
               rank_biserial = 2 * unname(w$statistic) / (length(xa) * length(xb)) - 1)
  }))
  pairs$p_holm <- p.adjust(pairs$p_value, method = "holm")
  list(test = data.frame(n = n, k_groups = length(tested), statistic = unname(kw$statistic),
                         df = unname(kw$parameter), p_value = kw$p.value,
                         epsilon_sq = unname(kw$statistic) / ((n^2 - 1) / (n + 1))),
       groups = groups, pairs = pairs)
}

out <- list()
for (value in c("overall_pct", "d1_pct")) {
  out[[value]]$national <- tests_for(scored, value)
  for (code in unique(scored$province_code)) {
    out[[value]]$province[[code]] <- tests_for(scored[scored$province_code == code, ], value)
  }
}
out$min_n <- min_n
writeLines(toJSON(out, digits = NA, na = "null", dataframe = "rows", rownames = FALSE),
           file.path(dir, "compare.json"))
