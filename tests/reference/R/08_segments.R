# (h) Segmentation agreement measures on the ECSI mobi data (250 x 24, 10-point items):
# silhouette widths (cluster::silhouette, Euclidean distances of z-scores) and the adjusted Rand
# index (mclust::adjustedRandIndex) of fixed label vectors. The label vectors are stored, so the
# Python tests (tests/test_segments.py) compare the measures on the same partitions, whatever
# k-means would find on their side. Run from tests/: Rscript reference/R/08_segments.R
# (needs also r-cran-mclust r-cran-cluster; here mclust 6.0.0, cluster 2.1.4).
source("reference/R/00_common.R")
suppressPackageStartupMessages({ library(cluster); library(mclust) })
mobi <- read.csv(file.path(DATA, "mobi.csv"))

z <- scale(mobi)            # z-scores, SD with n - 1 (as analysis.segments.segmentation_features)
d <- dist(z)                # Euclidean
set.seed(20261128)
km3 <- kmeans(z, centers = 3, nstart = 25)$cluster
km4 <- kmeans(z, centers = 4, nstart = 25)$cluster
rule <- 1 + (mobi$CUSA1 >= 8) + (mobi$CUSL1 >= 8)     # a partition by a rule: satisfied, loyal
single <- km3; single[which.max(rowSums(z^2))] <- 4   # km3 with its most outlying row alone
labels <- data.frame(km3 = km3, km4 = km4, rule = rule, single = single)
wcsv(labels, "values/segments_mobi_labels.csv")

widths <- function(p) {
  s <- silhouette(labels[[p]], d)
  data.frame(partition = p, row = seq_len(nrow(s)), cluster = s[, "cluster"],
             neighbor = s[, "neighbor"], sil_width = s[, "sil_width"])
}
sil <- do.call(rbind, lapply(names(labels), widths))
wcsv(sil, "values/segments_mobi_silhouette.csv")

pairs <- combn(names(labels), 2)
ari <- data.frame(a = pairs[1, ], b = pairs[2, ],
                  ari = apply(pairs, 2, function(p) adjustedRandIndex(labels[[p[1]]], labels[[p[2]]])))
wcsv(ari, "values/segments_mobi_ari.csv")

wjson(list(
  data = "mobi.csv, all 24 items, z-scores by scale(); Euclidean distances",
  average_silhouette = as.list(tapply(sil$sil_width, sil$partition, mean)),
  versions = list(R = R.version.string, cluster = as.character(packageVersion("cluster")),
                  mclust = as.character(packageVersion("mclust")))
), "values/segments_mobi_reference.json")
