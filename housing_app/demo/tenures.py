"""A few thousand realistic, generated tenures for trying the app (never real residents).

Reproducible: the same seed always gives the same tenures, ids included, dated from a fixed
reference day. Idempotent: a seed already loaded is not loaded again. Fast: rows are built in
Python and inserted in bulk, as `make run` loads them every time.
"""

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from housing_app.extensions import db
from housing_app.models import Activity, HouseholdMember, Tenure
from housing_app.models.tenures import (
    TENURE_TYPES,
    HouseholdMemberNameKey,
    count_name_prefixes,
    link_name_keys,
    name_key_rows,
    normalise_postcode,
)
from housing_app.services.tenure_documents import fill_missing_documents

DEFAULT_COUNT = 3000
REFERENCE_DAY = date(2026, 11, 1)  # "today" for the generated dates, so they never drift


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = words(
    "Aaliyah Abdul Ada Adebayo Adriana Ahmed Aisha Alfie Ali Amara Amelia Amina Anan Andrzej Anthony "
    "Arjun Aryan Ayse Bashir Beatrice Ben Bilal Blessing Bogdan Chanel Charlie Chidi Chloe Chukwuemeka "
    "Connor Daniel Deborah Declan Delroy Dev Dylan Efua Elif Ella Emeka Emine Emre Esther Fatima Femi "
    "Finn Florence Funmi Grace Hannah Hao Harry Hassan Ibrahim Ifeoma Imran Isaac Isla Ivy Jamal Jasmine "
    "Jerome Jessica Joanna Joseph Kacper Kai Kemal Kofi Lakshmi Leah Leon Lily Linh Lucy Mahmoud Maja "
    "Marcus Maria Marlon Mary Mehmet Mei Mohammed Musa Nadia Nasra Nathan Nia Noah Nuala Olu Oscar Patrice "
    "Patrick Priya Rahima Rashid Rebecca Reuben Rhys Rivka Rosa Ruth Sadia Samuel Sana Sarah Shanice Shlomo "
    "Siobhan Sofia Stanislaw Tariq Thomas Tomasz Tunde Valentina Vikram Winston Yetunde Yusuf Zainab "
    "Zeynep Zofia"
)

LAST_NAMES = words(
    "Abubakar Adeyemi Ahmed Akhtar Ali Anderson Appiah Arslan Asante Baker Begum Bennett Boateng Brown "
    "Campbell Chaudhry Chen Clarke Cohen Collins Davies Demir Edwards Evans Farah Fernandes "
    "Friedman Garcia Goldberg Green Hall Hassan Hernandez Hoang Hughes Hussain Ibrahim Islam Jackson James "
    "Johnson Jones Kaya Kelly Khan Kowalski Kumar Lewis Lopez Mahmood Malik Martin Mensah Miah Mohamed "
    "Morris Murphy Nguyen Nowak Obi O'Brien Okafor Okonkwo Oyelaran Patel Pereira Phillips Reid Richards "
    "Robinson Rossi Rahman Roberts Sahin Santos Schwartz Scott Shah Singh Smith Taylor Thomas Thompson Tran "
    "Uddin Walker Ward White Williams Wilson Wisniewski Wright Yilmaz Young"
)
DOUBLE_BARRELLED = ("Da Silva", "De Souza", "Van der Berg", "Ní Bhriain", "Abdi Warsame")

STREETS = (
    ("Mare Street", "E8"),
    ("Amhurst Road", "E8"),
    ("Dalston Lane", "E8"),
    ("Graham Road", "E8"),
    ("Homerton High Street", "E9"),
    ("Morning Lane", "E9"),
    ("Well Street", "E9"),
    ("Victoria Park Road", "E9"),
    ("Chatsworth Road", "E5"),
    ("Lower Clapton Road", "E5"),
    ("Rushmore Road", "E5"),
    ("Mount Pleasant Lane", "E5"),
    ("Stoke Newington High Street", "N16"),
    ("Albion Road", "N16"),
    ("Church Street", "N16"),
    ("Kingsland Road", "E2"),
    ("Hoxton Street", "N1"),
    ("Pitfield Street", "N1"),
    ("Englefield Road", "N1"),
    ("Green Lanes", "N4"),
    ("Seven Sisters Road", "N4"),
    ("Woodberry Grove", "N4"),
    ("Hackney Road", "E2"),
    ("Columbia Road", "E2"),
)
BLOCKS = (
    "Banister House",
    "Bannister Court",
    "Nightingale House",
    "Kingshold Estate",
    "Pembury House",
    "Holly Street Tower",
    "Wenlock Barn",
    "Woodberry Down",
    "Frampton Park",
    "Gascoyne House",
    "Trowbridge House",
    "Lea View",
    "Nisbet House",
    "Mabley Court",
    "Rowe House",
    "Sutton House",
    "Colville House",
    "Haggerston West",
)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters postcodes use after the digit
TYPE_WEIGHTS = {
    "SEC": 52,
    "INT": 10,
    "LEA": 12,
    "NON": 4,
    "TAF": 2,
    "LTA": 3,
    "SHO": 4,
    "FRE": 2,
    "PVG": 3,
    "DEC": 1,
    "HAL": 2,
    "TBB": 1,
    "TGA": 1,
    "SPS": 1,
    "COM": 1,
    "ASY": 1,
}
RESPONSIBLE_ROLE = {
    "LEA": "Leaseholder",
    "FRE": "Freeholder",
    "SHO": "SharedOwner",
    "SPS": "SharedOwner",
    "LTA": "Licensee",
    "TAF": "Licensee",
    "TBB": "Licensee",
    "TGA": "Licensee",
}
TERMINATION_REASONS = (
    "Tenant deceased",
    "Notice to quit served by tenant",
    "Eviction",
    "Transfer",
    "Mutual exchange",
)


def demo_tenure_rows(seed: int, count: int = DEFAULT_COUNT) -> tuple[list[dict], list[dict]]:
    """(tenure rows, household member rows) for a bulk insert; the same for the same seed."""
    rng = random.Random(seed)
    codes, weights = zip(*TYPE_WEIGHTS.items(), strict=True)
    tenures, members = [], []
    for number in range(count):
        code = rng.choices(codes, weights)[0]
        tenure_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        street, outward = rng.choice(STREETS)
        postcode = f"{outward} {rng.randint(1, 9)}{''.join(rng.choices(INWARD_LETTERS, k=2))}"
        if code == "PVG":
            address, asset_type = (
                f"Garage {rng.randint(1, 60)}, {rng.choice(BLOCKS)}, {street}, London {postcode}",
                "Garage",
            )
        elif rng.random() < 0.7:
            address = f"Flat {rng.randint(1, 120)}, {rng.choice(BLOCKS)}, {street}, London {postcode}"
            asset_type = "Dwelling"
        else:
            address, asset_type = f"{rng.randint(1, 250)} {street}, London {postcode}", "Dwelling"

        start = REFERENCE_DAY - timedelta(days=rng.randint(30, 40 * 365))
        former = rng.random() < 0.22
        end = terminated = None
        if former:
            end = start + timedelta(days=rng.randint(180, max(181, (REFERENCE_DAY - start).days - 1)))
            end = min(end, REFERENCE_DAY - timedelta(days=1))
            terminated = rng.random() < 0.5
        rent = round(rng.uniform(85, 210), 2) if code not in ("LEA", "FRE", "PVG") else 0
        balance = (
            0
            if rng.random() < 0.45
            else round(rng.uniform(-300, 1800) if rng.random() < 0.6 else rng.uniform(-150, 0), 2)
        )
        service = round(rng.uniform(5, 45), 2)
        tenures.append(
            {
                "id": tenure_id,
                "payment_reference": f"{rng.randint(10**9, 10**10 - 1)}",
                "asset_id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "asset_type": asset_type,
                "asset_full_address": address,
                "asset_uprn": str(rng.randint(10**10, 10**11)),
                "asset_postcode": postcode,
                "postcode_normalised": normalise_postcode(postcode),
                "charges": {
                    "rent": rent,
                    "currentBalance": balance,
                    "billingFrequency": "Weekly" if code not in ("LEA", "FRE", "SHO") else "Monthly",
                    "serviceCharge": service,
                    "otherCharges": 0,
                    "combinedServiceCharges": service,
                    "combinedRentCharges": rent,
                    "tenancyInsuranceCharge": round(rng.uniform(0, 3), 2),
                    "originalRentCharge": rent,
                    "originalServiceCharge": service,
                },
                "start_of_tenure_date": start,
                "end_of_tenure_date": end,
                "succession_date": start + timedelta(days=rng.randint(365, 3650))
                if rng.random() < 0.04
                else None,
                "eviction_date": end if terminated and rng.random() < 0.3 else None,
                "potential_end_date": start + timedelta(days=365) if code == "INT" else None,
                "tenure_type_code": code,
                "tenure_type_description": TENURE_TYPES[code],
                "is_tenanted": not former,
                "is_terminated": bool(terminated),
                "reason_for_termination": rng.choice(TERMINATION_REASONS) if terminated else None,
                "notices": _notices(rng) if rng.random() < 0.05 else [],
                "legacy_references": [{"name": "u_saff_tenancy", "value": f"{number + 100000:06d}"}],
                "is_mutual_exchange": rng.random() < 0.03,
                "inform_housing_benefits_for_changes": rng.random() < 0.3,
                "is_sublet": (sublet := rng.random() < 0.02),
                "sublet_end_date": REFERENCE_DAY + timedelta(days=rng.randint(30, 700)) if sublet else None,
                "version": 1,
                "created_at": datetime(2026, 11, 1, tzinfo=UTC),
                "updated_at": datetime(2026, 11, 1, tzinfo=UTC),
            }
        )
        members.extend(_household(rng, tenure_id, code))
    return tenures, members


def _notices(rng: random.Random) -> list[dict]:
    served = REFERENCE_DAY - timedelta(days=rng.randint(10, 900))
    return [
        {
            "type": rng.choice(("Notice to quit", "Notice of seeking possession", "Notice of intention")),
            "servedDate": served.isoformat(),
            "expiryDate": (served + timedelta(days=28)).isoformat(),
            "endDate": None,
            "effectiveDate": served.isoformat(),
        }
    ]


def _household(rng: random.Random, tenure_id: uuid.UUID, code: str) -> list[dict]:
    surname = rng.choice(DOUBLE_BARRELLED) if rng.random() < 0.05 else rng.choice(LAST_NAMES)
    size = rng.choices((1, 2, 3, 4, 5, 6), (30, 28, 18, 13, 7, 4))[0]
    joint = size > 1 and rng.random() < 0.2
    people, taken = [], set()
    for index in range(size):
        responsible = index == 0 or (index == 1 and joint)
        adult = responsible or rng.random() < 0.35
        age_days = rng.randint(18 * 365, 85 * 365) if adult else rng.randint(0, 17 * 365)
        last = surname if rng.random() < 0.85 else rng.choice(LAST_NAMES)
        full_name = f"{rng.choice(FIRST_NAMES)} {last}"
        while full_name in taken:  # two people with one name in one home would confuse officers
            full_name = f"{rng.choice(FIRST_NAMES)} {last}"
        taken.add(full_name)
        words = full_name.lower().split()
        people.append(
            {
                "tenure_id": tenure_id,
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "type": "person",
                "full_name": full_name,
                "is_responsible": responsible,
                "date_of_birth": REFERENCE_DAY - timedelta(days=age_days),
                "person_tenure_type": RESPONSIBLE_ROLE.get(code, "Tenant")
                if responsible
                else "HouseholdMember",
                "search_first_name": words[0],
                "search_last_name": words[-1],
            }
        )
    return people


def load_demo_tenures(seed: int, count: int = DEFAULT_COUNT) -> int:
    """Insert the seed's demo tenures unless already there; returns how many were created."""
    first, _ = demo_tenure_rows(seed, 1)  # the same first tenure as the full run, cheaply
    if count < 1 or db.session.get(Tenure, first[0]["id"]) is not None:
        return 0
    tenures, members = demo_tenure_rows(seed, count)
    db.session.execute(db.insert(Tenure), tenures)
    db.session.execute(db.insert(HouseholdMember), members)
    # A bulk insert skips the ORM events that keep the name search keys: add them here.
    sort_columns = {t["id"]: (t["postcode_normalised"], t["asset_full_address"]) for t in tenures}
    db.session.execute(
        db.insert(HouseholdMemberNameKey),
        link_name_keys(
            [
                row
                for m in members
                for row in name_key_rows(
                    m["tenure_id"], m["id"], m["full_name"], *sort_columns[m["tenure_id"]]
                )
            ]
        ),
    )
    count_name_prefixes(db.session.connection())  # the search totals, recounted from every key
    # And the stored API documents (services.tenure_documents) that the ORM would have written.
    fill_missing_documents(db.session.connection())
    # Loading is a change like any other: each tenure's history starts with it.
    db.session.execute(
        db.insert(Activity),
        [
            {
                "id": uuid.UUID(int=random.Random(f"{seed}:{t['id']}").getrandbits(128), version=4),
                "type": "migrate",
                "target_type": "tenure",
                "target_id": t["id"],
                "created_at": t["created_at"],
                "old_data": None,
                "new_data": {"source": "demo data", "paymentReference": t["payment_reference"]},
                "author_full_name": "System",
            }
            for t in tenures
        ],
    )
    db.session.commit()
    return len(tenures)
