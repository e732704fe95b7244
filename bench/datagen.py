"""A reproducible, seeded data set at council scale, bulk-loaded into SQLite or PostgreSQL.

    python -m bench.datagen --scale small --sqlite bench/data/small.sqlite
    python -m bench.datagen --scale full --postgres postgresql://postgres@127.0.0.1/test --schema bench_full

The schema is built by the app's own migrations (so the product's indexes are what is measured).
For speed the secondary indexes are dropped for the load and recreated afterwards from their own
definitions; SQLite loads with journalling off in big transactions, PostgreSQL with COPY. Both
databases receive byte-for-byte the same rows for a given seed and scale.

Contracts and activities are generated only when their tables exist, so the generator works on
any revision of the product. A JSON manifest describes what was loaded and the values the
benchmark scenarios query (ids, names, postcodes, busy targets, an API token and an officer).
"""

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

SCALES = {
    "small": {"tenures": 5_000, "contracts": 5_000, "activities": 25_000},
    "medium": {"tenures": 100_000, "contracts": 100_000, "activities": 500_000},
    "full": {"tenures": 1_000_000, "contracts": 1_000_000, "activities": 5_000_000},
}
DEFAULT_SEED = 20261123
CHUNK = 20_000
UTC = dt.UTC

# Frequent names first: weights fall off with rank (see mandelbrot_cumulative).
LAST_NAMES = (
    "Smith Jones Williams Taylor Brown Ahmed Khan Begum Patel Davies Wilson Evans Johnson Thomas "
    "Roberts Walker Wright Robinson Thompson White Hughes Edwards Green Hall Wood Harris Lewis Martin"
    " Jackson Clarke Clark Turner Hill Scott Cooper Morris Ward Moore King Watson Baker Harrison "
    "Morgan Young Allen Mitchell James Anderson Phillips Lee Bell Parker Davis Okafor Adeyemi Mensah "
    "Owusu Boateng Nwosu Yilmaz Demir Kaya Hussain Ali Rahman Islam Uddin Miah Chowdhury Singh Kaur "
    "Sharma Gupta Nguyen Tran Chen Wang Li Zhang Kowalski Nowak Silva Santos Pereira Costa Murphy "
    "Kelly O'Brien Ryan Walsh Byrne Cohen Levy Friedman Goldberg Ibrahim Mohamed Hassan Osman Abdi "
    "Farah Warsame Campbell Stewart Murray Reid Grant Francis Joseph Henry Charles Samuel Daniel"
).split(" ")
FIRST_NAMES = (
    "Mohammed Olivia Amelia Muhammad Noah Isla Ava Oliver George Leo Mia Ivy Freya Arthur Oscar "
    "Fatima Aisha Maryam Zara Ayesha Yusuf Ibrahim Adam Ali Omar Hannah Sarah Emily Grace Chloe "
    "Sophie Jessica Lucy Ruby Ella Lily Evie Poppy Daisy Alice Rosie Florence Matilda Harry Jack "
    "Charlie Jacob Thomas James William Joshua Alfie Henry Theo Archie Samuel Daniel David Michael "
    "John Peter Paul Mary Margaret Patricia Susan Linda Barbara Elizabeth Jennifer Maria Ana Chidi "
    "Ngozi Emeka Kwame Ama Kofi Abena Yaw Adebayo Funmilayo Tunde Chinedu Mehmet Ayse Fatma Emre Elif"
    " Wei Li Ming Mei Anh Linh Minh Piotr Katarzyna Agnieszka Tomasz Joao Ines Pedro Sean Siobhan "
    "Niamh Ciaran Moshe Rivka Chaim Esther Abdi Hodan Amina Hamza Bilal Rukhsana Shahana Nasrin Priya"
    " Rahul Anjali Arjun"
).split(" ")
STREETS = (
    "Mare Street, Amhurst Road, Dalston Lane, Kingsland Road, Well Street, Morning Lane, Homerton "
    "High Street, Lower Clapton Road, Stamford Hill, Stoke Newington Church Street, Green Lanes, "
    "Seven Sisters Road, Chatsworth Road, Victoria Park Road, Cassland Road, Wick Road, Hoxton "
    "Street, Pitfield Street, De Beauvoir Road, Southgate Road, Northwold Road, Clapton Common, "
    "Rectory Road, Evering Road"
).split(", ")
ESTATES = (
    "Kings Crescent Estate, Woodberry Down Estate, Nightingale Estate, Kingsmead Estate, Pembury "
    "Estate, Gascoyne Estate, Holly Street Estate, Frampton Park Estate, Banister House, Wenlock Barn"
    " Estate, Lincoln Court, Stamford Hill Estate, Fellows Court, Haggerston Estate, Colville Estate"
).split(", ")
DISTRICTS = ("E1", "E2", "E5", "E8", "E9", "E10", "N1", "N4", "N5", "N15", "N16", "EC1V", "EC2A")
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
TENURE_TYPE_WEIGHTS = {
    "SEC": 60,
    "INT": 10,
    "LEA": 12,
    "TAF": 3,
    "TGA": 2,
    "NON": 5,
    "SHO": 3,
    "FRE": 2,
    "LHS": 3,
}
CONTRACT_TYPES = ("leasehold", "serviceCharge", "managementAgreement", "rentCharge", "temporaryAccommodation")
CHARGE_FREQUENCIES = ("Weekly", "Fortnightly", "Four-weekly", "Monthly", "Quarterly", "Yearly")


def name_pool(real_names: list[str], size: int, seed: str) -> list[str]:
    """The real names first, then plausible made-up ones, so the pool has a realistic long tail."""
    rng = random.Random(seed)
    onsets = "B Br C Ch D Dr F G Gr H J K L M N P R S Sh St T Th V W Y Z".split()
    vowels = ["a", "e", "i", "o", "u", "ai", "ea", "oa", "ie"]
    endings = "n nd rd ll ton son ley by ford ham well wick more ngton ker ster ett ard ins ez ov".split()
    pool, seen = list(dict.fromkeys(real_names)), set(real_names)
    while len(pool) < size:
        name = rng.choice(onsets) + rng.choice(vowels) + rng.choice(endings)
        if rng.random() < 0.4:
            name = rng.choice(onsets) + rng.choice(vowels) + name.lower()
        if name not in seen:
            seen.add(name)
            pool.append(name)
    return pool


def mandelbrot_cumulative(n: int, offset: float) -> list[float]:
    """Cumulative weights 1/(rank + offset): a handful of names are common (the most common
    about 1% of people, as Smith is in England) and most are rare."""
    total, cumulative = 0.0, []
    for rank in range(1, n + 1):
        total += 1.0 / (rank + offset)
        cumulative.append(total)
    return cumulative


def counts_for(scale: str) -> dict:
    """The named scale, with TENURES / CONTRACTS / ACTIVITIES environment overrides."""
    counts = dict(SCALES[scale])
    for key in counts:
        if os.environ.get(key.upper()):
            counts[key] = int(os.environ[key.upper()])
    return counts


class DataSet:
    """The rows, generated lazily and identically for every database from one seed."""

    def __init__(self, counts: dict, seed: int = DEFAULT_SEED):
        self.counts = counts
        self.seed = seed
        self.base_time = dt.datetime(2026, 11, 1, tzinfo=UTC)
        # Busy targets: a few assets with many contracts, a few tenures with a long history.
        self.busy_contract_assets = max(2, min(20, counts["contracts"] // 250))
        self.contracts_per_busy_asset = max(20, min(500, counts["contracts"] // 100))
        self.busy_activity_targets = max(2, min(10, counts["activities"] // 5000))
        self.activities_per_busy_target = max(200, min(10_000, counts["activities"] // 500))
        # Filled while tenures are generated, read by the later tables and the manifest.
        self.tenure_ids: list[uuid.UUID] = []
        self.asset_ids: list[uuid.UUID] = []
        self.person_ids_sample: list[uuid.UUID] = []
        self.tenures_by_last_name: Counter = Counter()
        self.probes: dict = {}

    @staticmethod
    def uuid_from(rng: random.Random) -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    # -- tenures and household members --------------------------------------------------------
    def tenure_chunks(self):
        """Yield (tenure rows, household member rows, name key rows) in chunks. One person in
        twenty has a middle name, so some full names have three words."""
        rng = random.Random(f"{self.seed}-tenures")
        last_names = name_pool(LAST_NAMES, 4000, f"{self.seed}-last-names")
        first_names = name_pool(FIRST_NAMES, 1500, f"{self.seed}-first-names")
        last_cum = mandelbrot_cumulative(len(last_names), 20)
        first_cum = mandelbrot_cumulative(len(first_names), 8)
        type_codes, type_weights = zip(*TENURE_TYPE_WEIGHTS.items(), strict=True)
        from housing_app.models.tenures import TENURE_TYPES, link_name_keys, name_key_rows, normalise_postcode

        probe_every = max(1, self.counts["tenures"] // 2000)
        probes = {
            "tenureIds": [],
            "lastNames": [],
            "firstNamePrefixes": [],
            "postcodes": [],
            "sixMemberTenureIds": [],
        }
        tenures, members, name_keys = [], [], []
        for index in range(self.counts["tenures"]):
            tenure_id, asset_id = self.uuid_from(rng), self.uuid_from(rng)
            self.tenure_ids.append(tenure_id)
            self.asset_ids.append(asset_id)
            district = DISTRICTS[int(rng.random() * len(DISTRICTS))]
            postcode = (
                f"{district} {rng.randint(0, 9)}{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
            )
            start = dt.date(1980, 1, 1) + dt.timedelta(days=rng.randint(0, 16_700))
            terminated = rng.random() < 0.18
            code = rng.choices(type_codes, type_weights)[0]
            created = self.base_time - dt.timedelta(seconds=rng.randint(0, 300_000_000))
            flat = rng.randint(1, 140)
            address = (
                f"Flat {flat}, {rng.randint(1, 120)} {rng.choice(STREETS)}, London {postcode}"
                if rng.random() < 0.5
                else f"Flat {flat}, {rng.choice(ESTATES)}, London {postcode}"
            )
            rent = round(rng.uniform(80, 260), 2)
            tenures.append(
                {
                    "id": tenure_id,
                    "payment_reference": f"{rng.randint(10**9, 10**10 - 1)}",
                    "asset_id": asset_id,
                    "asset_type": "Dwelling",
                    "asset_full_address": address,
                    "asset_uprn": f"{rng.randint(10**10, 10**11 - 1)}",
                    "asset_postcode": postcode,
                    "postcode_normalised": normalise_postcode(postcode),
                    "charges": {
                        "rent": rent,
                        "currentBalance": round(rng.uniform(-400, 1200), 2),
                        "billingFrequency": "Weekly",
                        "serviceCharge": round(rng.uniform(0, 40), 2),
                        "otherCharges": 0,
                        "combinedServiceCharges": 0,
                        "combinedRentCharges": rent,
                        "tenancyInsuranceCharge": 0,
                        "originalRentCharge": rent,
                        "originalServiceCharge": 0,
                    },
                    "start_of_tenure_date": start,
                    "end_of_tenure_date": start + dt.timedelta(days=rng.randint(200, 9000))
                    if terminated
                    else None,
                    "tenure_type_code": code,
                    "tenure_type_description": TENURE_TYPES[code],
                    "is_tenanted": not terminated,
                    "is_terminated": terminated,
                    "reason_for_termination": "Moved out" if terminated else None,
                    "notices": [],
                    "legacy_references": [{"name": "uh_tag_ref", "value": f"{index:08d}/01"}],
                    "is_mutual_exchange": rng.random() < 0.02,
                    "inform_housing_benefits_for_changes": rng.random() < 0.3,
                    "is_sublet": False,
                    "version": 1,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            family_name = rng.choices(last_names, cum_weights=last_cum)[0]
            seen_last_names = set()
            size = rng.randint(1, 6)
            if size == 6 and len(probes["sixMemberTenureIds"]) < 20:
                probes["sixMemberTenureIds"].append(str(tenure_id))
            tenure_keys = []
            for position in range(size):
                last = family_name if rng.random() < 0.8 else rng.choices(last_names, cum_weights=last_cum)[0]
                first = rng.choices(first_names, cum_weights=first_cum)[0]
                person_id = self.uuid_from(rng)
                full_name = f"{first} {last}"
                if rng.random() < 0.05:
                    full_name = f"{first} {rng.choices(first_names, cum_weights=first_cum)[0]} {last}"
                tenure_keys.extend(
                    name_key_rows(
                        tenure_id,
                        person_id,
                        full_name,
                        tenures[-1]["postcode_normalised"],
                        tenures[-1]["asset_full_address"],
                    )
                )
                members.append(
                    {
                        "tenure_id": tenure_id,
                        "id": person_id,
                        "type": "person",
                        "full_name": full_name,
                        "is_responsible": position == 0,
                        "date_of_birth": dt.date(1935, 1, 1) + dt.timedelta(days=rng.randint(0, 31_000)),
                        "person_tenure_type": "Tenant" if position == 0 else "HouseholdMember",
                        "search_first_name": first.lower(),
                        "search_last_name": last.lower(),
                    }
                )
                seen_last_names.add(last.lower())
                if index % probe_every == 0 and position == 0:
                    probes["lastNames"].append(last)
                    probes["firstNamePrefixes"].append(first[:3].lower())
                    self.person_ids_sample.append(person_id)
            name_keys.extend(link_name_keys(tenure_keys))
            self.tenures_by_last_name.update(seen_last_names)
            if index % probe_every == 0:
                probes["tenureIds"].append(str(tenure_id))
                probes["postcodes"].append(postcode)
            if len(tenures) >= CHUNK:
                yield tenures, members, name_keys
                tenures, members, name_keys = [], [], []
        if tenures:
            yield tenures, members, name_keys
        common, common_count = self.tenures_by_last_name.most_common(1)[0]
        probes["deepSearch"] = {"lastName": common, "count": common_count}
        self.probes.update(probes)

    # -- contracts ----------------------------------------------------------------------------
    def contract_chunks(self, columns: set[str]):
        """Yield {table: rows} for contracts and, when the model keeps them as child rows,
        their related people and charges."""
        rng = random.Random(f"{self.seed}-contracts")
        busy_assets = self.asset_ids[: self.busy_contract_assets]
        busy_total = len(busy_assets) * self.contracts_per_busy_asset
        self.probes["busyContractTargets"] = [str(a) for a in busy_assets]
        self.probes["contractsPerBusyTarget"] = self.contracts_per_busy_asset
        chunk = {"contracts": [], "contract_related_people": [], "contract_charges": []}
        for index in range(self.counts["contracts"]):
            if index < busy_total:
                target = busy_assets[index // self.contracts_per_busy_asset]
            else:
                target = self.asset_ids[rng.randrange(len(self.asset_ids))]
            contract, people, charges = self.contract_rows(rng, target, columns)
            chunk["contracts"].append(contract)
            chunk["contract_related_people"].extend(people)
            chunk["contract_charges"].extend(charges)
            if len(chunk["contracts"]) >= CHUNK:
                yield chunk
                chunk = {name: [] for name in chunk}
        if chunk["contracts"]:
            yield chunk

    def contract_rows(self, rng: random.Random, target: uuid.UUID, columns: set[str]):
        start = dt.datetime(2000, 1, 1, tzinfo=UTC) + dt.timedelta(days=rng.randint(0, 9000))
        created = self.base_time - dt.timedelta(
            seconds=rng.randint(0, 200_000_000), microseconds=rng.randint(0, 999_999)
        )
        contract_id = self.uuid_from(rng)
        charges = [
            {
                "id": self.uuid_from(rng),
                "contract_id": contract_id,
                "position": position,
                "type": "serviceCharge",
                "sub_type": "estateCleaning",
                "frequency": rng.choice(CHARGE_FREQUENCIES),
                "amount": round(rng.uniform(5, 900), 2),
            }
            for position in range(rng.randint(1, 2))
        ]
        people = [
            {
                "id": self.uuid_from(rng),
                "contract_id": contract_id,
                "position": 0,
                "type": "person",
                "sub_type": "leaseholder",
                "name": "Related person",
                "is_responsible": True,
                "related_id": self.uuid_from(rng),
            }
        ]
        row = {
            "id": contract_id,
            "target_id": target,
            "target_type": "asset",
            "contract_type": rng.choice(CONTRACT_TYPES),
            "start_date": start,
            "end_date": start + dt.timedelta(days=rng.randint(365, 9000)),
            "renewal_date": None,
            "approval_date": start - dt.timedelta(days=rng.randint(1, 60)),
            "version_number": 0,
            "funding_source": "HRA",
            "cost_centre": f"H{rng.randint(1000, 9999)}",
            "lha_area": "Inner North London",
            "lha_rate": round(rng.uniform(200, 450), 2),
            "is_active": rng.random() < 0.8,
            "is_vat_registered": rng.random() < 0.1,
            "stage": rng.randint(1, 4),
            "created_at": created,
            "updated_at": created,
        }
        # A model keeping related people and charges as JSON documents gets them inline.
        if "charges" in columns:
            row["charges"] = [{**c, "id": str(c["id"]), "contract_id": None} for c in charges]
        if "related_people" in columns:
            row["related_people"] = [
                {**p, "id": str(p["id"]), "related_id": str(p["related_id"])} for p in people
            ]
        return row, people, charges

    # -- activities ---------------------------------------------------------------------------
    def activity_chunks(self):
        rng = random.Random(f"{self.seed}-activities")
        busy = self.tenure_ids[-self.busy_activity_targets :]
        busy_total = len(busy) * self.activities_per_busy_target
        self.probes["busyActivityTargets"] = [str(t) for t in busy]
        self.probes["activitiesPerBusyTarget"] = self.activities_per_busy_target
        authors = [(self.uuid_from(rng), f"Officer {n}", f"officer{n}@hackney.example") for n in range(50)]
        rows = []
        for index in range(self.counts["activities"]):
            if index < busy_total:
                target, target_type = busy[index // self.activities_per_busy_target], "tenure"
            elif rng.random() < 0.85:
                target, target_type = self.tenure_ids[rng.randrange(len(self.tenure_ids))], "tenure"
            else:
                target = self.person_ids_sample[rng.randrange(len(self.person_ids_sample))]
                target_type = "person"
            author = authors[rng.randrange(len(authors))]
            kind = "create" if rng.random() < 0.1 else "update"
            created = self.base_time - dt.timedelta(
                seconds=rng.randint(0, 300_000_000), microseconds=rng.randint(0, 999_999)
            )
            rows.append(
                {
                    "id": self.uuid_from(rng),
                    "type": kind,
                    "target_type": target_type,
                    "target_id": target,
                    "created_at": created,
                    "old_data": None
                    if kind == "create"
                    else {"paymentReference": f"{rng.randint(10**9, 10**10)}"},
                    "new_data": {"paymentReference": f"{rng.randint(10**9, 10**10)}"},
                    "author_id": author[0],
                    "author_full_name": author[1],
                    "author_email": author[2],
                }
            )
            if len(rows) >= CHUNK:
                yield rows
                rows = []
        if rows:
            yield rows


# -- encoding rows for each database ------------------------------------------------------------
def column_kind(column: sa.Column) -> str:
    column_type = column.type
    if isinstance(column_type, sa.TypeDecorator):
        column_type = column_type.impl
    for kind, types in (
        ("json", (sa.JSON,)),
        ("uuid", (sa.Uuid,)),
        ("datetime", (sa.DateTime,)),
        ("date", (sa.Date,)),
        ("bool", (sa.Boolean,)),
        ("int", (sa.Integer,)),
        ("number", (sa.Numeric, sa.Float)),
    ):
        if isinstance(column_type, types):
            return kind
    return "text"


FILLERS = {
    "json": {},
    "uuid": uuid.UUID(int=0),
    "datetime": dt.datetime(2026, 1, 1, tzinfo=UTC),
    "date": dt.date(2026, 1, 1),
    "bool": False,
    "int": 0,
    "number": 0,
    "text": "",
}


# How each kind of value is written: SQLAlchemy's SQLite storage formats (UUID as 32 hex digits,
# naive UTC timestamps with microseconds, 0/1 booleans, JSON text) and PostgreSQL's COPY text
# format. `{v}` is the value; generated datetimes are already in UTC.
def utc_datetime(value) -> dt.datetime:
    """Datetimes as UTC; a plain date is that day's midnight UTC."""
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value.astimezone(UTC)


SQLITE_EXPRESSIONS = {
    "uuid": "{v}.hex",
    "datetime": "utc_datetime({v}).replace(tzinfo=None).isoformat(' ', 'microseconds')",
    "date": "{v}.isoformat()",
    "bool": "(1 if {v} else 0)",
    "json": "dumps({v})",
}
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_EXPRESSIONS = {
    "uuid": "str({v})",
    "datetime": "utc_datetime({v}).isoformat()",
    "date": "{v}.isoformat()",
    "bool": "('t' if {v} else 'f')",
    "json": "dumps({v}).translate(ESCAPES)",
    "int": "str({v})",
    "number": "str({v})",
    "text": "str({v}).translate(ESCAPES)",
}


class TableShape:
    """A table's columns in order and a compiled function encoding a row dict for each database.

    Columns the generator does not know get None, or a filler when they are required."""

    def __init__(self, table: sa.Table):
        self.name = table.name
        self.columns = [c.name for c in table.columns]
        kinds = [column_kind(c) for c in table.columns]
        required = [not c.nullable and c.server_default is None for c in table.columns]
        self.sqlite_row = self._compile(kinds, required, SQLITE_EXPRESSIONS, "None")
        self.copy_row = self._compile(kinds, required, COPY_EXPRESSIONS, "'\\\\N'")

    def _compile(self, kinds, required, expressions, null):
        parts, namespace = [], {"dumps": json.dumps, "ESCAPES": COPY_ESCAPES, "utc_datetime": utc_datetime}
        for index, (name, kind, must) in enumerate(zip(self.columns, kinds, required, strict=True)):
            expression = expressions.get(kind, "{v}").format(v=f"v{index}")
            if must:  # the filler, encoded once
                filler_expression = expression.replace(f"v{index}", "FILLER")
                filler_namespace = {**namespace, "FILLER": FILLERS[kind]}
                namespace[f"FILL{index}"] = eval(filler_expression, filler_namespace)  # noqa: S307
            fallback = f"FILL{index}" if must else null
            parts.append(f"({expression} if (v{index} := row.get({name!r})) is not None else {fallback})")
        source = "def encode(row):\n    return (" + ", ".join(parts) + ",)\n"
        exec(compile(source, f"<encode {self.name}>", "exec"), namespace)  # noqa: S102 - our own column names
        return namespace["encode"]


class SqliteLoader:
    name = "sqlite"

    def __init__(self, path: Path):
        self.path = path.resolve()
        self.connection = None
        self.saved_indexes: list[tuple[str, str]] = []

    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def prepare_fresh(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def begin_load(self, tables: list[str]) -> None:
        self.connection = sqlite3.connect(self.path, isolation_level=None)
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            "cache_size = -1048576",
            "temp_store = MEMORY",
            "locking_mode = EXCLUSIVE",
        ):
            self.connection.execute(f"PRAGMA {pragma}")
        placeholders = ",".join("?" * len(tables))
        self.saved_indexes = self.connection.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
            f"AND tbl_name IN ({placeholders})",
            tables,
        ).fetchall()
        for name, _sql in self.saved_indexes:
            self.connection.execute(f'DROP INDEX "{name}"')
        self.connection.execute("BEGIN")

    def write(self, shape: TableShape, rows: list[dict]) -> None:
        placeholders = ", ".join("?" * len(shape.columns))
        sql = f'INSERT INTO "{shape.name}" ({", ".join(shape.columns)}) VALUES ({placeholders})'  # noqa: S608
        self.connection.executemany(sql, map(shape.sqlite_row, rows))

    def end_load(self) -> float:
        self.connection.execute("COMMIT")
        started = time.perf_counter()
        for _name, sql in self.saved_indexes:
            self.connection.execute(sql)
        self.connection.execute("ANALYZE")
        self.connection.execute("PRAGMA locking_mode = NORMAL")
        self.connection.execute("PRAGMA journal_mode = DELETE")
        self.connection.close()
        return time.perf_counter() - started


class PostgresLoader:
    name = "postgresql"

    def __init__(self, url: str, schema: str):
        self.base_url = url
        self.schema = schema
        self.connection = None
        self.saved_indexes: list[tuple[str, str]] = []

    def url(self) -> str:
        return sqlalchemy_postgres_url(self.base_url, self.schema)

    def connect(self):
        import psycopg

        libpq_url = self.base_url.replace("postgresql+psycopg://", "postgresql://")
        return psycopg.connect(libpq_url, autocommit=True, options=f"-csearch_path={self.schema}")

    def prepare_fresh(self) -> None:
        with self.connect() as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            connection.execute(f'CREATE SCHEMA "{self.schema}"')

    def begin_load(self, tables: list[str]) -> None:
        self.connection = self.connect()
        # Secondary indexes only; those backing primary keys and unique constraints stay.
        self.saved_indexes = self.connection.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = %s AND i.tablename = ANY(%s) AND NOT EXISTS ("
            " SELECT 1 FROM pg_constraint c JOIN pg_class ic ON ic.oid = c.conindid "
            " WHERE ic.relname = i.indexname AND c.connamespace = (SELECT oid FROM pg_namespace "
            " WHERE nspname = %s))",
            (self.schema, tables, self.schema),
        ).fetchall()
        for name, _definition in self.saved_indexes:
            self.connection.execute(f'DROP INDEX "{self.schema}"."{name}"')
        # Rows are consistent by construction: skip per-row foreign key triggers for the load.
        self.connection.execute("SET session_replication_role = replica")
        self.connection.execute("SET maintenance_work_mem = '512MB'")

    def write(self, shape: TableShape, rows: list[dict]) -> None:
        lines = "".join("\t".join(shape.copy_row(row)) + "\n" for row in rows).encode()
        columns = ", ".join(f'"{c}"' for c in shape.columns)
        with (
            self.connection.cursor() as cursor,
            cursor.copy(f'COPY "{shape.name}" ({columns}) FROM STDIN') as copy,
        ):
            copy.write(lines)

    def end_load(self) -> float:
        started = time.perf_counter()
        self.connection.execute("SET session_replication_role = origin")
        for _name, definition in self.saved_indexes:
            self.connection.execute(definition)
        self.connection.execute("VACUUM ANALYZE")
        self.connection.close()
        return time.perf_counter() - started


def sqlalchemy_postgres_url(url: str, schema: str) -> str:
    """A SQLAlchemy URL for psycopg 3 whose connections use `schema`."""
    url = url.replace("postgresql+psycopg://", "postgresql://").replace("postgres://", "postgresql://")
    separator = "&" if "?" in url else "?"
    return (
        url.replace("postgresql://", "postgresql+psycopg://", 1)
        + f"{separator}options=-csearch_path%3D{schema}"
    )


def bench_app(database_url: str):
    from housing_app import create_app

    return create_app(
        {
            "ENVIRONMENT": "production",
            "SECRET_KEY": "bench-only-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LOG_LEVEL": "WARNING",
        }
    )


def migrate(database_url: str) -> list[str]:
    """Build the schema with the app's migrations; return the tables it made."""
    from flask_migrate import upgrade

    from housing_app.extensions import db

    app = bench_app(database_url)
    with app.app_context():
        upgrade()
        tables = sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
    return tables


def add_credentials(database_url: str, seed: int) -> dict:
    """An officer to sign in as and an API token with every scope, for the load generator."""
    from housing_app.api.auth import SCOPES
    from housing_app.extensions import db
    from housing_app.models import ApiToken, User

    app = bench_app(database_url)
    password = f"bench-password-{seed}"
    email = "bench.officer@hackney.example"
    with app.app_context():
        user = User(email=email, name="Bench Officer", role="officer", team="Bench")
        user.set_password(password)
        token, secret = ApiToken.issue("bench load generator", list(SCOPES))
        db.session.add_all([user, token])
        db.session.commit()
        db.engine.dispose()
    return {"email": email, "password": password, "token": secret}


def add_tenure_documents(tenures: list[dict], members: list[dict]) -> None:
    """Each tenure's stored API document, made by the product's own function (as the product
    keeps it on every write), from the generated rows."""
    from types import SimpleNamespace

    from housing_app.services.tenure_documents import DOCUMENT_FIELDS, document_for

    households: dict = {tenure["id"]: [] for tenure in tenures}
    for member in members:
        households[member["tenure_id"]].append(SimpleNamespace(**member))
    for tenure in tenures:
        fields = {column: tenure.get(column) for column in DOCUMENT_FIELDS}  # isActive: not stored
        tenure["api_document"] = document_for(
            SimpleNamespace(**fields, is_active=None, household_members=households[tenure["id"]])
        )


def load(loader, counts: dict, seed: int, log=print) -> dict:
    """Generate and load the data set into one database; return the manifest."""
    return load_many([loader], counts, seed, log=log)[0]


def load_many(loaders: list, counts: dict, seed: int, log=print) -> list[dict]:
    """Generate the data set once and load every chunk into each database in turn (so a run on
    SQLite and PostgreSQL pays for generating the rows once). Returns one manifest per loader:
    `writeSeconds` is the time spent writing into that database, `generateSeconds` the time
    spent making the rows (shared), `loadSeconds` the whole load as a person waits for it."""
    from housing_app.extensions import db

    tables = None
    for loader in loaders:
        loader.prepare_fresh()
        made = set(migrate(loader.url()))
        tables = made if tables is None else tables & made
    metadata = db.metadata
    data = DataSet(counts, seed)
    wanted = [
        t
        for t in (
            "tenures",
            "household_members",
            "household_member_name_keys",
            "contracts",
            "contract_related_people",
            "contract_charges",
            "activities",
        )
        if t in tables
    ]
    skipped = [t for t in ("contracts", "activities") if t not in tables]
    for table in skipped:
        log(f"note: table {table} does not exist at this revision; not generated")
    shapes = {name: TableShape(metadata.tables[name]) for name in wanted if name in metadata.tables}
    rows_loaded: Counter = Counter()
    write_seconds: Counter = Counter()
    names = "+".join(loader.name for loader in loaders)
    started = time.perf_counter()
    for loader in loaders:
        loader.begin_load(list(shapes))

    def write(table, rows):
        for loader in loaders:
            began = time.perf_counter()
            loader.write(shapes[table], rows)
            write_seconds[loader.name] += time.perf_counter() - began
        before = rows_loaded[table]
        rows_loaded[table] += len(rows)
        if rows_loaded[table] // 500_000 != before // 500_000:
            log(f"{names}: {table} {rows_loaded[table]:,} rows ({time.perf_counter() - started:.0f} s)")

    with_documents = "api_document" in shapes["tenures"].columns
    for tenures, members, name_keys in data.tenure_chunks():
        if with_documents:
            add_tenure_documents(tenures, members)
        write("tenures", tenures)
        write("household_members", members)
        if "household_member_name_keys" in shapes:
            write("household_member_name_keys", name_keys)
    if "contracts" in shapes:
        for chunk in data.contract_chunks(set(shapes["contracts"].columns)):
            for table, rows in chunk.items():
                if table in shapes and rows:
                    write(table, rows)
    if "activities" in shapes:
        for rows in data.activity_chunks():
            write("activities", rows)
    insert_seconds = time.perf_counter() - started
    generate_seconds = insert_seconds - sum(write_seconds.values())
    total_rows = sum(rows_loaded.values())
    manifests = []
    for loader in loaders:
        index_seconds = loader.end_load()
        if "name_prefix_counts" in tables:
            index_seconds += count_prefixes(loader.url())
        total_seconds = time.perf_counter() - started
        own_seconds = generate_seconds + write_seconds[loader.name] + index_seconds
        log(
            f"{loader.name}: {total_rows:,} rows; generating {generate_seconds:.1f} s, writing "
            f"{write_seconds[loader.name]:.1f} s, indexes and analyse {index_seconds:.1f} s "
            f"({total_rows / own_seconds:,.0f} rows/s)"
        )
        manifests.append(
            {
                "database": loader.name,
                "url": loader.url(),
                "seed": seed,
                "counts": counts,
                "rows": dict(rows_loaded),
                "skippedTables": skipped,
                # This database's own share: generating the rows, writing them, indexing.
                "loadSeconds": round(own_seconds, 2),
                "generateSeconds": round(generate_seconds, 2),
                "writeSeconds": round(write_seconds[loader.name], 2),
                "insertSeconds": round(generate_seconds + write_seconds[loader.name], 2),
                "indexSeconds": round(index_seconds, 2),
                "rowsPerSecond": round(total_rows / own_seconds),
                "loadedTogetherWith": [other.name for other in loaders if other is not loader],
                "wallSeconds": round(total_seconds, 2),
                "probes": data.probes,
                "credentials": add_credentials(loader.url(), seed),
            }
        )
    return manifests


def count_prefixes(url: str) -> float:
    """The search totals the product keeps (name_prefix_counts), counted from the loaded keys
    by the product's own function; returns the seconds it took."""
    import sqlalchemy as sa

    from housing_app.models.tenures import count_name_prefixes

    started = time.perf_counter()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        count_name_prefixes(connection)
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("ANALYZE name_prefix_counts"))
    engine.dispose()
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default=os.environ.get("SCALE", "small"), choices=sorted(SCALES))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--sqlite", type=Path, help="SQLite file to (re)create")
    parser.add_argument("--postgres", help="PostgreSQL URL (a fresh schema is made in it)")
    parser.add_argument("--schema", help="PostgreSQL schema name (default bench_<scale>)")
    parser.add_argument("--manifest", type=Path, required=True, help="where to write the manifest JSON")
    args = parser.parse_args(argv)
    if bool(args.sqlite) == bool(args.postgres):
        parser.error("give exactly one of --sqlite or --postgres")
    counts = counts_for(args.scale)
    if args.sqlite:
        loader = SqliteLoader(args.sqlite)
    else:
        loader = PostgresLoader(args.postgres, args.schema or f"bench_{args.scale}")
    manifest = load(loader, counts, args.seed, log=lambda m: print(m, file=sys.stderr, flush=True))
    manifest["scale"] = args.scale
    args.manifest.parent.mkdir(parents=True, exist_ok=True)
    args.manifest.write_text(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
