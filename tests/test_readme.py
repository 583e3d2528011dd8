"""Docs match the code: the README's configuration table lists every setting with its real default."""

from pathlib import Path

from bridge.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_with_its_default() -> None:
    text = README.read_text()
    defaults = Settings()
    for name in Settings.__struct_fields__:
        row = next((line for line in text.splitlines() if line.startswith(f"| `BRIDGE_{name.upper()}` |")), None)
        assert row is not None, f"BRIDGE_{name.upper()} is missing from the README's configuration table"
        assert f"`{getattr(defaults, name)!r}`" in row, f"the README shows a stale default for {name}"


def test_readme_starts_with_the_two_commands() -> None:
    head = README.read_text()[:1200]
    assert "make run" in head and "make test" in head
