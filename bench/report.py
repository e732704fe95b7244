"""The Markdown report: targets first, then every scenario beside its floor."""


def fmt(value, digits=1) -> str:
    if value is None or value != value:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def ratio_text(value) -> str:
    return "-" if value is None else f"{value:.2f}x"


def spread_text(ratios: list) -> str:
    """' (rounds 0.46-0.52x)': the lowest and highest of a phase's round-by-round ratios."""
    measured = [value for value in ratios or () if value is not None]
    if len(measured) < 2:
        return ""
    return f" (rounds {min(measured):.2f}-{max(measured):.2f}x)"


def markdown(report: dict) -> str:
    counts = report["counts"]
    environment = report["environment"]
    load_average = ", ".join(f"{x:.2f}" for x in environment["loadAverageAtStart"])
    lines = [
        f"# Benchmark report: scale `{report['scale']}`",
        "",
        f"Started {report['startedAt']}, seed {report['seed']}, {report['seconds']} s in all. "
        f"Data set: {counts['tenures']:,} tenures (1-6 household members each), "
        f"{counts['contracts']:,} contracts, {counts['activities']:,} activities.",
        "",
        f"Machine: {environment['cpus']} CPUs, Python {environment['python']}, "
        f"load average at start {load_average}. "
        f"Servers: {environment['gunicorn']}. The load generator runs in a second process on the "
        "same machine.",
        "",
        f"Each phase: {report['timing']['warmup']} s warm-up, "
        f"then {report['timing']['duration']} s measured, in {report['timing'].get('rounds', 1)} round(s) "
        "alternating product and floor (a one-shot scenario: one round). "
        f"Latency: one caller at a time. Throughput: {report['timing']['concurrency']} concurrent keep-alive "
        "callers. Memory: the largest peak resident set (VmHWM) of any worker during the scenario. "
        "Every ratio is product / floor, both measured in this run: for API calls the floor is a bare "
        "Flask route returning the same JSON body precomputed; for a process page, a static Jinja "
        "page holding the same form.",
        "",
    ]
    if counts["tenures"] < 1_000_000:
        lines += [
            f"> The targets are set at 1,000,000 tenures (`SCALE=full`); this run has {counts['tenures']:,}, "
            "so its verdicts are for this size only, not for the issue's scale.",
            "",
        ]
    if report.get("loadAverageAtEnd"):
        lines += [
            "Load average at the end: "
            + ", ".join(f"{x:.2f}" for x in report["loadAverageAtEnd"])
            + f" ({environment['cpus']} CPUs). Other work on the machine competes with the servers and "
            "the load generator, and a floor request is short enough to suffer less from it than a product "
            "request: the ratios are only as steady as the machine was.",
            "",
        ]
    for database, result in report["databases"].items():
        load = result["load"]
        lines += [f"## {database}", ""]
        if load.get("reused"):
            lines.append("Data set reused from an earlier load (migrations applied).")
        else:
            rows = load.get("rows") or {}
            split = ""
            if load.get("writeSeconds") is not None:
                split = (
                    f"generating the rows {fmt(load.get('generateSeconds'))} s, writing them "
                    f"{fmt(load.get('writeSeconds'))} s, "
                )
            lines.append(
                f"Load: {sum(rows.values()):,} rows ({', '.join(f'{k} {v:,}' for k, v in rows.items())}) in "
                f"{fmt(load.get('loadSeconds'))} s, {fmt(load.get('rowsPerSecond'))} rows/s "
                f"({split}indexes and statistics {fmt(load.get('indexSeconds'))} s)."
            )
            if load.get("loadedTogetherWith"):
                lines.append(
                    f"The rows were generated once and written to {', '.join(load['loadedTogetherWith'])} "
                    f"in the same pass ({fmt(load.get('wallSeconds'))} s for the whole pass); the figures "
                    "above are this database's share: generating, writing here, indexing here."
                )
        warm = load.get("warm") or {}
        if warm.get("warmedBytes"):
            gib = warm["warmedBytes"] / 2**30
            lines.append(
                f"Before measuring, the data set was read once into memory ({gib:.1f} GiB in "
                f"{fmt(warm.get('warmSeconds'))} s), as a serving database's working set would be."
            )
        elif warm.get("warmNote"):
            lines.append(f"The data set was measured as it was in memory: {warm['warmNote']}.")
        if load.get("skippedTables"):
            lines.append(
                f"Not generated (no such table at this revision): {', '.join(load['skippedTables'])}."
            )
        lines += ["", "### Targets", "", "| target | result | basis |", "| --- | --- | --- |"]
        for item in result["targets"]:
            status = item["status"]
            text = item.get("detail") or status
            mark = {"met": "MET", "missed": "**MISSED**"}.get(status, "not measured")
            lines.append(f"| {item['target']} | {mark}: {text} | {item.get('basis', '')} |")
        lines += [
            "",
            "### Scenarios (product / floor = ratio)",
            "",
            "| scenario | requests/s | p50 ms | p95 ms | p99 ms | peak MiB/worker | body bytes | statuses |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for name, entry in result["scenarios"].items():
            if not entry.get("available"):
                lines.append(f"| {entry['title']} | {entry.get('note', 'not available')} | | | | | | |")
                continue
            if entry["kind"] == "pdf":
                lines.append(
                    f"| {entry['title']} | {fmt(entry.get('seconds'), 2)} s to generate | | | | "
                    f"{fmt(entry.get('peakMemoryMb'))} peak | {fmt(entry.get('pdfBytes'))} | |"
                )
                continue
            app, floor, ratios = entry["app"], entry["floor"], entry["ratios"]

            def cell(metric, app=app, floor=floor, ratios=ratios):
                ratio_key = {"p50": "latencyP50", "p95": "latencyP95", "p99": "latencyP99"}[metric]
                measured, baseline = (
                    app["latency"]["latencyMs"][metric],
                    floor["latency"]["latencyMs"][metric],
                )
                return f"{fmt(measured)} / {fmt(baseline)} = {ratio_text(ratios[ratio_key])}"

            statuses = ", ".join(f"{k}: {v}" for k, v in app["throughput"]["statuses"].items())
            lines.append(
                f"| {entry['title']} (`{name}`) "
                f"| {fmt(app['throughput']['throughput'], 0)} / {fmt(floor['throughput']['throughput'], 0)}"
                f" = {ratio_text(ratios['throughput'])}{spread_text(ratios.get('throughputRounds'))} "
                f"| {cell('p50')} | {cell('p95')} | {cell('p99')} "
                f"| {fmt(app['peakWorkerMemoryMb'])} / {fmt(floor['peakWorkerMemoryMb'])}"
                f" = {ratio_text(ratios['peakWorkerMemory'])} "
                f"| {fmt(entry.get('responseBytes'))} | {statuses} |"
            )
        lines += ["", *cpu_lines(result, environment["cpus"]), *page_layer_lines(result)]
    return "\n".join(lines) + "\n"


def cpu_per_response(measured: dict) -> dict | None:
    """µs of CPU per response over a phase's measured windows, by whose CPU it was (the load
    generator's cpuSeconds), with their total; None where it was not measured."""
    used = measured.get("cpuSeconds")
    if not used or not measured.get("requests"):
        return None
    per = {key: seconds / measured["requests"] * 1e6 for key, seconds in used.items()}
    per["total"] = sum(per.values())
    return per


def cpu_lines(result: dict, cpus: int) -> list[str]:
    """Where each response's CPU goes in the throughput phase, the product's beside the floor's:
    with every CPU busy, throughput is about CPUs / CPU per response, so the throughput ratio is
    about the floor's CPU per response over the product's, and this says whose CPU makes up the
    difference (the workers' Python, the database server, the load generator's share)."""
    rows = []
    for name, entry in result["scenarios"].items():
        if not entry.get("available") or entry["kind"] == "pdf":
            continue
        app = cpu_per_response(entry["app"]["throughput"])
        floor = cpu_per_response(entry["floor"]["throughput"])
        if app is None or floor is None:
            continue
        rows.append(
            f"| {entry['title']} (`{name}`) | {fmt(app['workers'], 0)} | {fmt(app['database'], 0)} "
            f"| {fmt(app['loadGenerator'], 0)} | {fmt(app['total'], 0)} | {fmt(floor['workers'], 0)} "
            f"| {fmt(floor['database'], 0)} | {fmt(floor['loadGenerator'], 0)} | {fmt(floor['total'], 0)} "
            f"| {ratio_text(floor['total'] / app['total'] if app['total'] else None)} |"
        )
    if not rows:
        return []
    return [
        "### Where the CPU goes (throughput phase, µs of CPU per response)",
        "",
        f"User and system CPU over the measured windows (from /proc), per response: the servers' "
        f"workers, the database server's processes on this machine (none for SQLite, which runs in "
        f"the workers; beside the floor, which makes no query, what they spend is other work on the "
        f"machine), and the load generator. With all {cpus} CPUs busy, throughput is about "
        f"{cpus} CPU-seconds / CPU per response, so the product's throughput ratio is about the "
        f"floor's total over the product's (last column).",
        "",
        "| scenario | product: workers | database | load generator | total "
        "| floor: workers | database | load generator | total | floor / product |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
    ]


def page_layer_lines(result: dict) -> list[str]:
    """The process page's Python layer by layer (bench.page_layers), set beside the served p50s:
    what of the page's distance from the floor is the product's Python, and what the target
    leaves for it once serving has taken its share."""
    measured = result.get("pageLayers")
    if not measured:
        return []
    lines = ["### The process page's Python, layer by layer (one process, no HTTP)", ""]
    if not measured.get("layers"):
        return [*lines, measured.get("note", "not measured"), ""]
    lines += [
        "Each layer is one more part of the product's request, called as gunicorn calls it, round "
        "by round beside the floor (`bench/page_layers.py`).",
        "",
        "| layer | p50 µs | ratio to the floor's | adds µs |",
        "| --- | --- | --- | --- |",
    ]
    previous = None
    for layer in measured["layers"]:
        adds = "-" if previous is None else fmt(layer["p50Us"] - previous)
        ratio = ratio_text(layer["ratioToFloor"])
        lines.append(f"| {layer['title']} | {fmt(layer['p50Us'])} | {ratio} | {adds} |")
        previous = layer["p50Us"]
    layers = {layer["name"]: layer["p50Us"] for layer in measured["layers"]}
    render = result["scenarios"].get("process_page_render") or {}
    if render.get("available") and render.get("floor"):
        served_floor = render["floor"]["latency"]["latencyMs"]["p50"] * 1000
        served_page = render["app"]["latency"]["latencyMs"]["p50"] * 1000
        serving = served_floor - layers["floor"]
        allowed = 1.5 * served_floor - serving
        lines += [
            "",
            f"Served, the floor's p50 is {fmt(served_floor, 0)} µs, of which its Python above is "
            f"{fmt(layers['floor'], 0)} µs: serving (gunicorn, HTTP on loopback, the load generator's "
            f"turn) adds about {fmt(serving, 0)} µs to the floor's response. If it added the same to "
            f"every response, then within 1.5x the served floor ({fmt(1.5 * served_floor, 0)} µs) a "
            f"page could run at most {fmt(allowed, 0)} µs of Python; the process page runs "
            f"{fmt(layers['page'], 0)} µs (served p50 {fmt(served_page, 0)} µs), and the product's app "
            f"with the sign-in check and no page work at all {fmt(layers['signedIn'], 0)} µs. It adds "
            "the same only roughly: between two served requests other work empties the CPU's caches, "
            "and the longer a request's Python, the longer it then waits on memory "
            "(`python -m bench.page_layers <spec> --flush-mib 16` shows how much).",
        ]
    return [*lines, ""]


def main(argv=None) -> int:
    """Re-render a stored report: `python -m bench.report results.json [out.md]`. The targets are
    re-checked from the stored measurements (bench.targets), nothing is measured again."""
    import json
    import sys
    from pathlib import Path

    from bench import targets

    argv = sys.argv[1:] if argv is None else argv
    source = Path(argv[0])
    report = json.loads(source.read_text())
    for result in report["databases"].values():
        result["targets"] = targets.evaluate(result["scenarios"], report["scale"])
    source.write_text(json.dumps(report, indent=2))
    output = Path(argv[1]) if len(argv) > 1 else source.with_suffix(".md")
    output.write_text(markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
