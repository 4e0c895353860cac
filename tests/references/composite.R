# Reference values for tests/test_stats_composite.py (composite-indicator audit).
# Run from the project root:  Rscript tests/references/composite.R
# Writes composite_indicators.csv (long indicator scores), composite_scored.csv (dimension
# scores) and composite.json. Independent of lpa_analysis: e1071 skewness/kurtosis type 2
# (COINr's definitions), Cronbach's alpha in base R (the formulas of psych::alpha, which is not
# installed), cor / cor.test(method = "spearman"), prcomp.
library(jsonlite)
library(e1071)
set.seed(2567)

n_lao <- 200
laos <- data.frame(lao_code = sprintf("6%06d", 1:n_lao),
                   lao_type = sample(c("pao", "subdistrict_municipality", "sao"), n_lao, TRUE,
                                     c(0.05, 0.3, 0.65)),
                   ability = rnorm(n_lao))
per_dim <- c(4, 3, 4, 3, 4)
ind <- data.frame(indicator_id = unlist(lapply(1:5, function(d) sprintf("%d.%d", d, 1:per_dim[d]))),
                  dimension = rep(1:5, per_dim))
ind$max_points <- ifelse(seq_len(nrow(ind)) %% 3 == 0, 3, 5)
ind$pilot <- ind$indicator_id == "5.4"
ind$difficulty <- rnorm(nrow(ind), 0.8, 0.8)
ind$difficulty[ind$indicator_id == "2.3"] <- 4.5     # nearly everyone full marks: skewed
ind$difficulty[ind$indicator_id == "4.1"] <- 50      # everyone full marks: constant
long <- merge(laos, ind, by = NULL)
long <- long[order(long$lao_code, long$indicator_id), ]
p <- plogis(long$difficulty + 1.2 * long$ability + rnorm(nrow(long), 0, 0.8))
long$verified_points <- round(p * long$max_points)
long$not_applicable <- long$indicator_id == "3.2" & long$lao_type == "pao"
long$verified_points[long$not_applicable] <- NA
long$verified_points[long$lao_code == "6000007" & long$indicator_id == "1.1"] <- NA  # unscored
long$attainment <- long$verified_points / long$max_points
write.csv(long[, c("lao_code", "indicator_id", "dimension", "lao_type", "max_points",
                   "not_applicable", "pilot", "verified_points", "attainment")],
          "tests/references/composite_indicators.csv", row.names = FALSE, na = "")

# --- per-indicator distribution
dist <- do.call(rbind, lapply(split(long, long$indicator_id), function(d) {
  x <- d$attainment[!d$not_applicable & !is.na(d$attainment)]
  data.frame(indicator_id = d$indicator_id[1], n = length(x),
             share_not_applicable = mean(d$not_applicable), share_zero = mean(x == 0),
             mean = mean(x), sd = sd(x),
             skewness = if (var(x) > 0) skewness(x, type = 2) else NA,
             kurtosis = if (var(x) > 0) kurtosis(x, type = 2) else NA)
}))

# --- Cronbach's alpha: LAOs scored on every item (complete cases), constant items out;
# alpha = k/(k-1) (1 - sum var_i / var(row sums)), std alpha = k r / (1 + (k-1) r) with r the
# mean inter-item correlation (psych's raw_alpha and std.alpha). Per dimension's indicators
# (pilot out) and for the five dimension scores, over all LAOs and per LAO type; a group whose
# LAOs are not all assessed on the same indicators has none ("different_items").
cronbach <- function(w) {
  w <- w[complete.cases(w), , drop = FALSE]
  w <- w[, apply(w, 2, var) > 0, drop = FALSE]
  k <- ncol(w); r <- cor(w); average_r <- (sum(r) - k) / (k * (k - 1))
  data.frame(n_items = k, n = nrow(w),
             alpha = k / (k - 1) * (1 - sum(apply(w, 2, var)) / var(rowSums(w))),
             std_alpha = k * average_r / (1 + (k - 1) * average_r), average_r = average_r)
}
counted <- long[!long$pilot, ]
groups <- list(national = counted$lao_code)
for (type in unique(laos$lao_type)) groups[[type]] <- laos$lao_code[laos$lao_type == type]
alpha <- do.call(rbind, lapply(names(groups), function(g) do.call(rbind, lapply(1:5, function(d) {
  rows <- counted[counted$dimension == d & counted$lao_code %in% groups[[g]], ]
  items <- unique(rows$indicator_id[!rows$not_applicable])
  if (any(rows$not_applicable & rows$indicator_id %in% items)) {
    return(data.frame(group = g, dimension = d, n_items = length(items), n = NA, alpha = NA,
                      std_alpha = NA, average_r = NA, note = "different_items"))
  }
  w <- reshape(rows[!rows$not_applicable, c("lao_code", "indicator_id", "attainment")],
               idvar = "lao_code", timevar = "indicator_id", direction = "wide")[, -1]
  cbind(group = g, dimension = d, cronbach(w), note = NA)
}))))

# --- dimension scores: points over applicable maximum, in %
applicable <- counted[!counted$not_applicable & !is.na(counted$verified_points), ]
dims <- sapply(1:5, function(d) {
  s <- applicable[applicable$dimension == d, ]
  100 * tapply(s$verified_points, s$lao_code, sum) / tapply(s$max_points, s$lao_code, sum)
})
colnames(dims) <- paste0("d", 1:5, "_pct")
scored <- data.frame(lao_code = rownames(dims), dims, row.names = NULL)
scored$overall_pct <- rowMeans(dims)
write.csv(scored, "tests/references/composite_scored.csv", row.names = FALSE)
dimension_alpha <- do.call(rbind, lapply(names(groups), function(g) {
  cbind(group = g, cronbach(dims[rownames(dims) %in% groups[[g]], ]))
}))

pairs <- t(combn(colnames(dims), 2))
corr <- data.frame(measure_a = pairs[, 1], measure_b = pairs[, 2])
corr$rho <- apply(pairs, 1, function(p) cor(dims[, p[1]], dims[, p[2]], method = "spearman"))
corr$p_value <- apply(pairs, 1, function(p) suppressWarnings(
  cor.test(dims[, p[1]], dims[, p[2]], method = "spearman", exact = FALSE)$p.value))

pca <- prcomp(dims, scale. = TRUE)
out <- list(distribution = dist, alpha = alpha, dimension_alpha = dimension_alpha,
            correlation = corr,
            pca = list(eigenvalue = pca$sdev^2, explained = pca$sdev^2 / sum(pca$sdev^2),
                       abs_rotation = abs(unname(pca$rotation))))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "columns", matrix = "rowmajor"),
           "tests/references/composite.json")
