"""Preset statements for the query plans screen: the seeds' own query patterns.

Each preset is SQL with `:name` placeholders and, per placeholder, a query that picks a
telling value from the database at hand (the demo data's busiest player, its deepest story
node...), so a preset runs as written and finds rows. The values are filled in as literals:
the editor then holds a statement that can be edited and run again as it stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, literal
from sqlalchemy.dialects import postgresql

from data.engine import Database


@dataclass(frozen=True)
class Preset:
    title: str
    why: str  # what the pattern is and what its plan shows
    sql: str
    # placeholder -> a query returning one value, or a fixed value
    parameters: tuple[tuple[str, str | int], ...] = ()


PRESETS: tuple[Preset, ...] = (
    Preset(
        "Powers by level",
        "the planner's list of powers a character may pick by a level (heroes seed)",
        """SELECT p.name, p.level_available, ps.name AS powerset
  FROM heroes.powers p
  JOIN heroes.powersets ps ON ps.id = p.powerset_id
 WHERE p.level_available <= :level
 ORDER BY p.level_available, p.name""",
        (("level", 10),),
    ),
    Preset(
        "Archetype with its powersets",
        "joinedload(Archetype.powersets).filter_by(name=...) from the heroes seed",
        """SELECT a.name, ps.name AS powerset, ps.powerset_type
  FROM heroes.archetypes a
  JOIN heroes.powersets ps ON ps.archetype_id = a.id
 WHERE a.name = :archetype""",
        (("archetype", "SELECT name FROM heroes.archetypes ORDER BY id LIMIT 1"),),
    ),
    Preset(
        "Enhancement compatibility check",
        "may this power take this enhancement type? (heroes seed, primary key lookup)",
        """SELECT *
  FROM heroes.power_enhancement_compatibility
 WHERE power_id = :power AND enhancement_type = :type""",
        (
            (
                "power",
                "SELECT power_id FROM heroes.power_enhancement_compatibility ORDER BY power_id, enhancement_type LIMIT 1",
            ),
            (
                "type",
                "SELECT enhancement_type FROM heroes.power_enhancement_compatibility ORDER BY power_id, 1 LIMIT 1",
            ),
        ),
    ),
    Preset(
        "A user's collection",
        "the gacha collection join: a player's characters with their series (Geminya seed)",
        """SELECT w.name, w.rarity, s.name AS series, uw.bond_level, uw.current_star_level
  FROM gacha.user_waifus uw
  JOIN gacha.waifus w ON w.waifu_id = uw.waifu_id
  LEFT JOIN gacha.series s ON s.series_id = w.series_id
 WHERE uw.user_id = :user
 ORDER BY w.rarity DESC, w.name""",
        (("user", "SELECT user_id FROM gacha.user_waifus GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1"),),
    ),
    Preset(
        "User lookup by Discord id",
        "the bot's first query on every command (Geminya seed: idx_discord_id)",
        "SELECT * FROM gacha.users WHERE discord_id = :discord",
        (("discord", "SELECT discord_id FROM gacha.users ORDER BY id LIMIT 1"),),
    ),
    Preset(
        "Expedition conflict check",
        "create_expedition(): is any of these characters already out on an expedition?",
        """SELECT ep.user_waifu_id, e.expedition_name, e.started_at
  FROM gacha.expedition_participants ep
  JOIN gacha.user_expeditions e ON e.id = ep.expedition_id
 WHERE e.user_id = :user
   AND e.status = 'in_progress'
   AND ep.user_waifu_id IN (SELECT id FROM gacha.user_waifus WHERE user_id = :user)""",
        (
            (
                "user",
                "SELECT user_id FROM gacha.user_expeditions WHERE status = 'in_progress' "
                "GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1",
            ),
        ),
    ),
    Preset(
        "Ancestors of a node",
        "the stories seed's recursive CTE: a node's path up to its root, depth-limited",
        """WITH RECURSIVE ancestors AS (
    SELECT id, parent_id, content, 1 AS depth
      FROM stories.nodes
     WHERE id = :node
    UNION ALL
    SELECT n.id, n.parent_id, n.content, a.depth + 1
      FROM stories.nodes n
      JOIN ancestors a ON n.id = a.parent_id
     WHERE a.depth < :depth
)
SELECT * FROM ancestors ORDER BY depth DESC""",
        (
            ("node", "SELECT id FROM stories.nodes WHERE parent_id IS NOT NULL ORDER BY created_at DESC, id LIMIT 1"),
            ("depth", 10),
        ),
    ),
    Preset(
        "JSONB filter",
        "metadata->>'key' = 'value' (stories seed): a sequential scan unless an expression index exists",
        """SELECT id, node_type, metadata->>'author' AS author
  FROM stories.nodes
 WHERE metadata->>'author' = :author""",
        (("author", "SELECT metadata->>'author' FROM stories.nodes WHERE metadata ? 'author' ORDER BY id LIMIT 1"),),
    ),
    Preset(
        "Similar nodes by embedding",
        "pgvector's ORDER BY embedding <=> ... LIMIT 5 (stories seed: the HNSW index)",
        """SELECT id, node_type, embedding <=> (SELECT embedding FROM stories.nodes WHERE id = :node) AS distance
  FROM stories.nodes
 WHERE embedding IS NOT NULL
 ORDER BY distance
 LIMIT 5""",
        (("node", "SELECT id FROM stories.nodes WHERE embedding IS NOT NULL ORDER BY id LIMIT 1"),),
    ),
    Preset(
        "Import status",
        "the heroes seed's import tracking query over heroes.import_logs",
        """SELECT import_type, source_file, records_processed, completed_at - started_at AS duration
  FROM heroes.import_logs
 ORDER BY created_at DESC""",
    ),
    Preset(
        "Grant currency (rolled back)",
        "an UPDATE: with ANALYZE it really runs, inside a transaction that is rolled back",
        "UPDATE gacha.users SET quartzs = quartzs + 100 WHERE id = :user",
        (("user", "SELECT id FROM gacha.users ORDER BY id LIMIT 1"),),
    ),
)

_PLACEHOLDER = re.compile(r"(?<![:\w]):([a-z_]+)\b")


def preset_named(title: str) -> Preset:
    for preset in PRESETS:
        if preset.title == title:
            return preset
    raise KeyError(title)


def fill_preset(preset: Preset, database: Database) -> str:
    """The preset's SQL with each placeholder replaced by a literal from the database.

    A value query that finds nothing (an empty table) leaves NULL, which still explains.
    """
    with database.connect() as connection:
        values = {name: _value(connection, source) for name, source in preset.parameters}
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), preset.sql)


def _value(connection: Connection, source: str | int) -> str:
    value = source if isinstance(source, int) else connection.exec_driver_sql(source).scalar()
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return str(value)
    return str(
        literal(str(value)).compile(
            dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]  # unannotated in SQLAlchemy
            compile_kwargs={"literal_binds": True},
        )
    )
