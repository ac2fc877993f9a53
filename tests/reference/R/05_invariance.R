# (e) Measurement invariance beyond 01_hs_cfa.R section (d), for analysis/invariance.py:
#     - HS by school: parameters of every level, partial scalar invariance (lavaan tutorial's
#       group.partial = c("x3~1", "x7~1")), lavTestScore on the scalar model, latent mean
#       differences with the standardized difference (delta-method SE), the reference group
#       switched with group.label, and a likelihood-ratio forward search for partial scalar
#       invariance with the policy of analysis.invariance.partial_invariance;
#     - psych::bfi by education in three groups (G = 3; listwise deletion; rows without an
#       education dropped): the four levels, lavTestLRT and the scalar latent means.
# Run from tests/:  Rscript reference/R/05_invariance.R
source("reference/R/00_common.R")
V <- function(name) file.path("values", name)
HS <- lavaan::HolzingerSwineford1939
HS.model <- ' visual  =~ x1 + x2 + x3
              textual =~ x4 + x5 + x6
              speed   =~ x7 + x8 + x9 '
EQ <- list(configural = "", metric = "loadings",
           scalar = c("loadings", "intercepts"),
           strict = c("loadings", "intercepts", "residuals"))
fit_level <- function(model, data, group, level, partial = "", ...)
  cfa(model, data = data, group = group, group.equal = EQ[[level]], group.partial = partial, ...)
fit_table <- function(mods) {
  tab <- do.call(rbind, lapply(names(mods), function(n) data.frame(model = n, t(fit_vec(mods[[n]])))))
  tab$delta_cfi <- c(NA, diff(tab$cfi)); tab$delta_rmsea <- c(NA, diff(tab$rmsea))
  tab$delta_srmr <- c(NA, diff(tab$srmr))
  tab
}
## latent means of every group but the first (the reference), and est / sqrt(reference variance)
latent_means <- function(fit) {
  pt <- parTable(fit); est <- coef(fit); V <- vcov(fit)
  pe <- parameterEstimates(fit)
  lv <- lavNames(fit, "lv"); labels <- lavInspect(fit, "group.label")
  rows <- list()
  for (g in 2:length(labels)) for (f in lv) {
    m_id <- pt$free[pt$lhs == f & pt$op == "~1" & pt$group == g]
    v_id <- pt$free[pt$lhs == f & pt$op == "~~" & pt$rhs == f & pt$group == 1]
    a <- est[m_id]; v <- est[v_id]
    grad <- c(1 / sqrt(v), -a / (2 * v^1.5))
    idx <- c(m_id, v_id)
    std_se <- sqrt(as.numeric(t(grad) %*% V[idx, idx] %*% grad))
    row <- pe[pe$lhs == f & pe$op == "~1" & pe$group == g, ]
    rows[[length(rows) + 1]] <- data.frame(construct = f, group = labels[g], reference = labels[1],
      est = row$est, se = row$se, z = row$z, pvalue = row$pvalue, ci.lower = row$ci.lower,
      ci.upper = row$ci.upper, ref_variance = as.numeric(v), std_diff = as.numeric(a / sqrt(v)),
      std_se = std_se)
  }
  do.call(rbind, rows)
}

## ---------- HS by school: every level's parameters ----------
hs_fits <- lapply(names(EQ), function(l) fit_level(HS.model, HS, "school", l))
names(hs_fits) <- names(EQ)
for (l in c("configural", "metric", "strict")) wcsv(pe_table(hs_fits[[l]]), V(sprintf("hs_invariance_school_%s_params.csv", l)))
wcsv(latent_means(hs_fits$scalar), V("hs_invariance_school_scalar_latent_means.csv"))

## lavTestScore on the scalar model: which equality constraints it flags
score <- lavTestScore(hs_fits$scalar)$uni
pt <- parTable(hs_fits$scalar)
key <- function(plabel) { r <- pt[pt$plabel == plabel, ]; paste0(r$lhs, r$op, r$rhs) }
score$parameter <- vapply(score$lhs, key, "")
wcsv(score, V("hs_invariance_school_scalar_score.csv"))

## partial scalar invariance as in lavaan's tutorial
partial <- fit_level(HS.model, HS, "school", "scalar", partial = c("x3~1", "x7~1"))
wcsv(fit_table(list(metric = hs_fits$metric, partial_scalar = partial)),
     V("hs_invariance_school_partial_fit.csv"))
wcsv(pe_table(partial), V("hs_invariance_school_partial_params.csv"))
wcsv(latent_means(partial), V("hs_invariance_school_partial_latent_means.csv"))

## the reference group switched: Grant-White first
gw <- lapply(c("configural", "metric", "scalar", "strict"), function(l)
  fit_level(HS.model, HS, "school", l, group.label = c("Grant-White", "Pasteur")))
names(gw) <- c("configural", "metric", "scalar", "strict")
wcsv(fit_table(gw), V("hs_invariance_school_gw_reference_fit.csv"))
wcsv(latent_means(gw$scalar), V("hs_invariance_school_gw_reference_latent_means.csv"))

## likelihood-ratio forward search for partial scalar invariance: release the intercept whose
## release lowers chi-square most, keeping at least two items with equal intercepts per factor,
## until Chen's (2007) scalar cut-offs hold against the metric model
## (delta CFI >= -.010, delta RMSEA <= .015, delta SRMR <= .010)
factors <- list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"), speed = c("x7", "x8", "x9"))
base <- fitMeasures(hs_fits$metric, c("cfi", "rmsea", "srmr"))
released <- character(0); steps <- list()
current <- hs_fits$scalar
repeat {
  m <- fitMeasures(current, c("chisq", "df", "cfi", "rmsea", "srmr"))
  d <- m[c("cfi", "rmsea", "srmr")] - base
  pass <- d[["cfi"]] >= -0.010 && d[["rmsea"]] <= 0.015 && d[["srmr"]] <= 0.010
  steps[[length(steps) + 1]] <- data.frame(step = length(steps), released = paste(released, collapse = " "),
    chisq = m[["chisq"]], df = m[["df"]], cfi = m[["cfi"]], rmsea = m[["rmsea"]], srmr = m[["srmr"]],
    delta_cfi = d[["cfi"]], delta_rmsea = d[["rmsea"]], delta_srmr = d[["srmr"]], passes = pass)
  if (pass) break
  candidates <- character(0)
  for (f in names(factors)) {
    equal <- setdiff(factors[[f]], sub("~1", "", released))
    if (length(equal) > 2) candidates <- c(candidates, equal)
  }
  if (length(candidates) == 0) break
  trial <- lapply(candidates, function(it)
    fit_level(HS.model, HS, "school", "scalar", partial = c(released, paste0(it, "~1"))))
  chis <- vapply(trial, function(f) fitMeasures(f, "chisq")[[1]], 0)
  released <- c(released, paste0(candidates[which.min(chis)], "~1"))
  current <- trial[[which.min(chis)]]
}
wcsv(do.call(rbind, steps), V("hs_invariance_school_partial_search.csv"))

## ---------- bfi by education in three groups (G = 3) ----------
data(bfi, package = "psych")
keyed <- bfi
for (v in c("A1", "C4", "C5", "E1", "E2", "O2", "O5")) keyed[[v]] <- 7 - keyed[[v]]
keyed$edu3 <- c("secondary", "secondary", "college", "graduate", "graduate")[keyed$education]
bfi.model <- paste(sapply(c("A", "C", "E", "N", "O"), function(f)
  sprintf("%s =~ %s", f, paste0(f, 1:5, collapse = " + "))), collapse = "\n")
bfi_fits <- lapply(names(EQ), function(l) fit_level(bfi.model, keyed, "edu3", l))
names(bfi_fits) <- names(EQ)
wcsv(fit_table(bfi_fits), V("invariance_bfi_education_fit.csv"))
lrt <- as.data.frame(do.call(lavTestLRT, unname(bfi_fits)))
lrt$model <- names(bfi_fits)
wcsv(lrt, V("invariance_bfi_education_lrt.csv"))
wcsv(latent_means(bfi_fits$scalar), V("invariance_bfi_education_scalar_latent_means.csv"))
wcsv(pe_table(bfi_fits$scalar), V("invariance_bfi_education_scalar_params.csv"))
wjson(list(
  hs_school = list(group_levels = lavInspect(hs_fits$scalar, "group.label"),
                   group_n = lavInspect(hs_fits$scalar, "nobs"),
                   partial_released = c("x3~1", "x7~1"),
                   search_released = released),
  bfi_education = list(model = bfi.model, keyed = c("A1", "C4", "C5", "E1", "E2", "O2", "O5"),
                       grouping = "education 1-2 secondary, 3 college, 4-5 graduate",
                       group_levels = lavInspect(bfi_fits$scalar, "group.label"),
                       group_n = lavInspect(bfi_fits$scalar, "nobs"),
                       n_total = sum(lavInspect(bfi_fits$scalar, "nobs"))),
  versions = versions()), V("invariance_meta.json"))
cat("done 05\n")
