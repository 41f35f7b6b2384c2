"""WorldView-Bench, Perspectrum and ArgKP for the harnesses researchers already run, scored by
multiplex's own scorer: inspect_ai tasks (`inspect eval multiplex/worldview_bench`, registered by
an entry point) and an lm-eval task (`lm_eval --include_path multiplex/harness/lm_eval`).

Both read the questions as `multiplex bench run` does (`bench.datasets`, the same pinned sources
and MULTIPLEX_*_URL overrides) and score each answer as the engine does (`measure`). Installed
with the `[harness]` extra."""
