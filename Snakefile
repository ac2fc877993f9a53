# The pipeline of the study: survey data -> notebooks -> results store -> paper -> provenance.
#
# Run it through the command line (`python3 reproduce.py`, or `python -m analysis run`), which
# checks the configuration first and reports failures in one paragraph. Direct use also works:
#     .venv/bin/snakemake --cores 2 --configfile config/config.yaml
# Every parameter comes from the configuration (config/config.yaml); see docs/architecture.md.
# Each step is a shell rule running `python -m analysis.steps STEP` (analysis/steps.py): a shell
# rule starts in a fraction of the ~2 s Snakemake needs to start an in-process `run:` rule.

import json
import shlex
import sys

from analysis import pipeline
from analysis.config import config_from_mapping

RUN = config_from_mapping(config, source="the Snakemake configuration")
OUT = pipeline.output_paths(RUN)
NOTEBOOKS = pipeline.notebook_names()
CODE = pipeline.package_sources()
RENDER_CODE = pipeline.package_sources("render")
# The environment the pipeline runs in, not whatever python is first on PATH.
STEP = f"{shlex.quote(sys.executable)} -m analysis.steps --error-file"


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
    shell:
        "{STEP} {log:q} survey_data --instrument {input.instrument:q} "
        "--population {input.population:q} --out {output:q} --n {params.n} --seed {params.seed}"


rule clean:
    """Validate and screen the responses: the analysis sample, its exports and the exclusion
    ledger."""
    input:
        responses=OUT.responses,
        instrument=RUN.survey.instrument,
        code=CODE,
    output:
        OUT.clean_outputs,
    params:
        out=OUT.data_dir,
        synthetic="true" if RUN.uses_synthetic_responses else "false",
        screening=json.dumps(RUN.as_dict()["screening"], sort_keys=True),
    log:
        OUT.error_file("clean"),
    benchmark:
        OUT.benchmark("clean")
    shell:
        "{STEP} {log:q} clean --responses {input.responses:q} --instrument {input.instrument:q} "
        "--out-dir {params.out:q} --synthetic {params.synthetic} --screening {params.screening:q}"


rule notebook:
    """Execute one notebook with papermill; its results go to the store as a fragment."""
    input:
        notebook="notebooks/{name}.ipynb",
        instrument=RUN.survey.instrument,
        data=rules.clean.output,
        extra=lambda wildcards: pipeline.notebook_extra_inputs(wildcards.name),
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
        "{STEP} {log:q} notebook {input.notebook:q} {output.executed:q} "
        "--parameters {params.parameters:q}"


rule questionnaire:
    """Write the questionnaire (Chinese and English) from the instrument: the paper's appendix
    and standalone documents."""
    input:
        instrument=RUN.survey.instrument,
        code=CODE,
        render_code=RENDER_CODE,
    output:
        markdown=[OUT.questionnaire_markdown(lang) for lang in ("zh", "en")],
        documents=[
            OUT.questionnaire_document(lang, fmt)
            for lang in ("zh", "en")
            for fmt in RUN.paper.formats
        ],
    params:
        results=OUT.results,
        documents=OUT.questionnaire_dir,
        formats=",".join(RUN.paper.formats),
    log:
        OUT.error_file("questionnaire"),
    benchmark:
        OUT.benchmark("questionnaire")
    shell:
        "{STEP} {log:q} questionnaire --instrument {input.instrument:q} "
        "--results-dir {params.results:q} --documents-dir {params.documents:q} "
        "--formats {params.formats}"


rule results:
    """Merge the notebooks' fragments into one values file (keys must be unique)."""
    input:
        fragments=expand(OUT.fragment("{name}"), name=NOTEBOOKS),
        code=CODE,
    output:
        values=OUT.values,
    params:
        results=OUT.results,
    log:
        OUT.error_file("results"),
    benchmark:
        OUT.benchmark("results")
    shell:
        "{STEP} {log:q} results --results-dir {params.results:q}"


rule paper:
    """Render the seven-chapter study from paper/ with the store's numbers, tables and figures."""
    input:
        values=OUT.values,
        questionnaire=rules.questionnaire.output.markdown,
        sources=pipeline.paper_sources(),
        code=RENDER_CODE,
    output:
        documents=[OUT.paper(fmt) for fmt in RUN.paper.formats],
        info=OUT.render_info,
    params:
        root=OUT.root,
        renderer=RUN.paper.renderer,
        formats=",".join(RUN.paper.formats),
    log:
        OUT.error_file("paper"),
    benchmark:
        OUT.benchmark("paper")
    shell:
        "{STEP} {log:q} paper --output-dir {params.root:q} --formats {params.formats} "
        "--renderer {params.renderer}"


rule provenance:
    """Record commit, versions, input hashes, config, seeds, timings and the renderer."""
    input:
        documents=rules.paper.output.documents,
        info=OUT.render_info,
        fragments=expand(OUT.fragment("{name}"), name=NOTEBOOKS),
    output:
        OUT.provenance,
    params:
        config=json.dumps(RUN.as_dict(), sort_keys=True),
    log:
        OUT.error_file("provenance"),
    shell:
        "{STEP} {log:q} provenance --config-json {params.config:q}"
