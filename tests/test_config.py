"""feedpub.yaml and overrides to a Config: defaults, validation, messages naming the key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from feedpub.config import Author, load_config
from feedpub.errors import ConfigError


def write(folder: Path, text: str) -> Path:
    path = folder / "feedpub.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(base_url="https://x.example/feeds")
    assert config.base_url == "https://x.example/feeds/"
    assert config.home_url == config.base_url
    assert config.source == Path("seeds") and config.output == Path("feeds")
    assert config.max_items == 50 and config.include_drafts is False
    assert config.feed_url("topics/ai.atom.xml") == "https://x.example/feeds/topics/ai.atom.xml"


def test_file_values_and_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "base_url: https://x.example/\nsite_url: https://site.example/\ntitle: On\n"
        "language: 'no'\nmax_items: 7\nsource: recs\n"
        "author: {name: Desk, email: d@x.example, uri: https://x.example/about}\n",
    )
    config = load_config(path, max_items=3, output=Path("elsewhere"))
    assert config.title == "On"  # YAML 1.1 would have made it True
    assert config.language == "no"
    assert config.max_items == 3
    assert config.source == tmp_path / "recs"
    assert config.output == Path("elsewhere")
    assert config.home_url == "https://site.example/"
    assert config.author == Author("Desk", "d@x.example", "https://x.example/about")


def test_title_is_the_default_author(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "base_url: https://x.example/\ntitle: Wire\n"))
    assert config.author == Author("Wire")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: x\n", "no base URL"),
        ("base_url: ftp://x.example/\n", "feedpub.yaml:1: base_url: not an absolute http(s) URL"),
        ("base_url: /feeds/\n", "base_url: not an absolute http(s) URL"),
        ("base_url: https://x.example/?a=1\n", "base_url: must not have a query"),
        ("base_url: https://x.example/\ncolour: red\n", "feedpub.yaml:2: colour: unknown key"),
        ("base_url: https://x.example/\nmax_items: 0\n", "max_items: must be a whole number"),
        ("base_url: https://x.example/\nmax_items: lots\n", "max_items: must be a whole number"),
        ("base_url: https://x.example/\ninclude_drafts: maybe\n", "include_drafts: must be true"),
        ("base_url: https://x.example/\nlanguage: English!\n", "language: not a language tag"),
        ("base_url: https://x.example/\nauthor: {email: a@b.c}\n", "author.name: required"),
        ("base_url: https://x.example/\nauthor: {name: A, mail: x}\n", "author.mail: unknown"),
        ("base_url: https://x.example/\nauthor: {name: A, email: nope}\n", "not an email"),
        ("- base_url\n", "must be a mapping"),
        ("base_url: [\n", "feedpub.yaml:2: invalid YAML"),
        ("base_url: !!python/object:os.system x\n", "tag !!python/object:os.system is not allowed"),
    ],
)
def test_bad_configs_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert message in str(caught.value)


def test_bad_override_is_blamed_on_the_command_line(tmp_path: Path) -> None:
    path = write(tmp_path, "base_url: https://x.example/\n")
    with pytest.raises(ConfigError, match=r"^command line: base_url"):
        load_config(path, base_url="nonsense")


BASE = "base_url: https://x.example/\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BASE + 'title: "News\\x1b[2J"\n', r"feedpub.yaml:2: title: "),
        (BASE + 'description: "a\\x00b"\n', r"feedpub.yaml:2: description: "),
        (BASE + 'title: "a\\uffffb"\n', r"feedpub.yaml:2: title: "),
        (BASE + 'author: "Desk\\x07"\n', r"feedpub.yaml:2: author: "),
        (BASE + 'author:\n  name: "Desk\\x08"\n', r"feedpub.yaml:3: author.name: "),
        (BASE + 'author:\n  name: Desk\n  email: "d\\x1b@x.example"\n', r":4: author.email: "),
        (BASE + 'feeds:\n  - name: ai\n    title: "AI\\x01"\n', r":4: feeds[0].title: "),
        (BASE + 'feeds:\n  - name: ai\n    description: "\\x1b]0;pwned\\x07"\n', r":4: feeds"),
        (BASE + 'feeds:\n  - name: ai\n    category: "x\\x7f"\n', r":4: feeds[0].category: "),
    ],
)
def test_control_characters_in_text_values_are_refused(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    error = str(caught.value)
    assert message in error and "control character" in error
    assert error.isprintable()  # escaped: \x1b, not the character


def test_text_values_have_their_whitespace_collapsed_like_record_fields(tmp_path: Path) -> None:
    # tab, line feed, form feed, NEL (C1), line separator: all whitespace, as in records
    config = load_config(write(tmp_path, BASE + 'title: " A\\t ti\\x0ctle\\n\\x85 here\\u2028 "\n'))
    assert config.title == "A ti tle here"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("base_url: https://x.example/a b/\n", "feedpub.yaml:1: base_url: "),
        ('base_url: "https://x.example/a\\"b/"\n', "feedpub.yaml:1: base_url: "),
        ("base_url: https://x.example/<script>/\n", "feedpub.yaml:1: base_url: "),
        ('base_url: "https://x.example/\\x1b[2J/"\n', "feedpub.yaml:1: base_url: "),
        ("base_url: https://x.example/café/\n", "feedpub.yaml:1: base_url: "),
        ("base_url: https://bücher.example/\n", "feedpub.yaml:1: base_url: "),
        ("base_url: https://x.example/a\\b/\n", "feedpub.yaml:1: base_url: "),
        ("base_url: https://x.example/100%/\n", "feedpub.yaml:1: base_url: "),
        (BASE + "site_url: https://x.example/{x}\n", "feedpub.yaml:2: site_url: "),
        (BASE + "hub: https://hub.example/a|b\n", "feedpub.yaml:2: hub: "),
        (BASE + "author:\n  name: A\n  uri: https://x.example/a b\n", ":4: author.uri: "),
    ],
)
def test_urls_with_characters_a_url_cannot_hold_are_refused(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    error = str(caught.value)
    assert message in error and "cannot be in a URL" in error
    assert error.isprintable()


def test_urls_already_encoded_are_kept(tmp_path: Path) -> None:
    url = "https://xn--bcher-kva.example/caf%C3%A9/~a;b=c/"
    assert load_config(write(tmp_path, f"base_url: {url}\n")).base_url == url


def test_bad_url_override_is_blamed_on_the_command_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^command line: base_url: .*cannot be in a URL"):
        load_config(write(tmp_path, BASE), base_url="https://x.example/a b/")


def test_an_unknown_key_is_printed_escaped(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, BASE + '"col\\x1b[2Jour": red\n'))
    assert "feedpub.yaml:2: col\\x1b[2Jour: unknown key" in str(caught.value)


def test_jobs_are_capped_at_the_cpu_count(tmp_path: Path) -> None:
    cpus = os.cpu_count() or 1
    assert load_config(write(tmp_path, BASE + "jobs: 100000\n")).jobs == cpus
    assert load_config(write(tmp_path, BASE), jobs=100000).jobs == cpus  # --jobs
    assert load_config(write(tmp_path, BASE), jobs=1).jobs == 1
    assert load_config(write(tmp_path, BASE), jobs=cpus).jobs == cpus


def test_a_scheduler_comes_from_the_file_or_the_command_line_and_changes_no_hash(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, BASE + "scheduler: tcp://10.0.0.5:8786\n")
    assert load_config(path).scheduler == "tcp://10.0.0.5:8786"
    assert load_config(path, scheduler="local").scheduler == "local"  # --scheduler
    assert load_config(write(tmp_path, BASE + "scheduler:\n")).scheduler is None
    # Builds hash the settings' repr: where the work runs never changes what it writes.
    assert repr(load_config(path)) == repr(load_config(write(tmp_path, BASE)))
    with pytest.raises(ConfigError, match="scheduler: must be non-empty text"):
        load_config(write(tmp_path, BASE + "scheduler: [1]\n"))
