"""The spec's config transformations: source-pinterest 2.x keys and values mapped onto ours, then the defaults.

Both run on every start (spec.yaml names the classes); only the migration is persisted (config_file.normalise).
Defaults and the sync's `Settings` are made by `source_pinterest.settings.apply_defaults` from the facts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from typing import Any

from airbyte_cdk.sources.declarative.transformations.config_transformations.config_transformation import (
    ConfigTransformation,
)

from source_pinterest.facts import ATTRIBUTION_WINDOW_KEYS, MAX_WORKERS
from source_pinterest.settings import apply_defaults

logger = logging.getLogger("airbyte")

# source-pinterest 2.x keys that migrate_legacy renames: a 2.x config carries them, and they are not unknown keys.
LEGACY_KEYS = ("status", "account_id", "num_threads")


def migrate_legacy(config: MutableMapping[str, Any]) -> None:
    """Map source-pinterest 2.x keys and values onto ours; newer keys win when both are present.

    Every value 2.x accepted keeps working: `status`, `account_id` and `num_threads` move to their new names,
    a single `account_id` also keeps reaching boards, pins and catalogs (`organic_ad_account_id`),
    `num_threads` above our limit is clamped, and custom reports get their 2.x values translated
    (`migrate_legacy_report`).
    """
    status = config.pop("status", None)
    if status and "entity_statuses" not in config:
        config["entity_statuses"] = list(status)
    account_id = config.pop("account_id", None)
    if account_id and not config.get("account_ids"):
        config["account_ids"] = [str(account_id)]
    if account_id and not config.get("organic_ad_account_id"):
        config["organic_ad_account_id"] = str(account_id)
    threads = config.pop("num_threads", None)
    if threads and "num_workers" not in config:
        config["num_workers"] = threads
    workers = config.get("num_workers")
    if _is_int(workers) and workers > MAX_WORKERS:  # 2.x allowed 40 threads
        logger.warning(
            f"num_workers {workers} is more than the {MAX_WORKERS} this connector runs; using {MAX_WORKERS}."
        )
        config["num_workers"] = MAX_WORKERS
    reports = config.get("custom_reports")
    if isinstance(reports, list):
        config["custom_reports"] = [migrate_legacy_report(r) if isinstance(r, Mapping) else r for r in reports]


def migrate_legacy_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """A 2.x custom report in our terms: `[30]`-style windows become 30, and TOTAL (2.x's default) becomes DAY.

    TOTAL rows have no date, so they can neither be synced incrementally nor told apart from one sync to the
    next; daily rows hold the same metrics, and any range's total is the sum of its days.
    """
    migrated = dict(report)
    for key in ATTRIBUTION_WINDOW_KEYS:
        value = migrated.get(key)
        if isinstance(value, list):  # 2.x's UI default was the list [30]
            if value:
                migrated[key] = value[0]
            else:
                migrated.pop(key)
    if migrated.get("granularity") == "TOTAL":  # 2.x's default (2.x required the key, so it is always written)
        logger.warning(
            f"Custom report '{migrated.get('name')}': granularity TOTAL (source-pinterest 2.x's default) is read as "
            "DAY, one row per day; sum the days for a total over any range."
        )
        migrated["granularity"] = "DAY"
    return migrated


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class MigrateLegacyConfig(ConfigTransformation):
    def transform(self, config: MutableMapping[str, Any]) -> None:
        migrate_legacy(config)


class ApplyDefaults(ConfigTransformation):
    def transform(self, config: MutableMapping[str, Any]) -> None:
        apply_defaults(config)
