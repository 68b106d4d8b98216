"""The setup steps ``navigator run``, ``navigator setup`` and ``navigator telegram poll`` share:
migrate, load a directory (the bundled sample when empty), train."""
from __future__ import annotations

import sys
from pathlib import Path


def _load(path) -> int:
    from bot.db import session_factory
    from bot.directory.importer import import_path
    from bot.directory.loader import ImportFileError

    try:
        report = import_path(session_factory(), path, progress=True)
    except ImportFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    groups = report.problem_groups()
    if len(groups) > 1 or groups and groups[0][1] > 1:
        for reason, count in groups:
            print(f"  {count:>6} x {reason}")
    problems = report.skipped + report.row_problems
    for rid, reason in problems[:50]:
        print(f"  skipped {rid}: {reason}")
    if len(problems) > 50:
        print(f"  ... and {len(problems) - 50} more")
    return 0


def cmd_load_sample(_args) -> int:
    from bot.directory.loader import sample_directory_path

    return _load(sample_directory_path())


def cmd_import(args) -> int:
    """Import an HSDS 3.0 JSON file, a tabular datapackage (directory or datapackage.json) or
    an Open Referral UK feed by URL."""
    source = args.file
    return _load(source if source.lower().startswith(("http://", "https://")) else Path(source))


def cmd_setup(_args) -> int:
    from bot.db import session_factory
    from bot.directory.loader import sample_directory_path, service_count
    from bot.migrate import upgrade

    upgrade()
    with session_factory()() as s:
        empty = service_count(s) == 0
    if empty:
        return _load(sample_directory_path())
    print("directory already has services; not loading the sample")
    return 0


def cmd_train(args) -> int:
    from app.process import train

    return train(force=args.force)
