"""The catalog reads lesson.toml and names the file and field of anything malformed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import CATALOG, ROOT

from mission_control.catalog import PHASES, CatalogError, load_catalog, load_lesson

VALID = """\
format = 2
id = "a07"
title = "A valid lesson"
phase = 2
order = 3
summary = "Exists for the tests."
requirements = ["flask>=3.1,<3.2"]

[app]
entry = "app:app"
run = "python app.py"
port = 5000
"""


def make_lesson(root: Path, text: str, folder: str = "assignments/07-valid-lesson") -> Path:
    path = root / "lessons" / folder / "lesson.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_valid_lesson_is_read(tmp_path: Path) -> None:
    lesson = load_lesson(make_lesson(tmp_path, VALID))
    assert lesson.id == "a07"
    assert lesson.slug == "07-valid-lesson"
    assert lesson.track == "assignments"
    assert lesson.phase_name == "Cockpit"
    assert (lesson.entry.module, lesson.entry.attribute, lesson.entry.call) == ("app", "app", False)
    assert lesson.interface == "wsgi" and not lesson.live and lesson.processes == ()
    assert lesson.requirements == ("flask>=3.1,<3.2",)
    assert lesson.request_timeout == 10.0
    assert dict(lesson.check_env) == {}
    assert lesson.starter == lesson.path / "starter"


def test_check_table_is_read(tmp_path: Path) -> None:
    (tmp_path / "lessons/assignments/07-valid-lesson").mkdir(parents=True)
    (tmp_path / "lessons/assignments/07-valid-lesson/fake.py").write_text("app = None\n")
    text = VALID + (
        '\n[check]\ntimeout = 3\nenv = { NOTIFY_DELAY = "1" }\n'
        "live = true\n"
        '[[check.services]]\nkind = "fake"\nenv = "API_URL"\napp = "fake.py:app"\npath = "/v1"\n'
        '[[check.services]]\nkind = "fake"\nenv = "CLOCK_URL"\nrun = "python clock.py"\n'
    )
    lesson = load_lesson(make_lesson(tmp_path, text))
    assert lesson.request_timeout == 3
    assert lesson.live is True
    assert dict(lesson.check_env) == {"NOTIFY_DELAY": "1"}
    assert [(s.kind, s.env, dict(s.options)) for s in lesson.services] == [
        ("fake", "API_URL", {"app": "fake.py:app", "path": "/v1"}),
        ("fake", "CLOCK_URL", {"run": "python clock.py"}),
    ]


@pytest.mark.parametrize(
    ("entry", "module", "attribute", "args", "kwargs"),
    [
        ("app:app", "app", "app", None, {}),
        ("blog.web:application", "blog.web", "application", None, {}),
        ("app:create_app()", "app", "create_app", (), {}),
        ("app:create_app('testing')", "app", "create_app", ("testing",), {}),
        ('app:create_app("testing", debug=False)', "app", "create_app", ("testing",),
         {"debug": False}),
    ],
)  # fmt: skip
def test_entry_is_read_as_flask_reads_it(
    tmp_path: Path, entry: str, module: str, attribute: str, args: tuple | None, kwargs: dict
) -> None:
    text = VALID.replace('entry = "app:app"', f"entry = {json.dumps(entry)}")
    found = load_lesson(make_lesson(tmp_path, text)).entry
    assert (found.module, found.attribute) == (module, attribute)
    assert found.call is (args is not None)
    assert found.args == (args or ()) and dict(found.kwargs) == kwargs
    assert str(found) == entry.replace('"', "'")


def test_processes_are_read(tmp_path: Path) -> None:
    text = VALID + (
        '\n[[app.processes]]\nname = "worker"\nrun = "python worker.py"\nready = "ready$"\n'
        '[[app.processes]]\nname = "beat"\nrun = "python beat.py"\n'
    )
    lesson = load_lesson(make_lesson(tmp_path, text))
    assert [(p.name, p.run, p.ready) for p in lesson.processes] == [
        ("worker", "python worker.py", "ready$"),
        ("beat", "python beat.py", None),
    ]
    assert lesson.web.name == "web" and lesson.web.run == "python app.py"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (('id = "a07"', ""), "id", "is missing"),
        (('id = "a07"', 'id = "a7"'), "id", "does not fit"),
        (('id = "a07"', 'id = "a08"'), "id", "folder number"),
        (('id = "a07"', 'id = "d07"'), "id", "does not fit"),
        (('id = "a07"', "id = 7"), "id", "non-empty string"),
        (('title = "A valid lesson"', 'title = ""'), "title", "non-empty string"),
        (('title = "A valid lesson"', f'title = "{"x" * 81}"'), "title", "at most 80"),
        (("phase = 2", "phase = 5"), "phase", "from 1 to 4"),
        (("phase = 2", "phase = true"), "phase", "whole number"),
        (("phase = 2", ""), "phase", "is missing"),
        (("order = 3", "order = 0"), "order", "from 1"),
        (('summary = "Exists for the tests."', ""), "summary", "is missing"),
        (('requirements = ["flask>=3.1,<3.2"]', 'requirements = "flask"'), "requirements", "array"),
        (
            ('requirements = ["flask>=3.1,<3.2"]', 'requirements = ["flask>>3"]'),
            "requirements",
            "flask>>3",
        ),
        (('entry = "app:app"', 'entry = "app"'), "app.entry", "app:app"),
        (('entry = "app:app"', 'entry = "app:create_app(x)"'), "app.entry", "literals"),
        (('entry = "app:app"', 'entry = "app:a.b"'), "app.entry", "not a name or a call"),
        (('entry = "app:app"', 'entry = "app:app"\ninterface = "rsgi"'), "app.interface", "asgi"),
        (("format = 2", ""), "format", "format = 2"),
        (("format = 2", "format = 1"), "format", "this file says 1"),
        (('entry = "app:app"', ""), "app.entry", "is missing"),
        (('run = "python app.py"', 'run = ""'), "app.run", "non-empty string"),
        (("port = 5000", "port = 80"), "app.port", "1024"),
        (("port = 5000", 'port = "5000"'), "app.port", "whole number"),
        (("[app]", "[application]"), "application", "unknown field"),
        (("order = 3", 'order = 3\ncolour = "blue"'), "colour", "unknown field"),
    ],
)
def test_malformed_field_is_named(
    tmp_path: Path, change: tuple[str, str], field: str, words: str
) -> None:
    old, new = change
    assert old in VALID
    path = make_lesson(tmp_path, VALID.replace(old, new))
    with pytest.raises(CatalogError) as caught:
        load_lesson(path)
    assert caught.value.path == path
    assert caught.value.field == field
    assert words in caught.value.message
    assert str(path) in str(caught.value) and f"'{field}'" in str(caught.value)


@pytest.mark.parametrize(
    ("check", "field"),
    [
        ("timeout = 0", "check.timeout"),
        ('timeout = "fast"', "check.timeout"),
        ('env = { lower = "1" }', "check.env.lower"),
        ("env = { NAME = 1 }", "check.env.NAME"),
        ('services = "no"', "check.services"),
        ("live = 1", "check.live"),
        (
            '[[check.services]]\nkind = "fake"\nenv = "API"\napp = "missing.py:app"',
            "check.services[0].app",
        ),
        ('[[check.services]]\nkind = "fake"\napp = "x.py:app"', "check.services[0].env"),
        ('[[check.services]]\nkind = "kafka"\nenv = "API"', "check.services[0].kind"),
        ('[[check.services]]\nkind = "fake"\nenv = "API"', "check.services[0]"),
        (
            '[[check.services]]\nkind = "fake"\nenv = "API"\nrun = "x"\ncolour = "red"',
            "check.services[0].colour",
        ),
        ('[[app.processes]]\nname = "web"\nrun = "python x.py"', "app.processes[0].name"),
        ('[[app.processes]]\nname = "w"\nrun = "x"\nready = "("', "app.processes[0].ready"),
        ("retries = 3", "check.retries"),
        ('points = { "create-todo" = "two" }', "check.points.create-todo"),
        ('points = { "create-todo" = true }', "check.points.create-todo"),
        ('points = { "create-todo" = 101 }', "check.points.create-todo"),
        ('points = { "Create Todo" = 2 }', "check.points.Create Todo"),
        ("points = 3", "check.points"),
        ('setup = "flask --app app db upgrade"', "check.setup"),
        ('setup = [""]', "check.setup"),
        ('[[check.services]]\nkind = "postgres"\nenv = "DATABASE_URL"\nport = "1"',
         "check.services[0].port"),
    ],
)  # fmt: skip
def test_malformed_check_table_is_named(tmp_path: Path, check: str, field: str) -> None:
    text = VALID + "\n[check]\n" + check + "\n" if not check.startswith("[[") else VALID + check
    with pytest.raises(CatalogError) as caught:
        load_lesson(make_lesson(tmp_path, text))
    assert caught.value.field == field


def test_points_weight_checkpoints_and_default_to_one(tmp_path: Path) -> None:
    text = VALID + '\n[check]\npoints = { "create-todo" = 3, "list" = 0 }\n'
    lesson = load_lesson(make_lesson(tmp_path, text))
    assert lesson.points_for("create-todo") == 3
    assert lesson.points_for("list") == 0
    assert lesson.points_for("anything-else") == 1


def test_setup_and_a_database_service_are_read(tmp_path: Path) -> None:
    text = VALID + (
        '\n[check]\nsetup = ["flask --app app db upgrade", "flask --app app seed"]\n'
        '[[check.services]]\nkind = "postgres"\nenv = "DATABASE_URL"\n'
    )
    lesson = load_lesson(make_lesson(tmp_path, text))
    assert lesson.setup == ("flask --app app db upgrade", "flask --app app seed")
    assert [(s.kind, s.env) for s in lesson.services] == [("postgres", "DATABASE_URL")]
    assert load_lesson(make_lesson(tmp_path, VALID)).setup == ()


def test_continues_names_another_lesson_of_the_catalog(tmp_path: Path) -> None:
    make_lesson(tmp_path, VALID.replace('"a07"', '"a06"'), "assignments/06-first")
    make_lesson(tmp_path, 'continues = "a06"\n' + VALID)
    lessons = {lesson.id: lesson for lesson in load_catalog(tmp_path)}
    assert lessons["a07"].continues == "a06" and lessons["a06"].continues is None
    for wrong in ("a07", "lesson six", ""):
        path = make_lesson(tmp_path, f'continues = "{wrong}"\n' + VALID)
        with pytest.raises(CatalogError) as caught:
            load_lesson(path)
        assert caught.value.field == "continues"
    make_lesson(tmp_path, 'continues = "a05"\n' + VALID)
    with pytest.raises(CatalogError, match="there is no lesson 'a05' to continue"):
        load_catalog(tmp_path)


def test_not_toml_and_unreadable(tmp_path: Path) -> None:
    path = make_lesson(tmp_path, "id = ")
    with pytest.raises(CatalogError, match="not valid TOML"):
        load_lesson(path)
    with pytest.raises(CatalogError, match="cannot be read"):
        load_lesson(tmp_path / "nowhere" / "lesson.toml")


def test_wrong_track_and_folder_names(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="lessons live in"):
        load_lesson(make_lesson(tmp_path, VALID, "extras/07-valid-lesson"))
    with pytest.raises(CatalogError, match="folder name"):
        load_lesson(make_lesson(tmp_path, VALID, "assignments/Valid_Lesson"))


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    make_lesson(tmp_path, VALID)
    make_lesson(tmp_path, VALID.replace('"a07"', '"a07"'), "assignments/07-another-lesson")
    with pytest.raises(CatalogError, match="already used"):
        load_catalog(tmp_path)


PRIMER = """\
format = 2
kind = "primer"
id = "p02"
title = "A primer"
phase = 1
order = 1
summary = "Questions before each explanation."
"""


def test_a_primer_is_a_lesson_without_code(tmp_path: Path) -> None:
    path = make_lesson(tmp_path, PRIMER, "primer/02-a-primer")
    (path.parent / "primer.toml").write_text("")
    lesson = load_lesson(path)
    assert (lesson.id, lesson.kind, lesson.track, lesson.track_name) == (
        "p02",
        "primer",
        "primer",
        "Primer",
    )
    assert not lesson.checkable and lesson.checkpoint_files() == []
    assert lesson.requirements == () and lesson.run == "" and lesson.port == 0
    assert "mission quiz p02" in lesson.not_checkable_message
    assert lesson.primer_file == lesson.path / "primer.toml"
    code = load_lesson(make_lesson(tmp_path, VALID))
    assert code.kind == "code" and code.checkable


@pytest.mark.parametrize(
    ("text", "folder", "field", "words"),
    [
        (PRIMER + '\n[app]\nentry = "app:app"\n', "primer/02-a-primer", "app", "no app"),
        (PRIMER + 'requirements = ["flask"]\n', "primer/02-a-primer", "requirements", "no app"),
        (PRIMER.replace('"primer"', '"quiz"'), "primer/02-a-primer", "kind", "unknown lesson kind"),
        (PRIMER, "assignments/02-a-primer", "kind", "lives in lessons/primer/"),
        ('kind = "code"\n' + VALID, "primer/07-valid-lesson", "kind", "only primers"),
        (PRIMER.replace('"p02"', '"a02"'), "primer/02-a-primer", "id", "does not fit"),
        (PRIMER, "primer/02-no-questions", None, "primer.toml"),
    ],
)
def test_a_wrong_primer_is_named(
    tmp_path: Path, text: str, folder: str, field: str | None, words: str
) -> None:
    path = make_lesson(tmp_path, text, folder)
    if "no-questions" not in folder:
        (path.parent / "primer.toml").write_text("")
    with pytest.raises(CatalogError) as caught:
        load_lesson(path)
    assert caught.value.field == field and words in caught.value.message, caught.value


def test_a_lesson_cannot_continue_a_primer(tmp_path: Path) -> None:
    (make_lesson(tmp_path, PRIMER, "primer/02-a-primer").parent / "primer.toml").write_text("")
    make_lesson(tmp_path, 'continues = "p02"\n' + VALID)
    with pytest.raises(CatalogError, match="'p02' is a primer: it has no app to grow"):
        load_catalog(tmp_path)


def test_course_catalog_is_valid_and_ordered() -> None:
    assert len(CATALOG) >= 1
    keys = [(lesson.phase, lesson.order) for lesson in CATALOG]
    assert keys == sorted(keys)
    assert all(lesson.phase in PHASES for lesson in CATALOG)
    a01 = CATALOG.get("a01")
    assert a01 is not None and a01.title == "Basic To-Do API"
    assert CATALOG.get("01-basic-todo-api") is a01
    assert CATALOG.get("assignments/01-basic-todo-api") is a01
    assert CATALOG.get(" A01 ") is a01
    assert CATALOG.get("a99") is None
    phases = CATALOG.by_phase()
    assert [number for number, _, _ in phases] == [1, 2, 3, 4]


def test_course_root_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from mission_control.catalog import course_root

    monkeypatch.setenv("MISSION_COURSE_ROOT", str(ROOT / "tests/fixtures/course"))
    assert course_root() == (ROOT / "tests/fixtures/course").resolve()
    monkeypatch.setenv("MISSION_COURSE_ROOT", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    # no lessons/ there: falls back to this checkout
    assert course_root() == ROOT


@pytest.mark.parametrize(
    ("lesson_id", "previous"),
    [
        ("d08", "d07"),
        ("d09", "d08"),
        ("d10", "d09"),
        ("d11", "d10"),
        ("d12", "d10"),
        ("d13", "d10"),
    ],
)
def test_the_blog_grows_from_the_previous_solution(lesson_id: str, previous: str) -> None:
    """d08 to d11 continue the lesson before, and d12 and d13 continue d10's blog: each
    starter holds every file of the previous solution (changed only by TODOs), so `mission
    start --from` adds what is new. In d12 the learner writes the tests and the app is given:
    its files (all but tests/) are the solution's, changed or not; what changed in tests/
    holds a TODO."""
    lesson, before = CATALOG.get(lesson_id), CATALOG.get(previous)
    assert lesson is not None and before is not None
    assert lesson.continues == previous
    old = {
        p.relative_to(before.solution)
        for p in before.solution.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    new = {p.relative_to(lesson.starter) for p in lesson.starter.rglob("*") if p.is_file()}
    assert old <= new, sorted(str(p) for p in old - new)
    changed = [
        p
        for p in old
        if (lesson.starter / p).read_bytes() != (before.solution / p).read_bytes()
        and p.suffix in (".py", ".html")
    ]
    given_app = lesson_id == "d12"
    for path in changed:
        if given_app and path.parts[0] != "tests":
            assert (lesson.starter / path).read_bytes() == (lesson.solution / path).read_bytes()
            continue
        assert "TODO (" + lesson_id + ")" in (lesson.starter / path).read_text(), path


def test_d12_gives_the_whole_app() -> None:
    """d12's starter and solution hold the same app; only tests/ differs."""
    lesson = CATALOG.get("d12")
    assert lesson is not None

    def app_files(folder: Path) -> dict[Path, bytes]:
        return {
            p.relative_to(folder): p.read_bytes()
            for p in folder.rglob("*")
            if p.is_file()
            and "__pycache__" not in p.parts
            and p.relative_to(folder).parts[0] != "tests"
        }

    assert app_files(lesson.starter) == app_files(lesson.solution)
    assert (lesson.starter / "app" / "mail.py").is_file()
