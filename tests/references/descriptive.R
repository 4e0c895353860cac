# Reference values for tests/test_stats_descriptive.py: describe, pass_rate, band_shares.
# Run from the project root after stats_data.R:  Rscript tests/references/descriptive.R
# Base R only: quantile(type = 7), sd, prop.test(correct = FALSE) (its interval is Wilson's).
library(jsonlite)
dir <- "tests/references"
scored <- read.csv(file.path(dir, "stats_scored_2566.csv"),
                   colClasses = c(lao_code = "character", province_code = "character"))
measures <- c(paste0("d", 1:5, "_pct"), "overall_pct")

wilson <- function(x, n) suppressWarnings(prop.test(x, n, correct = FALSE)$conf.int)

describe_rows <- function(frame, by) {
  parts <- if (length(by)) split(frame, frame[by], drop = TRUE) else list(frame)
  do.call(rbind, lapply(parts, function(part) do.call(rbind, lapply(measures, function(m) {
    x <- part[[m]][!is.na(part[[m]])]
    q <- quantile(x, c(0.25, 0.5, 0.75), type = 7, names = FALSE)
    cbind(part[1, by, drop = FALSE],
          data.frame(measure = m, n = length(x), mean = mean(x), sd = sd(x), median = q[2],
                     q1 = q[1], q3 = q[3], min = min(x), max = max(x)))
  }))))
}
pass_rows <- function(frame, by) {
  parts <- if (length(by)) split(frame, frame[by], drop = TRUE) else list(frame)
  do.call(rbind, lapply(parts, function(part) {
    ci <- wilson(sum(part$passed), nrow(part))
    cbind(part[1, by, drop = FALSE],
          data.frame(n = nrow(part), passed = sum(part$passed), rate = mean(part$passed),
                     ci_low = ci[1], ci_high = ci[2]))
  }))
}
band_rows <- function(frame, by) {
  parts <- if (length(by)) split(frame, frame[by], drop = TRUE) else list(frame)
  do.call(rbind, lapply(parts, function(part) do.call(rbind, lapply(
    c("excellent", "very_good", "good", "below"), function(b) {
      count <- sum(part$band == b)
      ci <- wilson(count, nrow(part))
      cbind(part[1, by, drop = FALSE],
            data.frame(band = b, n = nrow(part), count = count, share = count / nrow(part),
                       ci_low = ci[1], ci_high = ci[2]))
    }))))
}

groupings <- list(national = character(0), province = "province_code", type = "lao_type",
                  province_type = c("province_code", "lao_type"))
out <- list()
for (name in names(groupings)) {
  out$describe[[name]] <- describe_rows(scored, groupings[[name]])
  out$pass_rate[[name]] <- pass_rows(scored, groupings[[name]])
  out$band_shares[[name]] <- band_rows(scored, groupings[[name]])
}
writeLines(toJSON(out, digits = NA, na = "null", dataframe = "rows", rownames = FALSE),
           file.path(dir, "descriptive.json"))
