# Reference values for tests/test_stats_trends.py: per year × group means with Student-t 95 %
# CIs and pass rates with Wilson 95 % CIs, for 2563, 2565 and 2566 (2564 has no data).
# Run from the project root after stats_data.R:  Rscript tests/references/trends.R
# Base R only: t.test(x)$conf.int, prop.test(correct = FALSE)$conf.int.
library(jsonlite)
dir <- "tests/references"
measures <- c(paste0("d", 1:5, "_pct"), "overall_pct")

rows_for <- function(part, year, by) {
  key <- part[1, by, drop = FALSE]
  means <- do.call(rbind, lapply(measures, function(m) {
    x <- part[[m]][!is.na(part[[m]])]
    ci <- if (length(x) >= 2) t.test(x)$conf.int else c(NA, NA)
    data.frame(measure = m, n = length(x), estimate = mean(x), ci_low = ci[1], ci_high = ci[2])
  }))
  ci <- suppressWarnings(prop.test(sum(part$passed), nrow(part), correct = FALSE)$conf.int)
  pass <- data.frame(measure = "pass_rate_pct", n = nrow(part),
                     estimate = 100 * mean(part$passed), ci_low = 100 * ci[1],
                     ci_high = 100 * ci[2])
  cbind(year = year, key, rbind(means, pass))
}
table_for <- function(by) {
  do.call(rbind, lapply(c(2563, 2565, 2566), function(year) {
    scored <- read.csv(file.path(dir, sprintf("stats_scored_%d.csv", year)),
                       colClasses = c(lao_code = "character", province_code = "character"))
    parts <- if (length(by)) split(scored, scored[by], drop = TRUE) else list(scored)
    do.call(rbind, lapply(parts, rows_for, year = year, by = by))
  }))
}
out <- list(national = table_for(character(0)), region = table_for("region"),
            lao_type = table_for("lao_type"))
writeLines(toJSON(out, digits = NA, na = "null", dataframe = "rows", rownames = FALSE),
           file.path(dir, "trends.json"))
