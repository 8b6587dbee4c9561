"""The shared shape of the import_* management commands: parse, call the service, print a summary."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from .errors import ImportFileError
from .services import ImportResult, file_import

ERRORS_SHOWN = 20


def errors_default_path(path: Path) -> Path:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "var" / "import-errors" / f"{path.stem}-{stamp}.errors.csv"


class ImportCommand(BaseCommand):
    entity = ""

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="CSV or XLSX file, header in the first row")
        parser.add_argument("--mapping", metavar="MAPPING.json", help="field mapping (docs/mapping.md)")
        parser.add_argument(
            "--source-system",
            metavar="NAME",
            help='system the external ids belong to (default: the mapping\'s "source_system", else "crm")',
        )
        parser.add_argument(
            "--errors",
            metavar="OUT.csv",
            help="where to write the refused rows (default: var/import-errors/FILE-<time>.errors.csv)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count, then roll back")

    def handle(self, *args, **options):
        path = Path(options["file"])
        errors_path = Path(options["errors"]) if options["errors"] else errors_default_path(path)
        try:
            result = file_import(
                entity=self.entity,
                path=path,
                mapping=options["mapping"],
                source_system=options["source_system"],
                dry_run=options["dry_run"],
                errors_path=errors_path,
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            # The rows are saved by then; only the report of the refused ones could not be written.
            raise CommandError(
                f"{path} was imported, but the errors CSV {errors_path} cannot be written: {error.strerror}"
            ) from None
        except DatabaseError as error:
            raise CommandError(
                f"{path}: the database refused the import, nothing was saved: {error}"
            ) from None
        self.summary(result)

    def summary(self, result: ImportResult) -> None:
        out = self.stdout
        for warning in result.warnings:
            out.write(self.style.WARNING(f"warning: {warning}"))
        for error in result.errors[:ERRORS_SHOWN]:
            out.write(self.style.ERROR(str(error)))
        if len(result.errors) > ERRORS_SHOWN:
            out.write(f"... and {len(result.errors) - ERRORS_SHOWN} more errors in the errors CSV")
        verb = "would be " if result.dry_run else ""
        out.write(
            f"{result.path}: {result.rows_read} rows read; {verb}created {result.created}, "
            f"{verb}updated {result.updated}, unchanged {result.unchanged}, rejected {result.rejected} "
            f"({result.entity}s, source system {result.source_system!r})"
        )
        if result.errors_path:
            out.write(f"errors CSV: {result.errors_path}")
        if result.dry_run:
            out.write("dry run: nothing was saved")
        out.write(f"{result.seconds:.2f} s, {result.rows_per_s:,.0f} rows/s")
