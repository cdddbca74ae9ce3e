"""How a use case that stores an entity treats one that exists already, and what a bulk write (an import) did."""

import enum
from dataclasses import dataclass


class Mode(enum.Enum):
    CREATE = "create"  # refuse what exists
    UPDATE = "update"  # refuse what does not exist
    UPSERT = "upsert"  # imports


@dataclass
class Tally:
    """What an import did to the entities of one kind."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
