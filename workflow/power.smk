# The power and sample-size simulation (analysis/power.py, docs/power.md).
#
# Run it through the command line, which checks the settings first and holds the output
# folder's lock:
#     python -m analysis power [--config config/power.yaml] [--cores N] [--profile DIR]
# Direct use also works (from the repository root):
#     .venv/bin/snakemake -s workflow/power.smk --configfile config/power.yaml --cores 2
#
# Rule `replicate` is one job per (sample size, chunk of replications): replication r at size n
# draws from its own seed (seed, n, r), so the chunks can run in any order, on any machine, and
# the results are the same however the replications are split. Rule `aggregate` reads every
# chunk file into the power table, the smallest n per effect, the power curves and a summary.
# Both are shell rules running `python -m analysis.power STEP` with this environment's python.

import json
import shlex
import sys

from analysis import pipeline, power
from analysis.config import REPO_ROOT, display_path


configfile: str(power.DEFAULT_POWER_CONFIG)


SOURCE = display_path(workflow.configfiles[-1]) if workflow.configfiles else "the configuration"
POWER = power.power_config_from_mapping(config, source=SOURCE)
OUT = POWER.output_path
# The environment the workflow runs in, not whatever python is first on PATH.
STEP = f"{shlex.quote(sys.executable)} -m analysis.power"
# A change to the analysis code (this tool's included) or to the study's inputs reruns the
# replications.
CODE = [str(REPO_ROOT / p) for p in sorted({*pipeline.package_sources(), "analysis/power.py"})]
STUDY_INPUTS = power.study_inputs(POWER)
CHUNKS = power.chunk_file(OUT, "{n}", "{chunk}")


localrules:
    all,
    aggregate,


rule all:
    input:
        [OUT / name for name in power.OUTPUT_FILES.values()],


rule replicate:
    """Replications of one chunk at one sample size: one CSV row per replication and effect."""
    input:
        code=CODE,
        study=STUDY_INPUTS,
    output:
        CHUNKS,
    params:
        first=lambda wildcards: POWER.chunk_range(int(wildcards.chunk)).start,
        size=lambda wildcards: len(POWER.chunk_range(int(wildcards.chunk))),
        model=POWER.model,
        seed=POWER.seed,
        alpha=POWER.alpha,
        beta=POWER.single_path_beta,
        study_config=POWER.study_config,
    wildcard_constraints:
        n=r"\d+",
        chunk=r"\d+",
    threads: 1
    shell:
        "{STEP} chunk --model {params.model} --n {wildcards.n} --first {params.first} "
        "--count {params.size} --seed {params.seed} --alpha {params.alpha} "
        "--beta {params.beta} --study-config {params.study_config:q} --out {output:q}"


rule aggregate:
    """The power table, smallest n per effect, power curves and summary from every chunk."""
    input:
        chunks=POWER.chunk_files(),
        code=CODE,
    output:
        [OUT / name for name in power.OUTPUT_FILES.values()],
    params:
        settings=json.dumps(POWER.as_dict(), sort_keys=True),
        out=OUT,
    shell:
        "{STEP} aggregate --settings {params.settings:q} --out-dir {params.out:q} "
        "{input.chunks:q}"
