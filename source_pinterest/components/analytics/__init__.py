"""The analytics streams, one module per kind on a shared retriever (`base.AnalyticsRetriever`: request windows times
id batches, an answer cut short asked again):

- `ads`: ads analytics in the configured reporting_timezone, days beyond the sync endpoints' reach from reports;
- `targeting`: the same per group of targeting types, BETA types Pinterest refuses dropped for the sync;
- `organic`: pin and user account analytics (days only; the multi-pin beta, else pin by pin);
- `rows` and `schemas`: a row's shape and the streams' schemas.

Which entities can have rows in a window is `components/entities.py`; date windows are `components/windows.py`.
"""
