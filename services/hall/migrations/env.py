from services.hall import drafts  # noqa: F401 - its table is on the hall's metadata
from services.hall.identity.storage import metadata
from services.shared.migrations import run_env

run_env(metadata)
