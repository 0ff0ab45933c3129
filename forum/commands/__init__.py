"""The `flask` command groups, one module per group, attached by register_commands."""

from __future__ import annotations

from flask import Flask

from forum.commands import (
    articles,
    backup,
    crisis,
    demo,
    moderation,
    notifications,
    posts,
    search,
    users,
)

# One line per group: a new group is a module with a `group` and an entry here.
GROUPS = (users.group, posts.group, demo.group, search.group, backup.group, moderation.group,
          articles.group, notifications.group, crisis.group)


def register_commands(app: Flask) -> None:
    """Attach every command group to `flask`."""
    for group in GROUPS:
        app.cli.add_command(group)
