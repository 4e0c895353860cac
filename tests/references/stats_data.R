# Synthetic, real-shaped inputs shared by the stats reference scripts (descriptive.R, compare.R,
# change.R, indicators.R, trends.R) and by tests/test_stats_*.py, which read the same CSVs.
# Run from the project root (data first, then each topic; R >= 4.2 with jsonlite):
#   Rscript tests/references/stats_data.R
#   for t in descriptive compare change indicators trends; do Rscript tests/references/$t.R; done
# Three provinces (Chiang Mai 50, Nakhon Ratchasima 30, Songkhla 90), each with one PAO (so one
# type always has n = 1), municipalities and SAOs; scores rounded to 0.1 so that ranks tie.
set.seed(25660)
dir <- "tests/references"

types <- c("pao", "city_municipality", "town_municipality", "subdistrict_municipality", "sao")
type_digit <- c(pao = "2", city_municipality = "3", town_municipality = "4",
                subdistrict_municipality = "5", sao = "6")
type_shift <- c(pao = 6, city_municipality = 8, town_municipality = 5,
                subdistrict_municipality = 2, sao = -2)
provinces <- data.frame(code = c("50", "30", "90"), region = c("north", "northeast", "south"),
                        shift = c(0, -4, 3))
counts <- list("50" = c(1, 0, 3, 14, 24), "30" = c(1, 1, 4, 16, 28), "90" = c(1, 1, 2, 12, 20))

band_of <- function(x) ifelse(x >= 90, "excellent", ifelse(x >= 80, "very_good",
                              ifelse(x >= 70, "good", "below")))
laos <- do.call(rbind, lapply(seq_len(nrow(provinces)), function(i) {
  p <- provinces[i, ]
  lao_type <- rep(types, counts[[p$code]])
  data.frame(lao_code = paste0(type_digit[lao_type], p$code, sprintf("%04d", seq_along(lao_type))),
             lao_type = lao_type, province_code = p$code, region = p$region,
             base = 72 + p$shift + type_shift[lao_type] + rnorm(length(lao_type), 0, 7))
}))

score_year <- function(laos, trend) {
  dims <- sapply(1:5, function(d) {
    pmin(100, pmax(0, round(laos$base + trend + (d - 3) * 2 + rnorm(nrow(laos), 0, 6), 1)))
  })
  colnames(dims) <- paste0("d", 1:5, "_pct")
  out <- cbind(laos[c("lao_code", "lao_type", "province_code", "region")], dims)
  out$overall_pct <- round(rowMeans(dims), 2)
  out$passed <- out$overall_pct >= 70
  out$band <- band_of(out$overall_pct)
  out
}
write_year <- function(frame, year) {
  write.csv(frame, file.path(dir, sprintf("stats_scored_%d.csv", year)), row.names = FALSE)
}

s2563 <- score_year(laos, -4)
s2565 <- score_year(laos, 0)
s2566 <- score_year(laos, 2.5)
# Five LAOs scored identically in both years: zero changes the Wilcoxon test must drop.
same <- c(5, 17, 40, 77, 101)
s2566[same, -(1:4)] <- s2565[same, -(1:4)]
# LAOs present in one year only, and one missing dimension score.
s2565 <- s2565[-c(3, 60, 90), ]
s2566 <- s2566[-c(10, 11), ]
s2566$d5_pct[20] <- NA
write_year(s2563, 2563)
write_year(s2565, 2565)
write_year(s2566, 2566)

# Indicator scores for 2565 and 2566: two indicators per dimension (max 5, levels 0..5),
# 5.3 for city municipalities only (no city in Chiang Mai), 5.4 pilot; 2.2 had max 4 in 2565.
indicators <- data.frame(
  indicator_id = c("1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2", "5.1", "5.2", "5.3",
                   "5.4"),
  dimension = c(1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 5),
  difficulty = c(0.85, 0.7, 0.8, 0.55, 0.9, 0.75, 0.65, 0.8, 0.95, 0.6, 0.7, 0.5))
indicator_scores <- function(scored, year) {
  rows <- merge(scored[c("lao_code", "province_code", "lao_type", "overall_pct")], indicators)
  max_points <- ifelse(rows$indicator_id == "2.2" & year == 2565, 4, 5)
  p <- pmin(0.98, pmax(0.02, rows$difficulty * rows$overall_pct / 75 -
                                 ifelse(rows$province_code == "50" & rows$indicator_id == "4.1", 0.25, 0)))
  verified <- rbinom(nrow(rows), max_points, p)
  na <- rows$indicator_id == "5.3" & rows$lao_type != "city_municipality"
  data.frame(lao_code = rows$lao_code, indicator_id = rows$indicator_id,
             dimension = rows$dimension, province_code = rows$province_code,
             lao_type = rows$lao_type,
             verified_points = ifelse(na, NA, verified), max_points = max_points,
             not_applicable = na, pilot = rows$indicator_id == "5.4",
             attainment = ifelse(na, NA, verified / max_points))
}
for (year in c(2565, 2566)) {
  frame <- indicator_scores(get(sprintf("s%d", year)), year)
  frame <- frame[order(frame$lao_code, frame$indicator_id), ]
  write.csv(frame, file.path(dir, sprintf("stats_indicator_scores_%d.csv", year)),
            row.names = FALSE)
}
