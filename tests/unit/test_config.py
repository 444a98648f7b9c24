"""Settings come from the environment once; a bad value is refused naming its variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from participatie import config
from participatie.config import ConfigError, Settings

README = Path(__file__).parents[2] / "README.md"
POSTGRES = "postgresql://bob:p%40ss%2Fw0rd@db.example.org:6543/participatie"


def test_defaults_use_sqlite_under_var_and_an_embedded_redis() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.var_dir == Path("var")
    assert not settings.uses_postgres
    assert settings.redis_url == ""
    assert settings.event_store_path == Path("var/participatie.sqlite")
    assert (settings.snapshot_interval, settings.host, settings.port) == (20, "127.0.0.1", 5000)
    assert settings.eventsourcing_env() == {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(Path("var/participatie.sqlite")),
        "SQLITE_LOCK_TIMEOUT": "30",
    }


def test_var_dir_and_sqlite_path_move_the_event_store() -> None:
    assert Settings.from_env({"PARTICIPATIE_VAR_DIR": "/srv/p"}).event_store_path == Path(
        "/srv/p/participatie.sqlite"
    )
    settings = Settings.from_env({"SQLITE_PATH": "/data/events.db"})
    assert settings.event_store_path == Path("/data/events.db")
    assert settings.eventsourcing_env()["SQLITE_DBNAME"] == "/data/events.db"


def test_empty_variables_count_as_unset() -> None:
    settings = Settings.from_env(
        {
            "PARTICIPATIE_VAR_DIR": "",
            "DATABASE_URL": "  ",
            "REDIS_URL": "",
            "SQLITE_PATH": "",
            "PARTICIPATIE_PORT": "",
            "PARTICIPATIE_HOST": "",
        }
    )
    assert settings == Settings()


def test_database_url_becomes_the_eventsourcing_postgres_environment() -> None:
    settings = Settings.from_env({"DATABASE_URL": POSTGRES, "DATABASE_SCHEMA": " gemeente "})
    assert settings.uses_postgres
    env = settings.eventsourcing_env()
    assert env == {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": "participatie",
        "POSTGRES_HOST": "db.example.org",
        "POSTGRES_PORT": "6543",
        "POSTGRES_USER": "bob",
        "POSTGRES_PASSWORD": "p@ss/w0rd",
        "POSTGRES_SCHEMA": "gemeente",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": "10",
        "POSTGRES_PRE_PING": "n",
    }


def test_database_url_without_details_falls_back_to_postgres_defaults() -> None:
    env = Settings.from_env({"DATABASE_URL": "postgres://db"}).eventsourcing_env()
    assert (env["POSTGRES_DBNAME"], env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == (
        "postgres",
        "db",
        "5432",
    )
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("postgres", "")
    assert "POSTGRES_SCHEMA" not in env


def test_postgres_dsn_carries_the_decoded_password_and_the_schema_search_path() -> None:
    dsn = Settings.from_env(
        {"DATABASE_URL": POSTGRES, "DATABASE_SCHEMA": "gemeente"}
    ).postgres_dsn()
    assert conninfo_to_dict(dsn) == {
        "dbname": "participatie",
        "host": "db.example.org",
        "port": "6543",
        "user": "bob",
        "password": "p@ss/w0rd",
        "connect_timeout": "5",
        "options": "-c search_path=gemeente",
    }


def test_postgres_dsn_escapes_quotes_and_backslashes_in_the_password() -> None:
    url = "postgresql://bob:it%27s%5Cx@db.example.org/participatie"
    dsn = Settings.from_env({"DATABASE_URL": url}).postgres_dsn()
    assert conninfo_to_dict(dsn)["password"] == "it's\\x"


@pytest.mark.parametrize(
    "url", ["mysql://u:p@db/participatie", "sqlite:///var/x.sqlite", "db.example.org:5432"]
)
def test_database_url_that_is_not_postgres_is_refused_naming_the_variable(url: str) -> None:
    with pytest.raises(ConfigError, match=r"^DATABASE_URL must start with postgresql://"):
        Settings.from_env({"DATABASE_URL": url})


def test_database_url_with_a_non_numeric_port_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Settings.from_env({"DATABASE_URL": "postgresql://u:p@db:abc/participatie"})


@pytest.mark.parametrize("url", ["redis://r:6379/0", "rediss://r:6380/1", "unix:///tmp/r.sock"])
def test_redis_urls_are_accepted(url: str) -> None:
    assert Settings.from_env({"REDIS_URL": f" {url} "}).redis_url == url


@pytest.mark.parametrize("url", ["http://r:6379", "r:6379", "memcached://r"])
def test_redis_url_with_another_scheme_is_refused_naming_the_variable(url: str) -> None:
    with pytest.raises(ConfigError, match=r"^REDIS_URL must start with redis://"):
        Settings.from_env({"REDIS_URL": url})


@pytest.mark.parametrize("name", ["PARTICIPATIE_PORT", "PARTICIPATIE_SNAPSHOT_INTERVAL"])
def test_number_that_is_not_whole_is_refused_naming_the_variable(name: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name} must be a whole number, got 'abc'$"):
        Settings.from_env({name: "abc"})


@pytest.mark.parametrize("value", ["0", "-5"])
@pytest.mark.parametrize("name", ["PARTICIPATIE_PORT", "PARTICIPATIE_SNAPSHOT_INTERVAL"])
def test_number_below_one_is_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name} must be at least 1, got {value}$"):
        Settings.from_env({name: value})


def test_port_and_snapshot_interval_are_read_as_numbers() -> None:
    settings = Settings.from_env(
        {"PARTICIPATIE_PORT": "8080", "PARTICIPATIE_SNAPSHOT_INTERVAL": "5"}
    )
    assert (settings.port, settings.snapshot_interval) == (8080, 5)


def test_port_above_65535_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="PARTICIPATIE_PORT"):
        Settings.from_env({"PARTICIPATIE_PORT": "70000"})


def test_keystore_is_a_separate_file_next_to_the_event_store() -> None:
    default = Settings.from_env({})
    assert default.keystore_path == Path("var/participatie-keys.sqlite")
    moved = Settings.from_env({"SQLITE_PATH": "/data/events.db"})
    assert moved.keystore_path == Path("/data/events-keys.sqlite")
    for settings in (default, moved):
        assert settings.keystore_path != settings.event_store_path
        assert settings.keystore_path.parent == settings.event_store_path.parent


def readme_configuration_rows() -> dict[str, list[str]]:
    """Return the README table rows whose first cell is code, keyed by that code."""
    rows: dict[str, list[str]] = {}
    for line in README.read_text("utf-8").splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_every_configuration_variable_is_documented_in_the_readme() -> None:
    rows = readme_configuration_rows()
    missing = [name for name, _, _ in config.VARIABLES if name not in rows]
    assert missing == []


def test_readme_gives_the_same_defaults_as_the_code() -> None:
    rows = readme_configuration_rows()
    for name, default, _ in config.VARIABLES:
        expected = f"`{default}`" if default else "*(empty)*"
        assert rows[name][0] == expected, name


def test_readme_configuration_table_is_the_one_the_declarations_give() -> None:
    """Variable, default and description: regenerate the README's table between the markers with
    `python -c 'from participatie import config; print(config.markdown_table())'`."""
    text = README.read_text("utf-8")
    start = text.index("\n", text.index("<!-- config-table:start"))
    end = text.index("<!-- config-table:end -->")
    assert text[start:end] == "\n\n" + config.markdown_table() + "\n\n"


def test_every_setting_survives_a_round_trip_through_the_environment() -> None:
    changed = Settings(
        var_dir=Path("/srv/p"),
        sqlite_path=Path("/data/events.db"),
        secure_cookies=True,
        smtp_port=2525,
        smtp_password=" spaced ",
        mail_retry=(5, 10),
        escalate=(),
        retention=(("completed", 1), ("withdrawn", 2), ("merged", 3), ("not_honoured", 4)),
    )
    for settings in (Settings(), changed):
        assert Settings.from_env(settings.as_environ()) == settings
    assert set(changed.as_environ()) == {name for name, _, _ in config.VARIABLES}


def test_every_settings_variable_read_by_from_env_is_listed() -> None:
    names = {name for name, _, _ in config.VARIABLES}
    seen: set[str] = set()

    class Recording(dict[str, str]):
        def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
            seen.add(key)
            return super().get(key, default)

    Settings.from_env(Recording())
    assert seen == names


def test_retention_defaults_to_a_year_after_closing_and_three_months_after_withdrawal() -> None:
    assert Settings.from_env({}).retention == (
        ("completed", 12),
        ("withdrawn", 3),
        ("merged", 3),
        ("not_honoured", 12),
    )
    assert Settings.from_env({"PARTICIPATIE_RETENTION": " "}).retention == Settings().retention


def test_retention_rules_left_out_keep_their_default_and_survive_a_round_trip() -> None:
    settings = Settings.from_env({"PARTICIPATIE_RETENTION": " Withdrawn = 6 , merged=1,"})
    assert dict(settings.retention) == {
        "completed": 12,
        "withdrawn": 6,
        "merged": 1,
        "not_honoured": 12,
    }
    assert settings.as_environ()["PARTICIPATIE_RETENTION"] == (
        "completed=12,withdrawn=6,merged=1,not_honoured=12"
    )
    assert Settings.from_env(settings.as_environ()) == settings


@pytest.mark.parametrize(
    "raw",
    ["archived=12", "completed", "=12", "completed:12", "not-honoured=12"],
)
def test_retention_with_an_unknown_rule_is_refused_naming_the_variable(raw: str) -> None:
    with pytest.raises(ConfigError, match=r"^PARTICIPATIE_RETENTION entries look like"):
        Settings.from_env({"PARTICIPATIE_RETENTION": raw})


@pytest.mark.parametrize("months", ["0", "-3", "1.5", "twaalf", "", "²"])
def test_retention_months_that_are_not_whole_and_positive_are_refused(months: str) -> None:
    with pytest.raises(ConfigError, match=r"^PARTICIPATIE_RETENTION: completed must be a whole"):
        Settings.from_env({"PARTICIPATIE_RETENTION": f"completed={months}"})


def test_retention_naming_a_rule_twice_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^PARTICIPATIE_RETENTION names 'merged' twice"):
        Settings.from_env({"PARTICIPATIE_RETENTION": "merged=3,merged=4"})


def test_trusted_proxies_is_a_number_of_hops_zero_by_default() -> None:
    assert Settings.from_env({}).trusted_proxies == 0
    assert Settings.from_env({"PARTICIPATIE_TRUSTED_PROXIES": "0"}).trusted_proxies == 0
    assert Settings.from_env({"PARTICIPATIE_TRUSTED_PROXIES": " 2 "}).trusted_proxies == 2
    assert Settings.from_env({"PARTICIPATIE_TRUSTED_PROXIES": ""}).trusted_proxies == 0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("-1", "PARTICIPATIE_TRUSTED_PROXIES must be at least 0, got -1"),
        ("een", "PARTICIPATIE_TRUSTED_PROXIES must be a whole number, got 'een'"),
    ],
)
def test_trusted_proxies_below_zero_or_not_whole_is_refused(raw: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"^{message}$"):
        Settings.from_env({"PARTICIPATIE_TRUSTED_PROXIES": raw})


def test_metrics_networks_default_to_loopback_and_are_read_as_cidr() -> None:
    assert Settings.from_env({}).metrics_networks == ("127.0.0.0/8", "::1/128")
    read = Settings.from_env({"PARTICIPATIE_METRICS_NETWORKS": " 10.0.0.0/8, 192.0.2.7 ,::1 "})
    assert read.metrics_networks == ("10.0.0.0/8", "192.0.2.7/32", "::1/128")
    assert Settings.from_env({"PARTICIPATIE_METRICS_NETWORKS": " "}).metrics_networks == ()


def test_a_metrics_network_that_is_no_network_is_refused_naming_the_variable() -> None:
    message = (
        "PARTICIPATIE_METRICS_NETWORKS must list networks such as 10.0.0.0/8 or ::1/128,"
        " got '10.0.0.0/33'"
    )
    with pytest.raises(ConfigError, match=f"^{message}$"):
        Settings.from_env({"PARTICIPATIE_METRICS_NETWORKS": "127.0.0.1, 10.0.0.0/33"})
