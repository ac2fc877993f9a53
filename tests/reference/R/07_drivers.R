# (g) Drivers of satisfaction and loyalty on the ECSI mobile-phone data (mobi, 250 x 24,
#     10-point items): OLS with HC3 standard errors, standardized betas, HC3-robust Wald F,
#     VIF (car::vif); ordered logit (MASS::polr and, as a tight second oracle, ordinal::clm);
#     Brant's (1990) test of proportional odds, written out from the paper (the brant package
#     is not installed). Oracle of tests/test_drivers.py (analysis/drivers.py).
# Run from tests/:  Rscript reference/R/07_drivers.R   (writes reference/values/drivers_*)
source("reference/R/00_common.R")
suppressPackageStartupMessages({
  library(sandwich); library(lmtest); library(car); library(MASS); library(ordinal)
})
mobi <- read.csv(file.path(DATA, "mobi.csv"))
VAL <- "values"

## block means (the Python tests compute them the same way: row means of the items)
blk <- function(prefix, k) rowMeans(mobi[, paste0(prefix, k)])
d <- data.frame(Image = blk("IMAG", 1:5), Expectation = blk("CUEX", 1:3), Quality = blk("PERQ", 1:7),
                Value = blk("PERV", 1:2), Satisfaction = blk("CUSA", 1:3),
                CUSCO = mobi$CUSCO, CUSA1 = mobi$CUSA1, CUSL1 = mobi$CUSL1)

## item-level model with missing answers put in on purpose (1-based rows), for listwise deletion
items <- mobi[, c("CUSA1", paste0("PERQ", 1:7))]
items$PERQ3[seq(5, 250, by = 17)] <- NA
items$CUSA1[seq(3, 250, by = 23)] <- NA

ols_models <- list(
  blocks = list(formula = Satisfaction ~ Image + Expectation + Quality + Value, data = d),
  items = list(formula = CUSA1 ~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7, data = items))

coef_rows <- list(); fit_rows <- list(); vif_rows <- list()
for (name in names(ols_models)) {
  m <- ols_models[[name]]
  fit <- lm(m$formula, data = m$data)                       # na.action = na.omit: listwise
  used <- model.frame(fit)
  V <- vcovHC(fit, type = "HC3")
  ct <- coeftest(fit, vcov. = V)                             # t reference, df = n - k - 1
  ci <- coefci(fit, vcov. = V, level = 0.95)
  zfit <- lm(m$formula, data = as.data.frame(scale(used)))   # z-scored on the model's rows
  beta <- coef(zfit); beta[1] <- NA
  coef_rows[[name]] <- data.frame(model = name, term = rownames(ct), estimate = ct[, 1], se_hc3 = ct[, 2],
    t = ct[, 3], p = ct[, 4], ci_low = ci[, 1], ci_high = ci[, 2], beta = as.numeric(beta),
    se_classical = sqrt(diag(vcov(fit))), n = nobs(fit))
  slopes <- names(coef(fit))[-1]
  lh <- linearHypothesis(fit, slopes, vcov. = V, test = "F")        # HC3-robust Wald F
  wt <- waldtest(fit, . ~ 1, vcov = V, test = "F")                   # the same, via lmtest
  s <- summary(fit)
  fit_rows[[name]] <- data.frame(model = name, n = nobs(fit), r2 = s$r.squared, adj_r2 = s$adj.r.squared,
    F_hc3 = lh$F[2], df1 = lh$Df[2], df2 = lh$Res.Df[2], p_hc3 = lh[["Pr(>F)"]][2],
    F_hc3_waldtest = wt$F[2], F_classical = unname(s$fstatistic[1]),
    p_classical = pf(s$fstatistic[1], s$fstatistic[2], s$fstatistic[3], lower.tail = FALSE))
  vif_rows[[name]] <- data.frame(model = name, term = slopes, vif = as.numeric(vif(fit)), n = nobs(fit))
}
wcsv(do.call(rbind, coef_rows), file.path(VAL, "drivers_ols_coefficients.csv"))
wcsv(do.call(rbind, fit_rows), file.path(VAL, "drivers_ols_fit.csv"))
wcsv(do.call(rbind, vif_rows), file.path(VAL, "drivers_vif.csv"))

## ---- ordered logit ----
## satisfaction: CUSA1 has one answer of 4 and eight of 5, so 4 is merged into 5 (levels 5..10)
d$CUSA1c <- pmax(d$CUSA1, 5)
ord_models <- list(
  satisfaction = CUSA1c ~ Image + Expectation + Quality + Value,
  loyalty = CUSL1 ~ Satisfaction + Image + CUSCO)
ord_rows <- list(); brant_rows <- list(); ll <- list()
brant <- function(formula, data) {
  ## Brant (1990): the J - 1 binary logits 1{y > j}, their joint covariance, and Wald tests
  ## that the slopes are equal across j (omnibus and per predictor)
  mf <- model.frame(formula, data); y <- as.integer(factor(mf[[1]])); X <- model.matrix(formula, mf)
  J <- max(y); p <- ncol(X) - 1
  fits <- lapply(1:(J - 1), function(j) glm.fit(X, as.numeric(y > j), family = binomial(),
                                                 control = glm.control(epsilon = 1e-14, maxit = 100)))
  pis <- sapply(fits, function(f) f$fitted.values)
  b <- unlist(lapply(fits, function(f) f$coefficients[-1]))
  V <- matrix(0, (J - 1) * p, (J - 1) * p)
  for (j in 1:(J - 1)) for (l in j:(J - 1)) {
    Aj <- solve(crossprod(X, X * (pis[, j] * (1 - pis[, j]))))
    Al <- solve(crossprod(X, X * (pis[, l] * (1 - pis[, l]))))
    B <- crossprod(X, X * (pis[, l] - pis[, j] * pis[, l]))        # P(y > l) <= P(y > j) for l >= j
    blk <- (Aj %*% B %*% Al)[-1, -1, drop = FALSE]
    V[(j - 1) * p + 1:p, (l - 1) * p + 1:p] <- blk
    V[(l - 1) * p + 1:p, (j - 1) * p + 1:p] <- t(blk)
  }
  D <- do.call(rbind, lapply(2:(J - 1), function(j) {
    r <- matrix(0, p, (J - 1) * p); r[, 1:p] <- diag(p); r[, (j - 1) * p + 1:p] <- -diag(p); r }))
  wald <- function(Dm) { Db <- Dm %*% b; as.numeric(t(Db) %*% solve(Dm %*% V %*% t(Dm)) %*% Db) }
  x2 <- wald(D); rows <- data.frame(test = "omnibus", chi2 = x2, df = (J - 2) * p,
                                     p = pchisq(x2, (J - 2) * p, lower.tail = FALSE))
  for (k in 1:p) {
    Dk <- D[seq(k, nrow(D), by = p), , drop = FALSE]; xk <- wald(Dk)
    rows <- rbind(rows, data.frame(test = colnames(X)[k + 1], chi2 = xk, df = J - 2,
                                   p = pchisq(xk, J - 2, lower.tail = FALSE)))
  }
  rows
}
for (name in names(ord_models)) {
  f <- ord_models[[name]]
  dd <- d; dd[[all.vars(f)[1]]] <- factor(dd[[all.vars(f)[1]]], ordered = TRUE)
  pr <- polr(f, data = dd, method = "logistic", Hess = TRUE)           # defaults (BFGS)
  cm <- clm(f, data = dd, link = "logit", control = clm.control(gradTol = 1e-12, relTol = 1e-14))
  sp <- coef(summary(pr)); sc <- coef(summary(cm))
  ## clm: theta_j - x'beta, the same parametrisation as polr (zeta_j - eta)
  nz <- length(pr$zeta)
  cm_terms <- c(names(pr$coefficients), names(pr$zeta))
  cm_est <- c(cm$beta, cm$alpha); cm_se <- sqrt(diag(vcov(cm)))[c(names(cm$beta), names(cm$alpha))]
  ord_rows[[name]] <- data.frame(model = name,
    kind = c(rep("coefficient", length(pr$coefficients)), rep("threshold", nz)),
    term = rownames(sp), polr_estimate = sp[, 1], polr_se = sp[, 2],
    clm_estimate = as.numeric(cm_est), clm_se = as.numeric(cm_se), n = pr$n)
  ll[[name]] <- list(polr_logLik = as.numeric(logLik(pr)), clm_logLik = as.numeric(logLik(cm)),
                     polr_convergence = pr$convergence, polr_niter = as.list(pr$niter),
                     clm_max_gradient = max(abs(cm$gradient)), levels = levels(dd[[all.vars(f)[1]]]),
                     n = pr$n)
  brant_rows[[name]] <- cbind(model = name, brant(f, d))
}
wcsv(do.call(rbind, ord_rows), file.path(VAL, "drivers_ordered_logit.csv"))
wcsv(do.call(rbind, brant_rows), file.path(VAL, "drivers_brant.csv"))

res <- list(n = nrow(mobi),
  data = "block means = row means of IMAG1-5, CUEX1-3, PERQ1-7, PERV1-2, CUSA1-3",
  items_model_missing = list(PERQ3_rows_1based = seq(5, 250, by = 17), CUSA1_rows_1based = seq(3, 250, by = 23)),
  ordered = ll,
  satisfaction_collapse = "CUSA1 4 -> 5 (one answer of 4)",
  versions = c(versions(), list(sandwich = as.character(packageVersion("sandwich")),
    lmtest = as.character(packageVersion("lmtest")), MASS = as.character(packageVersion("MASS")),
    ordinal = as.character(packageVersion("ordinal")))))
wjson(res, file.path(VAL, "drivers_reference.json"))
cat("done 07\n")
