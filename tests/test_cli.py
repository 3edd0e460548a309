"""The command line as users and CI jobs run it: exit codes first, then output."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from lxml import etree

from conftest import DATA, article, feed_files, load_articles, parse_feed, write_record
from feedpub import __version__, load_config
from feedpub.cli import cli
from feedpub.config import DEFAULT_CACHE_DIR
from grouping import group_articles

BASE = "https://feeds.example.org/"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder, so no feedpub.yaml of the project is picked up."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_build_writes_feeds_with_defaults(folder: Path) -> None:
    write_record(folder / "seeds", "a.md", article(1, topics=["AI", "Privacy"]))
    code, _, err = invoke("build", "--base-url", BASE)
    assert code == 0, err
    names = sorted(p.relative_to(folder / "feeds").as_posix() for p in feed_files(folder / "feeds"))
    assert names == [
        "all.atom.xml",
        "all.rss.xml",
        "providers/news-example.atom.xml",
        "providers/news-example.rss.xml",
        "topics/ai.atom.xml",
        "topics/ai.rss.xml",
        "topics/privacy.atom.xml",
        "topics/privacy.rss.xml",
    ]
    assert "20 files created" in err  # 4 feeds in 4 formats, OPML, index, style, manifest


def test_build_options(folder: Path) -> None:
    for n in range(5):
        write_record(folder / "in", f"{n}.md", article(n))
    write_record(folder / "in", "draft.md", article(9, published=False, title="Draft piece"))
    code, _, err = invoke(
        "build", "in", "-o", "out", "--base-url", BASE, "--max-items", "2", "--include-drafts"
    )
    assert code == 0, err
    parsed = parse_feed(folder / "out" / "all.atom.xml")
    assert len(parsed.entries) == 2
    assert parsed.feed.links[0].href == BASE + "all.atom.xml"
    assert "Draft piece" in (folder / "out" / "topics" / "ai.rss.xml").read_text()


def test_config_file_is_read(folder: Path) -> None:
    write_record(folder / "seeds", "a.md", article(1))
    (folder / "feedpub.yaml").write_text(f"base_url: {BASE}sub\ntitle: My feeds\n")
    code, _, err = invoke("build")
    assert code == 0, err
    parsed = parse_feed(folder / "feeds" / "all.atom.xml")
    assert parsed.feed.title == "My feeds"
    assert parsed.feed.id == BASE + "sub/all.atom.xml"


def test_no_base_url_is_a_usage_error(folder: Path) -> None:
    write_record(folder / "seeds", "a.md", article(1))
    code, _, err = invoke("build")
    assert code == 2
    assert "no base URL" in err and "--base-url" in err
    assert "Traceback" not in err
    assert not (folder / "feeds").exists()


def test_bad_config_names_the_key(folder: Path) -> None:
    (folder / "feedpub.yaml").write_text(f"base_url: {BASE}\nmax_itmes: 3\n")
    code, _, err = invoke("build")
    assert code == 2
    assert "feedpub.yaml:2: max_itmes: unknown key" in err


def test_invalid_records_exit_1_and_name_file_line_field(folder: Path) -> None:
    write_record(folder / "seeds", "ok.md", article(1))
    write_record(folder / "seeds", "sub/bad.md", article(2, webUrl="javascript:alert(1)"))
    (folder / "feeds").mkdir()
    (folder / "feeds" / "all.atom.xml").write_bytes(b"published before")
    code, _, err = invoke("build", "--base-url", BASE)
    assert code == 1
    assert "seeds/sub/bad.md:5: webUrl: not an absolute http(s) URL: 'javascript:alert(1)'" in err
    assert "nothing was written" in err
    assert "Traceback" not in err
    assert (folder / "feeds" / "all.atom.xml").read_bytes() == b"published before"


def test_missing_source_is_a_usage_error(folder: Path) -> None:
    code, _, err = invoke("build", "nowhere", "--base-url", BASE)
    assert code == 2
    assert "nowhere" in err


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert code == 0
    assert out.strip() == f"feedpub, version {__version__}"


def test_python_dash_m(tmp_path: Path) -> None:
    site = DATA / "site"
    done = subprocess.run(
        [sys.executable, "-m", "feedpub", "build", "--config", "feedpub.yaml", "-o", str(tmp_path)],
        cwd=site,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    expected = site / "expected" / "all.atom.xml"
    assert (tmp_path / "all.atom.xml").read_bytes() == expected.read_bytes()


def test_killed_build_leaves_only_whole_feeds(corpus: Path, tmp_path: Path) -> None:
    """Kill builds at several points while they write; every feed left must be whole."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "feedpub", "build", str(corpus), "-o", str(out)]
    subprocess.run(
        [*command, "--base-url", "https://old.example/"], check=True, capture_output=True
    )
    for n, delay in enumerate((0.4, 0.7, 1.0)):
        # A new base URL changes every file, so the build is writing when it is killed.
        process = subprocess.Popen(
            [*command, "--base-url", f"https://new{n}.example/"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for path in feed_files(out):
            etree.parse(str(path))  # raises on a truncated or half-written file
    done = subprocess.run(
        [*command, "--base-url", "https://final.example/"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert not [p for p in out.rglob("*") if ".feedpub-tmp-" in p.name]
    assert all(b"https://final.example/" in p.read_bytes() for p in feed_files(out))
    if Path("/proc/self/cmdline").exists():  # the killed builds' workers have gone too
        deadline = time.monotonic() + 5
        while _processes_naming(out) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _processes_naming(out) == []


def _processes_naming(path: Path) -> list[str]:
    """The command lines of running processes that name `path` (Linux)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(path) in text:
            found.append(text)
    return found


# --- CI use: check mode, JSON summary, diff, pruning, environment -------------------


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "feedpub", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def _mtimes(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_ci_cycle_on_hundreds_of_records(corpus: Path, tmp_path: Path) -> None:
    """Build; check; edit one record; check names the files; build rewrites only those;
    delete a topic's records and its feeds go; a foreign file survives all of it."""
    seeds = tmp_path / "seeds"
    shutil.copytree(corpus, seeds)
    out = tmp_path / "out"
    out.mkdir()
    (out / "CNAME").write_text("feeds.example.org\n")
    common = [str(seeds), "-o", str(out), "--base-url", BASE]

    assert _run("build", *common).returncode == 0
    before = _mtimes(out)
    time.sleep(0.01)
    check = _run("build", "--check", *common)
    assert check.returncode == 0, check.stderr
    assert "are current" in check.stderr
    assert _mtimes(out) == before

    # Edit the newest published record's title: it is in `all` and its own feeds.
    result = group_articles(load_articles(seeds), load_config(base_url=BASE))
    newest = result.feeds[0].entries[0]
    record = next(p for p in seeds.rglob("*.md") if newest.id in p.read_text())
    record.write_text(record.read_text().replace(newest.title, "An edited title", 1))
    holding = {
        f"{feed.name}{suffix}"
        for feed in result.feeds
        if any(e.id == newest.id or newest.id in {r.href for r in e.related} for e in feed.entries)
        for suffix in (".atom.xml", ".rss.xml", ".json", ".html")
    }

    check = _run("build", "--check", "--json", *common)
    assert check.returncode == 1
    summary = json.loads(check.stdout)
    would_change = set(summary["changed"]) - {".feedpub-manifest.json"}
    assert would_change and would_change <= holding
    assert not summary["created"] and not summary["removed"]
    for path in would_change:
        assert f"would change {out / path}" in check.stderr

    built = _run("build", "--json", *common)
    assert built.returncode == 0, built.stderr
    assert set(json.loads(built.stdout)["changed"]) == would_change
    after = _mtimes(out)
    rewritten = {p.relative_to(out).as_posix() for p in after if after[p] != before.get(p)}
    assert rewritten == would_change

    # Remove every record of the rarest topic: its feeds disappear, nothing else of ours.
    rare = sorted(
        (feed for feed in result.feeds if feed.kind == "topic"), key=lambda f: len(f.entries)
    )[0]
    topic = rare.title.split(": ", 1)[1]
    removed = 0
    for path in seeds.rglob("*.md"):
        text = path.read_text()
        if f'- "{topic}"' in text or f"- {topic}\n" in text:
            path.unlink()
            removed += 1
    assert removed
    built = _run("build", "--json", *common)
    assert built.returncode == 0, built.stderr
    assert f"{rare.name}.atom.xml" in json.loads(built.stdout)["removed"]
    assert not (out / f"{rare.name}.atom.xml").exists()
    assert not (out / f"{rare.name}.rss.xml").exists()
    assert (out / "CNAME").read_text() == "feeds.example.org\n"
    assert _run("build", "--check", *common).returncode == 0


def test_environment_variables_set_options(folder: Path) -> None:
    write_record(folder / "in", "a.md", article(1))
    done = _run(
        "build",
        env={
            "FEEDPUB_SOURCE": "in",
            "FEEDPUB_OUT": "elsewhere",
            "FEEDPUB_BASE_URL": BASE,
            "FEEDPUB_MAX_ITEMS": "1",
        },
    )
    assert done.returncode == 0, done.stderr
    assert (folder / "elsewhere" / "all.atom.xml").is_file()


def test_pre_commit_hooks_and_ci_example_use_real_commands() -> None:
    """The published hook definitions and the CI example name commands that exist."""
    root = DATA.parents[1]
    hooks = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text())
    workflow = yaml.safe_load((root / "examples" / "github-actions.yml").read_text())
    commands = [hook["entry"] for hook in hooks]
    commands += [
        line.strip()
        for step in workflow["jobs"]["feeds"]["steps"]
        for line in step.get("run", "").splitlines()
        if line.strip().startswith("feedpub ")
    ]
    assert len(commands) >= 6
    for command in commands:
        words = command.split(">")[0].split()[1:]
        result = CliRunner().invoke(cli, [*words, "--help"])
        assert result.exit_code == 0, f"{command}: {result.output}"
        flags = [w for w in words if w.startswith("--")]
        assert all(flag in result.output for flag in flags), command


@pytest.mark.parametrize(
    ("config", "args", "where"),
    [
        (f'base_url: {BASE}\ntitle: "News\\x1b[2J"\n', [], "feedpub.yaml:2: title: "),
        (f'base_url: {BASE}\nauthor:\n  name: "a\\x00"\n', [], "feedpub.yaml:3: author.name: "),
        ('base_url: "https://x.example/\\x1b[2J/"\n', [], "feedpub.yaml:1: base_url: "),
        ("title: x\n", ["--base-url", "https://x.example/a b/"], "command line: base_url: "),
        ("title: x\n", ["--base-url", "https://x.example/\x1b[2J/"], "command line: base_url: "),
    ],
)
def test_bad_text_in_the_configuration_is_a_message_not_a_traceback(
    folder: Path, config: str, args: list[str], where: str
) -> None:
    write_record(folder / "seeds", "a.md", article(1))
    (folder / "feedpub.yaml").write_text(config)
    code, _, err = invoke("build", *args)
    assert code == 2  # a configuration error, like every other (see the README's table)
    assert where in err
    assert "Traceback" not in err and "\x1b" not in err and "\x00" not in err
    assert not (folder / "feeds").exists()


def test_quiet_check_prints_nothing_when_the_feeds_are_current(folder: Path) -> None:
    write_record(folder / "seeds", "a.md", article(1))
    assert invoke("build", "--base-url", BASE)[0] == 0
    code, out, err = invoke("build", "--check", "-q", "--base-url", BASE)
    assert (code, out, err) == (0, "", "")
    write_record(folder / "seeds", "b.md", article(2))
    code, _, err = invoke("build", "--check", "-q", "--base-url", BASE)
    assert code == 1 and "are NOT current" in err  # a failure still says why


def test_an_output_option_naming_a_file_is_a_usage_error(folder: Path) -> None:
    write_record(folder / "seeds", "a.md", article(1))
    (folder / "afile").write_text("mine")
    for command in (["build", "--base-url", BASE, "-o", "afile"], ["serve", "afile"]):
        code, _, err = invoke(*command)
        assert code == 2, command  # a bad option value, as the README's table says
        assert "'afile' is a file" in err and "Traceback" not in err
    assert (folder / "afile").read_text() == "mine"
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "`-o` naming a file" in readme.split("| 2 |")[1].split("\n")[0]


def test_error_messages_print_paths_with_control_characters_escaped(tmp_path: Path) -> None:
    """A folder named to clear the screen and forge a CI annotation prints as text."""
    source = tmp_path / "seeds"
    write_record(source, "a.md", article(1))
    out = tmp_path / "out\x1b[2J\n::error::forged"
    out.mkdir()
    (out / "topics").write_text("a file where a folder goes")
    settings = tmp_path / "feedpub.yaml"
    settings.write_text("base_url: https://f.example/\n", encoding="utf-8")

    result = CliRunner().invoke(
        cli, ["build", "--config", str(settings), str(source), "-o", str(out), "--no-cache"]
    )

    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output
    assert "\n::error::" not in result.output
    assert "out\\x1b[2J\\n::error::forged" in result.output


def test_the_cache_default_comes_from_the_configuration(folder: Path) -> None:
    assert ".feedpub_cache" not in Path(sys.modules["feedpub.cli"].__file__ or "").read_text()
    for command in ("build", "validate", "diff", "ping"):
        code, out, _ = invoke(command, "--help")
        assert f"[default: {DEFAULT_CACHE_DIR}]" in " ".join(out.split()), command
    write_record(folder / "seeds", "a.md", article(1))
    code, _, err = invoke("build", "--base-url", BASE)
    assert code == 0, err
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == [str(DEFAULT_CACHE_DIR)]
    assert list((folder / DEFAULT_CACHE_DIR).glob("*.sqlite3"))


_WARM_BUILD = """
import sys
import feedpub.source
feedpub.source.RACY_NS = 0  # every stat is to be trusted at once
from feedpub.cli import cli
cli.main(sys.argv[1:], standalone_mode=False)
heavy = {"feedpub.load", "feedpub.group", "feedpub.render", "feedpub.diff", "yaml", "ryml"}
heavy |= {"feedpub.publish", "feedpub.pages", "feedpub.write", "feedpub.yamltext"}
heavy |= {"lxml", "multiprocessing", "markdown_it", "importlib.metadata"}
print(*sorted(heavy & set(sys.modules)), file=sys.stderr)
"""


def test_a_build_with_nothing_to_do_imports_no_stage_that_parses_or_renders(
    tmp_path: Path,
) -> None:
    """A build that finds every record, setting and output file as the last build left
    them only lists and stats the records and reads the ledger: the start-up of the
    parsing, grouping and rendering stages would be most of its time."""
    for n in range(3):
        write_record(tmp_path / "seeds", f"{n}.md", article(n))
    args = [
        "build",
        "seeds",
        "-o",
        "out",
        "--base-url",
        BASE,
        "--cache-dir",
        "cache",
        "--json",
        "-q",
    ]
    runs = [
        subprocess.run(
            [sys.executable, "-c", _WARM_BUILD, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        for _ in range(2)
    ]
    assert json.loads(runs[1].stdout)["was_current"] is True
    assert runs[1].stderr.strip() == ""
