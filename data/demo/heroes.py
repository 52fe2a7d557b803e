"""Demo data for the heroes schema: a playable City of Heroes build planner dataset.

Six archetypes with their Homecoming hit points, two primary and two secondary powersets
each (the names, order, unlock levels and base numbers of the real sets where the City of
Data sample has them, close approximations elsewhere), seven shared power pools, an epic
pool per archetype, training, dual and single origin enhancements, crafted IOs and
HamiOs, 44 invention sets with their pieces and bonuses, and two hand-made
builds that obey the planner's rules. Scale N adds 4 * (N - 1) random legal builds.

Everything is drawn from a random.Random with a fixed seed and from the tables below; the
only wall-clock values are the server defaults of the timestamp columns.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, NamedTuple

from sqlalchemy import insert
from sqlalchemy.orm import Session

from data.demo.rows import check_scale, require_empty
from data.models.base import Base
from data.models.heroes import (
    ADDED_SLOT_LEVELS,
    ENHANCEMENT_ATTRIBUTES,
    ENHANCEMENT_COLUMNS,
    PICK_LEVELS,
    Archetype,
    Build,
    BuildPower,
    BuildPowerset,
    BuildSlot,
    Enhancement,
    EnhancementSet,
    Power,
    PowerEnhancementCompatibility,
    PowerPrerequisite,
    Powerset,
    SetBonus,
)

SEED = 12_000  # Issue 12: the format the seed's power import reads.
RANDOM_BUILDS_PER_SCALE = 4

# --------------------------------------------------------------------------------------
# Attributes, strengths and what each kind of power accepts
# --------------------------------------------------------------------------------------

# Short names used by the tables below.
ABBREV: dict[str, str] = {
    "acc": "accuracy",
    "dmg": "damage",
    "end": "endurance_reduction",
    "rech": "recharge",
    "rng": "range",
    "heal": "heal",
    "def": "defense",
    "res": "resistance",
    "tohit": "to_hit",
    "endmod": "endurance_modification",
    "hold": "hold",
    "stun": "stun",
    "immob": "immobilize",
    "sleep": "sleep",
    "slow": "slow",
    "kb": "knockback",
    "taunt": "taunt",
    "int": "interrupt",
    "conf": "confuse",
    "fear": "fear",
    "run": "run_speed",
    "jump": "jump",
    "fly": "fly_speed",
    "tohitdeb": "to_hit_debuff",
    "defdeb": "defense_debuff",
}

# Names of the generic enhancements (Training: / Dual Origin: / Single Origin: / Invention:).
GENERIC_LABELS: dict[str, str] = {
    "accuracy": "Accuracy",
    "damage": "Damage Increase",
    "endurance_reduction": "Endurance Reduction",
    "recharge": "Recharge Reduction",
    "heal": "Healing",
    "endurance_modification": "Endurance Modification",
    "to_hit_debuff": "To Hit Debuff",
    "defense_debuff": "Defense Debuff",
    "hold": "Hold Duration",
    "stun": "Disorient Duration",
    "immobilize": "Immobilisation Duration",
    "sleep": "Sleep Duration",
    "slow": "Slow",
    "knockback": "Knockback Distance",
    "taunt": "Taunt",
    "run_speed": "Run Speed",
    "jump": "Jumping",
    "fly_speed": "Flight Speed",
    "defense": "Defense Buff",
    "resistance": "Resist Damage",
    "to_hit": "To Hit Buff",
    "range": "Range Increase",
    "interrupt": "Interrupt Reduction",
    "fear": "Fear Duration",
    "confuse": "Confusion Duration",
}

# How set pieces name their aspects ("Thunderstrike: Accuracy/Damage").
ASPECT_LABELS: dict[str, str] = {
    "accuracy": "Accuracy",
    "damage": "Damage",
    "endurance_reduction": "Endurance",
    "recharge": "Recharge",
    "heal": "Heal",
    "endurance_modification": "EndMod",
    "to_hit_debuff": "To Hit Debuff",
    "defense_debuff": "Defense Debuff",
    "hold": "Hold",
    "stun": "Disorient",
    "immobilize": "Immobilize",
    "sleep": "Sleep",
    "slow": "Slow",
    "knockback": "Knockback",
    "taunt": "Taunt",
    "run_speed": "Run Speed",
    "jump": "Jump",
    "fly_speed": "Fly Speed",
    "defense": "Defense",
    "resistance": "Damage Resistance",
    "to_hit": "To Hit Buff",
    "range": "Range",
    "interrupt": "Interrupt",
    "fear": "Fear",
    "confuse": "Confuse",
}

# Strength in percent by schedule: training, dual origin, single origin, crafted IO at 50.
# Schedule A is DESIGN.md's; B carries about 60 % of A, C 120 % and D 150 %.
STRENGTHS: dict[str, tuple[float, float, float, float]] = {
    "A": (8.3, 16.7, 33.3, 42.4),
    "B": (5.0, 10.0, 20.0, 25.5),
    "C": (10.0, 20.0, 40.0, 50.9),
    "D": (12.5, 25.0, 50.0, 63.6),
}
# A set piece enhancing several aspects carries this share of a single-aspect IO in each.
ASPECT_SHARE: dict[int, float] = {1: 1.0, 2: 0.625, 3: 0.5, 4: 0.4375}

# (name, level_min, level_max, index into a STRENGTHS row)
GENERIC_GRADES: tuple[tuple[str, str, int, int, int], ...] = (
    ("TO", "Training", 1, 50, 0),
    ("DO", "Dual Origin", 10, 50, 1),
    ("SO", "Single Origin", 20, 50, 2),
    ("IO", "Invention", 10, 50, 3),
)
# Hamidon origin enhancements: two aspects, each as strong as a single origin.
HAMIDON: tuple[tuple[str, str], ...] = (
    ("Nucleolus Exposure", "acc dmg"),
    ("Centriole Exposure", "dmg rng"),
    ("Golgi Exposure", "dmg heal"),
    ("Endoplasm Exposure", "dmg endmod"),
)

RD, RAOE, MD, MAOE = "Ranged Damage", "Ranged AoE Damage", "Melee Damage", "Melee AoE Damage"
UNI, KB = "Universal Damage Sets", "Knockback"
DAMAGE_CATEGORIES = frozenset({RD, RAOE, MD, MAOE})

# kind: (target type, area, short help, accepted attributes, allowed set categories).
# Taken from the City of Data records of the sampled powers (boosts_allowed and
# allowed_boostset_cats); the other powers use the kind that matches their effect.
KINDS: dict[str, tuple[str, str, str, str, tuple[str, ...]]] = {
    "ranged": ("Foe (Alive)", "single", "Ranged", "acc dmg end rech rng", (RD, UNI)),
    "ranged_kb": ("Foe (Alive)", "single", "Ranged, Foe Knockback", "acc dmg end rech rng kb", (KB, RD, UNI)),
    "ranged_aoe": ("Foe (Alive)", "aoe", "Ranged (Targeted AoE)", "acc dmg end rech rng", (RAOE, UNI)),
    "ranged_aoe_kb": (
        "Foe (Alive)",
        "aoe",
        "Ranged (Targeted AoE), Foe Knockback",
        "acc dmg end rech rng kb",
        (KB, RAOE, UNI),
    ),
    "cone": ("Foe (Alive)", "cone", "Close (Cone)", "acc dmg end rech rng", (RAOE, UNI)),
    "cone_kb": ("Foe (Alive)", "cone", "Ranged (Cone), Foe Knockback", "acc dmg end rech rng kb", (KB, RAOE, UNI)),
    "cone_endmod": (
        "Foe (Alive)",
        "cone",
        "Ranged (Cone), Foe -End",
        "acc dmg end rech rng endmod",
        ("Endurance Modification", RAOE, UNI),
    ),
    "rain": ("Location", "location", "Ranged (Location AoE), Foe -SPD", "acc dmg end rech rng", (RAOE, UNI)),
    "snipe": ("Foe (Alive)", "single", "Sniper", "acc dmg end rech rng int", (RD, "Sniper Attacks", UNI)),
    "melee": ("Foe (Alive)", "single", "Melee", "acc dmg end rech", (MD, UNI)),
    "melee_kb": ("Foe (Alive)", "single", "Melee, Foe Knockback", "acc dmg end rech kb", (KB, MD, UNI)),
    "melee_stun": ("Foe (Alive)", "single", "Melee, Foe Disorient", "acc dmg end rech stun", (MD, "Stuns", UNI)),
    "melee_hold": ("Foe (Alive)", "single", "Melee, Foe Hold", "acc dmg end rech hold kb", ("Holds", KB, MD, UNI)),
    "melee_def": ("Foe (Alive)", "single", "Melee, Self +DEF", "acc dmg end rech def", ("Defense Sets", MD, UNI)),
    "melee_tohit": (
        "Foe (Alive)",
        "single",
        "Melee, Self +To Hit, +DMG",
        "acc dmg end rech tohit",
        (MD, "To Hit Buff", UNI),
    ),
    "melee_cone": ("Foe (Alive)", "cone", "Melee (Cone)", "acc dmg end rech", (MAOE, UNI)),
    "melee_cone_stun": (
        "Foe (Alive)",
        "cone",
        "Melee (Cone), Foe Disorient",
        "acc dmg end rech stun kb",
        (KB, MAOE, "Stuns", UNI),
    ),
    "pbaoe": ("Self", "pbaoe", "PBAoE", "acc dmg end rech", (MAOE, UNI)),
    "pbaoe_kb": ("Self", "pbaoe", "PBAoE, Foe Knockback", "acc dmg end rech kb", (KB, MAOE, UNI)),
    "pbaoe_stun": ("Self", "pbaoe", "PBAoE, Foe Disorient", "acc dmg end rech stun", (MAOE, "Stuns", UNI)),
    "pbaoe_stun_kb": ("Self", "pbaoe", "PBAoE, Foe Disorient, Knockback", "acc end rech stun kb", (KB, "Stuns")),
    "pbaoe_slow": ("Self", "pbaoe", "Toggle: PBAoE, Foe -SPD", "acc dmg end rech slow", (MAOE, "Slow Movement", UNI)),
    "pbaoe_endmod": (
        "Self",
        "pbaoe",
        "PBAoE, Self +End",
        "acc dmg end rech endmod",
        ("Endurance Modification", MAOE, UNI),
    ),
    "aura_heal": (
        "Self",
        "pbaoe",
        "Toggle: PBAoE, Team +Regen",
        "acc dmg rech heal endmod",
        ("Accurate Healing", "Endurance Modification", "Healing", MAOE, UNI),
    ),
    "loc_pbaoe": (
        "Location (Teleport)",
        "location",
        "Teleport, PBAoE, Foe Knockdown",
        "acc dmg end rech rng kb",
        (KB, MAOE, UNI),
    ),
    "rez_aoe": ("Self", "pbaoe", "Self Resurrect, PBAoE", "acc dmg end rech heal", ("Healing", MAOE, UNI)),
    "tohit_buff": ("Self", "self", "Self +To Hit, +DMG", "end rech tohit", ("To Hit Buff",)),
    "tohit_toggle": ("Self", "self", "Toggle: Self +To Hit, +Perception", "end rech tohit", ("To Hit Buff",)),
    "res_toggle": ("Self", "self", "Toggle: Self +Res", "end rech res", ("Resist Damage",)),
    "res_auto": ("Self", "self", "Auto: Self +Res", "res", ("Resist Damage",)),
    "res_click": ("Self", "self", "Self +Res", "end rech res", ("Resist Damage",)),
    "def_toggle": ("Self", "self", "Toggle: Self +DEF", "end rech def", ("Defense Sets",)),
    "def_auto": ("Self", "self", "Auto: Self +DEF", "def", ("Defense Sets",)),
    "def_click": ("Self", "self", "Self +DEF", "end rech def", ("Defense Sets",)),
    "invincibility": (
        "Self",
        "pbaoe",
        "Toggle: PBAoE, Self +DEF, +To Hit, Foe Taunt",
        "end rech def tohit taunt",
        ("Defense Sets", "Threat Duration", "To Hit Buff"),
    ),
    "heal_self": ("Self", "self", "Self +Heal, +Max HP", "end rech heal", ("Healing",)),
    "heal_ally": ("Ally (Alive)", "single", "Ranged, Ally +Heal", "end rech heal rng", ("Healing",)),
    "heal_aura": ("Self", "pbaoe", "PBAoE, Team +Heal", "end rech heal", ("Healing",)),
    "heal_ally_endmod": (
        "Ally (Alive)",
        "single",
        "Ranged, Ally +Regen, +Recovery",
        "end rech heal endmod rng",
        ("Endurance Modification", "Healing"),
    ),
    "aid": ("Ally (Alive)", "single", "Close, Ally +Heal", "end rech heal rng int", ("Healing",)),
    "aid_self": ("Self", "self", "Self +Heal", "end rech heal int", ("Healing",)),
    "heal_auto": ("Self", "self", "Auto: Self +Regen", "heal", ("Healing",)),
    "transfusion": (
        "Foe (Alive)",
        "aoe",
        "Ranged, Foe -Regen, Team +Heal",
        "acc end rech heal rng",
        ("Accurate Healing", "Healing"),
    ),
    "hold_dmg": ("Foe (Alive)", "single", "Ranged, Foe Hold", "acc dmg end rech rng hold", ("Holds", RD, UNI)),
    "hold_endmod": (
        "Foe (Alive)",
        "single",
        "Ranged, Foe Hold, -End",
        "acc dmg end rech rng hold endmod",
        ("Endurance Modification", "Holds", RD, UNI),
    ),
    "pbaoe_hold": ("Self", "pbaoe", "PBAoE, Foe Hold", "acc end rech hold", ("Holds",)),
    "immob_dmg": (
        "Foe (Alive)",
        "single",
        "Ranged, Foe Immobilize",
        "acc dmg end rech rng immob",
        ("Immobilize", RD, UNI),
    ),
    "aoe_immob": (
        "Foe (Alive)",
        "aoe",
        "Ranged (Targeted AoE), Foe Immobilize",
        "acc end rech rng immob",
        ("Immobilize",),
    ),
    "aoe_immob_endmod": (
        "Foe (Alive)",
        "aoe",
        "Ranged (Targeted AoE), Foe Immobilize, -End",
        "acc dmg end rech rng immob endmod",
        ("Endurance Modification", "Immobilize", RAOE, UNI),
    ),
    "aoe_stun": ("Foe (Alive)", "aoe", "Ranged (Targeted AoE), Foe Disorient", "acc end rech rng stun", ("Stuns",)),
    "stun": ("Foe (Alive)", "single", "Melee, Foe Disorient", "acc end rech stun", ("Stuns",)),
    "aoe_sleep": ("Foe (Alive)", "aoe", "Ranged (Targeted AoE), Foe Sleep", "acc end rech rng sleep", ("Sleep",)),
    "pbaoe_confuse": (
        "Self",
        "pbaoe",
        "Toggle: PBAoE, Foe Confuse, -SPD",
        "end rech conf slow",
        ("Confuse", "Slow Movement"),
    ),
    "cone_slow": (
        "Foe (Alive)",
        "cone",
        "Ranged (Cone), Foe -SPD, -Recharge",
        "acc end rech rng slow",
        ("Slow Movement",),
    ),
    "slow": ("Foe (Alive)", "single", "Ranged, Foe -SPD, Self +SPD", "acc end rech rng slow", ("Slow Movement",)),
    "loc_slow": (
        "Location",
        "location",
        "Ranged (Location AoE), Foe Knockdown, -SPD",
        "end rech rng slow kb",
        (KB, "Slow Movement"),
    ),
    "loc_kb": ("Location", "location", "Ranged (Location AoE), Foe Knockback", "acc dmg end rech rng kb", (KB,)),
    "tohit_debuff": (
        "Foe (Alive)",
        "aoe",
        "Ranged (Targeted AoE), Foe -To Hit, -Perception",
        "acc end rech rng tohitdeb",
        ("To Hit Debuff",),
    ),
    "def_debuff": (
        "Foe (Alive)",
        "aoe",
        "Ranged (Targeted AoE), Foe -DEF, -Res",
        "acc end rech rng defdeb",
        ("Defense Debuff",),
    ),
    "taunt": ("Foe (Alive)", "aoe", "Ranged, Foe Taunt", "acc rech rng taunt", ("Threat Duration",)),
    "pet": ("Location", "location", "Summon Pet", "acc dmg end rech", ("Pet Damage", "Recharge Intensive Pets")),
    "endmod_aura": ("Self", "pbaoe", "PBAoE, Team +Recovery", "end rech endmod", ("Endurance Modification",)),
    "endmod_drain": (
        "Foe (Alive)",
        "aoe",
        "Ranged (Targeted AoE), Foe -End, Team +End",
        "acc end rech rng endmod",
        ("Endurance Modification",),
    ),
    "endmod_self": ("Self", "self", "Auto: Self +Recovery", "endmod", ("Endurance Modification",)),
    "ally_buff": ("Ally (Alive)", "single", "Ranged, Ally +Mez Protection", "end rech rng", ()),
    "fortitude": (
        "Ally (Alive)",
        "single",
        "Ranged, Ally +DEF, +To Hit, +DMG",
        "end rech rng def tohit",
        ("Defense Sets", "To Hit Buff"),
    ),
    "ally_res": (
        "Ally (Alive)",
        "single",
        "Ranged, Ally +Res, +Mez Protection",
        "end rech rng res",
        ("Resist Damage",),
    ),
    "speed_boost": (
        "Ally (Alive)",
        "single",
        "Ranged, Ally +Recovery, +Recharge, +SPD",
        "end rech rng endmod run",
        ("Endurance Modification", "Running"),
    ),
    "jump_buff": ("Self", "pbaoe", "PBAoE, Team +Jump", "end rech jump", ("Leaping",)),
    "rez": ("Ally (Dead)", "single", "Ally Resurrect", "end rech rng heal", ()),
    "siphon": ("Foe (Alive)", "aoe", "Ranged (Targeted AoE), Foe -DMG, Team +DMG", "acc end rech rng", ()),
    "repel": ("Self", "pbaoe", "Toggle: PBAoE, Foe Knockback", "end rech kb", (KB,)),
    "team_toggle": ("Self", "pbaoe", "Toggle: PBAoE, Team +DMG", "end rech", ()),
    "team_def": ("Self", "pbaoe", "Toggle: PBAoE, Team +DEF", "end rech def", ("Defense Sets",)),
    "team_tohit": ("Self", "pbaoe", "Toggle: PBAoE, Team +To Hit, +Perception", "end rech tohit", ("To Hit Buff",)),
    "vengeance": (
        "Ally (Dead)",
        "pbaoe",
        "PBAoE, Team +DEF, +To Hit, +DMG",
        "end rech rng def tohit",
        ("Defense Sets", "To Hit Buff"),
    ),
    "self_click": ("Self", "self", "Self Buff", "end rech", ()),
    "hasten": ("Self", "self", "Self +Recharge", "rech", ()),
    "travel_run": ("Self", "self", "Toggle: Self +Run Speed", "end run", ("Running", "Universal Travel")),
    "travel_jump": ("Self", "self", "Toggle: Self +Jump", "end jump", ("Leaping", "Universal Travel")),
    "travel_fly": ("Self", "self", "Toggle: Self Fly", "end fly", ("Flight", "Universal Travel")),
    "combat_jump": (
        "Self",
        "self",
        "Toggle: Self +DEF, +Jump",
        "end jump def",
        ("Defense Sets", "Leaping", "Universal Travel"),
    ),
    "hover": ("Self", "self", "Toggle: Self Fly, +DEF", "end fly def", ("Defense Sets", "Flight", "Universal Travel")),
    "afterburner": ("Self", "self", "Self +Fly Speed", "end rech fly", ()),
    "swift": ("Self", "self", "Auto: Self +Run, +Fly Speed", "run fly", ()),
    "hurdle": ("Self", "self", "Auto: Self +Jump", "jump", ()),
    "run_auto": ("Self", "self", "Auto: Self +Recharge, +Run Speed", "run", ()),
    "phys_perf": ("Self", "self", "Auto: Self +Regen, +Recovery", "heal endmod", ("Endurance Modification", "Healing")),
}

POWER_TYPES = {"C": "Click", "T": "Toggle", "A": "Auto"}
# Effect sections of the power tuples, as they are named in powers.effects.
EFFECT_SECTIONS = {
    "res": "resistance",
    "def": "defense",
    "heal": "heal",
    "buff": "buffs",
    "debuff": "debuffs",
    "mez": "mez",
    "special": "special",
}

# --------------------------------------------------------------------------------------
# Powersets and powers
# --------------------------------------------------------------------------------------

# A power: (name, kind, C/T/A, accuracy, endurance, recharge s, activation s, range ft,
#           radius ft, max targets, effects, prerequisite).
# Effects are (section, keys, scale): "dmg" sections give a damage type and its scale
# (times the archetype's damage table), the others a value per space-separated key.
# A prerequisite "n:A|B|C" needs n of the named powers of the same set ("" for none).
PowerRow = tuple[str, str, str, float, float, float, float, float, float, int, tuple[tuple[str, str, float], ...], str]


class SetDef(NamedTuple):
    """A powerset as the tables give it: display name, description, powers."""

    name: str
    description: str
    powers: tuple[PowerRow, ...]
    levels: tuple[int, ...] | None = None  # pools and epics; primaries use their slot's levels


PRIMARY_LEVELS = (1, 1, 2, 6, 8, 12, 18, 22, 26)  # Homecoming: City of Data available_level + 1
SECONDARY_LEVELS = (1, 1, 4, 10, 16, 20, 24, 28, 30)
EPIC_LEVELS = (35, 35, 38, 41, 44)


def _req(power: PowerRow, prerequisite: str) -> PowerRow:
    """The same power with another prerequisite (powers shared between sets)."""
    return (*power[:11], prerequisite)


AIM: PowerRow = (
    "Aim",
    "tohit_buff",
    "C",
    1.0,
    5.2,
    90.0,
    1.17,
    0,
    0,
    1,
    (("buff", "to_hit", 37.5), ("buff", "damage", 62.5)),
    "",
)
BUILD_UP: PowerRow = (
    "Build Up",
    "tohit_buff",
    "C",
    1.0,
    5.2,
    90.0,
    1.17,
    0,
    0,
    1,
    (("buff", "to_hit", 20.0), ("buff", "damage", 80.0)),
    "",
)
TAUNT: PowerRow = ("Taunt", "taunt", "C", 1.0, 0.0, 10.0, 1.67, 70, 15, 5, (("mez", "taunt", 13.5),), "")
CONFRONT: PowerRow = ("Confront", "taunt", "C", 1.2, 0.0, 3.0, 1.0, 70, 0, 1, (("mez", "taunt", 13.5),), "")
CONSERVE_POWER: PowerRow = (
    "Conserve Power",
    "self_click",
    "C",
    1.0,
    0.52,
    600.0,
    1.17,
    0,
    0,
    1,
    (("buff", "endurance_discount", 40.0),),
    "",
)
POWER_BOOST: PowerRow = (
    "Power Boost",
    "self_click",
    "C",
    1.0,
    5.2,
    60.0,
    1.17,
    0,
    0,
    1,
    (("buff", "secondary_effects", 82.0),),
    "",
)
FIRE_BLAST_ATTACK: PowerRow = ("Fire Blast", "ranged", "C", 1.0, 5.2, 4.0, 1.2, 80, 0, 1, (("dmg", "fire", 1.15),), "")
FIRE_BALL: PowerRow = (
    "Fire Ball",
    "ranged_aoe",
    "C",
    1.0,
    15.184,
    16.0,
    1.0,
    80,
    15,
    16,
    (("dmg", "fire", 0.85), ("dmg", "smashing", 0.2)),
    "",
)
ENERGY_TORRENT: PowerRow = (
    "Energy Torrent",
    "cone_kb",
    "C",
    1.0,
    15.184,
    12.0,
    1.67,
    40,
    40,
    10,
    (("dmg", "smashing", 0.45), ("dmg", "energy", 0.6), ("mez", "knockback", 6.0)),
    "",
)
POWER_BLAST: PowerRow = (
    "Power Blast",
    "ranged_kb",
    "C",
    1.0,
    8.528,
    8.0,
    1.67,
    80,
    0,
    1,
    (("dmg", "smashing", 0.64), ("dmg", "energy", 1.0), ("mez", "knockback", 4.15)),
    "",
)
HOT_FEET: PowerRow = (
    "Hot Feet",
    "pbaoe_slow",
    "T",
    1.0,
    2.08,
    20.0,
    1.47,
    0,
    20,
    10,
    (("dmg", "fire", 0.25), ("debuff", "run_speed", 20.0)),
    "",
)
ENERGY_PUNCH: PowerRow = (
    "Energy Punch",
    "melee_stun",
    "C",
    1.0,
    5.2,
    4.0,
    0.83,
    7,
    0,
    1,
    (("dmg", "smashing", 0.5), ("dmg", "energy", 0.78), ("mez", "stun", 2.0)),
    "",
)
BONE_SMASHER: PowerRow = (
    "Bone Smasher",
    "melee_stun",
    "C",
    1.0,
    8.528,
    8.0,
    1.07,
    7,
    0,
    1,
    (("dmg", "smashing", 0.82), ("dmg", "energy", 0.82), ("mez", "stun", 3.0)),
    "",
)
STUN: PowerRow = ("Stun", "stun", "C", 1.2, 7.8, 20.0, 1.67, 7, 0, 1, (("mez", "stun", 3.0),), "")
TOTAL_FOCUS: PowerRow = (
    "Total Focus",
    "melee_stun",
    "C",
    1.2,
    18.512,
    20.0,
    2.83,
    7,
    0,
    1,
    (("dmg", "energy", 2.46), ("dmg", "smashing", 1.1), ("mez", "stun", 4.0)),
    "",
)
TEMP_INVULNERABILITY: PowerRow = (
    "Temp Invulnerability",
    "res_toggle",
    "T",
    1.0,
    0.13,
    2.0,
    0.67,
    0,
    0,
    1,
    (("res", "smashing lethal", 3.0),),
    "",
)
CHARGED_ARMOR: PowerRow = (
    "Charged Armor",
    "res_toggle",
    "T",
    1.0,
    0.1625,
    8.0,
    0.67,
    0,
    0,
    1,
    (("res", "smashing lethal energy", 2.75),),
    "",
)
ELECTRIFYING_FENCES: PowerRow = (
    "Electrifying Fences",
    "aoe_immob_endmod",
    "C",
    1.0,
    10.751,
    16.0,
    1.17,
    50,
    15,
    10,
    (("dmg", "energy", 0.42), ("mez", "immobilize", 3.0)),
    "",
)
RISE_OF_THE_PHOENIX: PowerRow = (
    "Rise of the Phoenix",
    "rez_aoe",
    "C",
    1.0,
    0.0,
    300.0,
    3.1,
    0,
    25,
    16,
    (("dmg", "fire", 2.0), ("special", "resurrect", 1.0)),
    "",
)
CONSUME: PowerRow = (
    "Consume",
    "pbaoe_endmod",
    "C",
    1.0,
    0.52,
    180.0,
    2.03,
    0,
    20,
    10,
    (("buff", "endurance", 25.0),),
    "",
)
LASER_BEAM_EYES: PowerRow = (
    "Laser Beam Eyes",
    "ranged",
    "C",
    1.0,
    6.5,
    6.0,
    1.33,
    60,
    0,
    1,
    (("dmg", "energy", 1.0),),
    "",
)
FOCUSED_ACCURACY: PowerRow = (
    "Focused Accuracy",
    "tohit_toggle",
    "T",
    1.0,
    0.39,
    10.0,
    1.17,
    0,
    0,
    1,
    (("buff", "to_hit", 10.0), ("buff", "perception", 50.0)),
    "",
)
PHYSICAL_PERFECTION: PowerRow = (
    "Physical Perfection",
    "phys_perf",
    "A",
    1.0,
    0.0,
    0.0,
    0.0,
    0,
    0,
    1,
    (("buff", "regeneration", 50.0), ("buff", "recovery", 25.0)),
    "",
)
CHAR: PowerRow = (
    "Char",
    "hold_dmg",
    "C",
    1.0,
    10.192,
    10.0,
    1.5,
    80,
    0,
    1,
    (("dmg", "fire", 0.57), ("mez", "hold", 3.0)),
    "",
)

FIRE_BLAST = SetDef(
    "Fire Blast",
    "Fire Blast allows you to blast fire at foes, with a tendency to set them ablaze for added damage over time.",
    (
        ("Flares", "ranged", "C", 1.0, 3.692, 2.18, 1.0, 80, 0, 1, (("dmg", "fire", 0.86),), ""),
        FIRE_BLAST_ATTACK,
        FIRE_BALL,
        (
            "Rain of Fire",
            "rain",
            "C",
            1.0,
            26.0,
            60.0,
            2.03,
            60,
            25,
            16,
            (("dmg", "fire", 1.8), ("debuff", "run_speed", 20.0)),
            "",
        ),
        ("Fire Breath", "cone", "C", 1.2, 15.184, 16.0, 2.67, 40, 40, 10, (("dmg", "fire", 1.76),), ""),
        AIM,
        ("Blaze", "ranged", "C", 1.0, 10.4, 10.0, 1.0, 80, 0, 1, (("dmg", "fire", 2.345),), ""),
        ("Blazing Bolt", "snipe", "C", 1.0, 14.352, 12.0, 1.67, 150, 0, 1, (("dmg", "fire", 2.76),), ""),
        (
            "Inferno",
            "pbaoe",
            "C",
            1.4,
            27.716,
            145.0,
            3.0,
            0,
            25,
            16,
            (("dmg", "fire", 3.3), ("dmg", "smashing", 1.0)),
            "1:Flares|Fire Blast",
        ),
    ),
)
ENERGY_BLAST = SetDef(
    "Energy Blast",
    "Energy Blast hurls bolts of energy that knock foes back.",
    (
        (
            "Power Bolt",
            "ranged_kb",
            "C",
            1.0,
            5.2,
            4.0,
            1.0,
            80,
            0,
            1,
            (("dmg", "smashing", 0.42), ("dmg", "energy", 0.58), ("mez", "knockback", 0.67)),
            "",
        ),
        POWER_BLAST,
        ENERGY_TORRENT,
        (
            "Power Burst",
            "ranged_kb",
            "C",
            1.2,
            10.192,
            10.0,
            1.0,
            20,
            0,
            1,
            (("dmg", "smashing", 0.9), ("dmg", "energy", 1.22), ("mez", "knockback", 4.0)),
            "",
        ),
        (
            "Power Push",
            "ranged_kb",
            "C",
            1.0,
            7.8,
            10.0,
            1.0,
            80,
            0,
            1,
            (("dmg", "smashing", 0.3), ("dmg", "energy", 0.25), ("mez", "knockback", 13.0)),
            "",
        ),
        AIM,
        (
            "Explosive Blast",
            "ranged_aoe_kb",
            "C",
            1.0,
            15.184,
            16.0,
            2.0,
            80,
            15,
            16,
            (("dmg", "smashing", 0.4), ("dmg", "energy", 0.6), ("mez", "knockback", 6.0)),
            "",
        ),
        (
            "Sniper Blast",
            "snipe",
            "C",
            1.0,
            14.352,
            12.0,
            1.67,
            150,
            0,
            1,
            (("dmg", "energy", 1.66), ("dmg", "smashing", 1.1)),
            "",
        ),
        (
            "Nova",
            "pbaoe_kb",
            "C",
            1.4,
            27.716,
            145.0,
            3.0,
            0,
            25,
            16,
            (("dmg", "energy", 3.0), ("dmg", "smashing", 1.3), ("mez", "knockback", 4.0)),
            "1:Power Bolt|Power Blast",
        ),
    ),
)
FIRE_MANIPULATION = SetDef(
    "Fire Manipulation",
    "Fire Manipulation burns foes up close and controls the battlefield with flame.",
    (
        (
            "Ring of Fire",
            "immob_dmg",
            "C",
            1.0,
            7.8,
            6.0,
            1.17,
            60,
            0,
            1,
            (("dmg", "fire", 0.44), ("mez", "immobilize", 3.0)),
            "",
        ),
        ("Fire Sword", "melee", "C", 1.0, 10.192, 10.0, 1.33, 7, 0, 1, (("dmg", "fire", 2.06),), ""),
        ("Combustion", "pbaoe", "C", 1.0, 13.0, 15.0, 2.4, 0, 15, 10, (("dmg", "fire", 0.6),), ""),
        (
            "Fire Sword Circle",
            "pbaoe",
            "C",
            1.0,
            18.512,
            20.0,
            2.67,
            0,
            10,
            10,
            (("dmg", "lethal", 0.755), ("dmg", "fire", 0.855)),
            "",
        ),
        BUILD_UP,
        (
            "Cauterizing Aura",
            "aura_heal",
            "T",
            1.0,
            0.0,
            10.0,
            2.03,
            0,
            8,
            10,
            (("dmg", "fire", 0.2), ("heal", "hit_points", 0.1)),
            "",
        ),
        CONSUME,
        ("Burn", "pbaoe", "C", 1.0, 5.2, 25.0, 2.03, 0, 8, 5, (("dmg", "fire", 1.44),), ""),
        _req(HOT_FEET, "1:Ring of Fire|Fire Sword"),
    ),
)
ENERGY_MANIPULATION = SetDef(
    "Energy Manipulation",
    "Energy Manipulation focuses energy into devastating close-range strikes and self buffs.",
    (
        (
            "Power Thrust",
            "melee_kb",
            "C",
            1.0,
            5.2,
            4.0,
            1.0,
            7,
            0,
            1,
            (("dmg", "smashing", 0.66), ("mez", "knockback", 11.6)),
            "",
        ),
        ENERGY_PUNCH,
        BUILD_UP,
        BONE_SMASHER,
        CONSERVE_POWER,
        STUN,
        POWER_BOOST,
        ("Boost Range", "self_click", "C", 1.0, 5.2, 60.0, 1.17, 0, 0, 1, (("buff", "range", 50.0),), ""),
        _req(TOTAL_FOCUS, "1:Power Thrust|Energy Punch"),
    ),
)
FIRE_CONTROL = SetDef(
    "Fire Control",
    "Fire Control traps foes in flame, holds them, and sends Fire Imps to finish them.",
    (
        (
            "Ring of Fire",
            "immob_dmg",
            "C",
            1.0,
            7.8,
            6.0,
            1.17,
            60,
            0,
            1,
            (("dmg", "fire", 0.44), ("mez", "immobilize", 4.0)),
            "",
        ),
        CHAR,
        (
            "Fire Cages",
            "aoe_immob",
            "C",
            1.0,
            15.6,
            16.0,
            1.5,
            80,
            15,
            16,
            (("dmg", "fire", 0.1), ("mez", "immobilize", 3.0)),
            "",
        ),
        (
            "Smoke",
            "tohit_debuff",
            "C",
            1.0,
            10.4,
            15.0,
            2.03,
            80,
            25,
            16,
            (("debuff", "to_hit", 7.5), ("debuff", "perception", 50.0)),
            "",
        ),
        HOT_FEET,
        ("Flashfire", "aoe_stun", "C", 1.0, 15.6, 90.0, 1.67, 70, 25, 16, (("mez", "stun", 3.0),), ""),
        ("Cinders", "pbaoe_hold", "C", 1.0, 20.8, 120.0, 2.03, 0, 30, 16, (("mez", "hold", 3.0),), ""),
        (
            "Bonfire",
            "loc_kb",
            "C",
            1.0,
            13.0,
            60.0,
            2.03,
            60,
            20,
            16,
            (("dmg", "fire", 0.3), ("mez", "knockback", 1.0)),
            "",
        ),
        ("Fire Imps", "pet", "C", 1.0, 26.0, 240.0, 1.57, 60, 0, 1, (("dmg", "fire", 1.0),), "1:Ring of Fire|Char"),
    ),
)
ICE_CONTROL = SetDef(
    "Ice Control",
    "Ice Control slows, freezes and holds foes, and calls Jack Frost to fight.",
    (
        (
            "Chilblain",
            "immob_dmg",
            "C",
            1.0,
            7.8,
            6.0,
            1.5,
            80,
            0,
            1,
            (("dmg", "cold", 0.44), ("mez", "immobilize", 4.0)),
            "",
        ),
        (
            "Block of Ice",
            "hold_dmg",
            "C",
            1.0,
            10.192,
            10.0,
            1.5,
            80,
            0,
            1,
            (("dmg", "cold", 0.57), ("mez", "hold", 3.0)),
            "",
        ),
        (
            "Frostbite",
            "aoe_immob",
            "C",
            1.0,
            15.6,
            16.0,
            2.17,
            60,
            15,
            16,
            (("dmg", "cold", 0.1), ("mez", "immobilize", 3.0)),
            "",
        ),
        (
            "Arctic Air",
            "pbaoe_confuse",
            "T",
            1.0,
            0.65,
            20.0,
            2.03,
            0,
            20,
            10,
            (("mez", "confuse", 2.0), ("debuff", "run_speed", 40.0)),
            "",
        ),
        (
            "Shiver",
            "cone_slow",
            "C",
            1.0,
            10.4,
            60.0,
            2.03,
            60,
            60,
            10,
            (("debuff", "run_speed", 70.0), ("debuff", "recharge", 20.0)),
            "",
        ),
        (
            "Ice Slick",
            "loc_slow",
            "C",
            1.0,
            13.0,
            90.0,
            2.03,
            60,
            20,
            16,
            (("debuff", "run_speed", 50.0), ("mez", "knockback", 0.67)),
            "",
        ),
        (
            "Flash Freeze",
            "aoe_sleep",
            "C",
            1.0,
            15.6,
            60.0,
            2.03,
            80,
            25,
            16,
            (("dmg", "cold", 0.1), ("mez", "sleep", 3.0)),
            "",
        ),
        ("Glacier", "pbaoe_hold", "C", 1.0, 20.8, 120.0, 2.03, 0, 30, 16, (("mez", "hold", 3.0),), ""),
        (
            "Jack Frost",
            "pet",
            "C",
            1.0,
            26.0,
            240.0,
            3.1,
            60,
            0,
            1,
            (("dmg", "cold", 1.0),),
            "1:Chilblain|Block of Ice",
        ),
    ),
)
EMPATHY = SetDef(
    "Empathy",
    "Empathy heals allies and boosts their regeneration and recovery.",
    (
        ("Healing Aura", "heal_aura", "C", 1.0, 10.4, 10.0, 2.03, 0, 25, 255, (("heal", "hit_points", 1.0),), ""),
        ("Heal Other", "heal_ally", "C", 1.0, 10.4, 4.0, 2.27, 80, 0, 1, (("heal", "hit_points", 1.5),), ""),
        ("Absorb Pain", "heal_ally", "C", 1.0, 0.52, 10.0, 1.0, 80, 0, 1, (("heal", "hit_points", 3.0),), ""),
        ("Resurrect", "rez", "C", 1.0, 26.0, 180.0, 3.2, 15, 0, 1, (("special", "resurrect", 1.0),), ""),
        (
            "Clear Mind",
            "ally_buff",
            "C",
            1.0,
            7.8,
            4.0,
            1.17,
            80,
            0,
            1,
            (("buff", "mez_protection", 10.0), ("buff", "perception", 50.0)),
            "",
        ),
        (
            "Fortitude",
            "fortitude",
            "C",
            1.0,
            10.4,
            60.0,
            2.07,
            80,
            0,
            1,
            (("def", "all", 2.0), ("buff", "to_hit", 10.0), ("buff", "damage", 20.0)),
            "",
        ),
        ("Recovery Aura", "endmod_aura", "C", 1.0, 15.6, 300.0, 2.03, 0, 25, 255, (("buff", "recovery", 100.0),), ""),
        (
            "Regeneration Aura",
            "heal_aura",
            "C",
            1.0,
            15.6,
            300.0,
            2.03,
            0,
            25,
            255,
            (("buff", "regeneration", 400.0),),
            "",
        ),
        (
            "Adrenalin Boost",
            "heal_ally_endmod",
            "C",
            1.0,
            13.0,
            300.0,
            1.0,
            80,
            0,
            1,
            (("buff", "recovery", 300.0), ("buff", "regeneration", 500.0), ("buff", "recharge", 50.0)),
            "1:Healing Aura|Heal Other",
        ),
    ),
)
KINETICS = SetDef(
    "Kinetics",
    "Kinetics drains foes' strength and endurance and transfers it to allies.",
    (
        (
            "Transfusion",
            "transfusion",
            "C",
            1.2,
            10.4,
            20.0,
            1.47,
            60,
            20,
            10,
            (("heal", "hit_points", 1.2), ("debuff", "regeneration", 500.0)),
            "",
        ),
        (
            "Siphon Power",
            "siphon",
            "C",
            1.0,
            10.4,
            20.0,
            1.5,
            60,
            15,
            10,
            (("debuff", "damage", 20.0), ("buff", "damage", 20.0)),
            "",
        ),
        ("Repel", "repel", "T", 1.0, 0.52, 10.0, 1.0, 0, 8, 10, (("mez", "knockback", 1.0),), ""),
        (
            "Siphon Speed",
            "slow",
            "C",
            1.0,
            10.4,
            60.0,
            1.83,
            70,
            0,
            1,
            (("debuff", "run_speed", 30.0), ("buff", "run_speed", 30.0), ("buff", "recharge", 12.5)),
            "",
        ),
        (
            "Increase Density",
            "ally_res",
            "C",
            1.0,
            7.8,
            4.0,
            1.17,
            80,
            0,
            1,
            (("res", "smashing energy", 1.0), ("buff", "mez_protection", 10.0)),
            "",
        ),
        (
            "Speed Boost",
            "speed_boost",
            "C",
            1.0,
            7.8,
            2.0,
            1.17,
            80,
            0,
            1,
            (("buff", "recovery", 50.0), ("buff", "recharge", 20.0), ("buff", "run_speed", 50.0)),
            "",
        ),
        ("Inertial Reduction", "jump_buff", "C", 1.0, 15.6, 60.0, 2.03, 0, 30, 255, (("buff", "jump", 100.0),), ""),
        (
            "Transference",
            "endmod_drain",
            "C",
            1.2,
            0.52,
            60.0,
            1.5,
            80,
            15,
            10,
            (("debuff", "endurance", 50.0), ("buff", "endurance", 50.0)),
            "",
        ),
        (
            "Fulcrum Shift",
            "siphon",
            "C",
            1.2,
            15.6,
            90.0,
            2.03,
            80,
            15,
            10,
            (("buff", "damage", 25.0), ("debuff", "damage", 20.0)),
            "1:Transfusion|Siphon Power",
        ),
    ),
)
SUPER_STRENGTH = SetDef(
    "Super Strength",
    "Super Strength knocks foes around with raw physical power, fuelled by Rage.",
    (
        (
            "Jab",
            "melee_stun",
            "C",
            1.0,
            3.536,
            2.0,
            1.07,
            7,
            0,
            1,
            (("dmg", "smashing", 0.68), ("mez", "stun", 1.0)),
            "",
        ),
        (
            "Punch",
            "melee_kb",
            "C",
            1.0,
            5.2,
            4.0,
            1.2,
            7,
            0,
            1,
            (("dmg", "smashing", 1.0), ("mez", "knockback", 0.67)),
            "",
        ),
        (
            "Haymaker",
            "melee_kb",
            "C",
            1.0,
            8.528,
            8.0,
            1.5,
            7,
            0,
            1,
            (("dmg", "smashing", 1.64), ("mez", "knockback", 3.62)),
            "",
        ),
        TAUNT,
        (
            "Hand Clap",
            "pbaoe_stun_kb",
            "C",
            0.8,
            13.0,
            30.0,
            1.23,
            0,
            15,
            10,
            (("mez", "stun", 2.0), ("mez", "knockback", 3.0)),
            "",
        ),
        (
            "Knockout Blow",
            "melee_hold",
            "C",
            1.2,
            18.512,
            25.0,
            2.23,
            7,
            0,
            1,
            (("dmg", "smashing", 3.56), ("mez", "hold", 3.0)),
            "",
        ),
        (
            "Rage",
            "tohit_buff",
            "C",
            1.0,
            5.2,
            240.0,
            1.17,
            0,
            0,
            1,
            (("buff", "to_hit", 20.0), ("buff", "damage", 80.0)),
            "",
        ),
        (
            "Hurl",
            "ranged_kb",
            "C",
            1.0,
            9.36,
            8.0,
            2.5,
            80,
            0,
            1,
            (("dmg", "smashing", 1.64), ("mez", "knockback", 1.0)),
            "",
        ),
        (
            "Foot Stomp",
            "pbaoe_kb",
            "C",
            1.0,
            18.512,
            20.0,
            2.1,
            0,
            15,
            10,
            (("dmg", "smashing", 1.42), ("mez", "knockback", 0.67)),
            "1:Jab|Punch",
        ),
    ),
)
ENERGY_MELEE = SetDef(
    "Energy Melee",
    "Energy Melee strikes with fists wreathed in energy that leave foes disoriented.",
    (
        (
            "Barrage",
            "melee_stun",
            "C",
            1.0,
            5.2,
            4.0,
            1.0,
            7,
            0,
            1,
            (("dmg", "smashing", 0.36), ("dmg", "energy", 0.55), ("mez", "stun", 2.0)),
            "",
        ),
        ENERGY_PUNCH,
        BONE_SMASHER,
        (
            "Whirling Hands",
            "pbaoe_stun",
            "C",
            1.0,
            13.0,
            14.0,
            2.5,
            0,
            8,
            10,
            (("dmg", "energy", 0.8), ("mez", "stun", 1.0)),
            "",
        ),
        TAUNT,
        BUILD_UP,
        STUN,
        (
            "Energy Transfer",
            "melee",
            "C",
            1.0,
            0.0,
            20.0,
            1.0,
            7,
            0,
            1,
            (("dmg", "energy", 2.76), ("dmg", "smashing", 0.8)),
            "",
        ),
        _req(TOTAL_FOCUS, "1:Barrage|Energy Punch"),
    ),
)
INVULNERABILITY = SetDef(
    "Invulnerability",
    "Invulnerability makes you resistant to most physical damage and shrugs off control effects.",
    (
        (
            "Resist Physical Damage",
            "res_auto",
            "A",
            1.0,
            0.0,
            0.0,
            0.0,
            0,
            0,
            1,
            (("res", "smashing lethal", 1.0),),
            "",
        ),
        TEMP_INVULNERABILITY,
        (
            "Dull Pain",
            "heal_self",
            "C",
            1.0,
            10.4,
            360.0,
            0.73,
            0,
            0,
            1,
            (("heal", "hit_points", 4.0), ("buff", "max_hit_points", 40.0)),
            "",
        ),
        ("Resist Elements", "res_auto", "A", 1.0, 0.0, 0.0, 0.0, 0, 0, 1, (("res", "fire cold", 1.0),), ""),
        (
            "Unyielding",
            "res_toggle",
            "T",
            1.0,
            0.13,
            10.0,
            2.33,
            0,
            0,
            1,
            (
                ("res", "smashing lethal", 0.5),
                ("res", "fire cold energy negative_energy", 1.0),
                ("buff", "mez_protection", 10.0),
            ),
            "",
        ),
        (
            "Resist Energies",
            "res_auto",
            "A",
            1.0,
            0.0,
            0.0,
            0.0,
            0,
            0,
            1,
            (("res", "energy negative_energy", 1.0),),
            "",
        ),
        (
            "Invincibility",
            "invincibility",
            "T",
            1.0,
            0.208,
            10.0,
            3.0,
            0,
            12,
            10,
            (
                ("def", "smashing lethal fire cold energy negative_energy", 0.6),
                ("buff", "to_hit", 20.0),
                ("mez", "taunt", 1.0),
            ),
            "",
        ),
        (
            "Tough Hide",
            "def_auto",
            "A",
            1.0,
            0.0,
            0.0,
            0.0,
            0,
            0,
            1,
            (("def", "smashing lethal fire cold energy negative_energy", 0.75),),
            "",
        ),
        (
            "Unstoppable",
            "res_click",
            "C",
            1.0,
            2.6,
            1000.0,
            3.1,
            0,
            0,
            1,
            (("res", "smashing lethal fire cold energy negative_energy toxic", 3.0), ("res", "psionic", 4.5)),
            "1:Resist Physical Damage|Temp Invulnerability",
        ),
    ),
)
SUPER_REFLEXES = SetDef(
    "Super Reflexes",
    "Super Reflexes dodges attacks: defense that grows as your health falls.",
    (
        ("Focused Fighting", "def_toggle", "T", 1.0, 0.208, 4.0, 0.67, 0, 0, 1, (("def", "melee", 1.85),), ""),
        ("Focused Senses", "def_toggle", "T", 1.0, 0.208, 4.0, 0.67, 0, 0, 1, (("def", "ranged", 1.85),), ""),
        ("Agile", "def_auto", "A", 1.0, 0.0, 0.0, 0.0, 0, 0, 1, (("def", "ranged", 0.75),), ""),
        (
            "Practiced Brawler",
            "self_click",
            "C",
            1.0,
            10.4,
            200.0,
            1.17,
            0,
            0,
            1,
            (("buff", "mez_protection", 10.0),),
            "",
        ),
        ("Dodge", "def_auto", "A", 1.0, 0.0, 0.0, 0.0, 0, 0, 1, (("def", "melee", 0.75),), ""),
        (
            "Quickness",
            "run_auto",
            "A",
            1.0,
            0.0,
            0.0,
            0.0,
            0,
            0,
            1,
            (("buff", "recharge", 20.0), ("buff", "run_speed", 30.0)),
            "",
        ),
        ("Lucky", "def_auto", "A", 1.0, 0.0, 0.0, 0.0, 0, 0, 1, (("def", "aoe", 0.75),), ""),
        ("Evasion", "def_toggle", "T", 1.0, 0.208, 4.0, 0.67, 0, 0, 1, (("def", "aoe", 1.85),), ""),
        (
            "Elude",
            "def_click",
            "C",
            1.0,
            5.2,
            1000.0,
            1.17,
            0,
            0,
            1,
            (("def", "melee ranged aoe", 4.0), ("buff", "run_speed", 100.0)),
            "1:Focused Fighting|Focused Senses",
        ),
    ),
)
KATANA = SetDef(
    "Katana",
    "Katana is the graceful way of the samurai sword: quick lethal strikes and a parrying defense.",
    (
        ("Sting of the Wasp", "melee", "C", 1.0, 4.368, 3.0, 0.83, 7, 0, 1, (("dmg", "lethal", 0.76),), ""),
        ("Gambler's Cut", "melee", "C", 1.0, 5.2, 4.0, 0.83, 7, 0, 1, (("dmg", "lethal", 1.0),), ""),
        ("Flashing Steel", "melee_cone", "C", 1.0, 10.192, 10.0, 1.33, 7, 7, 5, (("dmg", "lethal", 1.0),), ""),
        (
            "Divine Avalanche",
            "melee_def",
            "C",
            1.0,
            5.2,
            6.0,
            0.83,
            7,
            0,
            1,
            (("dmg", "lethal", 0.84), ("def", "melee smashing lethal", 1.5)),
            "",
        ),
        BUILD_UP,
        CONFRONT,
        (
            "Soaring Dragon",
            "melee_kb",
            "C",
            1.0,
            8.528,
            8.0,
            1.0,
            7,
            0,
            1,
            (("dmg", "lethal", 1.64), ("mez", "knockback", 0.67)),
            "",
        ),
        ("Golden Dragonfly", "melee_cone", "C", 1.0, 14.352, 14.0, 2.0, 8, 8, 5, (("dmg", "lethal", 2.24),), ""),
        (
            "The Lotus Drops",
            "pbaoe",
            "C",
            1.0,
            15.184,
            15.0,
            3.3,
            0,
            8,
            10,
            (("dmg", "lethal", 1.1),),
            "1:Sting of the Wasp|Gambler's Cut",
        ),
    ),
)
CLAWS = SetDef(
    "Claws",
    "Claws slash foes to ribbons with fast combination attacks.",
    (
        ("Swipe", "melee", "C", 1.0, 4.368, 3.0, 0.83, 7, 0, 1, (("dmg", "lethal", 0.76),), ""),
        ("Strike", "melee", "C", 1.0, 5.2, 4.0, 1.17, 7, 0, 1, (("dmg", "lethal", 1.0),), ""),
        (
            "Slash",
            "melee",
            "C",
            1.0,
            8.528,
            8.0,
            1.33,
            7,
            0,
            1,
            (("dmg", "lethal", 1.32), ("debuff", "defense", 15.0)),
            "",
        ),
        ("Spin", "pbaoe", "C", 1.0, 15.184, 12.0, 2.5, 0, 8, 10, (("dmg", "lethal", 1.2),), ""),
        (
            "Follow Up",
            "melee_tohit",
            "C",
            1.0,
            7.8,
            10.0,
            1.0,
            7,
            0,
            1,
            (("dmg", "lethal", 1.0), ("buff", "to_hit", 7.5), ("buff", "damage", 20.0)),
            "",
        ),
        CONFRONT,
        (
            "Focus",
            "ranged_kb",
            "C",
            1.0,
            8.528,
            10.0,
            1.0,
            40,
            0,
            1,
            (("dmg", "energy", 1.6), ("mez", "knockback", 0.67)),
            "",
        ),
        ("Eviscerate", "melee_cone", "C", 1.2, 15.184, 14.0, 2.0, 7, 7, 5, (("dmg", "lethal", 2.0),), ""),
        (
            "Shockwave",
            "cone_kb",
            "C",
            1.0,
            15.184,
            20.0,
            2.5,
            40,
            40,
            10,
            (("dmg", "energy", 1.0), ("mez", "knockback", 3.0)),
            "1:Swipe|Strike",
        ),
    ),
)

# Pools: shared by every archetype. The first powers unlock at level 4 (the game's pool
# level), the later ones at 14 and need one, then two, of the pool's earlier powers, as
# the City of Data requirements of Fighting, Leaping and Speed say.
POOLS: tuple[SetDef, ...] = (
    SetDef(
        "Fighting",
        "Fighting teaches hand-to-hand combat and the toughness to survive it.",
        (
            (
                "Boxing",
                "melee_stun",
                "C",
                1.0,
                4.42,
                2.5,
                1.07,
                7,
                0,
                1,
                (("dmg", "smashing", 0.76), ("mez", "stun", 2.0)),
                "",
            ),
            (
                "Kick",
                "melee_kb",
                "C",
                1.0,
                4.94,
                3.0,
                1.83,
                7,
                0,
                1,
                (("dmg", "smashing", 0.84), ("mez", "knockback", 0.67)),
                "",
            ),
            (
                "Tough",
                "res_toggle",
                "T",
                1.0,
                0.1625,
                10.0,
                3.1,
                0,
                0,
                1,
                (("res", "smashing lethal", 1.5),),
                "1:Boxing|Kick",
            ),
            (
                "Weave",
                "def_toggle",
                "T",
                1.0,
                0.1625,
                10.0,
                0.67,
                0,
                0,
                1,
                (("def", "all", 0.5),),
                "2:Boxing|Kick|Tough",
            ),
            (
                "Cross Punch",
                "melee_cone_stun",
                "C",
                1.0,
                10.66,
                8.0,
                1.67,
                7,
                7,
                5,
                (("dmg", "smashing", 1.27), ("mez", "stun", 1.0)),
                "2:Boxing|Kick|Tough|Weave",
            ),
        ),
        (4, 4, 14, 14, 14),
    ),
    SetDef(
        "Fitness",
        "Fitness improves running, jumping, regeneration and endurance recovery.",
        (
            (
                "Swift",
                "swift",
                "A",
                1.0,
                0.0,
                0.0,
                0.0,
                0,
                0,
                1,
                (("buff", "run_speed", 20.0), ("buff", "fly_speed", 20.0)),
                "",
            ),
            ("Hurdle", "hurdle", "A", 1.0, 0.0, 0.0, 0.0, 0, 0, 1, (("buff", "jump", 20.0),), ""),
            (
                "Health",
                "heal_auto",
                "A",
                1.0,
                0.0,
                0.0,
                0.0,
                0,
                0,
                1,
                (("buff", "regeneration", 40.0),),
                "1:Swift|Hurdle",
            ),
            (
                "Stamina",
                "endmod_self",
                "A",
                1.0,
                0.0,
                0.0,
                0.0,
                0,
                0,
                1,
                (("buff", "recovery", 25.0),),
                "2:Swift|Hurdle|Health",
            ),
        ),
        (6, 6, 14, 20),
    ),
    SetDef(
        "Leaping",
        "Leaping carries you in great bounds, and fights from them.",
        (
            (
                "Jump Kick",
                "melee_kb",
                "C",
                1.0,
                5.46,
                2.8,
                1.5,
                7,
                0,
                1,
                (("dmg", "smashing", 1.0), ("mez", "knockback", 1.0)),
                "",
            ),
            (
                "Combat Jumping",
                "combat_jump",
                "T",
                1.0,
                0.0325,
                0.0,
                0.0,
                0,
                0,
                1,
                (("def", "all", 0.25), ("buff", "jump", 25.0)),
                "",
            ),
            ("Super Jump", "travel_jump", "T", 1.0, 0.2275, 0.0, 0.0, 0, 0, 1, (("buff", "jump", 200.0),), ""),
            (
                "Acrobatics",
                "self_click",
                "T",
                1.0,
                0.26,
                10.0,
                0.67,
                0,
                0,
                1,
                (("buff", "knockback_protection", 10.0),),
                "2:Jump Kick|Combat Jumping|Super Jump",
            ),
            (
                "Spring Attack",
                "loc_pbaoe",
                "C",
                1.0,
                13.52,
                120.0,
                1.5,
                60,
                15,
                10,
                (("dmg", "smashing", 1.0), ("mez", "knockback", 0.67)),
                "2:Jump Kick|Combat Jumping|Super Jump",
            ),
        ),
        (4, 4, 4, 14, 14),
    ),
    SetDef(
        "Speed",
        "Speed makes you very, very fast, in motion and in recharge.",
        (
            ("Flurry", "melee_stun", "C", 1.0, 5.46, 3.0, 3.07, 7, 0, 1, (("dmg", "smashing", 1.29),), ""),
            ("Hasten", "hasten", "C", 1.0, 0.0, 450.0, 0.73, 0, 0, 1, (("buff", "recharge", 70.0),), ""),
            ("Super Speed", "travel_run", "T", 1.0, 0.2275, 0.0, 0.0, 0, 0, 1, (("buff", "run_speed", 200.0),), ""),
            (
                "Whirlwind",
                "repel",
                "T",
                1.0,
                0.4875,
                20.0,
                1.0,
                0,
                7,
                16,
                (("mez", "knockback", 1.0),),
                "2:Flurry|Hasten|Super Speed",
            ),
            (
                "Burnout",
                "self_click",
                "C",
                1.0,
                48.75,
                1800.0,
                1.0,
                0,
                0,
                1,
                (("special", "recharge_all", 1.0),),
                "2:Flurry|Hasten|Super Speed",
            ),
        ),
        (4, 4, 4, 14, 14),
    ),
    SetDef(
        "Leadership",
        "Leadership inspires your team with auras of defense, damage and accuracy.",
        (
            ("Maneuvers", "team_def", "T", 1.0, 0.39, 2.0, 0.73, 0, 60, 255, (("def", "all", 0.35),), ""),
            ("Assault", "team_toggle", "T", 1.0, 0.39, 2.0, 0.73, 0, 60, 255, (("buff", "damage", 10.0),), ""),
            (
                "Tactics",
                "team_tohit",
                "T",
                1.0,
                0.39,
                2.0,
                0.73,
                0,
                60,
                255,
                (("buff", "to_hit", 7.0), ("buff", "perception", 20.0)),
                "1:Maneuvers|Assault",
            ),
            (
                "Vengeance",
                "vengeance",
                "C",
                1.0,
                10.4,
                300.0,
                2.03,
                30,
                30,
                255,
                (("def", "all", 1.5), ("buff", "to_hit", 10.0), ("buff", "damage", 40.0)),
                "2:Maneuvers|Assault|Tactics",
            ),
            (
                "Victory Rush",
                "self_click",
                "C",
                1.0,
                0.0,
                120.0,
                1.17,
                0,
                0,
                1,
                (("buff", "recovery", 20.0),),
                "2:Maneuvers|Assault|Tactics|Vengeance",
            ),
        ),
        (4, 4, 14, 14, 14),
    ),
    SetDef(
        "Flight",
        "Flight lets you hover and fly, and strike from the air.",
        (
            (
                "Hover",
                "hover",
                "T",
                1.0,
                0.1625,
                0.0,
                0.0,
                0,
                0,
                1,
                (("def", "all", 0.5), ("buff", "fly_speed", 25.0)),
                "",
            ),
            (
                "Air Superiority",
                "melee_kb",
                "C",
                1.0,
                6.5,
                4.0,
                1.1,
                7,
                0,
                1,
                (("dmg", "smashing", 1.0), ("mez", "knockback", 1.0)),
                "",
            ),
            ("Fly", "travel_fly", "T", 1.0, 0.4875, 0.0, 0.0, 0, 0, 1, (("buff", "fly_speed", 150.0),), ""),
            (
                "Afterburner",
                "afterburner",
                "C",
                1.0,
                5.2,
                120.0,
                1.17,
                0,
                0,
                1,
                (("buff", "fly_speed", 100.0),),
                "2:Hover|Air Superiority|Fly",
            ),
            (
                "Evasive Maneuvers",
                "hover",
                "T",
                1.0,
                0.26,
                0.0,
                0.0,
                0,
                0,
                1,
                (("def", "all", 0.75), ("buff", "fly_speed", 50.0)),
                "2:Hover|Air Superiority|Fly",
            ),
        ),
        (4, 4, 4, 14, 14),
    ),
    SetDef(
        "Medicine",
        "Medicine heals allies and yourself in the field, and revives the fallen.",
        (
            ("Aid Other", "aid", "C", 1.0, 10.4, 4.0, 4.0, 15, 0, 1, (("heal", "hit_points", 1.5),), ""),
            ("Stimulant", "ally_buff", "C", 1.0, 7.8, 4.0, 1.5, 15, 0, 1, (("buff", "mez_protection", 5.0),), ""),
            (
                "Aid Self",
                "aid_self",
                "C",
                1.0,
                10.4,
                20.0,
                4.0,
                0,
                0,
                1,
                (("heal", "hit_points", 1.5),),
                "1:Aid Other|Stimulant",
            ),
            (
                "Field Medic",
                "self_click",
                "T",
                1.0,
                0.26,
                10.0,
                0.67,
                0,
                0,
                1,
                (("buff", "heal_strength", 20.0),),
                "2:Aid Other|Stimulant|Aid Self",
            ),
            (
                "Resuscitate",
                "rez",
                "C",
                1.0,
                26.0,
                180.0,
                3.0,
                15,
                0,
                1,
                (("special", "resurrect", 1.0),),
                "2:Aid Other|Stimulant|Aid Self|Field Medic",
            ),
        ),
        (4, 4, 14, 14, 14),
    ),
)

# Epic (ancillary) pools, one per archetype, from level 35: the third and fourth powers
# need one earlier power of the pool, the fifth two (City of Data: ownPowerNum?(Epic)).
EPIC_ONE, EPIC_ONE_OF_THREE, EPIC_TWO = "1:{0}|{1}", "1:{0}|{1}|{2}", "2:{0}|{1}|{2}|{3}"


def _epic(name: str, description: str, powers: Sequence[PowerRow]) -> SetDef:
    """An epic pool of five powers with the standard epic prerequisites."""
    names = [power[0] for power in powers]
    requirements = ("", "", EPIC_ONE.format(*names), EPIC_ONE_OF_THREE.format(*names), EPIC_TWO.format(*names))
    return SetDef(name, description, tuple(_req(p, r) for p, r in zip(powers, requirements)), EPIC_LEVELS)


MU_MASTERY_BLASTER = _epic(
    "Mu Mastery",
    "The Mu Mastery epic pool calls down the electrical power of the ancient Mu.",
    (
        (
            "Static Discharge",
            "cone_endmod",
            "C",
            1.0,
            18.98,
            24.0,
            2.07,
            40,
            40,
            10,
            (("dmg", "energy", 0.96), ("debuff", "endurance", 10.0)),
            "",
        ),
        CHARGED_ARMOR,
        ("Summon Adept", "pet", "C", 1.0, 26.0, 900.0, 1.17, 60, 0, 1, (("dmg", "energy", 1.0),), ""),
        ELECTRIFYING_FENCES,
        (
            "Electric Shackles",
            "hold_endmod",
            "C",
            1.0,
            10.66,
            24.0,
            2.17,
            60,
            0,
            1,
            (("dmg", "energy", 0.6), ("mez", "hold", 3.0)),
            "",
        ),
    ),
)
FIRE_MASTERY = _epic(
    "Fire Mastery",
    "The Fire Mastery epic pool adds fire attacks and a flaming shield.",
    (
        FIRE_BLAST_ATTACK,
        FIRE_BALL,
        (
            "Fire Shield",
            "res_toggle",
            "T",
            1.0,
            0.26,
            4.0,
            0.73,
            0,
            0,
            1,
            (("res", "smashing lethal fire", 2.0), ("res", "cold", 1.0)),
            "",
        ),
        RISE_OF_THE_PHOENIX,
        CONSUME,
    ),
)
POWER_MASTERY = _epic(
    "Power Mastery",
    "The Power Mastery epic pool channels raw energy into attacks and self buffs.",
    (
        POWER_BLAST,
        CONSERVE_POWER,
        TEMP_INVULNERABILITY,
        ENERGY_TORRENT,
        POWER_BOOST,
    ),
)
BODY_MASTERY = _epic(
    "Body Mastery",
    "The Body Mastery epic pool perfects body and mind.",
    (
        CONSERVE_POWER,
        FOCUSED_ACCURACY,
        LASER_BEAM_EYES,
        PHYSICAL_PERFECTION,
        ENERGY_TORRENT,
    ),
)
PYRE_MASTERY = _epic(
    "Pyre Mastery",
    "The Pyre Mastery epic pool gives a Tanker fire to fight at range.",
    (
        FIRE_BLAST_ATTACK,
        CHAR,
        FIRE_BALL,
        (
            "Melt Armor",
            "def_debuff",
            "C",
            1.0,
            18.512,
            120.0,
            2.0,
            60,
            25,
            16,
            (("debuff", "defense", 15.0), ("debuff", "resistance", 15.0)),
            "",
        ),
        RISE_OF_THE_PHOENIX,
    ),
)
MU_MASTERY_BRUTE = _epic(
    "Mu Mastery",
    "The Mu Mastery epic pool calls down the electrical power of the ancient Mu.",
    (
        ("Mu Bolts", "ranged", "C", 1.0, 8.528, 8.0, 1.67, 80, 0, 1, (("dmg", "energy", 1.4),), ""),
        ("Ball Lightning", "ranged_aoe", "C", 1.0, 15.184, 16.0, 1.2, 80, 15, 16, (("dmg", "energy", 0.8),), ""),
        CHARGED_ARMOR,
        ELECTRIFYING_FENCES,
        ("Summon Striker", "pet", "C", 1.0, 26.0, 900.0, 1.17, 60, 0, 1, (("dmg", "energy", 1.0),), ""),
    ),
)


class ArchetypeDef(NamedTuple):
    """An archetype and the powersets it chooses from."""

    name: str
    primary_group: str
    secondary_group: str
    hit_points_base: float  # at level 50 (City of Data attrib_max.hit_points)
    hit_points_max: float  # the cap at level 50 (attrib_max_max.hit_points)
    primary_category: str  # the game's category: Blaster_Ranged, Blaster_Support ...
    secondary_category: str
    description: str
    primaries: tuple[SetDef, ...]
    secondaries: tuple[SetDef, ...]
    epic: SetDef


ARCHETYPES: tuple[ArchetypeDef, ...] = (
    ArchetypeDef(
        "Blaster",
        "damage",
        "support",
        1204.76,
        1847.30,
        "Ranged",
        "Support",
        "The Blaster is an offensive juggernaut: superior ranged attacks and tactical support, but fragile up close.",
        (FIRE_BLAST, ENERGY_BLAST),
        (FIRE_MANIPULATION, ENERGY_MANIPULATION),
        MU_MASTERY_BLASTER,
    ),
    ArchetypeDef(
        "Controller",
        "control",
        "support",
        1017.35,
        1606.35,
        "Control",
        "Buff",
        "The Controller holds, immobilizes and confuses foes, and supports the team while they are helpless.",
        (FIRE_CONTROL, ICE_CONTROL),
        (EMPATHY, KINETICS),
        FIRE_MASTERY,
    ),
    ArchetypeDef(
        "Defender",
        "support",
        "damage",
        1017.35,
        1606.35,
        "Buff",
        "Ranged",
        "The Defender heals and strengthens allies and weakens foes, with ranged attacks to back it up.",
        (EMPATHY, KINETICS),
        (FIRE_BLAST, ENERGY_BLAST),
        POWER_MASTERY,
    ),
    ArchetypeDef(
        "Scrapper",
        "damage",
        "defense",
        1338.55,
        2409.39,
        "Melee",
        "Defense",
        "The Scrapper is a fierce melee fighter whose attacks can land critical hits.",
        (KATANA, CLAWS),
        (INVULNERABILITY, SUPER_REFLEXES),
        BODY_MASTERY,
    ),
    ArchetypeDef(
        "Tanker",
        "defense",
        "damage",
        1874.07,
        3533.96,
        "Defense",
        "Melee",
        "The Tanker can take it and dish it out: the best defenses, and melee attacks that hit many foes.",
        (INVULNERABILITY, SUPER_REFLEXES),
        (SUPER_STRENGTH, ENERGY_MELEE),
        PYRE_MASTERY,
    ),
    ArchetypeDef(
        "Brute",
        "damage",
        "defense",
        1499.29,
        3212.77,
        "Melee",
        "Defense",
        "The Brute grows stronger with Fury the longer a fight lasts, and is tough enough to finish it.",
        (SUPER_STRENGTH, ENERGY_MELEE),
        (INVULNERABILITY, SUPER_REFLEXES),
        MU_MASTERY_BRUTE,
    ),
)

# --------------------------------------------------------------------------------------
# Enhancement sets and set bonuses
# --------------------------------------------------------------------------------------

DEFENSE_TYPES = (
    "melee",
    "ranged",
    "aoe",
    "smashing",
    "lethal",
    "fire",
    "cold",
    "energy",
    "negative_energy",
    "psionic",
    "toxic",
)


class Piece(NamedTuple):
    """A special set piece: a proc, or a unique with build-wide (global) bonuses."""

    attrs: str
    label: str
    unique: bool
    globals: tuple[tuple[str, float], ...]
    proc: bool


def proc(label: str, attrs: str = "") -> Piece:
    """A piece that fires an effect rather than (or as well as) enhancing aspects."""
    return Piece(attrs, label, False, (), True)


def unique(attrs: str, label: str, *globals_: tuple[str, float]) -> Piece:
    """A piece allowed once per build, with its always-on bonuses."""
    return Piece(attrs, label, True, globals_, False)


def _defense_all(amount: float) -> tuple[tuple[str, float], ...]:
    return tuple((f"defense.{kind}", amount) for kind in DEFENSE_TYPES)


# Set bonus amounts in percent by kind and size; names as the game words them.
BONUS_AMOUNTS: dict[str, dict[str, float]] = {
    "defense": {"tiny": 1.25, "small": 1.875, "moderate": 2.5, "large": 3.125, "huge": 3.75, "ultimate": 5.0},
    "resistance": {"tiny": 1.26, "small": 1.89, "moderate": 2.52, "large": 3.15, "huge": 3.78, "gargantuan": 4.41},
    "mez_resistance": {"tiny": 1.65, "small": 2.2, "moderate": 2.75, "large": 3.3, "huge": 4.4, "gargantuan": 5.5},
    "recharge": {"small": 4.0, "moderate": 5.0, "large": 6.25, "huge": 7.5, "ultimate": 10.0},
    "accuracy": {"small": 5.0, "moderate": 7.0, "large": 9.0, "huge": 12.0, "ultimate": 15.0},
    "damage": {"small": 1.5, "moderate": 2.0, "large": 2.5, "huge": 3.0, "ultimate": 4.0},
    "recovery": {"small": 1.5, "moderate": 2.0, "large": 2.5, "huge": 3.0, "ultimate": 4.0},
    "regeneration": {"small": 6.0, "moderate": 8.0, "large": 10.0, "huge": 12.0, "ultimate": 16.0},
    "hit_points": {"small": 1.125, "moderate": 1.5, "large": 1.875, "huge": 2.25, "ultimate": 3.0},
    "endurance": {"small": 1.35, "moderate": 1.8, "large": 2.25, "huge": 2.7, "ultimate": 3.0},
    "movement": {"small": 4.0, "moderate": 5.0, "large": 7.5, "huge": 10.0},
    "heal": {"small": 1.5, "moderate": 2.0, "large": 3.0, "huge": 4.0},
    "endurance_discount": {"small": 2.0, "moderate": 2.5, "large": 3.0},
}
BONUS_NAMES: dict[str, str] = {
    "recovery": "Improved Recovery Bonus",
    "regeneration": "Improved Regeneration Bonus",
    "hit_points": "Increased Health Bonus",
    "recharge": "Improved Recharge Time Bonus",
    "accuracy": "Accuracy Bonus",
    "damage": "Increased Damage Bonus",
    "endurance": "Increased Endurance Bonus",
    "movement": "Improved Movement Bonus",
    "heal": "Improved Heal Bonus",
    "endurance_discount": "Endurance Discount",
}
# Typed and positional defense bonuses: the types named first get the full amount, the
# others half ("Increased Energy/Negative Energy/Ranged Def": 2.5 / 2.5 / 1.25 %).
DEFENSE_COMBOS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "E/N/R": (("energy", "negative_energy"), ("ranged",), "Energy/Negative Energy/Ranged"),
    "R/E/N": (("ranged",), ("energy", "negative_energy"), "Ranged/Energy/Negative Energy"),
    "L/S/M": (("lethal", "smashing"), ("melee",), "Lethal/Smashing/Melee"),
    "M/L/S": (("melee",), ("lethal", "smashing"), "Melee/Lethal/Smashing"),
    "F/C/A": (("fire", "cold"), ("aoe",), "Fire/Cold/AoE"),
    "A/F/C": (("aoe",), ("fire", "cold"), "AoE/Fire/Cold"),
    "Psi": (("psionic",), (), "Psionic"),
}
RESISTANCE_COMBOS: dict[str, tuple[tuple[str, ...], str]] = {
    "L/S": (("lethal", "smashing"), "Lethal, Smash"),
    "F/C": (("fire", "cold"), "Fire, Cold"),
    "E/N": (("energy", "negative_energy"), "Energy, Negative Energy"),
    "T/P": (("toxic", "psionic"), "Toxic, Psionic"),
}

SetPiece = str | Piece
# (name, category, min level, max level, pieces, bonuses as (pieces required, size, kind))
SETS: tuple[tuple[str, str, int, int, tuple[SetPiece, ...], tuple[tuple[int, str, str], ...]], ...] = (
    (
        "Thunderstrike",
        RD,
        30,
        50,
        ("acc dmg", "dmg end", "dmg rech", "acc dmg rech", "acc dmg end", "dmg end rech"),
        (
            (2, "moderate", "recovery"),
            (3, "moderate", "def:E/N/R"),
            (4, "moderate", "accuracy"),
            (5, "moderate", "movement"),
            (6, "moderate", "def:R/E/N"),
        ),
    ),
    (
        "Decimation",
        RD,
        25,
        40,
        ("acc dmg", "dmg end", "dmg rech", "acc end rech", "acc dmg rech", proc("Chance for Build Up")),
        (
            (2, "tiny", "res:E/N"),
            (3, "small", "hit_points"),
            (4, "large", "endurance"),
            (5, "large", "recharge"),
            (6, "huge", "res:T/P"),
        ),
    ),
    (
        "Devastation",
        RD,
        30,
        50,
        ("acc dmg", "dmg rech", "acc dmg rech", "acc dmg end rech", "dmg end", proc("Chance of Hold")),
        (
            (2, "large", "regeneration"),
            (3, "moderate", "hit_points"),
            (4, "moderate", "def:R/E/N"),
            (5, "large", "recharge"),
            (6, "large", "res:T/P"),
        ),
    ),
    (
        "Apocalypse",
        RD,
        50,
        50,
        ("dmg", "dmg rech", "acc dmg rech", "acc rech", "dmg end", proc("Chance for Negative Energy Damage")),
        (
            (2, "ultimate", "regeneration"),
            (3, "ultimate", "hit_points"),
            (4, "ultimate", "damage"),
            (5, "ultimate", "recharge"),
            (6, "ultimate", "def:Psi"),
        ),
    ),
    (
        "Superior Defiant Barrage",
        "Blaster Archetype Sets",
        50,
        50,
        (
            "acc dmg",
            "dmg rech",
            "acc dmg rech",
            "acc dmg end",
            "acc dmg end rech",
            proc("Recharge/Chance for Mez Protection, Resistance", "rech"),
        ),
        (
            (2, "ultimate", "damage"),
            (3, "ultimate", "endurance"),
            (4, "ultimate", "hit_points"),
            (5, "ultimate", "recharge"),
            (6, "ultimate", "def:E/N/R"),
        ),
    ),
    (
        "Positron's Blast",
        RAOE,
        20,
        50,
        ("acc dmg", "dmg end", "dmg rech", "dmg rng", "acc dmg end", proc("Chance for Energy Damage")),
        (
            (2, "large", "recovery"),
            (3, "small", "res:F/C"),
            (4, "large", "accuracy"),
            (5, "large", "recharge"),
            (6, "huge", "res:T/P"),
        ),
    ),
    (
        "Ragnarok",
        RAOE,
        50,
        50,
        ("dmg", "dmg rech", "acc dmg rech", "acc rech", "dmg end", proc("Chance for Knockdown")),
        (
            (2, "ultimate", "recovery"),
            (3, "ultimate", "hit_points"),
            (4, "ultimate", "recharge"),
            (5, "ultimate", "def:A/F/C"),
            (6, "ultimate", "damage"),
        ),
    ),
    (
        "Crushing Impact",
        MD,
        30,
        50,
        ("acc dmg", "dmg end", "dmg rech", "acc dmg rech", "acc dmg end", "dmg end rech"),
        (
            (2, "tiny", "res:L/S"),
            (3, "small", "hit_points"),
            (4, "moderate", "accuracy"),
            (5, "moderate", "recharge"),
            (6, "large", "res:T/P"),
        ),
    ),
    (
        "Kinetic Combat",
        MD,
        20,
        35,
        ("acc dmg", "dmg end", "dmg rech", "dmg end rech", proc("Knockdown Bonus")),
        ((2, "tiny", "res:F/C"), (3, "moderate", "hit_points"), (4, "huge", "def:L/S/M"), (5, "large", "movement")),
    ),
    (
        "Mako's Bite",
        MD,
        30,
        50,
        ("acc dmg", "dmg end", "dmg rech", "acc end rech", "acc dmg end rech", proc("Chance for Lethal Damage")),
        (
            (2, "tiny", "res:T/P"),
            (3, "moderate", "hit_points"),
            (4, "huge", "damage"),
            (5, "large", "res:L/S"),
            (6, "huge", "def:R/E/N"),
        ),
    ),
    (
        "Hecatomb",
        MD,
        50,
        50,
        ("dmg", "dmg rech", "acc dmg rech", "acc rech", "dmg end", proc("Chance for Negative Energy Damage")),
        (
            (2, "ultimate", "regeneration"),
            (3, "ultimate", "hit_points"),
            (4, "ultimate", "damage"),
            (5, "ultimate", "recharge"),
            (6, "ultimate", "def:M/L/S"),
        ),
    ),
    (
        "Obliteration",
        MAOE,
        30,
        50,
        ("dmg", "acc rech", "dmg rech", "acc dmg end", "acc dmg rech", proc("Chance for Smashing Damage")),
        (
            (2, "moderate", "regeneration"),
            (3, "large", "hit_points"),
            (4, "large", "accuracy"),
            (5, "moderate", "recharge"),
            (6, "large", "res:T/P"),
        ),
    ),
    (
        "Armageddon",
        MAOE,
        50,
        50,
        ("dmg", "dmg rech", "acc dmg rech", "acc rech", "dmg end", proc("Chance for Fire Damage")),
        (
            (2, "ultimate", "recovery"),
            (3, "ultimate", "hit_points"),
            (4, "ultimate", "damage"),
            (5, "ultimate", "recharge"),
            (6, "ultimate", "def:A/F/C"),
        ),
    ),
    (
        "Multi-Strike",
        MAOE,
        10,
        30,
        ("acc dmg", "dmg end", "dmg rech", "acc end", "acc dmg end", "end rech"),
        (
            (2, "small", "recovery"),
            (3, "small", "res:E/N"),
            (4, "small", "accuracy"),
            (5, "small", "def:M/L/S"),
            (6, "moderate", "res:T/P"),
        ),
    ),
    (
        "Luck of the Gambler",
        "Defense Sets",
        25,
        50,
        (
            "def end",
            "def rech",
            "end rech",
            "def end rech",
            "def",
            unique("def", "Defense/+Recharge", ("recharge", 7.5)),
        ),
        (
            (2, "large", "regeneration"),
            (3, "small", "hit_points"),
            (4, "large", "accuracy"),
            (5, "large", "res:L/S"),
            (6, "huge", "res:T/P"),
        ),
    ),
    (
        "Red Fortune",
        "Defense Sets",
        25,
        50,
        ("def end", "def rech", "end rech", "def end rech", "def", "end"),
        (
            (2, "tiny", "res:L/S"),
            (3, "tiny", "res:F/C"),
            (4, "moderate", "damage"),
            (5, "moderate", "recharge"),
            (6, "moderate", "def:R/E/N"),
        ),
    ),
    (
        "Kismet",
        "Defense Sets",
        10,
        30,
        ("def", "def end", "def end rech", unique("", "Accuracy +6%", ("to_hit", 6.0))),
        ((2, "small", "recovery"), (3, "small", "def:M/L/S"), (4, "moderate", "recharge")),
    ),
    (
        "Reactive Armor",
        "Resist Damage",
        15,
        40,
        ("res end", "res rech", "end rech", "res end rech", "res", "end"),
        (
            (2, "tiny", "res:L/S"),
            (3, "tiny", "def:E/N/R"),
            (4, "tiny", "def:L/S/M"),
            (5, "tiny", "def:F/C/A"),
            (6, "large", "res:T/P"),
        ),
    ),
    (
        "Steadfast Protection",
        "Resist Damage",
        10,
        30,
        ("res end", unique("res", "Resistance/+Def 3%", *_defense_all(3.0)), unique("", "Knockback Protection")),
        ((2, "small", "recovery"), (3, "moderate", "hit_points")),
    ),
    (
        "Aegis",
        "Resist Damage",
        25,
        50,
        (
            "res end",
            "res rech",
            "end rech",
            "res end rech",
            "res",
            unique("", "Psionic/Status Resistance", ("resistance.psionic", 3.0), ("mez_resistance", 20.0)),
        ),
        (
            (2, "large", "movement"),
            (3, "large", "def:F/C/A"),
            (4, "moderate", "res:L/S"),
            (5, "large", "def:A/F/C"),
            (6, "huge", "res:T/P"),
        ),
    ),
    (
        "Unbreakable Guard",
        "Resist Damage",
        20,
        50,
        ("res", "res end", "end rech", "res rech", "res end rech", unique("", "+Max HP", ("hit_points", 7.5))),
        (
            (2, "moderate", "endurance_discount"),
            (3, "small", "res:E/N"),
            (4, "large", "def:M/L/S"),
            (5, "large", "res:T/P"),
            (6, "gargantuan", "res:F/C"),
        ),
    ),
    (
        "Gladiator's Armor",
        "Resist Damage",
        10,
        50,
        ("res end", "res rech", "end rech", "res end rech", "res", unique("", "+Def(All)", *_defense_all(3.0))),
        (
            (2, "large", "recovery"),
            (3, "small", "hit_points"),
            (4, "large", "res:T/P"),
            (5, "huge", "hit_points"),
            (6, "moderate", "def:R/E/N"),
        ),
    ),
    (
        "Titanium Coating",
        "Resist Damage",
        10,
        50,
        ("res end", "res rech", "end rech", "res end rech", "res", "end"),
        (
            (2, "small", "regeneration"),
            (3, "small", "res:F/C"),
            (4, "small", "recharge"),
            (5, "small", "res:E/N"),
            (6, "moderate", "res:T/P"),
        ),
    ),
    (
        "Miracle",
        "Healing",
        20,
        40,
        ("end heal", "end rech", "heal rech", "end heal rech", "heal", unique("", "+Recovery", ("recovery", 15.0))),
        (
            (2, "large", "recovery"),
            (3, "large", "hit_points"),
            (4, "large", "heal"),
            (5, "small", "def:A/F/C"),
            (6, "small", "def:Psi"),
        ),
    ),
    (
        "Numina's Convalescence",
        "Healing",
        30,
        50,
        (
            "end heal",
            "end rech",
            "heal rech",
            "end heal rech",
            "heal",
            unique("", "+Regeneration/+Recovery", ("regeneration", 20.0), ("recovery", 10.0)),
        ),
        (
            (2, "huge", "regeneration"),
            (3, "large", "hit_points"),
            (4, "huge", "heal"),
            (5, "large", "res:L/S"),
            (6, "huge", "def:R/E/N"),
        ),
    ),
    (
        "Doctored Wounds",
        "Healing",
        10,
        50,
        ("end heal", "heal rech", "end rech", "end heal rech", "heal", "rech"),
        (
            (2, "small", "regeneration"),
            (3, "small", "recovery"),
            (4, "small", "res:E/N"),
            (5, "moderate", "recharge"),
            (6, "moderate", "hit_points"),
        ),
    ),
    (
        "Performance Shifter",
        "Endurance Modification",
        21,
        50,
        ("endmod", "endmod rech", "acc endmod rech", "acc rech", "acc endmod", proc("Chance for +Endurance")),
        (
            (2, "large", "movement"),
            (3, "large", "hit_points"),
            (4, "large", "recovery"),
            (5, "large", "damage"),
            (6, "large", "def:A/F/C"),
        ),
    ),
    (
        "Efficacy Adaptor",
        "Endurance Modification",
        10,
        50,
        ("endmod", "endmod rech", "acc endmod", "acc rech", "end endmod", "acc endmod rech"),
        (
            (2, "small", "regeneration"),
            (3, "small", "res:F/C"),
            (4, "moderate", "recovery"),
            (5, "moderate", "recharge"),
            (6, "moderate", "def:A/F/C"),
        ),
    ),
    (
        "Basilisk's Gaze",
        "Holds",
        10,
        30,
        ("acc hold", "acc rech", "rech hold", "end rech hold"),
        ((2, "small", "recovery"), (3, "small", "hit_points"), (4, "moderate", "recharge")),
    ),
    (
        "Lockdown",
        "Holds",
        30,
        50,
        ("acc hold", "acc rech", "rech hold", "end rech hold", "acc end rech hold", proc("Chance for +2 Mag Hold")),
        (
            (2, "moderate", "regeneration"),
            (3, "moderate", "hit_points"),
            (4, "large", "recharge"),
            (5, "large", "res:T/P"),
            (6, "moderate", "def:R/E/N"),
        ),
    ),
    (
        "Gaussian's Synchronized Fire-Control",
        "To Hit Buff",
        10,
        50,
        ("tohit", "tohit rech", "end rech tohit", "end rech", "end tohit", proc("Chance for Build Up")),
        (
            (2, "large", "regeneration"),
            (3, "moderate", "hit_points"),
            (4, "large", "recharge"),
            (5, "moderate", "damage"),
            (6, "large", "res:T/P"),
        ),
    ),
    (
        "Rectified Reticle",
        "To Hit Buff",
        10,
        50,
        ("tohit", "end tohit", "rech tohit", "end rech tohit", unique("", "Increased Perception")),
        ((2, "small", "recovery"), (3, "small", "hit_points"), (4, "small", "recharge"), (5, "small", "res:F/C")),
    ),
    (
        "Gravitational Anchor",
        "Immobilize",
        25,
        50,
        ("immob", "rech immob", "acc rech", "acc rech immob", "acc immob", proc("Chance for Hold")),
        (
            (2, "large", "regeneration"),
            (3, "moderate", "hit_points"),
            (4, "moderate", "accuracy"),
            (5, "large", "recharge"),
            (6, "large", "res:T/P"),
        ),
    ),
    (
        "Force Feedback",
        KB,
        20,
        50,
        ("dmg kb", "acc kb", "rech kb", "end kb", "dmg end rech kb", proc("Chance for +Recharge")),
        (
            (2, "small", "regeneration"),
            (3, "moderate", "res:E/N"),
            (4, "moderate", "hit_points"),
            (5, "large", "recharge"),
            (6, "large", "def:R/E/N"),
        ),
    ),
    (
        "Stupefy",
        "Stuns",
        10,
        50,
        ("acc stun", "rech stun", "end stun", "acc rech", "end rech stun", proc("Chance of Knockback")),
        (
            (2, "small", "recovery"),
            (3, "small", "hit_points"),
            (4, "moderate", "def:M/L/S"),
            (5, "moderate", "recharge"),
            (6, "moderate", "res:T/P"),
        ),
    ),
    (
        "Mocking Beratement",
        "Threat Duration",
        10,
        50,
        ("taunt", "rech taunt", "acc rech", "rng taunt", "rech rng taunt", "acc rech taunt"),
        (
            (2, "small", "regeneration"),
            (3, "small", "res:F/C"),
            (4, "moderate", "hit_points"),
            (5, "moderate", "recharge"),
            (6, "moderate", "def:M/L/S"),
        ),
    ),
    (
        "Siphon Insight",
        "To Hit Debuff",
        10,
        50,
        ("acc tohitdeb", "tohitdeb rech", "acc rech", "end rech tohitdeb", "acc end rech", proc("Chance for +To Hit")),
        (
            (2, "small", "regeneration"),
            (3, "small", "res:F/C"),
            (4, "moderate", "hit_points"),
            (5, "moderate", "recharge"),
            (6, "moderate", "def:A/F/C"),
        ),
    ),
    (
        "Achilles' Heel",
        "Defense Debuff",
        10,
        20,
        ("defdeb", "defdeb rech", "acc defdeb", "end defdeb", proc("Chance for Res Debuff")),
        ((2, "small", "recovery"), (3, "small", "res:F/C"), (4, "small", "hit_points"), (5, "small", "recharge")),
    ),
    (
        "Fortunata Hypnosis",
        "Sleep",
        30,
        50,
        ("acc sleep", "sleep rech", "acc rech", "end sleep", "acc sleep rech", proc("Chance for Placate")),
        (
            (2, "large", "regeneration"),
            (3, "moderate", "hit_points"),
            (4, "large", "recharge"),
            (5, "large", "res:T/P"),
            (6, "large", "def:R/E/N"),
        ),
    ),
    (
        "Blessing of the Zephyr",
        "Universal Travel",
        10,
        50,
        ("run jump fly", "end run jump fly", "end", unique("", "Knockback Reduction (4 points)")),
        ((2, "small", "recovery"), (3, "small", "res:E/N"), (4, "moderate", "movement")),
    ),
    (
        "Unbounded Leap",
        "Leaping",
        10,
        50,
        ("jump", "end jump", "end", unique("", "+Stealth")),
        ((2, "small", "recovery"), (3, "small", "res:E/N"), (4, "moderate", "movement")),
    ),
    (
        "Pacing of the Turtle",
        "Slow Movement",
        10,
        50,
        ("acc slow", "dmg slow", "rech slow", "end rech slow", "rng slow", proc("Chance of -Recharge")),
        (
            (2, "small", "recovery"),
            (3, "small", "res:E/N"),
            (4, "moderate", "hit_points"),
            (5, "moderate", "recharge"),
            (6, "moderate", "res:T/P"),
        ),
    ),
    (
        "Blood Mandate",
        "Pet Damage",
        10,
        50,
        ("acc", "dmg", "acc dmg", "dmg end", "acc dmg end", "end"),
        (
            (2, "small", "recovery"),
            (3, "small", "res:F/C"),
            (4, "moderate", "hit_points"),
            (5, "small", "recharge"),
            (6, "moderate", "res:T/P"),
        ),
    ),
    (
        "Sting of the Manticore",
        "Sniper Attacks",
        30,
        50,
        ("acc dmg", "dmg int", "dmg rech", "acc int rech", "acc dmg int", "dmg end"),
        (
            (2, "moderate", "recovery"),
            (3, "moderate", "hit_points"),
            (4, "large", "damage"),
            (5, "large", "recharge"),
            (6, "large", "res:T/P"),
        ),
    ),
)

# --------------------------------------------------------------------------------------
# Hand-made builds
# --------------------------------------------------------------------------------------


class BuildDef(NamedTuple):
    """A build: picks (level, power), added slots per power, enhancements in slot order."""

    name: str
    archetype: str
    primary: str
    secondary: str
    level: int
    notes: str
    picks: tuple[tuple[int, str], ...]
    added_slots: tuple[tuple[str, int], ...]
    enhancements: tuple[tuple[str, tuple[str, ...]], ...]


BUILDS: tuple[BuildDef, ...] = (
    BuildDef(
        "Blaze of Glory",
        "Blaster",
        "Fire Blast",
        "Fire Manipulation",
        50,
        "Fire/Fire Blaster at 50: every slot placed, the attacks set out, the rest still on the wish list.",
        (
            (1, "Flares"),
            (1, "Ring of Fire"),
            (2, "Fire Blast"),
            (4, "Fire Ball"),
            (6, "Hasten"),
            (8, "Fire Breath"),
            (10, "Combustion"),
            (12, "Aim"),
            (14, "Boxing"),
            (16, "Build Up"),
            (18, "Blaze"),
            (20, "Tough"),
            (22, "Blazing Bolt"),
            (24, "Weave"),
            (26, "Inferno"),
            (28, "Combat Jumping"),
            (30, "Fire Sword Circle"),
            (32, "Hot Feet"),
            (35, "Static Discharge"),
            (38, "Charged Armor"),
            (41, "Electrifying Fences"),
            (44, "Electric Shackles"),
            (47, "Rain of Fire"),
            (49, "Cauterizing Aura"),
        ),
        (
            ("Flares", 5),
            ("Ring of Fire", 1),
            ("Fire Blast", 5),
            ("Fire Ball", 5),
            ("Hasten", 2),
            ("Fire Breath", 5),
            ("Combustion", 3),
            ("Aim", 2),
            ("Build Up", 2),
            ("Blaze", 5),
            ("Tough", 3),
            ("Blazing Bolt", 5),
            ("Weave", 3),
            ("Inferno", 3),
            ("Combat Jumping", 1),
            ("Fire Sword Circle", 2),
            ("Hot Feet", 3),
            ("Static Discharge", 4),
            ("Charged Armor", 3),
            ("Electrifying Fences", 1),
            ("Electric Shackles", 1),
            ("Rain of Fire", 2),
            ("Cauterizing Aura", 1),
        ),
        (
            (
                "Fire Blast",
                (
                    "Thunderstrike: Accuracy/Damage",
                    "Thunderstrike: Damage/Endurance",
                    "Thunderstrike: Damage/Recharge",
                    "Thunderstrike: Accuracy/Damage/Recharge",
                    "Thunderstrike: Accuracy/Damage/Endurance",
                    "Thunderstrike: Damage/Endurance/Recharge",
                ),
            ),
            (
                "Flares",
                (
                    "Decimation: Accuracy/Damage",
                    "Decimation: Damage/Endurance",
                    "Decimation: Damage/Recharge",
                    "Decimation: Accuracy/Endurance/Recharge",
                    "Decimation: Accuracy/Damage/Recharge",
                    "Apocalypse: Chance for Negative Energy Damage",
                ),
            ),
            (
                "Blaze",
                (
                    "Superior Defiant Barrage: Accuracy/Damage",
                    "Superior Defiant Barrage: Damage/Recharge",
                    "Superior Defiant Barrage: Accuracy/Damage/Recharge",
                    "Superior Defiant Barrage: Accuracy/Damage/Endurance",
                    "Superior Defiant Barrage: Accuracy/Damage/Endurance/Recharge",
                    "Superior Defiant Barrage: Recharge/Chance for Mez Protection, Resistance",
                ),
            ),
            (
                "Fire Ball",
                (
                    "Positron's Blast: Accuracy/Damage",
                    "Positron's Blast: Damage/Endurance",
                    "Positron's Blast: Damage/Recharge",
                    "Positron's Blast: Damage/Range",
                    "Positron's Blast: Accuracy/Damage/Endurance",
                    "Positron's Blast: Chance for Energy Damage",
                ),
            ),
            (
                "Fire Breath",
                (
                    "Ragnarok: Damage",
                    "Ragnarok: Damage/Recharge",
                    "Ragnarok: Accuracy/Damage/Recharge",
                    "Ragnarok: Accuracy/Recharge",
                ),
            ),
            (
                "Static Discharge",
                (
                    "Positron's Blast: Accuracy/Damage",
                    "Positron's Blast: Damage/Endurance",
                    "Positron's Blast: Damage/Recharge",
                    "Positron's Blast: Accuracy/Damage/Endurance",
                    "Positron's Blast: Damage/Range",
                ),
            ),
            (
                "Weave",
                (
                    "Luck of the Gambler: Defense/+Recharge",
                    "Red Fortune: Defense/Endurance",
                    "Red Fortune: Defense/Recharge",
                    "Red Fortune: Defense/Endurance/Recharge",
                ),
            ),
            (
                "Tough",
                (
                    "Steadfast Protection: Resistance/+Def 3%",
                    "Reactive Armor: Damage Resistance/Endurance",
                    "Reactive Armor: Damage Resistance/Recharge",
                    "Reactive Armor: Damage Resistance/Endurance/Recharge",
                ),
            ),
            (
                "Hasten",
                ("Invention: Recharge Reduction", "Invention: Recharge Reduction", "Invention: Recharge Reduction"),
            ),
            (
                "Aim",
                (
                    "Gaussian's Synchronized Fire-Control: To Hit Buff",
                    "Gaussian's Synchronized Fire-Control: To Hit Buff/Recharge",
                    "Gaussian's Synchronized Fire-Control: Chance for Build Up",
                ),
            ),
            (
                "Combustion",
                ("Single Origin: Damage Increase", "Single Origin: Damage Increase", "Single Origin: Accuracy"),
            ),
        ),
    ),
    BuildDef(
        "Iron Wall",
        "Tanker",
        "Invulnerability",
        "Super Strength",
        20,
        "Invulnerability/Super Strength Tanker levelling at 20, on single origins and early sets.",
        (
            (1, "Temp Invulnerability"),
            (1, "Punch"),
            (2, "Dull Pain"),
            (4, "Haymaker"),
            (6, "Resist Elements"),
            (8, "Unyielding"),
            (10, "Taunt"),
            (12, "Resist Energies"),
            (14, "Combat Jumping"),
            (16, "Hand Clap"),
            (18, "Invincibility"),
            (20, "Knockout Blow"),
        ),
        (
            ("Temp Invulnerability", 3),
            ("Punch", 3),
            ("Haymaker", 3),
            ("Dull Pain", 2),
            ("Unyielding", 2),
            ("Resist Elements", 1),
            ("Taunt", 1),
            ("Resist Energies", 1),
            ("Combat Jumping", 1),
            ("Invincibility", 1),
        ),
        (
            (
                "Punch",
                (
                    "Kinetic Combat: Accuracy/Damage",
                    "Kinetic Combat: Damage/Endurance",
                    "Kinetic Combat: Damage/Recharge",
                    "Kinetic Combat: Damage/Endurance/Recharge",
                ),
            ),
            (
                "Temp Invulnerability",
                (
                    "Reactive Armor: Damage Resistance/Endurance",
                    "Reactive Armor: Damage Resistance/Recharge",
                    "Reactive Armor: Damage Resistance/Endurance/Recharge",
                    "Reactive Armor: Damage Resistance",
                ),
            ),
            (
                "Haymaker",
                (
                    "Single Origin: Damage Increase",
                    "Single Origin: Damage Increase",
                    "Single Origin: Accuracy",
                    "Single Origin: Endurance Reduction",
                ),
            ),
            (
                "Unyielding",
                (
                    "Steadfast Protection: Resistance/+Def 3%",
                    "Steadfast Protection: Damage Resistance/Endurance",
                    "Training: Resist Damage",
                ),
            ),
            ("Dull Pain", ("Dual Origin: Healing", "Dual Origin: Healing", "Dual Origin: Recharge Reduction")),
            ("Combat Jumping", ("Kismet: Accuracy +6%", "Kismet: Defense")),
        ),
    ),
)

# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


@dataclass
class _PowerInfo:
    """What the build makers need to know of a loaded power."""

    id: int
    name: str
    powerset_id: int
    level: int
    position: int
    attributes: frozenset[str]
    categories: frozenset[str]
    prerequisites: list[list[int]] = field(default_factory=list)


@dataclass
class _EnhancementInfo:
    id: int
    name: str
    kind: str
    set_id: int | None
    attributes: frozenset[str]
    level_min: int
    level_max: int
    unique: bool


@dataclass
class _Catalog:
    """The loaded game data, by id, for placing legal builds."""

    archetypes: dict[str, int] = field(default_factory=dict)
    # archetype name -> {"primary": [ids], "secondary": [ids], "epic": [ids]}
    archetype_sets: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    pools: list[int] = field(default_factory=list)
    powerset_names: dict[int, str] = field(default_factory=dict)
    powers: dict[int, _PowerInfo] = field(default_factory=dict)
    powers_by_set: dict[int, list[_PowerInfo]] = field(default_factory=dict)
    enhancements: dict[str, _EnhancementInfo] = field(default_factory=dict)
    set_categories: dict[int, str] = field(default_factory=dict)
    set_pieces: dict[int, list[_EnhancementInfo]] = field(default_factory=dict)


def load_heroes(session: Session, scale: int) -> dict[str, int]:
    """Load the heroes demo data into empty heroes tables; return rows inserted per table.

    Args:
        session: the caller's session; its transaction is the caller's to commit.
        scale: 1 or more. The game data is the same at every scale; each step above 1
            adds four random builds that obey the planner's rules.

    Raises:
        ValueError: scale is not a whole number >= 1, or a heroes table already holds rows.
    """
    check_scale(scale)
    require_empty(session, [Archetype, Powerset, Power, EnhancementSet, Enhancement, Build])
    rng = random.Random(SEED)
    catalog = _Catalog()
    counts: dict[str, int] = {}
    _load_powers(session, catalog, counts)
    _load_enhancements(session, catalog, counts)
    builds = [_hand_made_build(catalog, spec) for spec in BUILDS]
    builds += [_random_build(rng, catalog, number) for number in range(RANDOM_BUILDS_PER_SCALE * (scale - 1))]
    _insert_builds(session, builds, counts)
    return counts


# render_nulls: the ORM otherwise leaves None keys out of a row, which splits the batch
# into one statement per distinct set of keys.
def _insert(session: Session, model: type[Base], rows: list[dict[str, Any]], counts: dict[str, int]) -> None:
    if rows:
        session.execute(insert(model), rows, execution_options={"render_nulls": True})
    counts[model.__tablename__] = counts.get(model.__tablename__, 0) + len(rows)


def _insert_returning_ids(
    session: Session, model: type[Base], rows: list[dict[str, Any]], counts: dict[str, int]
) -> list[int]:
    """Insert rows and return their generated ids, in the order of the rows."""
    counts[model.__tablename__] = counts.get(model.__tablename__, 0) + len(rows)
    if not rows:
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]  # the models given have an id
    return list(session.execute(statement, rows, execution_options={"render_nulls": True}).scalars())


def _slug(name: str) -> str:
    """The game's internal spelling of a display name: "Gambler's Cut" -> "Gamblers_Cut"."""
    spaced = name.replace("-", " ").replace("/", " ")
    return "_".join("".join(ch for ch in spaced if ch.isalnum() or ch == " ").split())


def _attributes(codes: str) -> tuple[str, ...]:
    return tuple(ABBREV[code] for code in codes.split())


def _effects(area: str, radius: float, specs: Iterable[tuple[str, str, float]]) -> dict[str, Any]:
    effects: dict[str, Any] = {"area": area}
    if radius:
        effects["radius"] = radius
    for section, keys, value in specs:
        if section == "dmg":
            effects.setdefault("damage", []).append({"type": keys, "scale": value})
        else:
            target = effects.setdefault(EFFECT_SECTIONS[section], {})
            for key in keys.split():
                target[key] = value
    if "damage" in effects:
        # The seed indexes and queries effects->>'damage_type': the main damage type.
        effects["damage_type"] = max(effects["damage"], key=lambda d: d["scale"])["type"]
    return effects


def _short_help(label: str, specs: Iterable[tuple[str, str, float]]) -> str:
    """City of Data's short help: "Ranged (Targeted AoE), DMG(Fire/Smashing)"."""
    types = list(dict.fromkeys(keys for section, keys, _ in specs if section == "dmg"))
    if not types:
        return label
    names = "/".join(t.replace("_", " ").title() for t in types)
    return f"{label}, DMG({names})"


def _prerequisite_groups(spec: str) -> list[tuple[str, ...]]:
    """ "2:A|B|C" -> [(A, B), (A, C), (B, C)]: any one group satisfies the prerequisite."""
    if not spec:
        return []
    needed, names = spec.split(":", 1)
    return list(combinations(names.split("|"), int(needed)))


def _load_powers(session: Session, catalog: _Catalog, counts: dict[str, int]) -> None:
    """Archetypes, powersets, powers, their prerequisites and compatibility."""
    archetype_ids = _insert_returning_ids(
        session,
        Archetype,
        [
            {
                "name": at.name,
                "display_name": at.name,
                "description": at.description,
                "primary_group": at.primary_group,
                "secondary_group": at.secondary_group,
                "hit_points_base": at.hit_points_base,
                "hit_points_max": at.hit_points_max,
            }
            for at in ARCHETYPES
        ],
        counts,
    )
    catalog.archetypes = {at.name: at_id for at, at_id in zip(ARCHETYPES, archetype_ids)}

    # (definition, archetype or None, powerset_type, levels, internal category, AT set category)
    planned: list[tuple[SetDef, ArchetypeDef | None, str, tuple[int, ...], str, str | None]] = []
    for at in ARCHETYPES:
        at_sets = f"{at.name} Archetype Sets"
        for definition in at.primaries:
            planned.append((definition, at, "primary", PRIMARY_LEVELS, f"{at.name}_{at.primary_category}", at_sets))
        for definition in at.secondaries:
            planned.append(
                (definition, at, "secondary", SECONDARY_LEVELS, f"{at.name}_{at.secondary_category}", at_sets)
            )
        planned.append((at.epic, at, "epic", at.epic.levels or EPIC_LEVELS, "Epic", None))
    for pool in POOLS:
        # Every pool gives its levels; a missing tuple fails the strict zip below.
        planned.append((pool, None, "pool", pool.levels or (), "Pool", None))

    def internal_set_name(definition: SetDef, at: ArchetypeDef | None, category: str, kind: str) -> str:
        # Epic pools are named per archetype in the game data (Epic.Blaster_Mu_Mastery).
        prefix = f"{at.name}_" if kind == "epic" and at else ""
        return f"{category}.{prefix}{_slug(definition.name)}"

    powerset_ids = _insert_returning_ids(
        session,
        Powerset,
        [
            {
                "name": _slug(definition.name),
                "display_name": definition.name,
                "description": definition.description,
                "internal_name": internal_set_name(definition, at, category, kind),
                "archetype_id": catalog.archetypes[at.name] if at else None,
                "powerset_type": kind,
            }
            for definition, at, kind, _, category, _ in planned
        ],
        counts,
    )

    power_rows: list[dict[str, Any]] = []
    power_meta: list[tuple[int, PowerRow, frozenset[str], frozenset[str], int]] = []
    for (definition, owner, kind, levels, category, owner_sets), powerset_id in zip(planned, powerset_ids):
        catalog.powerset_names[powerset_id] = definition.name
        if owner is None:
            catalog.pools.append(powerset_id)
        else:
            catalog.archetype_sets.setdefault(owner.name, {}).setdefault(kind, []).append(powerset_id)
        set_internal = internal_set_name(definition, owner, category, kind)
        for position, (power, level) in enumerate(zip(definition.powers, levels, strict=True), start=1):
            name, power_kind, ptype, acc, end, rech, act, rng, radius, targets, specs, _ = power
            target_type, area, label, attribute_codes, categories = KINDS[power_kind]
            attributes = frozenset(_attributes(attribute_codes))
            allowed = set(categories)
            if owner_sets and allowed & DAMAGE_CATEGORIES:
                allowed.add(owner_sets)
            power_rows.append(
                {
                    "name": _slug(name),
                    "display_name": name,
                    "description": _short_help(label, specs),
                    "internal_name": f"{set_internal}.{_slug(name)}",
                    "powerset_id": powerset_id,
                    "position": position,
                    "level_available": level,
                    "power_type": POWER_TYPES[ptype],
                    "target_type": target_type,
                    "accuracy": acc,
                    "damage_scale": round(sum(v for s, _, v in specs if s == "dmg"), 4),
                    "endurance_cost": end,
                    "recharge_time": rech,
                    "activation_time": act,
                    "range": rng,
                    "radius": radius,
                    "max_targets": targets,
                    "max_slots": 6,
                    "allowed_set_categories": sorted(allowed),
                    "effects": _effects(area, radius, specs),
                }
            )
            power_meta.append((powerset_id, power, attributes, frozenset(allowed), level))
    power_ids = _insert_returning_ids(session, Power, power_rows, counts)

    by_name: dict[tuple[int, str], int] = {}
    for power_id, (powerset_id, power, attributes, allowed_sets, level) in zip(power_ids, power_meta):
        info = _PowerInfo(
            power_id,
            power[0],
            powerset_id,
            level,
            len(catalog.powers_by_set.get(powerset_id, [])) + 1,
            attributes,
            allowed_sets,
        )
        catalog.powers[power_id] = info
        catalog.powers_by_set.setdefault(powerset_id, []).append(info)
        by_name[(powerset_id, power[0])] = power_id

    prerequisites: list[dict[str, Any]] = []
    compatibility: list[dict[str, Any]] = []
    for power_id, (powerset_id, power, attributes, _, _) in zip(power_ids, power_meta):
        for group_number, group in enumerate(_prerequisite_groups(power[11]), start=1):
            required = [by_name[(powerset_id, name)] for name in group]
            catalog.powers[power_id].prerequisites.append(required)
            prerequisites += [
                {"power_id": power_id, "group_number": group_number, "required_power_id": r} for r in required
            ]
        compatibility += [{"power_id": power_id, "enhancement_type": a} for a in sorted(attributes)]
    _insert(session, PowerPrerequisite, prerequisites, counts)
    _insert(session, PowerEnhancementCompatibility, compatibility, counts)


def _strength_columns(strengths: dict[str, float]) -> dict[str, Any]:
    """The seed's six bonus columns and other_bonuses for {attribute: percent}."""
    row: dict[str, Any] = {column: strengths.get(attribute) for attribute, column in ENHANCEMENT_COLUMNS.items()}
    row["other_bonuses"] = {a: v for a, v in strengths.items() if a not in ENHANCEMENT_COLUMNS}
    return row


def _bonus_rows(size: str, kind: str) -> list[tuple[str, float, str]]:
    """(bonus_type, amount, display text) rows for one set bonus, e.g. ("large", "def:E/N/R")."""
    title = size.title()
    if kind.startswith("def:"):
        full, half, label = DEFENSE_COMBOS[kind[4:]]
        amount = BONUS_AMOUNTS["defense"][size]
        text = f"{title} Increased {label} Def Bonus"
        return [(f"defense.{t}", amount, text) for t in full] + [(f"defense.{t}", amount / 2, text) for t in half]
    if kind.startswith("res:"):
        types, label = RESISTANCE_COMBOS[kind[4:]]
        text = f"{title} {label} and Mez Resistance"
        return [(f"resistance.{t}", BONUS_AMOUNTS["resistance"][size], text) for t in types] + [
            ("mez_resistance", BONUS_AMOUNTS["mez_resistance"][size], text)
        ]
    return [(kind, BONUS_AMOUNTS[kind][size], f"{title} {BONUS_NAMES[kind]}")]


def _load_enhancements(session: Session, catalog: _Catalog, counts: dict[str, int]) -> None:
    """Generic enhancements for every attribute, HamiOs, and the sets with pieces and bonuses."""
    rows: list[dict[str, Any]] = []
    for kind, grade, level_min, level_max, index in GENERIC_GRADES:
        for attribute, schedule in ENHANCEMENT_ATTRIBUTES.items():
            rows.append(
                {
                    "name": f"{grade}: {GENERIC_LABELS[attribute]}",
                    "enhancement_type": kind,
                    "level_min": level_min,
                    "level_max": level_max,
                    **_strength_columns({attribute: STRENGTHS[schedule][index]}),
                }
            )
    for name, codes in HAMIDON:
        attributes = _attributes(codes)
        rows.append(
            {
                "name": name,
                "enhancement_type": "HamiO",
                "level_min": 45,
                "level_max": 50,
                **_strength_columns({a: STRENGTHS[ENHANCEMENT_ATTRIBUTES[a]][2] for a in attributes}),
            }
        )

    set_ids = _insert_returning_ids(
        session,
        EnhancementSet,
        [
            {"name": _slug(name), "display_name": name, "category": category, "min_level": low, "max_level": high}
            for name, category, low, high, _, _ in SETS
        ],
        counts,
    )
    bonuses: list[dict[str, Any]] = []
    for set_id, (name, category, low, high, pieces, set_bonuses) in zip(set_ids, SETS):
        catalog.set_categories[set_id] = category
        for position, piece in enumerate(pieces, start=1):
            special = piece if isinstance(piece, Piece) else Piece(piece, "", False, (), False)
            attributes = _attributes(special.attrs)
            label = special.label or "/".join(ASPECT_LABELS[a] for a in attributes)
            share = ASPECT_SHARE.get(len(attributes), 0.0)
            strengths = {a: round(STRENGTHS[ENHANCEMENT_ATTRIBUTES[a]][3] * share, 4) for a in attributes}
            rows.append(
                {
                    "name": f"{name}: {label}",
                    "enhancement_type": "set_piece",
                    "set_id": set_id,
                    "position": position,
                    "level_min": low,
                    "level_max": high,
                    "global_bonuses": dict(special.globals),
                    "is_unique": special.unique,
                    "is_proc": special.proc,
                    **_strength_columns(strengths),
                }
            )
        for pieces_required, size, kind in set_bonuses:
            bonuses += [
                {
                    "set_id": set_id,
                    "pieces_required": pieces_required,
                    "bonus_type": bonus_type,
                    "bonus_amount": amount,
                    "display_text": text,
                }
                for bonus_type, amount, text in _bonus_rows(size, kind)
            ]

    # Every row carries every key, so the insert runs as one batched statement.
    defaults: dict[str, Any] = {
        "set_id": None,
        "position": 0,
        "global_bonuses": {},
        "is_unique": False,
        "is_proc": False,
    }
    rows = [{**defaults, **row} for row in rows]
    enhancement_ids = _insert_returning_ids(session, Enhancement, rows, counts)
    _insert(session, SetBonus, bonuses, counts)
    for enhancement_id, row in zip(enhancement_ids, rows):
        enhances = {a for a, c in ENHANCEMENT_COLUMNS.items() if row[c] is not None} | set(row["other_bonuses"])
        info = _EnhancementInfo(
            enhancement_id,
            row["name"],
            row["enhancement_type"],
            row["set_id"],
            frozenset(enhances),
            row["level_min"],
            row["level_max"],
            row["is_unique"],
        )
        catalog.enhancements[row["name"]] = info
        if info.set_id is not None:
            catalog.set_pieces.setdefault(info.set_id, []).append(info)


# A build ready to insert: its row, pool powersets, picks (power id, level, index), slots.
@dataclass
class _PlannedBuild:
    row: dict[str, Any]
    pools: list[int]
    picks: list[tuple[int, int, int]]
    # per picked power id: [(slot level, enhancement id or None, enhancement level or None)]
    slots: dict[int, list[tuple[int, int | None, int | None]]]


def _enhancement_level(enhancement: _EnhancementInfo, build_level: int) -> int:
    """The level the build slots an enhancement at: its own range, as close to the build's."""
    return max(enhancement.level_min, min(enhancement.level_max, build_level))


def _place_added_slots(level: int, picks: list[tuple[int, int, int]], wanted: dict[int, int]) -> dict[int, list[int]]:
    """Hand out the added slots up to `level`, earliest first, to powers that want them.

    A slot goes to a power picked at or before the slot's level; the wishes must be exactly
    satisfiable, since the hand-made builds are meant to be complete.
    """
    slot_levels: dict[int, list[int]] = {power_id: [pick_level] for power_id, pick_level, _ in picks}
    remaining = dict(wanted)
    order = [power_id for power_id, _, _ in picks]
    pick_level = {power_id: lvl for power_id, lvl, _ in picks}
    for slot_level in (lvl for lvl in ADDED_SLOT_LEVELS if lvl <= level):
        for power_id in order:
            if remaining.get(power_id, 0) > 0 and pick_level[power_id] <= slot_level:
                slot_levels[power_id].append(slot_level)
                remaining[power_id] -= 1
                break
    if any(remaining.values()):
        raise ValueError(f"slot wishes cannot be met by level {level}: {remaining}")
    return slot_levels


def _hand_made_build(catalog: _Catalog, spec: BuildDef) -> _PlannedBuild:
    """Resolve a BuildDef's names to ids and place its slots and enhancements."""
    sets = catalog.archetype_sets[spec.archetype]
    primary = next(i for i in sets["primary"] if catalog.powerset_names[i] == spec.primary)
    secondary = next(i for i in sets["secondary"] if catalog.powerset_names[i] == spec.secondary)
    epic = sets["epic"][0]
    candidates: dict[str, _PowerInfo] = {}
    for powerset_id in (primary, secondary, epic, *catalog.pools):
        for power in catalog.powers_by_set[powerset_id]:
            if power.name in candidates:
                raise ValueError(f"{spec.name}: power name {power.name!r} is ambiguous")
            candidates[power.name] = power
    picks: list[tuple[int, int, int]] = []
    pools: list[int] = []
    for level, name in spec.picks:
        power = candidates[name]
        picks.append((power.id, level, 1 if level == 1 and picks else 0))
        if power.powerset_id in catalog.pools and power.powerset_id not in pools:
            pools.append(power.powerset_id)
    wanted = {candidates[name].id: count for name, count in spec.added_slots}
    slot_levels = _place_added_slots(spec.level, picks, wanted)
    enhancements = {candidates[name].id: names for name, names in spec.enhancements}
    slots: dict[int, list[tuple[int, int | None, int | None]]] = {}
    for power_id, levels in slot_levels.items():
        names = enhancements.get(power_id, ())
        if len(names) > len(levels):
            raise ValueError(f"{spec.name}: more enhancements than slots in power {power_id}")
        placed: list[tuple[int, int | None, int | None]] = []
        for index, slot_level in enumerate(levels):
            if index < len(names):
                enhancement = catalog.enhancements[names[index]]
                placed.append((slot_level, enhancement.id, _enhancement_level(enhancement, spec.level)))
            else:
                placed.append((slot_level, None, None))
        slots[power_id] = placed
    row = {
        "name": spec.name,
        "archetype_id": catalog.archetypes[spec.archetype],
        "primary_powerset_id": primary,
        "secondary_powerset_id": secondary,
        "epic_powerset_id": epic if spec.level >= 35 else None,
        "level": spec.level,
        "notes": spec.notes,
    }
    return _PlannedBuild(row, pools, picks, slots)


def _random_build(rng: random.Random, catalog: _Catalog, number: int) -> _PlannedBuild:
    """A random build that keeps every planner rule: picks, prerequisites, slots, enhancements."""
    archetype = rng.choice(list(catalog.archetypes))
    sets = catalog.archetype_sets[archetype]
    primary, secondary, epic = rng.choice(sets["primary"]), rng.choice(sets["secondary"]), sets["epic"][0]
    level = rng.choice((50, 50, 50, 44, 38, 32, 24, 16))
    taken: dict[int, int] = {}  # power id -> pick level
    picks: list[tuple[int, int, int]] = []
    pools: list[int] = []
    for index, pick_level in enumerate(PICK_LEVELS):
        if pick_level > level:
            break
        if index < 2:
            # Level 1: one of the first two powers of the primary, then of the secondary.
            options = [p for p in catalog.powers_by_set[primary if index == 0 else secondary] if p.position <= 2]
            weights = [1.0] * len(options)
        else:
            sources = [(primary, 3.0), (secondary, 3.0)]
            sources += [(pool, 0.6) for pool in catalog.pools if pool in pools or len(pools) < 4]
            if pick_level >= 35:
                sources.append((epic, 1.5))
            options, weights = [], []
            for powerset_id, weight in sources:
                for power in catalog.powers_by_set[powerset_id]:
                    if (
                        power.id not in taken
                        and power.level <= pick_level
                        and (
                            not power.prerequisites
                            or any(all(r in taken for r in group) for group in power.prerequisites)
                        )
                    ):
                        options.append(power)
                        weights.append(weight)
        if not options:
            continue
        power = rng.choices(options, weights)[0]
        taken[power.id] = pick_level
        picks.append((power.id, pick_level, 1 if index == 1 else 0))
        if power.powerset_id in catalog.pools and power.powerset_id not in pools:
            pools.append(power.powerset_id)

    slot_levels: dict[int, list[int]] = {power_id: [pick_level] for power_id, pick_level, _ in picks}
    for slot_level in ADDED_SLOT_LEVELS:
        if slot_level > level:
            break
        eligible = [p for p, lvl, _ in picks if lvl <= slot_level and len(slot_levels[p]) < 6]
        if eligible:
            slot_levels[rng.choice(eligible)].append(slot_level)

    used_uniques: set[int] = set()
    slots: dict[int, list[tuple[int, int | None, int | None]]] = {}
    for power_id, levels in slot_levels.items():
        chosen = _random_enhancements(rng, catalog, catalog.powers[power_id], len(levels), level, used_uniques)
        slots[power_id] = [
            (slot_level, e.id if e else None, _enhancement_level(e, level) if e else None)
            for slot_level, e in zip(levels, chosen)
        ]
    names = (catalog.powerset_names[primary], catalog.powerset_names[secondary])
    row = {
        "name": f"{archetype} {names[0]}/{names[1]} #{number + 1}",
        "archetype_id": catalog.archetypes[archetype],
        "primary_powerset_id": primary,
        "secondary_powerset_id": secondary,
        "epic_powerset_id": epic if any(catalog.powers[p].powerset_id == epic for p in taken) else None,
        "level": level,
        "notes": None,
    }
    return _PlannedBuild(row, pools, picks, slots)


def _random_enhancements(
    rng: random.Random, catalog: _Catalog, power: _PowerInfo, count: int, level: int, used_uniques: set[int]
) -> list[_EnhancementInfo | None]:
    """Enhancements for a power's slots: mostly one set (pieces once each), then commons."""
    chosen: list[_EnhancementInfo | None] = []
    sets = [
        s
        for s, category in catalog.set_categories.items()
        if category in power.categories and catalog.set_pieces[s][0].level_min <= level
    ]
    if sets and rng.random() < 0.7:
        pieces = [p for p in catalog.set_pieces[rng.choice(sets)] if not (p.unique and p.id in used_uniques)]
        rng.shuffle(pieces)
        chosen += pieces[:count]
        used_uniques.update(p.id for p in chosen if p and p.unique)
    grade = "Single Origin" if level >= 20 else "Dual Origin" if level >= 10 else "Training"
    if level >= 25 and rng.random() < 0.5:
        grade = "Invention"
    attributes = sorted(power.attributes)
    while len(chosen) < count:
        if not attributes or rng.random() < 0.15:
            chosen.append(None)  # an empty slot: the build is a plan in progress
        else:
            chosen.append(catalog.enhancements[f"{grade}: {GENERIC_LABELS[rng.choice(attributes)]}"])
    return chosen


def _insert_builds(session: Session, builds: list[_PlannedBuild], counts: dict[str, int]) -> None:
    build_ids = _insert_returning_ids(session, Build, [b.row for b in builds], counts)
    _insert(
        session,
        BuildPowerset,
        [
            {"build_id": build_id, "position": position, "powerset_id": powerset_id}
            for build_id, build in zip(build_ids, builds)
            for position, powerset_id in enumerate(build.pools, start=1)
        ],
        counts,
    )
    pick_rows = [
        {"build_id": build_id, "power_id": power_id, "pick_level": pick_level, "pick_index": pick_index}
        for build_id, build in zip(build_ids, builds)
        for power_id, pick_level, pick_index in build.picks
    ]
    build_power_ids = iter(_insert_returning_ids(session, BuildPower, pick_rows, counts))
    slot_rows: list[dict[str, Any]] = []
    for build in builds:
        for power_id, _, _ in build.picks:
            build_power_id = next(build_power_ids)
            slot_rows += [
                {
                    "build_power_id": build_power_id,
                    "slot_index": index,
                    "slot_level": slot_level,
                    "enhancement_id": enhancement_id,
                    "enhancement_level": enhancement_level,
                }
                for index, (slot_level, enhancement_id, enhancement_level) in enumerate(build.slots[power_id])
            ]
    _insert(session, BuildSlot, slot_rows, counts)
