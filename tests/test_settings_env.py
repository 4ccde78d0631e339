"""Settings come from the environment and fail loudly on a bad value."""

import os
import subprocess
import sys

import pytest

from sitewatch.lib.env import ConfigError, database_from_url, env_bool, env_decimal, env_int, env_list


def _settings_in_subprocess(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "ALLOWED_HOSTS"}}
    clean.update(env)
    code = "import sitewatch.settings as s; print(s.DATABASES['default']['ENGINE'], s.DEBUG, s.TIME_ZONE, s.USE_TZ, s.LANGUAGE_CODE)"
    return subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=60)


def test_secret_key_is_required_unless_debug():
    result = _settings_in_subprocess({})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_runs_without_secret_key_on_sqlite_in_shanghai_time():
    result = _settings_in_subprocess({"DEBUG": "True"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "Asia/Shanghai", "True", "zh-hans"]


def test_postgres_url_selects_postgresql():
    result = _settings_in_subprocess({"SECRET_KEY": "k", "DATABASE_URL": "postgres://u@127.0.0.1:5432/sw"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "django.db.backends.postgresql"


def test_bad_debug_value_stops_start():
    result = _settings_in_subprocess({"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_env_bool_rejects_unknown_words(monkeypatch):
    monkeypatch.setenv("X_FLAG", "sometimes")
    with pytest.raises(ConfigError, match="X_FLAG"):
        env_bool("X_FLAG")


def test_env_int_checks_range(monkeypatch):
    monkeypatch.setenv("X_PORT", "70000")
    with pytest.raises(ConfigError, match="最大值"):
        env_int("X_PORT", 80, maximum=65535)
    monkeypatch.setenv("X_PORT", "eighty")
    with pytest.raises(ConfigError, match="不是整数"):
        env_int("X_PORT", 80)


def test_env_decimal_refuses_negative(monkeypatch):
    monkeypatch.setenv("X_LIMIT", "-1")
    with pytest.raises(ConfigError):
        env_decimal("X_LIMIT", "0")


def test_env_list_refuses_empty_items(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.example,,b.example")
    with pytest.raises(ConfigError, match="空项"):
        env_list("X_HOSTS", [])
    monkeypatch.setenv("X_HOSTS", "a.example, b.example")
    assert env_list("X_HOSTS", []) == ["a.example", "b.example"]


def test_database_url_refuses_unsupported_engines():
    with pytest.raises(ConfigError, match="不受支持"):
        database_from_url("mysql://root@127.0.0.1/sw")


def test_database_url_needs_a_name():
    with pytest.raises(ConfigError, match="缺少数据库名"):
        database_from_url("postgres://u@127.0.0.1:5432/")


def test_a_wrong_assessment_rules_setting_stops_start_naming_the_variable():
    result = _settings_in_subprocess({"DEBUG": "True", "ASSESSMENT_RULES": '{"main_minimum": "big"}'})
    assert result.returncode != 0
    assert "ASSESSMENT_RULES" in result.stderr and "分辨率下限格式不正确" in result.stderr


@pytest.mark.parametrize(("text", "message"), [
    ("{", "不是有效的 JSON"), ("[1]", "应为 JSON 对象"), ('{"offline": 5}', "未知的项：offline"),
    ('{"fix_bands": "x"}', "无效")])
def test_assessment_rules_setting_refuses_what_it_cannot_use(text, message):
    from sitewatch.assessment.rules import rules_from_setting

    with pytest.raises(ConfigError, match=message):
        rules_from_setting(text)


def test_assessment_rules_setting_overrides_only_what_it_names():
    from sitewatch.assessment.rules import DEFAULT_RULES, rules_from_setting

    rules = rules_from_setting('{"main_minimum": "1280x720", "fix_bands": [[2, 0], [7, 10], [14, 20]]}')
    assert rules.main_minimum == "1280x720" and rules.fix_deduction(3) == 10
    assert rules.sub_minimum == DEFAULT_RULES.sub_minimum and rules.offline_bands == DEFAULT_RULES.offline_bands
    assert rules_from_setting("") is DEFAULT_RULES


def test_the_weekly_check_takes_the_rules_in_force(settings):
    from sitewatch.assessment.weekly import rules_in_force

    settings.ASSESSMENT_RULES = '{"stream_deduction": 5}'
    assert rules_in_force().stream_deduction == 5
