import re
from pathlib import Path

from multiplex.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"`(MULTIPLEX_[A-Z_]+)`", README))
    expected = {f"MULTIPLEX_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set()
    assert documented - expected == set(), "the README documents settings that do not exist"


def test_readme_gives_the_two_commands() -> None:
    assert "pip install -e . && multiplex serve" in README
    assert 'pip install -e ".[test]" && pytest' in README


def test_every_field_of_the_run_record_is_documented() -> None:
    from multiplex.graph.record import AgentCall, Citation, Grounding, PerspectiveRecord, RunResult, SynthesisRecord

    for model in (RunResult, PerspectiveRecord, AgentCall, SynthesisRecord, Citation, Grounding):
        fields = set(model.model_fields) | set(model.model_computed_fields)
        missing = {name for name in fields if f"`{name}`" not in README}
        assert not missing, f"{model.__name__}: {sorted(missing)} not in the README"
