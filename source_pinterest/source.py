from __future__ import annotations

import datetime as dt
import importlib.resources
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from airbyte_cdk.models import (
    AirbyteCatalog,
    AirbyteConnectionStatus,
    AirbyteMessage,
    AirbyteStateMessage,
    AirbyteStreamStatus,
    ConfiguredAirbyteCatalog,
    FailureType,
    Status,
    SyncMode,
    Type,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from airbyte_cdk.utils.yaml_loader import safe_load_yaml

from source_pinterest import cdk_seam, discovery
from source_pinterest.components import (
    config_file,
    config_validation,
    deep_paging,
    progress,
    progress_lines,
    reachability,
    request_counting,
    threadsafe_ast,
    verdict,
)
from source_pinterest.components.check import check_connection
from source_pinterest.components.factory import PinterestComponentFactory
from source_pinterest.components.reports import report_windows
from source_pinterest.components.windows import oldest_sync_day
from source_pinterest.manifest_facts import with_facts
from source_pinterest.spec_file import with_spec
from source_pinterest.sync import Sync

ORGANIC = ("user_account_analytics", "pin_analytics")  # no async reports reach further back
# Records waiting between the CDK's workers and the main thread. The CDK allows 10,000; report and targeting rows
# (~15 KB each as dicts) made that queue alone ~150 MB on the large scenario. 1,000 is ~30 ms of the main
# thread's work: workers wait on a full queue, the main thread never does (it buffers its own messages).
RECORD_QUEUE_SIZE = 1_000

# Before any worker thread exists: concurrent reads evaluate Jinja templates (and so build ASTs) in every worker.
threadsafe_ast.install()


class SourcePinterest(cdk_seam.PreparedManifestSource):
    """The declarative source; config, catalog and state must reach the constructor (the CDK reads them there)."""

    def __init__(
        self,
        catalog: ConfiguredAirbyteCatalog | None = None,
        config: Mapping[str, Any] | None = None,
        state: list[AirbyteStateMessage] | None = None,
        config_path: str | None = None,
    ) -> None:
        manifest = self.read_manifest()
        super().__init__(
            catalog or ConfiguredAirbyteCatalog(streams=[]),
            config or {},
            state or [],
            source_config=manifest,
            config_path=config_path,
        )
        cdk_seam.adopt_factory_class(self, PinterestComponentFactory)
        self._only: set[str] | None = None  # while reading: the catalog's streams, the only ones streams() builds
        self.begin_sync()  # check, discover and read each start a new one
        cdk_seam.limit_record_queue(self, RECORD_QUEUE_SIZE)

    def read_manifest(self) -> dict[str, Any]:
        """This package's manifest.yaml, with spec.yaml as its `spec` and the facts' rate limits and concurrency cap.
        Tests and tools substitute a manifest by replacing this method; theirs is checked against the CDK's schema."""
        self.manifest_schema_tested = True  # by test_config_and_check.py, rather than at every start
        text = importlib.resources.files(__package__).joinpath("manifest.yaml").read_text(encoding="utf-8")
        return with_facts(with_spec(safe_load_yaml(text)))

    def resolve_config(self, config: Mapping[str, Any] | None, config_path: str | None) -> Mapping[str, Any] | None:
        # The CDK's version persists nothing of the defaults either, but its OAuth refresh would emit the resolved
        # config; `normalise` keeps the user's own beside it for `config_file.save`.
        spec = self.spec_component
        if not config or spec is None:
            return config
        return config_file.normalise(config, config_path, spec.migrate_config, spec.transform_config)

    @property
    def sync(self) -> Sync:
        """The decisions of the current check, discover or read; the factory hands it to the components it builds."""
        return cdk_seam.component_factory(self).sync

    def begin_sync(self) -> Sync:
        """A fresh Sync: nothing a previous check, discover or read of this source decided carries over."""
        sync = cdk_seam.component_factory(self).sync = Sync(self.resolved_config)
        return sync

    def streams(self, config: Mapping[str, Any]) -> list[Any]:
        # check, discover and read all build streams here or in streams_named: one gate for a clear config_error.
        if self._only is not None:
            return self.streams_named(self._only)
        self._prepare_stream_build()
        definitions = cdk_seam.stream_definitions(self.resolved_manifest) + self.dynamic_streams
        return cdk_seam.build_streams(self, definitions, definitions)

    def _validate_config(self) -> None:
        """Ours first (its messages name the field and the fix), then the spec's, as the CDK's streams() does."""
        if self.resolved_config:  # the standard tests build the source without one
            config_validation.validate(self.resolved_config, self.sync.settings.today)
        if self.spec_component:
            self.spec_component.validate_config(self.resolved_config)

    def _prepare_stream_build(self) -> None:
        """What the CDK's streams() does before building: the config's validations, then the manifest's api_budget."""
        self._validate_config()
        cdk_seam.set_api_budget_once(self, self.resolved_config)

    def discover(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteCatalog:
        # The CDK builds every stream to list them (~1 s of CPU); the catalog needs only their definitions and
        # schema loaders (discovery.py). The same validation as streams(), in the same order, comes first.
        self.begin_sync()
        self._validate_config()
        return discovery.airbyte_catalog(self)

    def streams_named(self, names: Iterable[str], read_timeout: float | None = None) -> list[Any]:
        """Only the named streams, built as streams() builds them (parent caching decided over every stream).
        Building all ~40 costs about 1 s of CPU; check needs one, a read only its catalog's (benchmarks/report.md).
        `read_timeout`: seconds their requests wait for an answer, instead of the manifest's."""
        wanted = set(names)
        self._prepare_stream_build()
        definitions = cdk_seam.stream_definitions(self.resolved_manifest)
        if wanted - {d["name"] for d in definitions}:  # custom_* streams exist only once their template is resolved
            definitions = definitions + self.dynamic_streams
        selected = [d for d in definitions if d.get("name") in wanted]
        if read_timeout is not None:
            selected = [cdk_seam.with_read_timeout(d, read_timeout) for d in selected]
        return cdk_seam.build_streams(self, selected, definitions)

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None = None,
    ) -> Iterator[AirbyteMessage]:
        sync = self.begin_sync()  # nothing an earlier check or read of this process decided carries over
        self._reject_unknown_streams(catalog)
        self._reject_incremental_totals(catalog)
        self._warn_about_clamped_start(logger, catalog)
        tracked = progress.SyncProgress(selected=[s.stream.name for s in catalog.streams], parents=self._parents())
        sync.progress = tracked
        interval = sync.settings.progress_interval_seconds
        logger.info(progress_lines.start_line_of(sync.settings, sorted(tracked.selected), state))
        said = verdict.OneCause(sync.fatal)
        with request_counting.tracking(tracked, cdk_seam.api_budget(self)), said.quiet(self.logger):
            ticker = progress.Ticker(tracked, lambda lines: [logger.info(line) for line in lines], interval).start()
            failed: AirbyteTracedException | None = None
            try:
                self._warm_shared_parents(logger, catalog)
                # After the warm-up: what it could not list, the read lists again (refusals are not cached) and
                # notes if it is refused again; a refusal the read gets past must leave no mark.
                sync.unreadable.reset()
                sync.cut_boards.reset()
                held = deep_paging.StateHold(sync.cut_boards)  # board_pins's state stays before a cut board
                self._only = {s.stream.name for s in catalog.streams}  # _reject_unknown_streams checked them
                for message in said.messages(super().read(logger, config, catalog, state)):
                    progress.observe(tracked, message)
                    yield _incomplete_if_unreadable(held.adjust(message), sync)
            except AirbyteTracedException as error:  # the CDK's "streams did not sync successfully", at its end
                failed = error
            finally:
                self._only = None
                ticker.stop()
                logger.info(tracked.summary())
                # A failed stream ends the CDK's read by an exception that skips its thread pool's shutdown; its
                # idle workers would live on in a process that embeds the source (tests, PyAirbyte).
                cdk_seam.stop_idle_workers(self)
        # After every stream has finished (their data and state are out): one trace for what failed or was missed.
        closing = said.closing(failed, sync.unreadable.reasons())
        if closing is not None:
            raise closing

    def _reject_unknown_streams(self, catalog: ConfiguredAirbyteCatalog) -> None:
        # The CDK skips a stream it does not know without a word: the sync "succeeds" and replicates nothing.
        known = {d["name"] for d in cdk_seam.stream_definitions(self.resolved_manifest)}
        unknown = sorted({s.stream.name for s in catalog.streams} - known)
        if unknown:  # the built streams are the authority (dynamic ones exist only once built)
            known = {s.name for s in self.streams(self.resolved_config)}
            unknown = sorted(set(unknown) - known)
        if unknown:
            message = (
                f"The --catalog file names stream(s) {', '.join(unknown)} that source-pinterest does not have. "
                f"Fix: refresh the source schema (run discover) and select streams from it: {', '.join(sorted(known))}."
            )
            raise AirbyteTracedException(
                message=message, internal_message=message, failure_type=FailureType.config_error
            )

    def _reject_incremental_totals(self, catalog: ConfiguredAirbyteCatalog) -> None:
        """TOTAL rows total one request window; an incremental sync re-reads from the state minus the lookback, so
        each sync would add totals of other, overlapping periods under new dates. Full refresh totals are exact."""
        if self.resolved_config.get("granularity") != "TOTAL":
            return
        incremental = sorted(
            s.stream.name
            for s in catalog.streams
            if s.sync_mode == SyncMode.incremental
            and s.stream.name.endswith("_analytics")
            and s.stream.name not in ORGANIC
        )
        if incremental:
            message = (
                f"granularity TOTAL cannot be synced incrementally ({', '.join(incremental)}): each sync would add "
                "totals of overlapping periods. Fix: sync these streams in full refresh mode, or set granularity to "
                "DAY, WEEK or MONTH."
            )
            raise AirbyteTracedException(
                message=message, internal_message=message, failure_type=FailureType.config_error
            )

    def _warn_about_clamped_start(self, logger: logging.Logger, catalog: ConfiguredAirbyteCatalog) -> None:
        """Ads analytics reach 914 days back (reports fill what the sync endpoints cannot); organic analytics and
        HOUR rows have no reports behind them."""
        start = self.resolved_config.get("start_date")
        if not start:
            return
        today, granularity = self.sync.settings.today, self.sync.settings.granularity
        for name in sorted(s.stream.name for s in catalog.streams if s.stream.name.endswith("_analytics")):
            if name in ORGANIC:
                oldest = oldest_sync_day("DAY", today)
            else:  # the oldest day a report of any level reaches: ads analytics fill their history from reports
                oldest = report_windows(dt.date.min, today, "ADVERTISER", granularity, today=today)[0][0]
            if dt.date.fromisoformat(str(start)) < oldest:
                logger.warning(
                    f"start_date {start} is older than the {(today - oldest).days + 1} days Pinterest serves for "
                    f"{name}: it starts at {oldest.isoformat()}."
                )

    def _parents(self, names: set[str] | None = None) -> dict[str, set[str]]:
        """Each stream's parent streams (those it partitions by), for the streams named (all by default)."""
        definitions = cdk_seam.stream_definitions(self.resolved_manifest)
        return {d["name"]: cdk_seam.parent_stream_names(d) for d in definitions if names is None or d["name"] in names}

    def _warm_shared_parents(self, logger: logging.Logger, catalog: ConfiguredAirbyteCatalog) -> None:
        """List each parent that several selected streams partition by once, before the concurrent read.

        Parent listings are cached, but streams start together and would all miss the empty cache at once
        (the ad account list was fetched five times for one sync); read first, everyone is served from the cache.
        """
        selected = {s.stream.name for s in catalog.streams}
        users = Counter(name for parents in self._parents(selected).values() for name in parents)
        users.update(selected & set(users))
        shared = [name for name, count in users.items() if count > 1]
        for stream in self.streams_named(shared) if shared else ():
            try:
                # A host that accepts no connection is not waited for here, before "Starting syncing": the read's
                # requests (token refresh included) retry it within the one budget this first failure started.
                with self.sync.reachability.no_connection_retries():
                    for partition in stream.generate_partitions():
                        for _ in partition.read():
                            pass
            except Exception as error:  # noqa: BLE001 - the real read reports it with its context
                logger.debug(f"Pre-listing {stream.name} failed ({error}); streams will list it themselves.")
                if self.sync.fatal.first() is not None or reachability.connection_failure(error.__cause__) is not None:
                    return  # the other shared parents would fail alike

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        self.begin_sync()
        succeeded, message = check_connection(self, self.resolved_config)
        return AirbyteConnectionStatus(status=Status.SUCCEEDED if succeeded else Status.FAILED, message=message)


def _incomplete_if_unreadable(message: AirbyteMessage, sync: Sync) -> AirbyteMessage:
    """A COMPLETE stream status becomes INCOMPLETE for a stream that missed data it was asked for."""
    trace = message.trace if message.type == Type.TRACE else None
    status = trace.stream_status if trace is not None else None
    complete = status is not None and status.status == AirbyteStreamStatus.COMPLETE
    if complete and status.stream_descriptor.name in sync.unreadable.reasons():  # type: ignore[union-attr]
        status.status = AirbyteStreamStatus.INCOMPLETE
    return message
