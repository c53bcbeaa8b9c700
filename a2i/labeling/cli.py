"""``a2i label``: run and manage the labeling study site.

Only argparse and the study design's defaults (:mod:`a2i.labeling.manifest`, standard library only) are
imported here; each handler imports the web stack when it runs, so ``a2i --help`` stays fast
and a missing [web] extra is reported as an instruction rather than an ImportError.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from a2i.labeling.manifest import (
    BACKUP_DAYS,
    IMAGES_PER_TASK,
    MAX_SELECT,
    MIN_SELECT,
    OWN_PER_TASK,
    PARTICIPANTS_PER_ITEM,
)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--instance", metavar="DIR",
                        help="instance folder holding config.py and the SQLite database, the same for every "
                             "command (default: $A2I_INSTANCE_PATH, else ~/.local/share/a2i/labeling)")
    parser.add_argument("--database", metavar="URL",
                        help="SQLAlchemy database URL, e.g. postgresql+psycopg://user@host/study "
                             "(default: $DATABASE_URL or SQLite in the instance folder)")
    parser.add_argument("--study", metavar="DIR", help="study folder with study.json (default: $A2I_STUDY_DIR)")


def _app(args: argparse.Namespace, *, create: bool = False, **extra):
    """Build the app from the command's options (which win over the environment).

    Only ``init-db`` (``create``) makes the instance folder, its secret key and the database; every other
    command needs them to exist and says how to make them when they do not.
    """
    from a2i.labeling import create_app
    from a2i.labeling.app import INSTANCE_ENV, instance_path

    if args.instance:
        os.environ[INSTANCE_ENV] = args.instance
    config = dict(extra, CREATE_DATABASE=create)
    if args.database:
        config["SQLALCHEMY_DATABASE_URI"] = args.database
    if args.study:
        config["STUDY_DIR"] = args.study
    if create:
        from a2i.labeling.manage import ensure_secret_key

        ensure_secret_key(instance_path())
    return create_app(config)


def _run_serve(args: argparse.Namespace) -> int:
    overrides = {"DEBUG": args.debug}
    if args.host in ("127.0.0.1", "localhost", "::1") and "A2I_SESSION_COOKIE_SECURE" not in os.environ:
        overrides["SESSION_COOKIE_SECURE"] = False  # browsers on plain-http localhost; TLS everywhere else
    app = _app(args, **overrides)
    _check_database(app)
    print(f"Labeling site on http://{args.host}:{args.port}/ (development server; use gunicorn for a study, "
          "see experiment_website/README.md)", file=sys.stderr)
    app.run(host=args.host, port=args.port, debug=args.debug, threaded=True, use_reloader=False)
    return 0


def shown_url(uri: str) -> str:
    """A database URL fit to print: its password replaced by ``***`` (terminals and CI logs are not secret).

    Examples
    --------
    >>> shown_url("postgresql+psycopg://study:s3cret@db.example/study")
    'postgresql+psycopg://study:***@db.example/study'
    """
    from sqlalchemy.engine import make_url

    return make_url(uri).render_as_string(hide_password=True)


def _check_database(app) -> None:
    from sqlalchemy import inspect

    from a2i.errors import ConfigError
    from a2i.labeling.db import db

    with app.app_context():
        if not inspect(db.engine).has_table("alembic_version"):
            raise ConfigError(f"the database {shown_url(app.config['SQLALCHEMY_DATABASE_URI'])} has no tables yet; "
                              "run `a2i label init-db` first")


def _run_init_db(args: argparse.Namespace) -> int:
    from a2i.labeling.manage import init_db

    app = _app(args, create=True)
    init_db(app)
    print(f"Database ready: {shown_url(app.config['SQLALCHEMY_DATABASE_URI'])}")
    print(f"Secret key in {os.path.join(app.instance_path, 'config.py')} (or $SECRET_KEY)")
    if args.admin:
        _add_admin(app, args.admin, args.password_stdin)
    return 0


def _add_admin(app, username: str, password_stdin: bool) -> None:
    from a2i.errors import ConfigError
    from a2i.labeling.manage import add_admin

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for admin {username}: ")
        if password != getpass.getpass("Repeat the password: "):
            raise ConfigError("the two passwords differ")
    add_admin(app, username, password)
    print(f"Admin {username} ready")


def _run_add_admin(args: argparse.Namespace) -> int:
    _add_admin(_app(args), args.username, args.password_stdin)
    return 0


def _run_invite(args: argparse.Namespace) -> int:
    from a2i.labeling.manage import capacity_warning, create_invites

    app = _app(args)
    codes = create_invites(app, count=args.count, max_uses=args.uses, days=args.days or None,
                           bypass=args.bypass, note=args.note, pilot=args.pilot)
    warning = capacity_warning(app)
    if warning:
        print(f"a2i: warning: {warning}", file=sys.stderr)
    base = (args.base_url or "").rstrip("/")
    for code in codes:
        if args.bypass:
            print(f"{base}/start/{code}?PROLIFIC_PID={{{{%PROLIFIC_PID%}}}}&STUDY_ID={{{{%STUDY_ID%}}}}"
                  f"&SESSION_ID={{{{%SESSION_ID%}}}}")
        elif base:
            print(f"{base}/register?invite={code}")
        else:
            print(code)
    return 0


def _run_make_study(args: argparse.Namespace) -> int:
    from a2i.labeling.make_study import make_study

    path = make_study(args.outputs, args.out, images_per_task=args.images, own_per_task=args.own,
                      tutorial=args.tutorial, participants_per_item=args.per_item,
                      tasks_per_participant=args.tasks, min_select=args.min_select, max_select=args.max_select,
                      seed=args.seed, title=args.title, contact=args.contact, researcher=args.researcher,
                      minutes=args.minutes, consent_version=args.consent_version, backup_days=args.backup_days)
    print(f"Study written to {path}")
    return 0


def _run_export(args: argparse.Namespace) -> int:
    from a2i.labeling.export import export_all

    app = _app(args)
    formats = ("csv", "json") if args.format == "both" else (args.format,)
    with app.app_context():
        files = export_all(args.out, formats)
    for path in files:
        print(path)
    return 0


def _run_backup(args: argparse.Namespace) -> int:
    from a2i.labeling.manage import backup

    app = _app(args)
    with app.app_context():
        path = backup(args.file)
    print(f"Backup written to {path}")
    return 0


def _run_delete(args: argparse.Namespace) -> int:
    from a2i.errors import ConfigError
    from a2i.labeling.db import db
    from a2i.labeling.privacy import delete_participant, erase_deleted

    app = _app(args)
    with app.app_context():
        missing = [uid for uid in args.user_ids if not delete_participant(uid)]
        if missing:
            db.session.rollback()
            raise ConfigError(f"no participant with id {', '.join(map(str, missing))}; nothing was deleted "
                              "(ids are the user_id column of the exports)")
        db.session.commit()
        erase_deleted()
    print(f"Deleted {len(args.user_ids)} participant(s) and all their answers")
    return 0


def _run_purge(args: argparse.Namespace) -> int:
    from a2i.labeling.db import db
    from a2i.labeling.privacy import erase_deleted, purge_identifiers

    app = _app(args)
    with app.app_context():
        count = purge_identifiers(args.days if args.days is not None else app.config.get("RETENTION_DAYS"))
        db.session.commit()
        erase_deleted()
    print(f"Removed the identifiers of {count} participant(s); their anonymous answers stay")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``a2i label`` and its sub-commands."""
    label = subparsers.add_parser(
        "label", help="the labeling study website (serve, init-db, invite, make-study, export, backup, ...)",
        description="Run a listening study: participants hear a clip and pick the images that match it. "
                    "Set-up: make-study → init-db --admin NAME → invite → serve (or gunicorn).")
    sub = label.add_subparsers(dest="label_command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="run the site with the development server",
                       description="Run the site on one machine (threaded development server). For a real "
                                   "study run gunicorn: gunicorn -w 4 'a2i.labeling:create_app()'.")
    _common(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=5000, help="port (default: 5000)")
    p.add_argument("--debug", action="store_true", help="Flask debug mode (never on a public address)")
    p.set_defaults(func=_run_serve)

    p = sub.add_parser("init-db", help="create or upgrade the database and the secret key",
                       description="Create the database (or upgrade it to the newest migration, keeping its "
                                   "data) and write a SECRET_KEY to the instance folder if none is set.")
    _common(p)
    p.add_argument("--admin", metavar="USERNAME", help="also create this admin account (asks for a password)")
    p.add_argument("--password-stdin", action="store_true", help="read the admin password from stdin")
    p.set_defaults(func=_run_init_db)

    p = sub.add_parser("add-admin", help="create an admin account (or reset its password)")
    _common(p)
    p.add_argument("username", help="letters and digits")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=_run_add_admin)

    p = sub.add_parser("invite", help="make invite codes or anonymous study links",
                       description="Print new invite codes (one per line). With --bypass, print anonymous "
                                   "study links for recruitment platforms such as Prolific instead.")
    _common(p)
    p.add_argument("--count", type=int, default=1, help="how many codes (default: 1)")
    p.add_argument("--uses", type=int, default=1, help="registrations each code allows (default: 1)")
    p.add_argument("--days", type=float, default=14.0, help="days until the codes expire; 0 = never (default: 14)")
    p.add_argument("--bypass", action="store_true", help="anonymous study links instead of registration codes")
    p.add_argument("--base-url", metavar="URL", help="the site's public address, to print full links")
    p.add_argument("--note", help="a note stored with the codes (e.g. the cohort)")
    p.add_argument("--pilot", action="store_true",
                   help="pilot codes: their participants try the study without counting toward its quotas")
    p.set_defaults(func=_run_invite)

    p = sub.add_parser("make-study", help="build a study folder from `a2i generate` outputs",
                       description="Each OUTPUT folder (from `a2i generate` or `a2i render`) becomes one item: the "
                                   "centre clip of its song (cut where its pictures were painted from) plus a grid "
                                   "mixing pictures of that clip with other songs' pictures. A "
                                   f"{IMAGES_PER_TASK}-picture grid with --own {OWN_PER_TASK} needs {OWN_PER_TASK} "
                                   "pictures of each song's centre clip (`a2i render --variants "
                                   f"{OWN_PER_TASK}`) and {IMAGES_PER_TASK - OWN_PER_TASK} of the other labeling "
                                   "songs (`--clips all` gives one per clip).")
    p.add_argument("outputs", nargs="+", metavar="OUTPUT",
                   help="run folders, one per song (e.g. outputs/*/); files among them are skipped")
    p.add_argument("--out", required=True, metavar="DIR", help="study folder to create")
    p.add_argument("--images", type=int, default=IMAGES_PER_TASK,
                   help=f"images per task (default: {IMAGES_PER_TASK})")
    p.add_argument("--own", type=int, default=OWN_PER_TASK,
                   help=f"images from the clip's own song per task (default: {OWN_PER_TASK})")
    p.add_argument("--tutorial", type=int, default=1, help="songs used as tutorial items (default: 1)")
    p.add_argument("--per-item", type=int, default=PARTICIPANTS_PER_ITEM,
                   help=f"participants wanted per item (default: {PARTICIPANTS_PER_ITEM})")
    p.add_argument("--tasks", type=int, default=None, help="items per participant (default: all)")
    p.add_argument("--min-select", type=int, default=MIN_SELECT, help=f"fewest images to pick (default: {MIN_SELECT})")
    p.add_argument("--max-select", type=int, default=MAX_SELECT, help=f"most images to pick (default: {MAX_SELECT})")
    p.add_argument("--seed", type=int, default=0, help="random seed for the grids (default: 0)")
    p.add_argument("--title", help="the site's title (default: 'Music and images study', translated)")
    p.add_argument("--contact", required=True, metavar="EMAIL",
                   help="how participants reach the researchers (shown on the consent page)")
    p.add_argument("--researcher", help="who runs the study, for the consent page (default: --contact)")
    p.add_argument("--minutes", type=int, default=15, help="how long the study takes, in minutes (default: 15)")
    p.add_argument("--backup-days", type=int, default=BACKUP_DAYS,
                   help="the longest a backup is kept, stated in the consent text: a withdrawn participant's "
                        f"answers stay in older backups until then (default: {BACKUP_DAYS})")
    p.add_argument("--consent-version", default="1",
                   help="version of the consent text, recorded with each agreement (default: 1)")
    p.set_defaults(func=_run_make_study)

    p = sub.add_parser("export", help="export answers and agreement statistics (CSV and JSON)",
                       description="Write submissions, choices (one row per image shown), participants and "
                                   "per-clip agreement (hit rate, Krippendorff's alpha) to --out.")
    _common(p)
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the exported files")
    p.add_argument("--format", choices=["csv", "json", "both"], default="both", help="file format (default: both)")
    p.set_defaults(func=_run_export)

    p = sub.add_parser("backup", help="copy the running SQLite database safely (online backup API)",
                       description="Copy the SQLite database with SQLite's online backup API while the site runs: "
                                   "answers still in the write-ahead log are included (a plain cp can miss them). "
                                   "For PostgreSQL use pg_dump.")
    _common(p)
    p.add_argument("file", metavar="FILE", help="the backup to write (must not exist)")
    p.set_defaults(func=_run_backup)

    p = sub.add_parser("delete-participant", help="delete participants and all their answers",
                       description="Delete participants (by the user_id of the exports) with their answers, "
                                   "survey and account, e.g. when one asks to withdraw by e-mail.")
    _common(p)
    p.add_argument("user_ids", nargs="+", type=int, metavar="USER_ID")
    p.set_defaults(func=_run_delete)

    p = sub.add_parser("purge", help="remove identifiers after the retention period",
                       description="Remove usernames, passwords and recruitment-platform IDs of participants who "
                                   "finished more than --days (default: the RETENTION_DAYS setting) ago; their "
                                   "anonymous answers stay.")
    _common(p)
    p.add_argument("--days", type=float, help="retention period in days (default: $A2I_RETENTION_DAYS)")
    p.set_defaults(func=_run_purge)
