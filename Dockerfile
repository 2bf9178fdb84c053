# Same base image as metadata.yaml's connectorBuildOptions (Python 3.11, user `airbyte`).
ARG BASE_IMAGE=docker.io/airbyte/python-connector-base:4.0.2@sha256:9fdb1888c4264cf6fee473649ecb593f56f58e5d0096a87ee0b231777e2e3e73

FROM ${BASE_IMAGE} AS builder
WORKDIR /airbyte/integration_code
COPY pyproject.toml README.md ./
COPY source_pinterest ./source_pinterest
RUN pip install --no-cache-dir .

FROM ${BASE_IMAGE}
WORKDIR /airbyte/integration_code
COPY --from=builder /usr/local /usr/local
USER airbyte
# The platform runs the image with spec|check|discover|read; the console script speaks the Airbyte protocol.
ENV AIRBYTE_ENTRYPOINT="source-pinterest"
ENTRYPOINT ["source-pinterest"]
LABEL io.airbyte.name=airbyte/source-pinterest
LABEL io.airbyte.version=3.0.0
