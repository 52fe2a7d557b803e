"""`console stats`: a snapshot of the server's activity, the console's pool and table
statistics, as plain text (80 columns where it can) or JSON."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import TYPE_CHECKING

from console.cli_common import print_result
from data.engine import Database
from data.formatting import size_text

if TYPE_CHECKING:  # data.stats is imported when the command runs, not when the CLI starts
    from data.stats import BlockingNode, Snapshot


def run(args: argparse.Namespace, database: Database) -> int:
    """`console stats`: two snapshots --interval apart (for the rates), printed."""
    import time

    from data import stats  # only this command needs it

    stats.monitor_pool(database)
    first = stats.snapshot(database, top=args.top)
    if args.interval > 0:
        time.sleep(args.interval)
        shot = stats.snapshot(database, previous=first, top=args.top)
    else:
        shot = first
    payload = {
        **asdict(shot),
        "by_state": shot.by_state(),
        "blocking": [asdict(node) for node in shot.blocking],
        "cache_hit_ratio": shot.database.cache_hit_ratio,
    }
    return print_result(args, payload, stats_text(shot, args.top))


def stats_text(shot: Snapshot, top: int = 10) -> str:
    """The snapshot as sections of plain text, 80 columns where it can."""
    db = shot.database

    def rate(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}/s"

    hit = "-" if db.cache_hit_ratio is None else f"{db.cache_hit_ratio:.2%}"
    pool = shot.pool
    lines = [
        f"database {db.name} (PostgreSQL {shot.server_version}): {db.backends} backends",
        f"  commits {db.commits:,} ({rate(db.commits_per_second)})  rollbacks {db.rollbacks:,} ({rate(db.rollbacks_per_second)})",
        f"  cache hit {hit}  temp files {db.temp_files:,} ({size_text(db.temp_bytes)})  deadlocks {db.deadlocks:,}  conflicts {db.conflicts:,}",
        f"pool: size {pool.size}, {pool.checked_out} checked out, {pool.idle} idle, overflow {pool.overflow}/{pool.max_overflow}, "
        f"{pool.waiting} waiting, {pool.connections_created} created, {pool.waits} waits ({pool.wait_seconds:.3f} s)",
        "",
        "backends by state: "
        + (", ".join(f"{state} {count}" for state, count in sorted(shot.by_state().items())) or "none"),
    ]
    clients = [b for b in shot.backends if b.state is not None]
    if clients:
        lines.append(
            f"  {'PID':>7}  {'STATE':<21} {'SECONDS':>8}  {'WAIT':<22} {'APPLICATION':<16} {'CLIENT':<15} QUERY"
        )
        for b in sorted(clients, key=lambda b: (b.state != "active", -(b.duration_seconds or 0))):
            wait = f"{b.wait_event_type}:{b.wait_event}" if b.wait_event_type else "-"
            seconds = "-" if b.duration_seconds is None else f"{b.duration_seconds:.1f}"
            lines.append(
                f"  {b.pid:>7}  {b.state:<21} {seconds:>8}  {wait[:22]:<22} {b.application_name[:16]:<16} "
                f"{(b.client_addr or '-')[:15]:<15} {b.query_first_line[:60]}"
            )
    lines += ["", "blocking chains:" if shot.blocking else "blocking chains: none"]

    def tree(node: BlockingNode, depth: int) -> None:
        b = node.backend
        what = (
            f"{b.state or b.backend_type} {b.application_name or '-'}: {b.query_first_line[:60]}"
            if b
            else "(not in the snapshot)"
        )
        lines.append(f"{'  ' * (depth + 1)}{'└─ ' if depth else ''}{node.pid} {what}")
        for child in node.blocked:
            tree(child, depth + 1)

    for root in shot.blocking:
        tree(root, 0)
    lines.append("")
    if shot.statements is None:
        lines.append(f"top statements: {shot.statements_missing}")
    else:
        lines.append(f"top statements by total time ({len(shot.statements)}):")
        lines.append(f"  {'TOTAL MS':>10} {'MEAN MS':>9} {'CALLS':>8} {'ROWS':>9}  QUERY")
        for st in shot.statements:
            first = " ".join(st.query.split())[:60]
            lines.append(f"  {st.total_ms:>10.1f} {st.mean_ms:>9.2f} {st.calls:>8,} {st.rows:>9,}  {first}")
    lines += [
        "",
        "largest tables:",
        f"  {'SIZE':>9} {'SEQ':>7} {'IDX':>9} {'INS':>9} {'UPD':>8} {'DEL':>8} {'DEAD':>7}  TABLE  (last vacuum / analyze)",
    ]
    for t in shot.tables:
        vacuum = max(filter(None, (t.last_vacuum, t.last_autovacuum)), default=None)
        analyze = max(filter(None, (t.last_analyze, t.last_autoanalyze)), default=None)
        when = f"{vacuum:%Y-%m-%d %H:%M}" if vacuum else "never"
        when += f" / {analyze:%Y-%m-%d %H:%M}" if analyze else " / never"
        lines.append(
            f"  {size_text(t.total_bytes):>9} {t.seq_scan:>7,} {t.idx_scan or 0:>9,} {t.inserted:>9,} {t.updated:>8,} "
            f"{t.deleted:>8,} {t.dead_tuples:>7,}  {t.schema}.{t.name}  ({when})"
        )
    lines += ["", f"unused indexes ({len(shot.unused_indexes)}, never scanned since the stats were reset):"]
    unused = sorted(shot.unused_indexes, key=lambda f: -f.bytes)
    lines += [f"  {f.schema}.{f.indexes[0]} on {f.table} ({size_text(f.bytes)})" for f in unused[:top]]
    if len(unused) > top:
        lines.append(f"  ... and {len(unused) - top} more (--top, or --json for all)")
    lines += ["", f"duplicate indexes ({len(shot.duplicate_indexes)}):"]
    lines += [f"  {f.schema}.{f.table}: {', '.join(f.indexes)} ({size_text(f.bytes)})" for f in shot.duplicate_indexes]
    lines.append(f"\n({shot.queries} queries, {shot.server_ms:.1f} ms on the server)")
    return "\n".join(lines)
