# Reference values for tests/test_stats_indicators.py: per-indicator attainment of Chiang Mai
# (50) and Songkhla (90) against the rest of the country, Welch CI and p, BH q values.
# Run from the project root after stats_data.R:  Rscript tests/references/indicators.R
# Base R only: t.test(var.equal = FALSE), p.adjust("BH").
library(jsonlite)
dir <- "tests/references"
ind <- read.csv(file.path(dir, "stats_indicator_scores_2566.csv"),
                colClasses = c(lao_code = "character", province_code = "character",
                               indicator_id = "character"))

gaps <- function(code) {
  rows <- lapply(sort(unique(ind$indicator_id)), function(id) {
    part <- ind[ind$indicator_id == id, ]
    row <- data.frame(indicator_id = id, dimension = part$dimension[1])
    if (any(part$pilot)) return(cbind(row, note = "pilot"))
    part <- part[!part$not_applicable, ]
    x <- part$attainment[part$province_code == code]
    y <- part$attainment[part$province_code != code]
    row <- cbind(row, n_province = length(x), n_rest = length(y))
    if (length(x) == 0) return(cbind(row, attainment_rest = mean(y), note = "all_not_applicable"))
    if (length(x) < 2) return(cbind(row, attainment_province = mean(x),
                                    attainment_rest = mean(y), difference = mean(x) - mean(y),
                                    note = "not_enough_data"))
    t <- t.test(x, y, var.equal = FALSE)
    cbind(row, attainment_province = mean(x), attainment_rest = mean(y),
          difference = mean(x) - mean(y), ci_low = t$conf.int[1], ci_high = t$conf.int[2],
          statistic = unname(t$statistic), df = unname(t$parameter), p_value = t$p.value,
          note = NA)
  })
  out <- do.call(rbind, lapply(rows, function(r) {
    template <- data.frame(indicator_id = NA, dimension = NA, n_province = NA, n_rest = NA,
                           attainment_province = NA, attainment_rest = NA, difference = NA,
                           ci_low = NA, ci_high = NA, statistic = NA, df = NA, p_value = NA,
                           note = NA)
    template[names(r)] <- r
    template
  }))
  tested <- is.na(out$note)
  out$q_value <- NA
  out$q_value[tested] <- p.adjust(out$p_value[tested], method = "BH")
  out
}
out <- list("50" = gaps("50"), "90" = gaps("90"))
writeLines(toJSON(out, digits = NA, na = "null", dataframe = "rows", rownames = FALSE),
           file.path(dir, "indicators.json"))
