# Reference values for tests/test_stats_teams.py (assessment-team effect, self-vs-verified gap).
# Run from the project root:  Rscript tests/references/teams.R
# Writes teams_input.csv (synthetic LAOs with planted team effects) and teams.json.
# Independent of lpa_analysis: base R lm() with contr.sum, t.test(), p.adjust().
library(jsonlite)
set.seed(4)

provinces <- sprintf("%02d", c(30:44, 50:54))
shift <- setNames(rep(0, length(provinces)), provinces)  # verification shift, points
shift[c("33", "51")] <- 5.5; shift["40"] <- -5.5
type_gap <- c(pao = -1, city_municipality = -2, town_municipality = -1.5,
              subdistrict_municipality = 0.5, sao = 1)
type_area <- c(pao = 8.5, city_municipality = 3.5, town_municipality = 2.8,
               subdistrict_municipality = 3.2, sao = 4.3)
laos <- do.call(rbind, lapply(provinces, function(p) {
  n_other <- sample(20:110, 1)
  types <- c("pao", if (runif(1) < 0.3) "city_municipality",
             rep("town_municipality", sample(0:3, 1)),
             sample(c("subdistrict_municipality", "sao"), n_other, TRUE, c(0.3, 0.7)))
  area <- round(exp(rnorm(length(types), type_area[types], 0.5)), 2)
  verified <- pmin(100, pmax(0, rnorm(length(types), 74, 9) + shift[p]))
  gap <- 4 + type_gap[types] + 0.4 * log(area) - shift[p] + rnorm(length(types), 0, 4)
  data.frame(province_code = p, lao_type = types, area_km2 = area,
             overall_pct = round(verified, 4), self_overall_pct = round(verified + gap, 4))
}))
laos$area_km2[c(7, 300, 301, 900)] <- NA  # size unknown
laos$area_km2[450] <- 0                      # impossible size: treated as unknown
laos$overall_pct[12] <- NA                   # not verified: left out of the model
write.csv(laos, "tests/references/teams_input.csv", row.names = FALSE)

laos$gap <- laos$self_overall_pct - laos$overall_pct
laos <- laos[!is.na(laos$gap), ]
# unknown size: the median log area of the LAO's type, plus a missing-size indicator
log_area <- ifelse(laos$area_km2 > 0, log(laos$area_km2), NA)
laos$area_missing <- as.numeric(is.na(log_area))
type_median <- tapply(log_area, laos$lao_type, median, na.rm = TRUE)
laos$log_area <- ifelse(is.na(log_area), type_median[laos$lao_type], log_area)
laos$province_code <- factor(laos$province_code)
laos$lao_type <- relevel(factor(laos$lao_type), ref = "sao")
fit <- lm(gap ~ lao_type + log_area + area_missing + province_code, data = laos,
          contrasts = list(province_code = "contr.sum"))
cf <- summary(fit)$coefficients
k <- nlevels(laos$province_code)
prov <- grep("^province_code", rownames(cf))
C <- contr.sum(k)  # maps the k − 1 coefficients to all k province effects
u <- drop(C %*% coef(fit)[prov])
u_se <- sqrt(diag(C %*% vcov(fit)[prov, prov] %*% t(C)))
fixed <- cf[-prov, ]

gap_rows <- lapply(split(laos$gap, laos$province_code), function(g) {
  tt <- t.test(g)
  list(n = length(g), mean_gap = mean(g), median_gap = median(g), sd_gap = sd(g),
       ci_low = tt$conf.int[1], ci_high = tt$conf.int[2], share_self_higher = mean(g > 0))
})
out <- list(
  df = fit$df.residual,
  fixed = data.frame(term = rownames(fixed), estimate = fixed[, 1], se = fixed[, 2],
                     statistic = fixed[, 3], p_value = fixed[, 4]),
  province = data.frame(province_code = levels(laos$province_code), u = u, se = u_se,
                        p_value = 2 * pt(-abs(u / u_se), fit$df.residual),
                        p_holm = p.adjust(2 * pt(-abs(u / u_se), fit$df.residual), "holm")),
  gap = cbind(province_code = names(gap_rows), do.call(rbind.data.frame, gap_rows))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "columns"),
           "tests/references/teams.json")
