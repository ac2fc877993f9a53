# The pipeline of the study: survey data -> notebooks -> results store -> paper -> provenance.
#
# Run it through the command line (`python3 reproduce.py`, or `python -m analysis run`), which
# checks the configuration first and reports failures in one paragraph. Direct use also works:
#     snakemake --cores 2 --configfile config/config.yaml
# Every parameter comes from the configuration (config/config.yaml); see docs/architecture.md.

import sys

from analysis import pipeline
from analysis.config import config_from_mapping

RUN = config_from_mapping(config, source="the Snakemake configuration")
OUT = pipeline.output_paths(RUN)
NOTEBOOKS = pipeline.notebook_names()
CODE = pipeline.package_sources()
RENDER_CODE = pipeline.package_sources("render")
PYTHON = sys.executable  # the environment the pipeline runs in, not whatever is first on PATH


rule all:
    input:
        OUT.provenance,


rule survey_data:
    """Draw the synthetic sample from the population model (only when no real responses are given)."""
    input:
        instrument=RUN.survey.instrument,
        population=RUN.survey.population,
        code=CODE,
    output:
        OUT.synthetic_responses,
    params:
        n=RUN.survey.synthetic_n,
        seed=RUN.seed,
    log:
        OUT.error_file("survey_data"),
    benchmark:
        OUT.benchmark("survey_data")
    run:
        pipeline.run_step(
            "survey_data", log[0], pipeline.make_synthetic_responses,
            input.instrument, input.population, output[0], n=params.n, seed=params.seed,
        )


rule notebook:
    """Execute one notebook with papermill; its results go to the store as a fragment."""
    input:
        notebook="notebooks/{name}.ipynb",
        instrument=RUN.survey.instrument,
        responses=OUT.responses,
        code=CODE,
    output:
        executed=OUT.executed("{name}"),
        fragment=OUT.fragment("{name}"),
    params:
        parameters=lambda wildcards: pipeline.notebook_parameters(RUN, wildcards.name),
    log:
        OUT.error_file("{name}"),
    benchmark:
        OUT.benchmark("{name}")
    wildcard_constraints:
        name=r"\d\d_[a-z0-9_]+",
    shell:
        "{PYTHON:q} -m analysis.notebooks {input.notebook:q} {output.executed:q} "
        "--parameters {params.parameters:q} --error-file {log:q}"


rule results:
    """Merge the notebooks' fragments into one values file (keys must be unique)."""
    input:
        fragments=expand(OUT.fragment("{name}"), name=NOTEBOOKS),
        code=CODE,
    output:
        values=OUT.values,
    log:
        OUT.error_file("results"),
    benchmark:
        OUT.benchmark("results")
    run:
        pipeline.run_step("results", log[0], pipeline.collect_results, OUT.results)


rule paper:
    """Render the seven-chapter study from paper/ with the store's numbers, tables and figures."""
    input:
        values=OUT.values,
        sources=pipeline.paper_sources(),
        code=RENDER_CODE,
    output:
        documents=[OUT.paper(fmt) for fmt in RUN.paper.formats],
        info=OUT.render_info,
    params:
        renderer=RUN.paper.renderer,
        formats=list(RUN.paper.formats),
    log:
        OUT.error_file("paper"),
    benchmark:
        OUT.benchmark("paper")
    run:
        pipeline.run_step(
            "paper", log[0], pipeline.render, OUT, formats=params.formats,
            renderer=params.renderer,
        )


rule provenance:
    """Record commit, versions, input hashes, config, seeds, timings and the renderer."""
    input:
        documents=rules.paper.output.documents,
        info=OUT.render_info,
        fragments=expand(OUT.fragment("{name}"), name=NOTEBOOKS),
    output:
        OUT.provenance,
    params:
        config=RUN.as_dict(),
    log:
        OUT.error_file("provenance"),
    run:
        pipeline.run_step("provenance", log[0], pipeline.record_provenance, RUN, OUT)
