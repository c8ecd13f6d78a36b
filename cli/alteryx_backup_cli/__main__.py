"""``python -m alteryx_backup_cli``: the same as the ``alteryx-backup`` command."""

from alteryx_backup_cli.main import main

raise SystemExit(main())
