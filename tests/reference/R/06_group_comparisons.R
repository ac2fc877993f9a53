# (f) Group comparisons on bfi (psych::bfi, tests/reference/data/bfi_psych.csv): what
#     02_bfi_psych.R + group_tests.R lack. Dunn's test with Holm (rstatix), Games-Howell CIs
#     (rstatix), eta^2 / omega^2 with noncentral-F CIs and rank epsilon^2 (effectsize), Hedges' g
#     and Cliff's delta with CIs (effectsize), Shapiro-Wilk per group with type-2 skew/kurtosis
#     (psych::describe), chi-square of independence with Cramer's V and its CI (effectsize), and
#     the sparse-table fallbacks (Fisher's exact test, Monte-Carlo chi-square p).
#     Oracle of tests/test_groups.py (analysis/groups.py).
# Run from tests/:  Rscript reference/R/06_group_comparisons.R   (writes reference/values/bfi_groupcomp_*)
# Packages: R 4.2.2 with car 3.1-1, effectsize 0.8.3, rstatix 0.7.2, psych 2.2.9.
source("reference/R/00_common.R")
source("reference/R/group_tests.R")
suppressPackageStartupMessages({ library(effectsize); library(rstatix) })
VAL <- "values"
bfi <- read.csv(file.path(DATA, "bfi_psych.csv"), row.names = 1)   # = psych::bfi

## scale scores exactly as 02_bfi_psych.R: reverse-keyed items 7 - x, row means of the answered items
rev_items <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
itr <- bfi[, 1:25]; for (v in rev_items) itr[[v]] <- 7 - itr[[v]]
scales <- c("A", "C", "E", "N", "O")
sc <- data.frame(row = seq_len(nrow(bfi)), education = bfi$education, gender = bfi$gender)
for (s in scales) sc[[s]] <- rowMeans(itr[, paste0(s, 1:5)], na.rm = TRUE)
edu <- sc[!is.na(sc$education), ]              # every scale score is present in these rows
edu$education <- factor(edu$education)
small <- edu[1:40, ]                           # first 40 rows with education: groups of 4 to 15
small$education <- droplevels(small$education)

## ---- omnibus tests and variance-explained effect sizes, every scale by education ----
es_row <- function(x, name, alternative) {
  data.frame(effect_size = name, alternative = alternative, estimate = x[[grep("^(Eta2|Omega2)", names(x))]],
             ci_low = x$CI_low,
             ci_high = x$CI_high)
}
omnibus <- function(d, s, label) {
  y <- d[[s]]; g <- d$education
  gt <- group_tests(y, g, label)$summary
  fit <- aov(y ~ g)
  rows <- list()
  for (alt in c("two.sided", "greater")) {
    rows[[length(rows) + 1]] <- es_row(effectsize::eta_squared(fit, partial = FALSE, ci = 0.95, alternative = alt, verbose = FALSE), "eta_squared", alt)
    rows[[length(rows) + 1]] <- es_row(effectsize::omega_squared(fit, partial = FALSE, ci = 0.95, alternative = alt, verbose = FALSE), "omega_squared", alt)
  }
  es <- do.call(rbind, rows)
  eps <- effectsize::rank_epsilon_squared(y ~ g, ci = NULL)
  cbind(data = label, scale = s, n = gt$n, k = gt$k,
        anova_F = gt$anova$F, anova_df1 = gt$anova$df1, anova_df2 = gt$anova$df2, anova_p = gt$anova$p,
        welch_F = gt$welch$F, welch_df1 = gt$welch$df1, welch_df2 = gt$welch$df2, welch_p = gt$welch$p,
        kruskal_H = gt$kruskal$H, kruskal_df = gt$kruskal$df, kruskal_p = gt$kruskal$p,
        rank_epsilon_squared = eps[[1]], epsilon_sq_formula = gt$kruskal$epsilon_sq,
        levene_F = gt$levene_mean$F, levene_p = gt$levene_mean$p,
        brown_forsythe_F = gt$brown_forsythe_median$F, brown_forsythe_p = gt$brown_forsythe_median$p,
        es)
}
om <- do.call(rbind, c(lapply(scales, function(s) omnibus(edu, s, "education")),
                       lapply(scales, function(s) omnibus(small, s, "education_first40"))))
## Holm across the five scales (one family per test and data set)
om$welch_p_holm <- NA; om$kruskal_p_holm <- NA
for (lab in unique(om$data)) {
  first <- om$data == lab & om$effect_size == "eta_squared" & om$alternative == "two.sided"
  p_w <- setNames(om$welch_p[first], om$scale[first]); p_k <- setNames(om$kruskal_p[first], om$scale[first])
  hw <- p.adjust(p_w, "holm"); hk <- p.adjust(p_k, "holm")
  om$welch_p_holm[om$data == lab] <- hw[om$scale[om$data == lab]]
  om$kruskal_p_holm[om$data == lab] <- hk[om$scale[om$data == lab]]
}
wcsv(om, file.path(VAL, "bfi_groupcomp_omnibus.csv"))

## ---- pairwise: Dunn (Holm), Games-Howell CI, Hedges' g and Cliff's delta, A by education ----
## rstatix reports group2 - group1 (estimate, statistic); the Python tests flip the sign.
pairwise <- function(d, s, label) {
  x <- data.frame(y = d[[s]], g = d$education)
  dunn <- as.data.frame(rstatix::dunn_test(x, y ~ g, p.adjust.method = "holm", detailed = TRUE))
  dunn_none <- as.data.frame(rstatix::dunn_test(x, y ~ g, p.adjust.method = "bonferroni", detailed = TRUE))
  gh <- as.data.frame(rstatix::games_howell_test(x, y ~ g, conf.level = 0.95, detailed = TRUE))
  lv <- levels(x$g); rows <- list()
  for (i in 1:(length(lv) - 1)) for (j in (i + 1):length(lv)) {
    a <- x$y[x$g == lv[i]]; b <- x$y[x$g == lv[j]]
    hg <- effectsize::hedges_g(a, b, ci = 0.95, verbose = FALSE)
    cd <- effectsize::cliffs_delta(a, b, ci = 0.95, verbose = FALSE)
    rows[[length(rows) + 1]] <- data.frame(group1 = lv[i], group2 = lv[j],
      hedges_g = hg$Hedges_g, hedges_g_ci_low = hg$CI_low, hedges_g_ci_high = hg$CI_high,
      cliffs_delta = cd$r_rank_biserial, cliffs_delta_ci_low = cd$CI_low, cliffs_delta_ci_high = cd$CI_high)
  }
  es <- do.call(rbind, rows)
  out <- data.frame(data = label, scale = s, group1 = dunn$group1, group2 = dunn$group2, n1 = dunn$n1, n2 = dunn$n2,
    dunn_mean_rank1 = dunn$estimate1, dunn_mean_rank2 = dunn$estimate2, dunn_statistic_2minus1 = dunn$statistic,
    dunn_p = dunn$p, dunn_p_holm = dunn$p.adj, dunn_p_bonferroni = dunn_none$p.adj,
    gh_estimate_2minus1 = gh$estimate, gh_conf_low_2minus1 = gh$conf.low, gh_conf_high_2minus1 = gh$conf.high,
    gh_se_over_sqrt2 = gh$se, gh_statistic_abs = gh$statistic, gh_df = gh$df)
  merge(out, es, by = c("group1", "group2"), sort = FALSE)
}
pw <- rbind(pairwise(edu, "A", "education"), pairwise(small, "A", "education_first40"))
pw <- pw[order(pw$data, pw$group1, pw$group2), ]
wcsv(pw, file.path(VAL, "bfi_groupcomp_pairwise.csv"))

## ---- two groups: A by gender (all 2800 rows), effect sizes with CIs ----
x1 <- sc$A[sc$gender == 1]; x2 <- sc$A[sc$gender == 2]
hg <- effectsize::hedges_g(x1, x2, ci = 0.95, verbose = FALSE)
cd <- effectsize::cliffs_delta(x1, x2, ci = 0.95, verbose = FALSE)
cd_greater <- effectsize::cliffs_delta(x1, x2, ci = 0.95, alternative = "greater", verbose = FALSE)
gender <- list(groups = c("1", "2"), n = c(length(x1), length(x2)),
  hedges_g = list(estimate = hg$Hedges_g, ci_low = hg$CI_low, ci_high = hg$CI_high,
                  call = "effectsize::hedges_g(x1, x2, ci = 0.95)  # pooled SD, exact J, noncentral t"),
  cliffs_delta = list(estimate = cd$r_rank_biserial, ci_low = cd$CI_low, ci_high = cd$CI_high,
                      ci_low_greater = cd_greater$CI_low, ci_high_greater = cd_greater$CI_high,
                      call = "effectsize::cliffs_delta(x1, x2, ci = 0.95)"))

## ---- normality per group: Shapiro-Wilk and type-2 (SPSS) skew and kurtosis, A by education ----
norm_rows <- list()
for (lab in c("education", "education_first40")) {
  d <- if (lab == "education") edu else small
  for (lv in levels(d$education)) {
    y <- d$A[d$education == lv]
    sw <- shapiro.test(y); ds <- psych::describe(y, type = 2)
    norm_rows[[length(norm_rows) + 1]] <- data.frame(data = lab, group = lv, n = length(y),
      W = as.numeric(sw$statistic), p = sw$p.value, skew_type2 = ds$skew, kurtosis_type2 = ds$kurtosis)
  }
}
wcsv(do.call(rbind, norm_rows), file.path(VAL, "bfi_groupcomp_normality.csv"))

## ---- chi-square of independence with Cramer's V (adjust = FALSE) ----
chisq_ref <- function(tab, label) {
  cs <- suppressWarnings(chisq.test(tab, correct = FALSE))
  v2 <- effectsize::cramers_v(cs, adjust = FALSE, ci = 0.95, alternative = "two.sided")
  vg <- effectsize::cramers_v(cs, adjust = FALSE, ci = 0.95, alternative = "greater")
  e <- cs$expected
  list(label = label, observed = mat(unclass(tab)), expected = mat(e), n = sum(tab),
       chisq = as.numeric(cs$statistic), df = as.numeric(cs$parameter), p = cs$p.value,
       share_expected_below_5 = mean(e < 5), min_expected = min(e),
       cramers_v = v2$Cramers_v, ci_low = v2$CI_low, ci_high = v2$CI_high,
       ci_low_greater = vg$CI_low, ci_high_greater = vg$CI_high)
}
chi <- list(
  gender_by_education = chisq_ref(table(bfi$gender, bfi$education), "gender x education, all rows with education"),
  gender_by_education_first40 = chisq_ref(table(small$gender, small$education), "gender x education, first 40 rows with education"))
## Monte-Carlo p of the sparse r x c table (fixed margins, as scipy's random_table): many draws,
## so that its own Monte-Carlo error (~ sqrt(p (1 - p) / B)) is small
set.seed(20240601)
B <- 2e6
chi$gender_by_education_first40$p_monte_carlo <- chisq.test(table(small$gender, small$education),
  simulate.p.value = TRUE, B = B)$p.value
chi$gender_by_education_first40$monte_carlo_B <- B
## 2 x 2 sparse table: Fisher's exact test (first 25 rows with education; education >= 4 = degree)
s25 <- edu[1:25, ]
tab22 <- table(s25$gender, as.integer(as.character(s25$education)) >= 4)
chi$gender_by_degree_first25 <- chisq_ref(tab22, "gender x (education >= 4), first 25 rows with education")
chi$gender_by_degree_first25$p_fisher <- fisher.test(tab22)$p.value
chi$versions <- c(versions(), list(effectsize = as.character(packageVersion("effectsize")),
                                   rstatix = as.character(packageVersion("rstatix"))))
wjson(chi, file.path(VAL, "bfi_groupcomp_chisq.json"))
wjson(gender, file.path(VAL, "bfi_groupcomp_A_by_gender_effect_sizes.json"))
cat("done 06\n")
