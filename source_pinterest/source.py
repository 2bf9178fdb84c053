from __future__ import annotations

import copy
import datetime as dt
import json
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
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource
from airbyte_cdk.sources.types import ConnectionDefinition
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest import discovery
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
# Preparing the manifest (resolving $refs, propagating $parameters) costs about 0.3 s of CPU, 0.6 s when a substituted
# manifest is also validated against the CDK's schema, and depends only on its text. A container builds one source;
# tests and embedders build many.
_PREPARED: dict[str, dict[str, Any]] = {}  # canonical manifest JSON -> the prepared, validated manifest
_PREPARED_MAX = 4
# Records waiting between the CDK's workers and the main thread. The CDK allows 10,000; report and targeting rows
# (~15 KB each as dicts) made that queue alone ~150 MB on the large scenario. 1,000 is ~30 ms of the main
# thread's work: workers wait on a full queue, the main thread never does (it buffers its own messages).
RECORD_QUEUE_SIZE = 1_000

# Before any worker thread exists: concurrent reads evaluate Jinja templates (and so build ASTs) in every worker.
threadsafe_ast.install()


class SourcePinterest(YamlDeclarativeSource):
    """The declarative source; config, catalog and state must reach the constructor (the CDK reads them there)."""

    _shipped_manifest = False  # set when the manifest is read from this package's manifest.yaml

    def __init__(
        self,
        catalog: ConfiguredAirbyteCatalog | None = None,
        config: Mapping[str, Any] | None = None,
        state: list[AirbyteStateMessage] | None = None,
        config_path: str | None = None,
    ) -> None:
        super().__init__(
            path_to_yaml="manifest.yaml", catalog=catalog, config=config, state=state, config_path=config_path
        )
        # The CDK builds its factory inside __init__ and takes none from outside; ours only adds behaviour.
        self._constructor.__class__ = PinterestComponentFactory
        self._only: set[str] | None = None  # while reading: the catalog's streams, the only ones streams() builds
        self._constructor.sync = Sync(self._config or {})  # check, discover and read each start a new one
        self._constructor._init_mappings()  # its table of constructors holds methods bound before the switch
        self._concurrent_source._queue.maxsize = RECORD_QUEUE_SIZE  # Queue.put reads maxsize on every call

    def _read_and_parse_yaml_file(self, path_to_yaml_file: str) -> ConnectionDefinition:
        self._shipped_manifest = True  # one that tests and tools substitute does not come through here
        # spec.yaml is the `spec` block; the facts give the rate limits and the concurrency cap
        return with_facts(with_spec(super()._read_and_parse_yaml_file(path_to_yaml_file)))

    def _pre_process_manifest(self, manifest: dict[str, Any]) -> dict[str, Any]:
        self._manifest_key = json.dumps(manifest, sort_keys=True, default=str)
        prepared = _PREPARED.get(self._manifest_key)
        return copy.deepcopy(prepared) if prepared is not None else super()._pre_process_manifest(manifest)

    def _validate_source(self) -> None:
        # The shipped manifest is a file of this package, checked against the CDK's schema by a unit test
        # (test_config_and_check.py) rather than at every start (~0.27 s of CPU); a substituted one is checked here.
        if self._manifest_key in _PREPARED:
            return
        if not self._shipped_manifest:
            super()._validate_source()
        _PREPARED[self._manifest_key] = copy.deepcopy(self._source_config)
        while len(_PREPARED) > _PREPARED_MAX:
            del _PREPARED[next(iter(_PREPARED))]

    def _migrate_and_transform_config(
        self, config_path: str | None, config: Mapping[str, Any] | None
    ) -> Mapping[str, Any] | None:
        # The CDK's version persists nothing of the defaults either, but its OAuth refresh would emit the resolved
        # config; `normalise` keeps the user's own beside it for `config_file.save`.
        if not config or not self._spec_component:
            return config
        spec = self._spec_component
        return config_file.normalise(config, config_path, spec.migrate_config, spec.transform_config)

    @property
    def sync(self) -> Sync:
        """The decisions of the current check, discover or read; the factory hands it to the components it builds."""
        return self._constructor.sync

    def begin_sync(self) -> Sync:
        """A fresh Sync: nothing a previous check, discover or read of this source decided carries over."""
        self._constructor.sync = Sync(self._config or {})
        return self._constructor.sync

    def streams(self, config: Mapping[str, Any]) -> list[Any]:
        # check, discover and read all build streams here or in streams_named: one gate for a clear config_error.
        if self._only is not None:
            return self.streams_named(self._only)
        self._validate_config()
        return super().streams(config)

    def _validate_config(self) -> None:
        if self._config:  # the standard tests build the source without one
            config_validation.validate(self._config, self.sync.settings.today)

    def discover(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteCatalog:
        # The CDK builds every stream to list them (~1 s of CPU); the catalog needs only their definitions and
        # schema loaders (discovery.py). The same validation as streams(), in the same order, comes first.
        self.begin_sync()
        self._validate_config()
        if self._spec_component:
            self._spec_component.validate_config(self._config_for_validation)
        return discovery.airbyte_catalog(self)

    def streams_named(self, names: Iterable[str]) -> list[Any]:
        """Only the named streams, built as streams() builds them (parent caching decided over every stream).
        Building all ~40 costs about 1 s of CPU; check needs one, a read only its catalog's (benchmarks/report.md)."""
        self._validate_config()
        wanted = set(names)
        self._prepare_for_stream_build()
        configs = self._stream_configs(self._source_config)
        if wanted - {c["name"] for c in configs}:  # custom_* streams exist only once their template is resolved
            configs = configs + self.dynamic_streams
        return self._create_streams([c for c in configs if c.get("name") in wanted], configs)

    def _prepare_for_stream_build(self) -> None:
        # The CDK builds a new api_budget on every streams() call, and read() calls it twice (parent warm-up, then
        # the read): keep the first so one process counts each quota once.
        budget = self._constructor._api_budget
        super()._prepare_for_stream_build()
        if budget is not None:
            self._constructor._api_budget = budget

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
        with request_counting.tracking(tracked, self._constructor._api_budget), said.quiet(self.logger):
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
                self._concurrent_source._threadpool._threadpool.shutdown(wait=False, cancel_futures=True)
        # After every stream has finished (their data and state are out): one trace for what failed or was missed.
        closing = said.closing(failed, sync.unreadable.reasons())
        if closing is not None:
            raise closing

    def _reject_unknown_streams(self, catalog: ConfiguredAirbyteCatalog) -> None:
        # The CDK skips a stream it does not know without a word: the sync "succeeds" and replicates nothing.
        known = {c["name"] for c in self._stream_configs(self._source_config)}
        unknown = sorted({s.stream.name for s in catalog.streams} - known)
        if unknown:  # the built streams are the authority (dynamic ones exist only once built)
            known = {s.name for s in self.streams(self._config)}
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
        if self._config.get("granularity") != "TOTAL":
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
        start = self._config.get("start_date")
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

    def _parents(self, names: set[str] | None = None) -> dict[str, list[str]]:
        """Each stream's parent streams (those it partitions by), for the streams named (all by default)."""
        configs = self._stream_configs(self._source_config)
        return {c["name"]: self._parent_stream_names([c]) for c in configs if names is None or c["name"] in names}

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
        succeeded, message = check_connection(self, self._config)
        return AirbyteConnectionStatus(status=Status.SUCCEEDED if succeeded else Status.FAILED, message=message)


def _incomplete_if_unreadable(message: AirbyteMessage, sync: Sync) -> AirbyteMessage:
    """A COMPLETE stream status becomes INCOMPLETE for a stream that missed data it was asked for."""
    trace = message.trace if message.type == Type.TRACE else None
    status = trace.stream_status if trace is not None else None
    complete = status is not None and status.status == AirbyteStreamStatus.COMPLETE
    if complete and status.stream_descriptor.name in sync.unreadable.reasons():  # type: ignore[union-attr]
        status.status = AirbyteStreamStatus.INCOMPLETE
    return message
