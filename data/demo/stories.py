"""Demo data for StoryForge: branching stories whose node embeddings are meaningful.

Embeddings are synthetic but shaped like real ones: each genre has a direction, each story a
theme near its genre's, and each node drifts a little from its parent. So a node's nearest
neighbours are its family in the tree, then its story, then stories of the same genre, and
a similarity search over idx_nodes_embedding returns sensible answers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy.orm import Session

from data.demo.rows import (
    DEMO_NOW_NAIVE,
    batched,
    check_scale,
    copy_rows,
    moment_between,
    require_empty,
    seeded_uuid,
)
from data.models.stories import EMBEDDING_DIMENSIONS, Node, Story

MAX_DEPTH = 8  # root at 0; choices at odd depths, scenes at even ones
CHUNK = 50  # stories generated and copied at a time, to keep memory flat

# genre: (protagonists, places, objects, threats, title nouns)
GENRES: dict[str, tuple[tuple[str, ...], ...]] = {
    "fantasy": (
        (
            "the young cartographer",
            "a disgraced knight",
            "the witch of the fens",
            "Brother Aldric",
            "the last dragon-rider",
        ),
        ("the drowned abbey", "the Ashen Pass", "a crossroads inn", "the glass forest", "the king's library"),
        ("a cracked moonstone", "the iron key", "a map drawn in ink that moves", "a silver bell", "the sleeping sword"),
        ("a hunting wyrm", "the Pale Court", "the wolves of winter", "a storm of ash", "the lich's envoys"),
        ("Crown", "Ember", "Oath", "Tower", "Thorn"),
    ),
    "science fiction": (
        ("Captain Ilse Varga", "the ship's mind MERIDIAN", "a salvage pilot", "Dr. Okonkwo", "the stowaway"),
        (
            "the derelict freighter Calliope",
            "Ceres Station",
            "the terraforming dome",
            "a methane sea",
            "the garden deck",
        ),
        (
            "a corrupted nav-log",
            "the alien lattice",
            "an unregistered drone",
            "a sealed cryo-pod",
            "the quantum beacon",
        ),
        ("a hull breach", "the Directorate's cutters", "a rogue swarm", "a solar flare", "the sleeper protocol"),
        ("Orbit", "Signal", "Horizon", "Drift", "Relay"),
    ),
    "mystery": (
        (
            "Inspector Hale",
            "the night-shift pharmacist",
            "a retired cryptographer",
            "Mrs. Abernathy",
            "the new archivist",
        ),
        ("the shuttered hotel", "platform nine", "the rectory", "a fog-bound pier", "the auction house"),
        ("a torn ticket", "the missing ledger", "a second will", "a stopped watch", "an unsent letter"),
        (
            "a witness who lies",
            "the deadline on the case",
            "a blackmailer",
            "the storm cutting the lines",
            "a second body",
        ),
        ("Ledger", "Alibi", "Cipher", "Verdict", "Witness"),
    ),
    "horror": (
        ("the lighthouse keeper", "a paranormal podcaster", "the babysitter", "Father Ilić", "the sole survivor"),
        (
            "the flooded basement",
            "a motel off Route 9",
            "the bone orchard",
            "the old sanatorium",
            "a house with no doors",
        ),
        (
            "a tape with no label",
            "the doll's missing eye",
            "a hymnal written backwards",
            "a jar of teeth",
            "the ouija planchette",
        ),
        (
            "the thing under the floor",
            "a voice that knows your name",
            "the hollow choir",
            "the rising water",
            "the visitor at 3 a.m.",
        ),
        ("Hollow", "Static", "Marrow", "Vigil", "Lantern"),
    ),
    "romance": (
        (
            "a florist with a secret",
            "the rival baker",
            "a translator on sabbatical",
            "the violinist next door",
            "an ex-fiancé",
        ),
        ("the rooftop garden", "a rainy train station", "the seaside café", "a wedding in Lisbon", "the night market"),
        (
            "a pressed camellia",
            "the wrong umbrella",
            "a playlist left on repeat",
            "two concert tickets",
            "a borrowed scarf",
        ),
        (
            "an old misunderstanding",
            "a job offer abroad",
            "the family's disapproval",
            "a rival's confession",
            "the last train",
        ),
        ("Letters", "Season", "Promise", "Harbour", "Bloom"),
    ),
}
SCENE_SENTENCES = (
    "{hero} reached {place} as the light failed.",
    "Inside, {thing} waited where no one should have left it.",
    "Somewhere close, {threat} was stirring.",
    "{hero} turned {thing} over and thought of {place}.",
    "Nobody had spoken of {threat} in years, and yet here it was.",
    "The silence at {place} felt rehearsed.",
    "{hero} counted the exits twice.",
    "It was {thing} that changed everything.",
)
CHOICE_SENTENCES = (
    "Take {thing} and head for {place}.",
    "Face {threat} here and now.",
    "Hide, watch, and wait for morning.",
    "Go back to {place} and ask the questions nobody asked.",
    "Leave {thing} behind and run.",
    "Trust {hero}, just this once.",
)
TITLE_TEMPLATES = ("The {noun} of {place}", "{noun} at {place}", "{hero} and the {noun}", "After the {noun}")
PEN_NAMES = ("quillfire", "M. Okoye", "the_night_editor", "Ren Kobayashi", "J. Marlowe", "inkwell", "S. Varga")
MOODS = ("tense", "wistful", "hopeful", "eerie", "playful", "grim", "tender")

STORY_COLUMNS = ("id", "title", "summary", "created_at", "updated_at")
NODE_COLUMNS = ("id", "story_id", "parent_id", "content", "summary", "node_type", "created_at", "metadata", "embedding")


def _unit(vector: list[float]) -> list[float]:
    norm = math.hypot(*vector) or 1.0
    return [x / norm for x in vector]


def _random_unit(rng: random.Random) -> list[float]:
    return _unit([rng.gauss(0.0, 1.0) for _ in range(EMBEDDING_DIMENSIONS)])


class _Noise:
    """Gaussian noise vectors, cut from a pool at random offsets.

    Drawing 768 fresh Gaussians per node is most of the generation time; a window at a
    random offset of a random pooled sequence is as good for this purpose and ~5x cheaper.
    """

    POOL = 32

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pool = [[rng.gauss(0.0, 1.0) for _ in range(2 * EMBEDDING_DIMENSIONS)] for _ in range(self.POOL)]

    def drift(self, base: list[float], distance: float) -> list[float]:
        """A unit vector about `distance` (in norm) away from base, in a random direction."""
        sigma = distance / math.sqrt(EMBEDDING_DIMENSIONS)
        offset = self.rng.randrange(EMBEDDING_DIMENSIONS)
        window = self.rng.choice(self.pool)[offset : offset + EMBEDDING_DIMENSIONS]
        return _unit([x + sigma * n for x, n in zip(base, window)])


def _vector_text(vector: list[float]) -> str:
    # pgvector's text form; five decimals are plenty for a unit vector of 768 floats.
    return "[" + ",".join(f"{x:.5f}" for x in vector) + "]"


class _StoryWriter:
    """Builds one story's tree of nodes, depth first, as COPY rows."""

    def __init__(self, rng: random.Random, noise: _Noise, genre: str, story_id: object) -> None:
        self.rng = rng
        self.noise = noise
        self.story_id = story_id
        self.heroes, self.places, self.things, self.threats, _ = GENRES[genre]
        self.genre = genre
        self.nodes: list[list[object]] = []
        self.latest = datetime.min

    def _fill(self, template: str) -> str:
        rng = self.rng
        return template.format(
            hero=rng.choice(self.heroes),
            place=rng.choice(self.places),
            thing=rng.choice(self.things),
            threat=rng.choice(self.threats),
        )

    def _scene_text(self) -> str:
        sentences = self.rng.sample(SCENE_SENTENCES, self.rng.randint(2, 4))
        text = " ".join(self._fill(s) for s in sentences)
        return text[0].upper() + text[1:]

    def add(self, parent: object | None, kind: str, depth: int, created: datetime, vector: list[float]) -> None:
        """Add a node and, recursively, its subtree."""
        rng = self.rng
        node_id = seeded_uuid(rng)
        if kind == "choice":
            content = self._fill(rng.choice(CHOICE_SENTENCES))
            summary = content.rstrip(".")[:80]
            meta = {"votes": rng.randint(0, 250), "author": rng.choice(PEN_NAMES)}
        else:
            content = self._scene_text()
            summary = content.split(".")[0][:120]
            meta = {"author": rng.choice(PEN_NAMES), "mood": rng.choice(MOODS), "word_count": len(content.split())}
            if kind == "root":
                meta["genre"] = self.genre
        # Some nodes still wait for the job that computes embeddings: NULL, as in real data.
        pending = rng.random() < 0.04
        meta["embedding"] = "pending" if pending else "text-embedding-768"
        row = [
            node_id,
            self.story_id,
            parent,
            content,
            summary,
            kind,
            created,
            meta,
            None if pending else _vector_text(vector),
        ]
        self.nodes.append(row)
        self.latest = max(self.latest, created)

        children = self._children(kind, depth)
        if kind != "choice":
            meta["ending"] = children == 0 and kind == "scene"
        for _ in range(children):
            child_kind = "scene" if kind == "choice" else "choice"
            later = min(created + timedelta(minutes=rng.randint(5, 4 * 24 * 60)), DEMO_NOW_NAIVE)
            # Choices sit close to their scene; a scene moves the story further on.
            step = 0.3 if child_kind == "choice" else 0.5
            self.add(node_id, child_kind, depth + 1, later, self.noise.drift(vector, step))
        row[7] = Jsonb(meta)

    def _children(self, kind: str, depth: int) -> int:
        rng = self.rng
        if depth >= MAX_DEPTH:
            return 0
        if kind == "choice":
            return 1
        if kind == "root":
            return rng.randint(2, 3)
        # Deeper scenes end more often, so trees are bushy near the root and sparse below.
        return 0 if rng.random() < 0.1 + 0.07 * depth else rng.choice((2, 2, 3, 3))


def _bare(phrase: str) -> str:
    """The phrase without its leading article, for use in a title."""
    for article in ("the ", "a ", "an "):
        if phrase.startswith(article):
            return phrase[len(article) :]
    return phrase


def _stories(rng: random.Random, total: int) -> Iterator[tuple[tuple[Any, ...], list[list[object]]]]:
    """Yield (story row, node rows) for total stories."""
    genre_names = list(GENRES)
    genre_axes = {genre: _random_unit(rng) for genre in genre_names}
    noise = _Noise(rng)
    titles: set[str] = set()
    for number in range(total):
        genre = genre_names[number % len(genre_names)]
        heroes, places, _, _, nouns = GENRES[genre]
        title = rng.choice(TITLE_TEMPLATES).format(
            noun=rng.choice(nouns), place=_bare(rng.choice(places)).title(), hero=rng.choice(heroes)
        )
        title = title[0].upper() + title[1:]
        base, sequel = title, 2
        while title in titles:
            title, sequel = f"{base} {sequel}", sequel + 1
        titles.add(title)
        story_id = seeded_uuid(rng)
        theme = noise.drift(genre_axes[genre], 0.9)
        created = moment_between(rng, datetime(2025, 1, 1), DEMO_NOW_NAIVE - timedelta(days=20))
        writer = _StoryWriter(rng, noise, genre, story_id)
        writer.add(None, "root", 0, created, theme)
        summary = f"A {genre} story in {len(writer.nodes)} parts, starting at {rng.choice(places)}."
        yield (story_id, title, summary, created, writer.latest), writer.nodes


def story_count(scale: int) -> int:
    """Stories at a scale: 8 at scale 1, then 2 more per scale.

    They grow more slowly than the players: inserting into the HNSW index costs about a
    millisecond per node, so linear growth would make stories most of a big load's time.
    """
    return 6 + 2 * scale


def load_stories(session: Session, scale: int) -> dict[str, int]:
    """Load StoryForge stories (see story_count), each a tree of ~10-120 nodes to depth 8,
    with 768-dimension unit embeddings (about 4% left NULL, as if pending).

    Raises ValueError for a bad scale or when a stories table is not empty.
    """
    check_scale(scale)
    require_empty(session, [Story, Node])
    rng = random.Random(3003)
    counts = {"stories.stories": 0, "stories.nodes": 0}
    for chunk in batched(_stories(rng, story_count(scale)), CHUNK):
        counts["stories.stories"] += copy_rows(session, Story, STORY_COLUMNS, (s for s, _ in chunk))
        counts["stories.nodes"] += copy_rows(
            session, Node, NODE_COLUMNS, (node for _, nodes in chunk for node in nodes)
        )
    return counts
