"""Every command is documented: in /help, in Telegram's command menu, and in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.commands.base import Context
from bot.commands.router import COMMANDS, handle_text

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_command_with_an_example() -> None:
    for command in COMMANDS:
        assert re.search(rf"\| `/{command.name}` \|", README), f"/{command.name} missing from README"
        assert command.example.split()[0] == f"/{command.name}"
        assert f"`{command.example}`" in README, f"example of /{command.name} missing from README"


async def test_help_lists_every_public_command_and_admins_see_theirs(ctx: Context) -> None:
    public = [c for c in COMMANDS if not c.admin]
    text = (await handle_text("/help", ctx)).replies[0].text
    for command in public:
        assert f"/{command.name} —" in text
    assert all(f"/{c.name} —" not in text for c in COMMANDS if c.admin)
    admin = Context(ctx.services, user_id=next(iter(ctx.services.settings.admin_ids)), chat_id=1)
    admin_text = (await handle_text("/help", admin)).replies[0].text
    assert all(f"/{c.name} —" in admin_text for c in COMMANDS)


def test_summaries_fit_the_command_menu() -> None:
    for command in COMMANDS:
        assert 3 <= len(command.summary) <= 256  # Bot API BotCommand.description
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command.name)


def test_readme_opens_with_a_two_command_quick_start() -> None:
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = [line for line in quick.splitlines() if line.startswith("python3 -m venv")]
    assert len(commands) == 2
    assert "python -m bot run" in commands[0] and "pytest" in commands[1]
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert commands[1] in ci  # CI runs exactly the README's test command


def _readme_examples() -> list[str]:
    """Every `/command …` in a code span of the README whose command exists (admin-only
    commands need a channel and are covered by the teacher tests)."""
    names = {c.name for c in COMMANDS if not c.admin}
    spans = re.findall(r"`(/[a-z_]+(?: [^`]*)?)`", README)
    return sorted({s for s in spans if s[1:].split()[0] in names and "…" not in s and "|" not in s})


def test_readme_has_examples_for_every_lab() -> None:
    examples = _readme_examples()
    for name in ("gd", "backprop", "opt", "lr", "act", "batch", "scale", "fit"):
        assert any(e.split()[0] == f"/{name}" for e in examples)


@pytest.mark.parametrize("example", _readme_examples())
async def test_every_readme_example_runs(example: str, ctx: Context) -> None:
    response = await handle_text(example, ctx)
    assert response.error == "", f"{example}: {response.error}"
    assert response.replies
