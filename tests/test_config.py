"""Settings: the tuning group is typed, described and set from the environment; `paperlens config`
lists every setting with its source."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from paperlens.config import Settings, TuningSettings, setting_rows
from paperlens.interfaces.cli import app


def test_every_tuning_constant_is_described() -> None:
    for name, field in TuningSettings.model_fields.items():
        assert field.description, f"tuning.{name} has no description"


def test_tuning_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERLENS_TUNING_MIN_RELEVANCE", "0.42")
    monkeypatch.setenv("PAPERLENS_TUNING_ASKING_VERBS", '["reach", "attain"]')
    settings = Settings()
    assert settings.tuning.min_relevance == 0.42
    assert settings.tuning.asking_verbs == ("reach", "attain")


def test_rows_say_where_each_value_came_from() -> None:
    settings = Settings(tuning=TuningSettings(max_sentences=3))
    rows = {
        row.name: row for row in setting_rows(settings, environ={"PAPERLENS_TUNING_MIN_RELEVANCE": "0.3"})
    }
    assert rows["tuning.max_sentences"].source == "set in code"
    assert rows["tuning.min_relevance"].source == "environment"
    assert rows["retrieval.k"].source == "default"
    assert rows["retrieval.k"].env == "PAPERLENS_RETRIEVAL_K"


def test_secrets_are_masked() -> None:
    settings = Settings(llm={"api_key": "sk-secret"})  # type: ignore[arg-type]
    rows = {row.name: row for row in setting_rows(settings, environ={})}
    assert rows["llm.api_key"].value == "***"


def test_config_command_lists_settings_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERLENS_TUNING_SENTENCE_MARGIN", "0.15")
    result = CliRunner().invoke(app, ["config", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert rows["tuning.sentence_margin"] == {
        "name": "tuning.sentence_margin",
        "env": "PAPERLENS_TUNING_SENTENCE_MARGIN",
        "value": 0.15,
        "source": "environment",
        "description": TuningSettings.model_fields["sentence_margin"].description,
    }


def test_config_command_reports_bad_values_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERLENS_TUNING_MAX_SENTENCES", "zero")
    result = CliRunner().invoke(app, ["config"])
    assert result.exit_code == 1
    assert "tuning.max_sentences" in result.output and "Traceback" not in result.output
