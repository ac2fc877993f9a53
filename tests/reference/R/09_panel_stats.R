# (i) Exact two-group comparisons for a small panel of banks (Chapter 4), on a FIXTURE panel.
#     Oracle of tests/test_panel_stats.py (analysis/panel_stats.py).
#
#     The ratios below are MADE UP: a fixture with the shape of the real panel (6 domestic and
#     8 foreign banks, percent ratios for 2019, 2021, 2023), chosen to exercise the cases the
#     code must handle: no ties (roe), ties across groups (cost_income_ratio, npl_ratio), a
#     missing foreign bank (npl_ratio), groups of 3 and 2 banks (retail_profit_share, where R
#     says the requested confidence level is not achievable in 2023). They are not bank data.
#
#     For every indicator x year: the exact Fisher-Pitman permutation p of the difference in
#     means (every split enumerated with combn; checked against coin::oneway_test exact), the
#     Mann-Whitney U of the domestic banks with its exact p (wilcox.test exact = TRUE without
#     ties; with ties the exact conditional p over the splits of the midranks, checked against
#     coin::wilcox_test exact), the Hodges-Lehmann shift with wilcox.test's exact interval
#     (with ties: the same order-statistic rule, written out below and checked against
#     wilcox.test on the tie-free cases), Cliff's delta with effectsize's interval, Holm across
#     the three years, and the group summaries (quantile type 7).
#
# Run from tests/:  Rscript reference/R/09_panel_stats.R   (writes reference/values/panel_stats_*)
# Packages: R 4.2.2 (stats), coin 1.4-2, effectsize 0.8.3, jsonlite.
suppressPackageStartupMessages({ library(coin); library(effectsize); library(jsonlite) })
VAL <- file.path("reference", "values")

## ---- the fixture panel (made-up values; NA = the bank did not publish the ratio) ----
domestic <- c("China CITIC Bank", paste("Domestic", LETTERS[2:6]))
foreign <- paste("Foreign", LETTERS[1:8])
years <- c(2019L, 2021L, 2023L)
fixture <- list(
  roe = list(
    `2019` = c(11.07, 14.21, 12.35, 10.12, 13.58, 9.44,   12.04, 8.91, 10.53, 7.32, 6.85, 11.46, 9.97, 13.02),
    `2021` = c(10.31, 13.62, 11.88, 9.57, 12.74, 8.93,    15.11, 12.48, 14.26, 9.82, 8.14, 13.35, 10.66, 16.02),
    `2023` = c(9.02, 11.93, 10.44, 8.37, 10.81, 7.46,     14.57, 12.66, 13.91, 10.08, 9.35, 12.21, 11.38, 15.44)),
  cost_income_ratio = list(
    `2019` = c(28.5, 31.2, 26.8, 29.9, 31.2, 24.7,        56.3, 61.0, 58.4, 62.7, 31.2, 54.9, 43.5, 65.1),
    `2021` = c(29.4, 30.1, 27.6, 32.5, 33.0, 25.9,        57.8, 59.4, 60.2, 64.0, 33.0, 55.5, 41.8, 63.3),
    `2023` = c(30.7, 32.9, 28.4, 34.6, 35.1, 27.2,        55.1, 58.8, 61.5, 62.2, 35.1, 53.0, 40.9, 35.1)),
  npl_ratio = list(
    `2019` = c(1.65, 1.16, 1.43, 1.37, 1.54, 1.65,        1.00, 0.60, 1.16, 0.90, 2.10, 1.80, 1.00, NA),
    `2021` = c(1.39, 0.91, 1.42, 1.33, 1.09, 1.39,        0.70, 0.50, 1.30, 0.80, 1.80, 2.40, 1.10, NA),
    `2023` = c(1.18, 0.95, 1.37, 1.26, 1.07, 1.25,        0.60, 0.50, 1.20, 0.80, 1.50, 2.10, 0.90, NA)),
  retail_profit_share = list(
    `2019` = c(43.2, 55.1, 38.6, 47.9, 60.3, 35.4,        41.0, NA, 36.5, NA, 28.7, NA, NA, NA),
    `2021` = c(45.8, 57.3, 40.1, 49.2, 62.8, 37.0,        38.2, NA, NA, NA, 30.4, NA, NA, NA),
    `2023` = c(47.5, 58.9, 41.7, 51.3, 64.4, NA,          36.9, NA, 33.1, NA, NA, NA, NA, NA)))
rows <- list()
for (ind in names(fixture)) for (yr in names(fixture[[ind]])) {
  rows[[length(rows) + 1]] <- data.frame(
    bank = c(domestic, foreign), group = rep(c("domestic", "foreign"), c(6, 8)),
    year = as.integer(yr), indicator = ind, value = fixture[[ind]][[yr]])
}
panel <- do.call(rbind, rows)
write.csv(panel, file.path(VAL, "panel_stats_fixture.csv"), row.names = FALSE, na = "")

## ---- exact enumeration over all choose(n1 + n2, n1) splits ----
## Two-sided: a split counts when its |sum of centred values| >= the observed one, less a
## tolerance of 1e-9 * sum(|centred values|) for floating-point ties (the rule of the Python
## code). For the mean difference this is |mean1 - mean2| >= observed; for midranks it is
## |U - n1 n2 / 2| >= observed (coin's two-sided rule).
exact_split_p <- function(values, n1) {
  centred <- values - mean(values)
  splits <- combn(length(values), n1)
  sums <- colSums(matrix(centred[splits], nrow = n1))
  observed <- sum(centred[seq_len(n1)])
  tolerance <- 1e-9 * sum(abs(centred))
  c(p = mean(abs(sums) >= abs(observed) - tolerance), splits = ncol(splits))
}

## ---- wilcox.test's exact interval rule (R 4.2.2 src/library/stats/R/wilcox.test.R) ----
hl_exact_rule <- function(x, y, conf.level = 0.95) {
  alpha <- 1 - conf.level
  n.x <- length(x); n.y <- length(y)
  diffs <- sort(outer(x, y, `-`))
  qu <- qwilcox(alpha / 2, n.x, n.y)
  if (qu == 0) qu <- 1
  ql <- n.x * n.y - qu
  achieved.alpha <- 2 * pwilcox(trunc(qu) - 1, n.x, n.y)
  level <- if (achieved.alpha - alpha > alpha / 2) 1 - achieved.alpha else conf.level
  list(estimate = median(diffs), ci = c(diffs[qu], diffs[ql + 1]), conf.level = level,
       coverage = 1 - achieved.alpha, qu = qu)
}

compare <- function(ind, yr) {
  d <- panel[panel$indicator == ind & panel$year == yr & !is.na(panel$value), ]
  x <- d$value[d$group == "domestic"]; y <- d$value[d$group == "foreign"]
  n1 <- length(x); n2 <- length(y); v <- c(x, y)
  ties <- length(unique(v)) < length(v)
  perm <- exact_split_p(v, n1)
  g <- factor(rep(c("domestic", "foreign"), c(n1, n2)))
  coin_perm <- pvalue(oneway_test(v ~ g, distribution = exact(algorithm = "split-up")))
  stopifnot(isTRUE(all.equal(as.numeric(coin_perm), unname(perm["p"]), tolerance = 1e-12)))
  rule <- hl_exact_rule(x, y)
  warnings_seen <- character(0)  # wilcox.test's warnings (ties, level not achievable), kept
  w <- withCallingHandlers(wilcox.test(x, y, exact = TRUE, conf.int = TRUE),
                           warning = function(w) {
                             warnings_seen <<- c(warnings_seen, conditionMessage(w))
                             invokeRestart("muffleWarning") })
  ranks_p <- exact_split_p(rank(v), n1)
  coin_w <- wilcox_test(v ~ g, distribution = "exact", conf.int = TRUE)
  stopifnot(isTRUE(all.equal(as.numeric(pvalue(coin_w)), unname(ranks_p["p"]), tolerance = 1e-12)))
  if (!ties) {  # the written-out rule is wilcox.test's exact branch
    stopifnot(isTRUE(all.equal(w$p.value, unname(ranks_p["p"]), tolerance = 1e-12)),
              isTRUE(all.equal(unname(w$estimate), rule$estimate, tolerance = 0)),
              isTRUE(all.equal(as.numeric(w$conf.int), rule$ci, tolerance = 0)),
              isTRUE(all.equal(attr(w$conf.int, "conf.level"), rule$conf.level, tolerance = 0)))
  }
  ## coin cannot give an interval with 2 banks in a group (it warns and returns NA)
  coin_ci <- suppressWarnings(confint(coin_w)$conf.int)
  cd <- effectsize::cliffs_delta(x, y, ci = 0.95, verbose = FALSE)
  data.frame(
    indicator = ind, year = yr, n_domestic = n1, n_foreign = n2, ties = ties,
    banks_domestic = paste(d$bank[d$group == "domestic"], collapse = "; "),
    banks_foreign = paste(d$bank[d$group == "foreign"], collapse = "; "),
    mean_domestic = mean(x), mean_foreign = mean(y),
    median_domestic = median(x), median_foreign = median(y),
    mean_diff = mean(x) - mean(y), perm_p = unname(perm["p"]), perm_splits = unname(perm["splits"]),
    coin_perm_p = as.numeric(coin_perm),
    U = sum(rank(v)[seq_len(n1)]) - n1 * (n1 + 1) / 2,
    mw_p = unname(ranks_p["p"]), coin_wilcox_p = as.numeric(pvalue(coin_w)),
    hl_estimate = rule$estimate, hl_ci_low = rule$ci[1], hl_ci_high = rule$ci[2],
    hl_ci_level = rule$conf.level, hl_ci_coverage = rule$coverage,
    hl_source = if (ties) "order statistics of the pairwise differences, wilcox.test's exact rule (ties)"
                else "wilcox.test(x, y, exact = TRUE, conf.int = TRUE)",
    ## what wilcox.test itself prints (with ties: normal approximation with continuity correction)
    r_wilcox_W = unname(w$statistic), r_wilcox_p = w$p.value, r_wilcox_estimate = unname(w$estimate),
    r_wilcox_ci_low = w$conf.int[1], r_wilcox_ci_high = w$conf.int[2],
    r_wilcox_ci_level = attr(w$conf.int, "conf.level"),
    r_wilcox_warnings = paste(unique(warnings_seen), collapse = " | "),
    ## coin's exact conditional interval (differs from wilcox.test's with ties)
    coin_ci_low = coin_ci[1], coin_ci_high = coin_ci[2],
    cliffs_delta = cd$r_rank_biserial, cliffs_ci_low = cd$CI_low, cliffs_ci_high = cd$CI_high)
}
comparisons <- do.call(rbind, lapply(names(fixture), function(ind)
  do.call(rbind, lapply(years, function(yr) compare(ind, yr)))))
## Holm across the three years, per indicator and test
comparisons$perm_p_holm <- NA; comparisons$mw_p_holm <- NA
for (ind in names(fixture)) {
  k <- comparisons$indicator == ind
  comparisons$perm_p_holm[k] <- p.adjust(comparisons$perm_p[k], "holm")
  comparisons$mw_p_holm[k] <- p.adjust(comparisons$mw_p[k], "holm")
}
write.csv(comparisons, file.path(VAL, "panel_stats_comparisons.csv"), row.names = FALSE)

## ---- group summaries (quantile type 7, R's default) ----
summaries <- do.call(rbind, lapply(split(panel[!is.na(panel$value), ],
                                         ~ indicator + year + group, drop = TRUE), function(d) {
  v <- d$value
  data.frame(indicator = d$indicator[1], year = d$year[1], group = d$group[1], n = length(v),
             median = median(v), q25 = unname(quantile(v, 0.25)), q75 = unname(quantile(v, 0.75)),
             iqr = IQR(v), min = min(v), max = max(v), mean = mean(v))
}))
write.csv(summaries, file.path(VAL, "panel_stats_group_summary.csv"), row.names = FALSE)

writeLines(toJSON(list(
  R = R.version.string, coin = as.character(packageVersion("coin")),
  effectsize = as.character(packageVersion("effectsize")),
  tie_tolerance = "1e-9 * sum(|centred values|)",
  note = "Fixture panel: made-up ratios, not bank data."), auto_unbox = TRUE, pretty = TRUE),
  file.path(VAL, "panel_stats_meta.json"))
