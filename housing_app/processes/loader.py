"""Load process definitions (JSON files) into the database as layout versions.

Loading is idempotent: an unchanged definition adds nothing; a changed one adds a new version
(processes already started keep the version they started on).
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from housing_app.extensions import db
from housing_app.models import LayoutVersion, Page, ProcessType, Section
from housing_app.processes.layouts import LayoutError, validate_definition

DEFINITIONS_FOLDER = Path(__file__).resolve().parent / "definitions"
SHIPPED_DEFINITIONS = ("tenancy_household_check.json", "home_check.json")


@dataclass(frozen=True)
class LoadResult:
    code: str
    version: int
    created: bool


def checksum(definition: dict) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_definition(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise LayoutError(f"{Path(path).name}: not valid JSON ({exc})") from None


def load_definition(definition: dict) -> LoadResult:
    """Validate and store a definition; the caller commits."""
    validate_definition(definition)
    digest = checksum(definition)
    process_type = db.session.scalar(db.select(ProcessType).where(ProcessType.code == definition["code"]))
    if process_type is None:
        process_type = ProcessType(code=definition["code"], name=definition["name"])
        db.session.add(process_type)
    process_type.name = definition["name"]
    process_type.description = definition.get("description")
    process_type.reference_prefix = definition["referencePrefix"]
    latest = process_type.latest_version
    if latest is not None and latest.checksum == digest:
        return LoadResult(process_type.code, latest.number, created=False)
    version = LayoutVersion(
        number=(latest.number + 1) if latest else 1, checksum=digest, definition=definition
    )
    process_type.versions.append(version)
    for section_position, section_doc in enumerate(definition["sections"]):
        section = Section(key=section_doc["key"], title=section_doc["title"], position=section_position)
        version.sections.append(section)
        for page_position, page_doc in enumerate(section_doc["pages"]):
            section.pages.append(
                Page(
                    layout_version=version,
                    key=page_doc["key"],
                    title=page_doc["title"],
                    position=page_position,
                    layout={"title": page_doc["title"], "elements": page_doc["elements"]},
                )
            )
    db.session.flush()
    return LoadResult(process_type.code, version.number, created=True)


def load_files(paths: list[Path]) -> list[LoadResult]:
    """Load several files in one transaction: any bad file loads none of them."""
    try:
        results = [load_definition(read_definition(path)) for path in paths]
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return results


def load_shipped_definitions() -> list[LoadResult]:
    return load_files([DEFINITIONS_FOLDER / name for name in SHIPPED_DEFINITIONS])
