"""The suite's figures as text: one table of rows, and each step's service latency.

A smoke run (`--quick`) is too small to say anything about a target, so its table has no
target and no verdict, and says so.
"""

from typing import Any

SMOKE = "smoke size (--quick): figures only, not comparable with the targets; no verdict"
# (results key, label, target ratio to the calls-only reference)
CONVERSATIONS = (
    ("conversation_embedded", "2 conversation, SQLite", 0.60),
    ("conversation_postgres_redis", "2 conversation, PostgreSQL+Redis", 0.35),
)


def runs(row: dict[str, Any], key: str, form: str) -> str:
    each = row.get(f"{key}_each", [])
    return "" if len(each) < 2 else f" (runs {min(each):{form}}-{max(each):{form}})"


def shares(r: dict[str, Any]) -> str:
    """The bot's and the harness's CPU/wall while a row ran: a harness near 1 was the limit,
    and the row measured it rather than the bot."""
    text = f"CPU/wall {r['bot_cpu_share']:.2f}, harness {r['harness_cpu_share']:.2f}"
    return text + (" (harness saturated)" if r["harness_cpu_share"] >= 0.9 else "")


def lines(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(benchmark, figure, target, met) for every row measured."""
    out: list[tuple[str, str, str, bool | None]] = []
    r = results["ceiling"]
    out.append(
        (
            "1 ceiling (echo bot)",
            f"{r['updates_per_second']:.0f} updates/s{runs(r, 'updates_per_second', '.0f')}, "
            f"bot CPU {r['bot_cpu_ms_per_update']:.2f} ms an update "
            f"({shares(r)})",
            "",
            None,
        )
    )
    r = results["conversation_calls_only"]
    out.append(
        (
            "2 reference: the same Bot API calls, no logic",
            f"{r['steps_per_second']:.0f} steps/s{runs(r, 'steps_per_second', '.0f')}, "
            f"{r['ratio_to_ceiling']:.2f} of ceiling{runs(r, 'ratio_to_ceiling', '.2f')}, "
            f"bot CPU {r['bot_cpu_ms_per_step']:.2f} ms a step "
            f"({shares(r)})",
            "",
            None,
        )
    )
    for key, label, target in CONVERSATIONS:
        if key not in results:
            continue
        r = results[key]
        p = r["paired"]
        ratio = r["ratio_to_calls_only"]
        out.append(
            (
                label,
                f"{ratio:.2f} of calls only{runs(r, 'ratio_to_calls_only', '.2f')}; "
                f"that repeat: {r['steps_per_second']:.0f} steps/s, calls only "
                f"{p['calls_only_steps_per_second']:.0f}, ceiling "
                f"{p['ceiling_updates_per_second']:.0f} ({r['ratio_to_ceiling']:.2f}); "
                f"bot CPU {r['bot_cpu_ms_per_step']:.2f} ms a step "
                f"({r['cpu_ratio_to_calls_only']:.2f} of calls only's, {shares(r)}); "
                f"closed loop p50 {r['p50_ms']:.0f} ms, "
                f"p99 {r['p99_ms']:.0f} ms",
                f">= {target:.2f} of calls only",
                ratio >= target,
            )
        )
    r = results["callback_to_receipt"]
    out.append(
        (
            "3 callback -> receipt",
            f"{r['receipts']}/{r['callbacks']}, p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms",
            "p99 < 250 ms",
            r["p99_ms"] < 250 and r["receipts"] == r["callbacks"],
        )
    )
    r = results["callback_knee"]
    tried = ", ".join(f"{s['rate']}/s p99 {s['p99_ms']:.0f} ms" for s in r["rates"])
    out.append(
        (
            "3 callback knee",
            f"{r['knee_per_second']}/s, the highest rate with every receipt and p99 < 250 ms "
            f"({r['seconds_each']:.0f} s a rate: {tried})",
            ">= 100/s",
            r["knee_per_second"] >= 100,
        )
    )
    r = results["burst"]
    out.append(
        (
            "4 burst of receipts",
            f"{r['messages_per_second']:.1f} msg/s ({r['share_of_30']:.0%} of 30), "
            f"lost {r['lost']}, 429 {r['answered_429_share']:.1%}",
            ">= 95% of 30/s, 0 lost, < 1% 429",
            r["share_of_30"] >= 0.95 and r["lost"] == 0 and r["answered_429_share"] < 0.01,
        )
    )
    r = results["memory"]
    out.append(
        (
            "5 memory (bot process)",
            f"+{r['rss_growth_mb']:.1f} MB RSS for {r['conversations']} parked "
            f"({r['rss_before_mb']:.0f} -> {r['rss_after_mb']:.0f} MB)",
            "< 100 MB",
            r["rss_growth_mb"] < 100,
        )
    )
    return out


def columns(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def service_table(results: dict[str, Any]) -> str:
    """p50/p99 of each step with one user at a time: from the update's post to the arrival of
    the bot's last Bot API call for it, by the fake's clock."""
    sources = [("calls only", results["conversation_calls_only"]["service_ms"])]
    sources += [
        (label[len("2 conversation, ") :], results[key]["service_ms"])
        for key, label, _ in CONVERSATIONS
        if key in results
    ]
    rows: list[tuple[str, ...]] = [("step", *(name for name, _ in sources))]
    for step in results["steps"]:
        cells = []
        for _, service in sources:
            s = service[step]
            cells.append(f"{s['p50_ms']:.1f} / {s['p99_ms']:.1f} ms (n={s['count']})")
        rows.append((step, *cells))
    return columns(rows)


def table(results: dict[str, Any]) -> str:
    smoke = results.get("smoke", False)
    if smoke:
        body = columns([("benchmark", "figure")] + [(n, f) for n, f, _, _ in lines(results)])
    else:
        body = columns(
            [("benchmark", "figure", "target", "met")]
            + [
                (n, f, t, "-" if met is None else ("yes" if met else "NO"))
                for n, f, t, met in lines(results)
            ]
        )
    service = (
        "service latency a step, one user at a time (p50 / p99; the update's post to the "
        "bot's last Bot API call)\n" + service_table(results)
    )
    machine = results["machine"]
    load = ", ".join(f"{value:.1f}" for value in machine["load_average"])
    note = f"machine: {machine['cpus']} CPUs, load average {load} (1, 5, 15 min) at the end"
    parts = [SMOKE, body, service, note] if smoke else [body, service, note]
    return "\n\n".join(parts)
