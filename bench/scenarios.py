"""The scenarios: what a caller of each endpoint sends, built from the loaded data set's manifest.

A scenario whose route does not exist at this revision of the product is kept in the report as
"not available" (so the benchmark runs on any revision); one whose data was not generated (e.g.
no contracts table) likewise.
"""

import json
import urllib.parse

from werkzeug.exceptions import MethodNotAllowed, NotFound

from bench import datagen

PAGE_SIZE = 20


class Routes:
    """Which paths and methods the product serves, from its own URL map."""

    def __init__(self, database_url: str):
        self.app = datagen.bench_app(database_url)
        self.adapter = self.app.url_map.bind("127.0.0.1")

    def exists(self, path: str, method: str = "GET") -> bool:
        try:
            self.adapter.match(urllib.parse.urlsplit(path).path, method=method)
        except (NotFound, MethodNotAllowed):
            return False
        return True


def quoted(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def new_tenure_body(index: int) -> dict:
    """A tenure as the spec's POST example has it, made valid."""
    return {
        "paymentReference": f"{9_000_000_000 + index}",
        "householdMembers": [
            {
                "id": f"00000000-0000-4000-8000-{index:012d}",
                "type": "person",
                "fullName": "Bench Created Tenant",
                "isResponsible": True,
                "dateOfBirth": "1971-02-11",
                "personTenureType": "Tenant",
            }
        ],
        "tenuredAsset": {
            "id": "11111111-1111-4111-8111-111111111111",
            "type": "Dwelling",
            "fullAddress": "Flat 1, 1 Mare Street, London E8 1HH",
            "uprn": "10008235183",
            "postcode": "E8 1HH",
        },
        "charges": {
            "rent": 120.5,
            "currentBalance": 0,
            "billingFrequency": "Weekly",
            "serviceCharge": 10,
            "otherCharges": 0,
            "combinedServiceCharges": 10,
            "combinedRentCharges": 120.5,
            "tenancyInsuranceCharge": 0,
            "originalRentCharge": 120.5,
            "originalServiceCharge": 10,
        },
        "startOfTenureDate": "2024-04-01",
        "tenureType": {"code": "SEC", "description": "Secure"},
        "isTenanted": True,
        "terminated": {"isTerminated": False, "reasonForTermination": ""},
        "notices": [],
        "legacyReferences": [{"name": "u_saff_tenancy", "value": f"B{index:07d}"}],
        "isMutualExchange": False,
        "informHousingBenefitsForChanges": False,
        "isSublet": False,
    }


def build(server, manifest: dict, timing: dict, log) -> list:
    from bench.run import Scenario, api_call

    probes = manifest["probes"]
    token = manifest["credentials"]["token"]
    auth = {"Authorization": f"Bearer {token}"}
    routes = Routes(manifest["url"])
    loaded = manifest.get("rows", {})
    scenarios = []

    def api(name, title, paths, method="GET", body=None, **options):
        headers = dict(auth)
        if body is not None:
            headers["Content-Type"] = "application/json"
        requests = [
            {"method": method, "path": p, "headers": headers, **({"body": body} if body else {})}
            for p in paths
        ]
        scenario = Scenario(name, title, "api", requests, **options)
        if not routes.exists(paths[0], method):
            scenario.available = False
            scenario.note = (
                f"not available: the product has no {method} {urllib.parse.urlsplit(paths[0]).path}"
            )
        scenarios.append(scenario)
        return scenario

    # The product's fixed cost per request (hooks, headers, logging, one trivial query).
    api("healthcheck", "Health check (the product's per-request overhead)", ["/api/v1/healthcheck/ping"])
    tenure_ids = probes["tenureIds"]
    api("tenure_by_id", "Tenure by id", [f"/api/v1/tenures/{t}" for t in tenure_ids])
    api(
        "search_last_name",
        "Search by last name",
        [f"/api/v1/tenures?lastName={quoted(n)}" for n in probes["lastNames"]],
    )
    api(
        "search_first_name_partial",
        "Search by partial first name",
        [f"/api/v1/tenures?firstName={quoted(p)}" for p in probes["firstNamePrefixes"]],
    )
    # Half as typed on a letter ("E8 1HH"), half lower case without the space.
    postcodes = [p if i % 2 else p.replace(" ", "").lower() for i, p in enumerate(probes["postcodes"])]
    api("search_postcode", "Search by postcode", [f"/api/v1/tenures?postcode={quoted(p)}" for p in postcodes])
    deep = probes["deepSearch"]
    last_offset = max(0, (deep["count"] - 1) // PAGE_SIZE * PAGE_SIZE)
    common = quoted(deep["lastName"])
    api(
        "search_page_1",
        f"Search page 1 (lastName={deep['lastName']}, {deep['count']:,} tenures)",
        [f"/api/v1/tenures?lastName={common}&offset=0&limit={PAGE_SIZE}"],
    )
    # The deep page as a client walking the pages reaches it: with the nextToken of the page
    # before (the product finds its place in the index); and, for comparison, by offset.
    before_last = (
        f"/api/v1/tenures?lastName={common}&offset={max(0, last_offset - PAGE_SIZE)}&limit={PAGE_SIZE}"
    )
    status, _headers, body = api_call(server, "GET", before_last, token)
    next_token = json.loads(body).get("paginationDetails", {}).get("nextToken") if status == 200 else None
    deep_page = api(
        "search_deep_page",
        f"Search deep page (the last, offset {last_offset:,}, by the nextToken of the page before)",
        [f"/api/v1/tenures?lastName={common}&paginationToken={next_token}&limit={PAGE_SIZE}"],
    )
    if next_token is None and deep_page.available:
        deep_page.available = False
        deep_page.note = f"not available: the page before the last gave no nextToken (status {status})"
    api(
        "search_deep_page_offset",
        f"Search deep page by offset (offset {last_offset:,}: the last page)",
        [f"/api/v1/tenures?lastName={common}&offset={last_offset}&limit={PAGE_SIZE}"],
    )

    walk = {"tokenPath": ["paginationDetails", "nextToken"], "param": "paginationToken"}
    contracts = api(
        "contracts_by_target",
        f"Contracts by targetId walked with nextToken ({probes.get('contractsPerBusyTarget', 0)} per target)",
        [
            f"/api/v1/contracts?targetId={t}&pageSize={PAGE_SIZE}"
            for t in probes.get("busyContractTargets", ["-"])
        ],
        mode="walk",
        walk=walk,
    )
    if contracts.available and not loaded.get("contracts"):
        contracts.available, contracts.note = (
            False,
            "not available: no contracts table when the data was loaded",
        )
    activities = api(
        "activity_history_busy_target",
        f"Activity history of a busy target walked ({probes.get('activitiesPerBusyTarget', 0):,} activities)",
        [
            f"/api/v1/activityhistory?targetId={t}&pageSize={PAGE_SIZE}"
            for t in probes.get("busyActivityTargets", ["-"])
        ],
        mode="walk",
        walk=walk,
    )
    if activities.available and not loaded.get("activities"):
        activities.available, activities.note = False, "not available: no activities were loaded"

    api(
        "tenure_create",
        "Create a tenure",
        ["/api/v1/tenures"],
        method="POST",
        body=json.dumps(new_tenure_body(1)),
        expect=(201,),
    )
    patch = api(
        "tenure_patch",
        "Patch a tenure (If-Match)",
        [f"/api/v1/tenures/{tenure_ids[0]}"],
        method="PATCH",
        body="{}",
    )
    if patch.available:
        prepare_patches(server, patch, tenure_ids, token, timing["once"], api_call, log)

    from bench import process_scenarios

    scenarios.extend(process_scenarios.build(server, manifest, timing, routes, log))
    return scenarios


def prepare_patches(server, scenario, tenure_ids, token, count, api_call, log) -> None:
    """One PATCH per tenure, each with the ETag read just before (set-up, not measured)."""
    requests = []
    for index, tenure_id in enumerate(tenure_ids[-2 * count :]):
        status, headers, _body = api_call(server, "GET", f"/api/v1/tenures/{tenure_id}", token)
        etag = {k.lower(): v for k, v in headers.items()}.get("etag")
        if status != 200 or not etag:
            scenario.available = False
            scenario.note = f"could not read a tenure's ETag (status {status})"
            return
        body = json.dumps(
            {
                "tenureType": {
                    "code": "SEC" if index % 2 else "INT",
                    "description": "Secure" if index % 2 else "Introductory",
                }
            }
        )
        requests.append(
            {
                "method": "PATCH",
                "path": f"/api/v1/tenures/{tenure_id}",
                "headers": {
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "If-Match": etag,
                },
                "body": body,
            }
        )
    half = len(requests) // 2
    scenario.mode = "once"
    scenario.requests = requests
    scenario.phase_requests = {
        "probe": requests[-1],
        "latency": requests[:half],
        "throughput": requests[half:-1],
    }
    log(f"prepared {len(requests)} PATCH requests with fresh ETags")
