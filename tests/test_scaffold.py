"""scaffold: `feedpub init` and `feedpub new`, through the command line users run."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import ROOT, parse_feed
from feedpub import cli as cli_module
from feedpub.cli import cli
from feedpub.config import _KEYS, load_config
from feedpub.load import RECORD_KEYS, parse_record
from feedpub.scaffold import config_text, record_text

BASE = "https://feeds.example.org/site/"


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- init ---------------------------------------------------------------------------


def test_init_new_build_give_a_working_site_in_three_commands(here: Path) -> None:
    assert run("init", "--base-url", BASE, "--title", "Harbour news")[0] == 0
    code, out, err = run("new", "Tides: a 'new' record", "--provider", "harbour.example",
                         "--topic", "Sea", "--topic", "Weather")  # fmt: skip
    assert code == 0, err
    written = Path(out.strip())
    assert written.parent == Path("seeds") and written.is_file()
    code, _, err = run("build")
    assert code == 0, err
    assert "warning" not in err
    parsed = parse_feed(here / "feeds" / "all.atom.xml")
    titles = sorted(entry.title for entry in parsed.entries)
    assert titles == ["An example record: edit or delete me", "Tides: a 'new' record"]
    assert parsed.feed.title == "Harbour news"
    assert (here / "feeds" / "topics" / "sea.atom.xml").is_file()
    assert (here / "feeds" / "providers" / "harbour-example.atom.xml").is_file()


def test_init_writes_config_records_folder_and_workflow(here: Path) -> None:
    code, out, err = run("init", "site", "--base-url", BASE, "--title", 'Q: "quoted" # site')
    assert code == 0, err
    site = here / "site"
    config = load_config(site / "feedpub.yaml")
    assert (config.base_url, config.title) == (BASE, 'Q: "quoted" # site')
    assert config.source == site / "seeds"
    assert [p.name for p in (site / "seeds").iterdir()] == ["example.md"]
    workflow = (site / ".github" / "workflows" / "feeds.yml").read_text(encoding="utf-8")
    assert workflow == (ROOT / "examples" / "github-actions.yml").read_text(encoding="utf-8")
    for path in ("feedpub.yaml", "seeds/example.md", ".github/workflows/feeds.yml"):
        assert str(Path("site") / path) in out


def test_the_config_names_every_key_each_with_a_comment() -> None:
    text = config_text(BASE, "T")
    lines = {m[1]: m[0] for m in re.finditer(r"^(?:# )?(\w+):.*$", text, re.MULTILINE)}
    assert set(lines) >= _KEYS
    for key in _KEYS:
        assert "  # " in lines[key], lines[key]


def test_every_commented_key_is_a_valid_setting(tmp_path: Path) -> None:
    """Uncommenting the whole file gives a configuration feedpub accepts."""
    text = config_text(BASE, "T")
    uncommented = re.sub(r"^# (?=\w+:|  \w+:)", "", text, flags=re.MULTILINE)
    path = tmp_path / "feedpub.yaml"
    path.write_text(uncommented, encoding="utf-8")
    config = load_config(path)
    assert config.hub == "https://hub.example.org/"
    assert config.author.email == "desk@example.org"


def test_init_never_overwrites_and_says_what_it_left_alone(here: Path) -> None:
    (here / "feedpub.yaml").write_text("base_url: https://mine.example/\n", encoding="utf-8")
    code, _, err = run("init", "--base-url", BASE, "--title", "T")
    assert code == 0, err
    assert (here / "feedpub.yaml").read_text(
        encoding="utf-8"
    ) == "base_url: https://mine.example/\n"
    assert "left alone" in err and "feedpub.yaml" in err
    assert (here / "seeds" / "example.md").is_file()
    example = (here / "seeds" / "example.md").read_bytes()
    code, _, err = run("init", "--base-url", BASE, "--title", "T")
    assert code == 0
    assert (here / "seeds" / "example.md").read_bytes() == example
    assert err.count("left alone") == 3


def test_init_without_a_base_url_and_no_terminal_is_a_usage_error(here: Path) -> None:
    code, _, err = run("init", "--title", "T")
    assert code == 2
    assert "--base-url" in err
    assert list(here.iterdir()) == []


def test_init_refuses_a_bad_base_url_before_writing_anything(here: Path) -> None:
    code, _, err = run("init", "--base-url", "ftp://x.example/", "--title", "T")
    assert code == 2
    assert "base_url" in err
    assert list(here.iterdir()) == []


def test_init_asks_for_what_is_missing_on_a_terminal(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_module, "_interactive", lambda: True)
    code, _, err = run("init", input=f"{BASE}\nAsked title\n")
    assert code == 0, err
    config = load_config(here / "feedpub.yaml")
    assert (config.base_url, config.title) == (BASE, "Asked title")


# --- new ----------------------------------------------------------------------------


def test_new_writes_a_record_with_every_field_now_in_utc(here: Path) -> None:
    run("init", "--base-url", BASE, "--title", "T")
    before = datetime.now(UTC).replace(microsecond=0)
    code, out, err = run("new", 'Zwölf: "Boxkämpfer"', "--provider", "WWW.Box.example")
    assert code == 0, err
    path = Path(out.strip())
    assert re.fullmatch(r"\d{4}-\d\d-\d\d-zwolf-boxkampfer\.md", path.name), path.name
    article, problems = parse_record(str(path), path.read_bytes())
    assert problems == [] and article is not None
    assert article.title == 'Zwölf: "Boxkämpfer"'
    assert article.web_url == "https://box.example/zwolf-boxkampfer"
    assert article.provider.domain == "box.example"
    assert before <= article.published_at <= datetime.now(UTC) + timedelta(seconds=1)
    front = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    assert set(front) == RECORD_KEYS


def test_new_with_a_url_and_topics(here: Path) -> None:
    run("init", "--base-url", BASE, "--title", "T")
    url = "https://elsewhere.example/a?b=c#d"
    code, out, err = run("new", "Linked", "--url", url, "--topic", "AI: hype?")
    assert code == 0, err
    article, problems = parse_record(out.strip(), Path(out.strip()).read_bytes())
    assert problems == [] and article is not None
    assert article.web_url == url
    assert article.topics == ("AI: hype?",)
    assert article.provider.domain == "elsewhere.example"


def test_new_without_a_provider_takes_the_sites_domain(here: Path) -> None:
    run("init", "--base-url", BASE, "--title", "T")
    code, out, err = run("new", "Plain")
    assert code == 0, err
    article, _ = parse_record(out.strip(), Path(out.strip()).read_bytes())
    assert article is not None and article.web_url == "https://feeds.example.org/plain"


def test_new_refuses_to_overwrite(here: Path) -> None:
    run("init", "--base-url", BASE, "--title", "T")
    code, out, _ = run("new", "Twice")
    assert code == 0
    first = Path(out.strip()).read_bytes()
    code, _, err = run("new", "Twice")
    assert code == 1
    assert out.strip() in err and "already exists" in err
    assert Path(out.strip()).read_bytes() == first


def test_new_refuses_values_that_would_not_build(here: Path) -> None:
    run("init", "--base-url", BASE, "--title", "T")
    assert run("new", "Bad", "--url", "javascript:alert(1)")[0] == 2
    assert run("new", "Bad", "--provider", "not a domain")[0] == 2
    code, _, err = run("new", "Bell\x07", "--provider", "x.example")
    assert code == 2 and "\\x07" in err
    assert list((here / "seeds").iterdir()) == [here / "seeds" / "example.md"]


def test_the_record_template_has_every_known_key() -> None:
    text = record_text("T", datetime(2026, 1, 1, tzinfo=UTC), "https://x.example/t")
    front = yaml.safe_load(text.split("---\n")[1])
    assert set(front) == RECORD_KEYS


# --- the title warning ----------------------------------------------------------------


def test_a_site_without_a_title_is_warned_of_once(here: Path) -> None:
    (here / "cfg.yaml").write_text(f"base_url: {BASE}\n", encoding="utf-8")
    run("init", "--base-url", BASE, "--title", "T")  # the example record
    for command in ("build", "validate"):
        code, _, err = run(command, "--config", "cfg.yaml")
        assert code == 0, err
        assert err.count("title") == 1, err
        assert 'cfg.yaml: title: warning: not set, so the feeds are named "feedpub"' in err
    code, _, err = run("build", "--config", "feedpub.yaml")
    assert code == 0 and "title" not in err


def test_the_title_warning_is_advice_quiet_silences(here: Path) -> None:
    (here / "cfg.yaml").write_text(f"base_url: {BASE}\n", encoding="utf-8")
    run("init", "--base-url", BASE, "--title", "T")
    assert run("build", "--config", "cfg.yaml", "-q") == (0, "", "")
    assert run("build", "--config", "cfg.yaml", "--check", "--strict", "-q") == (0, "", "")
