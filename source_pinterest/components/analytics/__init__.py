"""The analytics streams, by kind (see each module): the shared retriever (`base`), ads and targeting analytics
(`targeting`), organic analytics (`organic`), row shaping (`rows`) and schemas (`schemas`). Which entities can have
rows in a window is `components/entities.py`."""
