"""The power tool (analysis.power, workflow/power.smk).

Reference values and their tolerances (statistic -> reference -> tolerance -> why):

- Analytic power of one standardized path with normal x (``analytic_power_single_path``) ->
  the exact distribution of the sample correlation in a bivariate normal population
  (Hotelling, 1953, eq. 27; the slope's t test and the test of r are the same test),
  integrated independently here with ``scipy.special.hyp2f1``: rtol 1e-8 (both are quadratures
  to ~1e-10; agreement seen ~1e-13).
- The same -> statsmodels ``TTestPower`` with ``df = n - 2`` and effect size
  ``beta / sqrt(1 - beta^2)``: the fixed-x approximation (x's sum of squares taken as n, not
  chi-square(n - 1)), which overstates power by O(1/n): 0.8128 against 0.8003 at beta = 0.3,
  n = 84: atol 0.02, and the exact value must be the smaller.
- The same -> Cohen (1992), "A power primer", Table 2: n = 85 for a medium correlation
  (r = .30) at power .80, alpha = .05 two-sided. Cohen's n comes from Fisher's z
  approximation, rounded up to a whole respondent: the exact power at n = 85 is within 0.01 of
  .80 (0.8051).
- Simulated power of the same case, R = 2000 replications -> the analytic power: within 3
  Monte Carlo standard errors (sqrt(p (1 - p) / R) = 0.0089); the simulation is seeded, so the
  test is deterministic.
"""

from __future__ import annotations

import doctest
import itertools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from numpy.testing import assert_allclose
from scipy import integrate, special, stats
from statsmodels.stats.power import TTestPower

import analysis.power
from analysis import cli, sem
from analysis.config import REPO_ROOT, ConfigError
from analysis.instrument import load_instrument
from analysis.power import (
    CHUNK_COLUMNS,
    JOINT_TEST,
    OUTPUT_FILES,
    PATH_TEST,
    POWER_COLUMNS,
    aggregate,
    analytic_power_single_path,
    load_power_config,
    power_table,
    read_chunks,
    replication_seed,
    run_chunk,
    simulate,
    single_path_model,
    smallest_n,
)
from analysis.semmodel import sem_specification


def _exact_correlation_power(rho: float, n: int, alpha: float) -> float:
    """P(|r| > r_crit) from the exact density of r (Hotelling, 1953), by quadrature."""
    df = n - 2
    t_crit = stats.t.isf(alpha / 2, df)
    r_crit = t_crit / math.sqrt(t_crit**2 + df)
    log_constant = (
        math.log(n - 2)
        + special.gammaln(n - 1)
        - 0.5 * math.log(2 * math.pi)
        - special.gammaln(n - 0.5)
        + (n - 1) / 2 * math.log1p(-(rho**2))
    )

    def density(r: float) -> float:
        log_kernel = (n - 4) / 2 * math.log1p(-(r**2)) - (n - 1.5) * math.log1p(-rho * r)
        return math.exp(log_constant + log_kernel) * special.hyp2f1(
            0.5, 0.5, n - 0.5, (1 + rho * r) / 2
        )

    upper = integrate.quad(density, r_crit, 1, epsabs=1e-14, epsrel=1e-12)[0]
    lower = integrate.quad(density, -1, -r_crit, epsabs=1e-14, epsrel=1e-12)[0]
    return upper + lower


# --------------------------------------------------------------------------------------------
# The known case


@pytest.mark.parametrize(
    ("beta", "n", "alpha"), [(0.3, 84, 0.05), (0.1, 200, 0.05), (-0.5, 20, 0.01), (0.2, 500, 0.1)]
)
def test_analytic_power_equals_exact_power_of_the_correlation_test(beta, n, alpha):
    assert_allclose(
        analytic_power_single_path(beta, n, alpha=alpha),
        _exact_correlation_power(beta, n, alpha),
        rtol=1e-8,
    )


def test_analytic_power_against_fixed_x_approximation_and_cohens_table():
    exact = analytic_power_single_path(0.3, 84)
    fixed_x = TTestPower().power(effect_size=0.3 / math.sqrt(1 - 0.09), nobs=84, alpha=0.05, df=82)
    assert_allclose(exact, fixed_x, atol=0.02)
    assert exact < fixed_x
    # Cohen (1992), Table 2: n = 85 for r = .30 at power .80 (Fisher z approximation).
    assert_allclose(analytic_power_single_path(0.3, 85), 0.80, atol=0.01)
    # No effect: the power is the Type I error rate.
    assert_allclose(analytic_power_single_path(0.0, 50, alpha=0.05), 0.05, atol=1e-9)


def test_simulated_power_of_the_known_case_matches_the_analytic_power():
    rows = simulate(
        single_path_model(0.3), n=84, replications=range(2000), seed=20261128, progress=False
    )
    table = power_table(rows)
    simulated, mc_se = table["power"].iloc[0], table["mc_se"].iloc[0]
    analytic = analytic_power_single_path(0.3, 84, alpha=0.05)
    assert abs(simulated - analytic) < 3 * mc_se, (simulated, analytic, mc_se)
    assert_allclose(mc_se, math.sqrt(simulated * (1 - simulated) / 2000))
    assert table["failures"].iloc[0] == 0


# --------------------------------------------------------------------------------------------
# Seeds, chunks and aggregation


def test_a_replication_does_not_depend_on_its_chunk():
    whole = run_chunk("single_path", 60, range(0, 10), 5, progress=False)
    parts = pd.concat(
        [run_chunk("single_path", 60, r, 5, progress=False) for r in (range(7, 10), range(0, 7))]
    )
    pd.testing.assert_frame_equal(
        whole, parts.sort_values("replication").reset_index(drop=True), check_exact=True
    )
    other_n = run_chunk("single_path", 61, range(0, 10), 5, progress=False)
    assert not np.array_equal(whole["estimate"], other_n["estimate"])
    assert replication_seed(5, 60, 3).spawn_key == (60, 3)


def test_aggregate_is_identical_however_chunked(tmp_path):
    rows = run_chunk("single_path", 40, range(0, 30), 9, progress=False)
    files = []
    for k, (start, stop) in enumerate([(20, 30), (0, 5), (5, 20)]):
        files.append(tmp_path / f"c{k}.csv")
        rows[rows["replication"].between(start, stop - 1)].to_csv(files[-1], index=False)
    single = tmp_path / "all.csv"
    rows.to_csv(single, index=False)
    pd.testing.assert_frame_equal(aggregate(files), aggregate([single]), check_exact=True)
    assert list(aggregate(files).columns) == list(POWER_COLUMNS)


def test_aggregate_rejects_repeated_and_missing_replications(tmp_path):
    rows = run_chunk("single_path", 40, range(0, 10), 9, progress=False)
    path = tmp_path / "c.csv"
    rows.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"Replication 0 of n = 40 is in more than one chunk"):
        aggregate([path, path])
    with pytest.raises(
        ValueError,
        match=r"n = 40 should hold replications 0..19; 10 \(10, 11, 12, 13, 14 and 5 more\) "
        r"missing and 0 beyond",
    ):
        aggregate([path], replications=20)


def test_power_counts_failures_as_not_significant():
    rows = pd.DataFrame(
        {
            "model": "study",
            "n": 100,
            "replication": range(4),
            "effect_index": 0,
            "kind": "path",
            "effect": "a -> b",
            "population_value": 0.2,
            "estimate": [0.25, 0.1, np.nan, 0.3],
            "p_val": [0.01, 0.2, np.nan, 0.03],
            "significant": [True, False, False, True],
            "failure": ["", "", "not converged", ""],
            "n_analysed": [70, 65, 60, 72],
        },
        columns=list(CHUNK_COLUMNS),
    )
    row = power_table(rows).iloc[0]
    assert (row["power"], row["failures"], row["failure_rate"]) == (0.5, 1, 0.25)
    assert_allclose(row["mc_se"], math.sqrt(0.5 * 0.5 / 4))
    assert_allclose(row["mean_estimate"], (0.25 + 0.1 + 0.3) / 3)
    assert_allclose(row["mean_n_analysed"], 66.75)
    assert row["test"] == PATH_TEST


def test_smallest_n_needs_the_target_at_every_larger_n():
    table = pd.DataFrame(
        {
            "n": [50, 100, 150, 200] * 2,
            "kind": "path",
            "effect": ["dips"] * 4 + ["never"] * 4,
            "test": "t",
            "population_value": 0.2,
            "power": [0.82, 0.78, 0.85, 0.9, 0.1, 0.2, 0.3, 0.4],
            "mc_se": 0.01,
        }
    )
    result = smallest_n(table, 0.8).set_index("effect")
    assert result.loc["dips", "smallest_n"] == 150
    assert result.loc["dips", "power"] == 0.85
    assert pd.isna(result.loc["never", "smallest_n"])
    assert result.loc["never", "largest_n"] == 200
    with pytest.raises(ValueError, match=r"'target' parameter of smallest_n .* Got 1.2"):
        smallest_n(table, 1.2)


# --------------------------------------------------------------------------------------------
# The study's model


def test_one_replication_of_the_study_model():
    rows = run_chunk("study", 300, range(0, 2), 11, progress=False)
    spec = sem_specification(load_instrument(REPO_ROOT / "survey" / "instrument.yaml"))
    routes = [e.path for e in sem._effects(spec) if e.effect == "specific indirect"]
    first = rows[rows["replication"] == 0]
    assert first["effect"].tolist() == [f"{a} -> {b}" for a, b in spec.paths] + routes
    assert (first["failure"] == "").all()
    assert 150 < first["n_analysed"].iloc[0] < 300
    for _, replication in rows.groupby("replication"):
        paths = replication[replication["kind"] == "path"].set_index("effect")["significant"]
        for _, row in replication[replication["kind"] == "indirect"].iterrows():
            names = row["effect"].split(" -> ")
            on_route = [f"{a} -> {b}" for a, b in itertools.pairwise(names)]
            assert row["significant"] == paths[on_route].all(), row["effect"]
    table = power_table(rows)
    assert set(table.loc[table["kind"] == "indirect", "test"]) == {JOINT_TEST}
    # Replication 1 alone gives the same rows as inside the chunk of two.
    alone = run_chunk("study", 300, range(1, 2), 11, progress=False)
    pd.testing.assert_frame_equal(
        alone, rows[rows["replication"] == 1].reset_index(drop=True), check_exact=True
    )


# --------------------------------------------------------------------------------------------
# The workflow


def _run_workflow(tmp_path: Path, name: str, chunk_size: int) -> Path:
    out = tmp_path / name
    config = tmp_path / f"{name}.yaml"
    settings = {
        "model": "single_path",
        "single_path_beta": 0.3,
        "sample_sizes": [50, 100],
        "replications": 80,
        "chunk_size": chunk_size,
        "seed": 7,
        "output_dir": str(out),
    }
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "analysis", "power", "--config", str(config), "--cores", "2"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return out


def test_workflow_gives_identical_results_in_one_or_four_jobs_per_n(tmp_path):
    one = _run_workflow(tmp_path, "one", chunk_size=80)
    four = _run_workflow(tmp_path, "four", chunk_size=20)
    assert len(list((one / "chunks").glob("*.csv"))) == 2
    assert len(list((four / "chunks").glob("*.csv"))) == 8
    for name in OUTPUT_FILES.values():
        assert (one / name).read_bytes() == (four / name).read_bytes(), name
    pd.testing.assert_frame_equal(
        read_chunks(sorted((one / "chunks").glob("*.csv"))),
        read_chunks(sorted((four / "chunks").glob("*.csv"))),
        check_exact=True,
    )
    table = pd.read_csv(one / "power_table.csv")
    assert table["n"].tolist() == [50, 100]
    assert (table["replications"] == 80).all()


# --------------------------------------------------------------------------------------------
# Configuration and argument errors


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "power.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "replicatons: 100\n",
            r"Unknown key\(s\) \['replicatons'\] in .*power\.yaml\. Known keys are .*"
            r"Correct the spelling or remove the key",
        ),
        (
            "sample_sizes: [5, 100]\n",
            r"The 'sample_sizes' key of .*power\.yaml must be a non-empty list of different "
            r"integers >= 10 .* Got \[5, 100\]\. Replace \[5\] by integers of 10 or more",
        ),
        (
            "target_power: 1.5\n",
            r"The 'target_power' key of .*power\.yaml must be a number in \(0, 1\)\. Got 1\.5\. "
            r"Use the power you plan for, e\.g\. 0\.80\.",
        ),
        (
            "target_power: 0\n",
            r"The 'target_power' key of .*power\.yaml must be a number in \(0, 1\)\. Got 0\.",
        ),
        (
            "study_config: nowhere.yaml\n",
            r"The 'study_config' key of .*power\.yaml must be an existing configuration file "
            r"of the study\. Got 'nowhere\.yaml'\. Use config/config\.yaml",
        ),
    ],
)
def test_bad_configuration_names_file_key_and_fix(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_power_config(_write(tmp_path, text))


def test_bad_configuration_stops_the_command(tmp_path, capsys):
    path = _write(tmp_path, "sample_sizes: [100, 100]\n")
    assert cli.main(["power", "--config", str(path)]) == 2
    assert "Remove the repeated sample sizes" in capsys.readouterr().err


def test_the_shipped_configuration_is_valid():
    config = load_power_config()
    assert config.model == "study"
    assert config.chunk_count() * len(config.sample_sizes) == len(config.chunk_files())


def test_argument_errors():
    with pytest.raises(ValueError, match=r"'beta' parameter of analytic_power_single_path .*"):
        analytic_power_single_path(1.0, 50)
    with pytest.raises(ValueError, match=r"'n' parameter of analytic_power_single_path .*Got 2"):
        analytic_power_single_path(0.3, 2)
    with pytest.raises(ValueError, match=r"'replications' parameter of simulate .*range\(0, 0\)"):
        simulate(single_path_model(0.3), n=50, replications=range(0), seed=1)
    with pytest.raises(ValueError, match=r"'name' parameter of power_model .*'path'"):
        run_chunk("path", 50, range(2), 1)


def test_doctests():
    failed, attempted = doctest.testmod(analysis.power, optionflags=doctest.ELLIPSIS)
    assert attempted > 0
    assert failed == 0
