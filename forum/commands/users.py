"""`flask users`: create members, change their roles, suspend them, prune unconfirmed ones."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import NoReturn

import click
from flask.cli import AppGroup

from forum.errors import Invalid, NotFound
from forum.models import Role, utcnow

# The values, not the enum: click.Choice would offer an enum's names (MODERATOR).
ROLE_CHOICE = click.Choice([role.value for role in Role])

group = AppGroup("users", help="Create members, change their roles, prune unconfirmed "
                               "accounts.")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


def _fail(error: Invalid) -> NoReturn:
    raise click.ClickException(" ".join(error.errors.values()))


@group.command("create")
@click.argument("username")
@click.option("--email", help="Email address (never shown publicly).")
@click.option("--role", type=ROLE_CHOICE, default=Role.MEMBER.value, show_default=True)
def create_user(username: str, email: str | None, role: str) -> None:
    """Create a member; the password comes from a prompt or the first line of stdin."""
    from forum.services.members import register

    try:
        member = register(username=username, email=email or f"{username.lower()}@users.invalid",
                          password=_read_password(), role=role)
    except Invalid as error:
        _fail(error)
    click.echo(f"Created {member.username} ({member.role}).")


@group.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLE_CHOICE)
def set_role(username: str, role: str) -> None:
    """Give a member the role member, moderator or admin."""
    from forum.services.members import set_role as change_role

    try:
        member = change_role(username=username, role=role)
    except NotFound:
        raise click.ClickException(f"No member is called {username!r}.") from None
    click.echo(f"{member.username} is now {member.role}.")


@group.command("suspend")
@click.argument("username")
@click.option("--days", type=click.IntRange(0, 3650), default=7, show_default=True,
              help="0 lifts a suspension.")
@click.option("--reason", default="", help="Told to the member when they try to post.")
def suspend_user(username: str, days: int, reason: str) -> None:
    """Stop a member from posting for a number of days."""
    from forum.services.members import get_member, suspend

    try:
        member = get_member(username)
        suspend(actor=None, member=member, until=utcnow() + timedelta(days=days) if days else None,
                reason=reason)
    except NotFound:
        raise click.ClickException(f"No member is called {username!r}.") from None
    except Invalid as error:
        _fail(error)
    click.echo(f"{member.username} is suspended for {days} days." if days
               else f"{member.username} can post again.")


@group.command("prune-unconfirmed")
def prune_unconfirmed() -> None:
    """Delete accounts still unconfirmed after EMAIL_CONFIRM_HOURS that have no posts, votes
    or reports, so their usernames are free again."""
    from forum.services.accounts import prune_unconfirmed as prune

    removed = prune()
    click.echo(f"Removed {removed} unconfirmed account{'' if removed == 1 else 's'}.")
