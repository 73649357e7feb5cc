"""`kittiwake accounts add|list|remove`: manage accounts without the GUI.

Secrets arrive only on standard input (--password-stdin) or as a command to run later
(--password-command); never as an argument, where `ps` and the shell history would see them.
"""

from __future__ import annotations

import argparse
import getpass
import shlex
import ssl
from pathlib import Path

from kittiwake.client.accounts.config import AccountsFile
from kittiwake.client.accounts.ids import is_valid_account_id, slugify
from kittiwake.client.accounts.model import (
    Account,
    Identity,
    IncomingProtocol,
    PasswordSource,
    PasswordStorage,
    ServerConfig,
)
from kittiwake.client.accounts.secrets import ServerRole
from kittiwake.client.commands.base import Command, Context
from kittiwake.client.logs import register_secret
from kittiwake.client.net.endpoint import Security
from kittiwake.client.net.errors import ConfigError, SecretStoreUnavailable

NO_KEYRING_HINT = (
    "No system keyring (GNOME Keyring, KWallet, ...) is usable here, and Kittiwake never stores "
    "passwords in plain text. Use --password-command CMD (e.g. 'pass show mail/work') or "
    "--password-ask instead, or install and unlock a keyring."
)
SECURITY_CHOICES = (Security.TLS.value, Security.STARTTLS.value)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{port} is not between 1 and 65535")
    return port


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="accounts_action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add an account")
    add.add_argument("name", metavar="NAME", help="the account's name; its id is derived from it")
    add.add_argument("--address", required=True, help="the e-mail address to send from")
    add.add_argument(
        "--display-name", default="", metavar="TEXT", help="your name, as recipients see it"
    )
    add.add_argument("--incoming", required=True, choices=[p.value for p in IncomingProtocol])
    add.add_argument("--incoming-host", required=True, metavar="HOST")
    add.add_argument("--incoming-port", required=True, type=_port, metavar="PORT")
    add.add_argument("--incoming-security", required=True, choices=SECURITY_CHOICES)
    add.add_argument("--smtp-host", required=True, metavar="HOST")
    add.add_argument("--smtp-port", required=True, type=_port, metavar="PORT")
    add.add_argument("--smtp-security", required=True, choices=SECURITY_CHOICES)
    add.add_argument("--username", metavar="USER", help="the login name (default: the address)")
    add.add_argument("--ca-file", metavar="PEM", help="an extra CA certificate to trust")
    source = add.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input and keep it in the system keyring",
    )
    source.add_argument(
        "--password-command",
        metavar="CMD",
        help="run CMD (no shell) and use the first line it prints, e.g. 'pass show mail/work'",
    )
    source.add_argument(
        "--password-ask",
        action="store_true",
        help="store no password; ask for it once every session",
    )

    actions.add_parser("list", help="list the accounts (no passwords are shown)")

    remove = actions.add_parser("remove", help="remove an account and its saved passwords")
    remove.add_argument("name", metavar="NAME", help="the account's id or name")


def run(args: argparse.Namespace, context: Context) -> int:
    action: str = args.accounts_action
    if action == "add":
        return _add(args, context)
    if action == "list":
        return _list(context)
    return _remove(args, context)


# --- add -------------------------------------------------------------------------------------


def _check_host(host: str, option: str) -> str:
    host = host.strip()
    if not host or any(c.isspace() for c in host) or "/" in host:
        raise ConfigError(
            f"{option} {host!r} is not a host name.", "Give a name like mail.example.org."
        )
    return host


def _check_address(address: str) -> str:
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in address.strip()):
        raise ConfigError(f"{address!r} is not an e-mail address.", "Give it as name@example.org.")
    return address.strip()


def _check_ca_file(ca_file: str) -> str:
    path = Path(ca_file).expanduser().absolute()
    try:
        ssl.create_default_context().load_verify_locations(cafile=str(path))
    except FileNotFoundError:
        raise ConfigError(f"The CA file {path} does not exist.", "Check the path.") from None
    except (ssl.SSLError, OSError, ValueError):
        raise ConfigError(
            f"{path} is not a readable PEM certificate file.",
            "Give the server's CA certificate in PEM form (-----BEGIN CERTIFICATE-----).",
        ) from None
    return str(path)


def _password_source(args: argparse.Namespace) -> PasswordSource:
    if args.password_command is not None:
        try:
            words = shlex.split(args.password_command)
        except ValueError:
            words = []
        if not words:
            raise ConfigError(
                "The password command is empty or its quotes do not match.",
                "Give it as one argument, e.g. --password-command 'pass show mail/work'.",
            )
        return PasswordSource(PasswordStorage.COMMAND, args.password_command)
    if args.password_ask:
        return PasswordSource(PasswordStorage.ASK)
    return PasswordSource(PasswordStorage.KEYRING)


def _build_account(args: argparse.Namespace) -> Account:
    account_id = slugify(args.name)
    if not account_id:
        raise ConfigError(
            f"The name {args.name!r} has no letters or digits to make an account id from.",
            "Choose a name such as 'work' or 'Home mail'.",
        )
    address = _check_address(args.address)
    username = args.username if args.username else address
    ca_file = _check_ca_file(args.ca_file) if args.ca_file else None

    def server(host: str, option: str, port: int, security: str) -> ServerConfig:
        return ServerConfig(
            host=_check_host(host, option),
            port=port,
            security=Security(security),
            username=username,
            ca_file=ca_file,
        )

    return Account(
        id=account_id,
        display_name=args.name.strip(),
        identities=(Identity(name=args.display_name.strip(), address=address),),
        incoming_protocol=IncomingProtocol(args.incoming),
        incoming=server(
            args.incoming_host, "--incoming-host", args.incoming_port, args.incoming_security
        ),
        outgoing=server(args.smtp_host, "--smtp-host", args.smtp_port, args.smtp_security),
        password_source=_password_source(args),
    )


def _read_password(context: Context) -> str:
    if context.stdin.isatty():
        password = getpass.getpass("Password: ")
    else:
        # One line: the password itself may contain spaces, only the line break is dropped.
        password = context.stdin.readline().rstrip("\r\n")
    if not password:
        raise ConfigError(
            "No password was given on standard input.",
            "Pipe it in, e.g. `pass show mail/work | kittiwake accounts add ... --password-stdin`.",
        )
    register_secret(password)
    return password


def _add(args: argparse.Namespace, context: Context) -> int:
    account = _build_account(args)
    accounts = AccountsFile(context.paths.accounts_file)
    # Fail before asking for a password: a broken file, a taken id, no keyring.
    if accounts.get(account.id) is not None:
        raise ConfigError(
            f"An account with the id {account.id!r} already exists.",
            "Choose another name, or remove it first with `kittiwake accounts remove`.",
        )
    if account.password_source.storage is PasswordStorage.KEYRING:
        try:
            context.secrets.check()
            password = _read_password(context)
            register_secret(password, username=account.incoming.username)
            for role in ServerRole:
                context.secrets.set(account.id, role, password)
        except SecretStoreUnavailable as exc:
            raise SecretStoreUnavailable(exc.message, NO_KEYRING_HINT) from None
        try:
            accounts.add(account)
        except BaseException:
            # Do not leave a password behind for an account that does not exist.
            context.secrets.delete_account(account.id)
            raise
    else:
        accounts.add(account)
    context.say(f"Added account {account.id!r} ({account.address}).")
    return 0


# --- list and remove -------------------------------------------------------------------------


def _describe(account: Account) -> str:
    incoming, outgoing = account.incoming, account.outgoing
    return (
        f"{account.id}\t{account.display_name}\t{account.address}\t"
        f"{account.incoming_protocol.value} {incoming.host}:{incoming.port} "
        f"{incoming.security.value}\t"
        f"smtp {outgoing.host}:{outgoing.port} {outgoing.security.value}\t"
        f"password: {account.password_source.storage.value}"
    )


def _list(context: Context) -> int:
    accounts = AccountsFile(context.paths.accounts_file).load()
    if not accounts:
        context.say("No accounts. Add one with `kittiwake accounts add`.")
    for account in accounts:
        context.say(_describe(account))
    return 0


def _remove(args: argparse.Namespace, context: Context) -> int:
    accounts = AccountsFile(context.paths.accounts_file)
    name: str = args.name
    account_id = name if is_valid_account_id(name) else slugify(name)
    account = accounts.get(account_id)
    if account is None:
        raise ConfigError(
            f"There is no account {name!r}.", "`kittiwake accounts list` shows the accounts."
        )
    # Passwords first: an orphan password in the keyring is worse than an account whose
    # password must be typed again.
    try:
        context.secrets.delete_account(account.id)
    except SecretStoreUnavailable as exc:
        if account.password_source.storage is PasswordStorage.KEYRING:
            context.warn(f"the saved password could not be deleted: {exc.message}")
    accounts.remove(account.id)
    context.say(f"Removed account {account.id!r}.")
    return 0


COMMAND = Command(
    name="accounts",
    help="add, list or remove accounts",
    configure=configure,
    run=run,
)
